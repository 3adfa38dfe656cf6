"""Account pages: ours first, then allauth's (login, signup, email, password, sessions)."""

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("login/second-factor/", views.second_factor, name="account_second_factor"),
    path("2fa/setup/", views.two_factor_setup, name="account_2fa_setup"),
    path("2fa/verify/", views.two_factor_verify, name="account_2fa_verify"),
    path("2fa/disable/", views.two_factor_disable, name="account_2fa_disable"),
    path("2fa/backup-codes/", views.backup_codes_regenerate, name="account_backup_codes"),
    path("profile/", views.profile, name="account_profile"),
    path("security/", views.security, name="account_security"),
    path("security/api-keys/", views.api_key_create, name="account_api_key_create"),
    path(
        "security/api-keys/<int:key_id>/revoke/",
        views.api_key_revoke,
        name="account_api_key_revoke",
    ),
    path(
        "security/sessions/end-others/",
        views.sessions_end_others,
        name="account_sessions_end_others",
    ),
    path("", include("allauth.urls")),
]
