"""The admin site: staff only, and only with a verified second factor.

Compliance officers and administrators see personal and financial data there, so a password
alone is not enough. A staff member without 2FA is sent to set it up; anyone signed out goes
through the normal sign-in (which asks for the code).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class TwoFactorAdminSite(admin.AdminSite):
    site_header = "CryptoPulse administration"
    site_title = "CryptoPulse admin"
    index_title = "Site administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        # OTPMiddleware adds is_verified(): true when this session passed a second factor.
        is_verified = getattr(user, "is_verified", None)
        return bool(user.is_active and user.is_staff and callable(is_verified) and is_verified())

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied("The admin is for staff.")
        if request.user.is_authenticated:
            from accounts.services.two_factor import is_enabled

            # Signed in without a verified second factor: pass it, or set it up first.
            target = "account_2fa_verify" if is_enabled(request.user) else "account_2fa_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class ReadOnlyAdminMixin:
    """For records nobody edits in the admin (audit events, API keys): view only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CryptoPulseAdminConfig(AdminConfig):
    default_site = "cryptopulse.admin.TwoFactorAdminSite"
