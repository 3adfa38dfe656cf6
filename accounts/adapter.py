"""allauth's hooks: our second-factor login stage, default role, client IP, audit events."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpRequest

from accounts.models import User
from accounts.services import users
from monitoring.middleware import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_SIGNUP_OPEN)

    def get_login_stages(self) -> list[str]:
        # After email verification, before the session exists: the TOTP code.
        return [*super().get_login_stages(), "accounts.stages.SecondFactorStage"]

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a label, nothing binds to it

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user.full_name = " ".join(str(form.cleaned_data.get("full_name") or "").split())[
            : users.FULL_NAME_MAX
        ]
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            users.add_default_role(user)
            users.record_registered(user=user, via="web")
            users.screen_at_signup(user)
        return user

    def confirm_email(self, request: HttpRequest, email_address: Any) -> bool:
        # Confirming a second address is an email change (recorded from allauth's
        # email_changed signal); only the first confirmation is "verified".
        is_change = (
            EmailAddress.objects.filter(user_id=email_address.user_id)
            .exclude(pk=email_address.pk)
            .exists()
        )
        confirmed = super().confirm_email(request, email_address)
        if confirmed and not is_change:
            user: User = email_address.user
            users.record_email_verified(user=user, email=email_address.email)
        return bool(confirmed)
