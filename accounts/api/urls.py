from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="api-auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="api-auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="api-auth-logout"),
    path("auth/register", views.RegisterView.as_view(), name="api-auth-register"),
    path("me", views.MeView.as_view(), name="api-me"),
    path("api-keys", views.ApiKeyListView.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>", views.ApiKeyDetailView.as_view(), name="api-key-detail"),
    path("sessions", views.SessionListView.as_view(), name="api-sessions"),
    path("sessions/<int:session_id>", views.SessionDetailView.as_view(), name="api-session-detail"),
]
