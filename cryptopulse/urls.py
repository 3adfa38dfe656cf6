from django.contrib import admin
from django.urls import include, path

from cryptopulse import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("compliance/officer/", include("compliance.officer_urls")),
    path("api/v1/", include("cryptopulse.api.urls")),
    path("paper-trading/", include("papertrading.urls")),
    path("", include("trading.urls")),
    path("", include("monitoring.urls")),
    path("", include("compliance.urls")),
]
