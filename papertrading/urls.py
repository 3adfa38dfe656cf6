from django.urls import path

from papertrading import views

app_name = "papertrading"

urlpatterns = [
    path("", views.trade, name="trade"),
    path("live/", views.live, name="live"),
    path("how-fills-work.md", views.fill_rules, name="fill_rules"),
    path("accounts/new/", views.new_account, name="new_account"),
    path("accounts/<int:account_id>/reset/", views.reset, name="reset"),
    path("orders/<int:order_id>/cancel/", views.cancel, name="cancel"),
]
