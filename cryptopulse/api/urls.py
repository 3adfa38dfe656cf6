"""/api/v1/: every app's API under one version prefix, plus the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("trading.api.urls")),
    path("", include("papertrading.api.urls")),
    path("", include("compliance.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
