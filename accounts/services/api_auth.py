"""Token sign-in for the API: password (+ second factor) → a JWT pair; sign-out blacklists."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.lockout import LOCKOUT_CODE, lockout_message
from accounts.models import User
from accounts.services import two_factor, users
from cryptopulse.errors import ApplicationError


class AuthError(ApplicationError):
    status = 401


@dataclass(frozen=True)
class TokenPair:
    user: User
    access: str
    refresh: str


def login(*, request: HttpRequest, email: str, password: str, otp_code: str = "") -> TokenPair:
    """Check the password (through django-axes), then the second factor; issue tokens.

    Wrong credentials never say which part was wrong. A locked-out account+address is
    refused before the password is checked; django-axes and the auth signals write the
    failure and lockout events, this function the success.
    """
    user = authenticate(request, email=email.strip().lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise ApplicationError(LOCKOUT_CODE, lockout_message(), status=429)
    if user is None:
        raise AuthError("invalid_credentials", "The email or password is not correct.")
    assert isinstance(user, User)  # noqa: S101 - our only user model
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise ApplicationError(
            "email_unverified",
            "Confirm your email address first: follow the link we sent you.",
            status=403,
        )
    method = "api"
    if two_factor.is_enabled(user):
        if not otp_code.strip():
            raise AuthError(
                "otp_required", "Enter the code from your authenticator app.", "otp_code"
            )
        with transaction.atomic():
            device = two_factor.verify_second_factor(user=user, code=otp_code)
        if device is None:
            users.record_login_failed(email=user.email, reason="invalid_second_factor")
            raise AuthError("otp_invalid", "That code is not valid.", "otp_code")
        method = "api+backup_code" if isinstance(device, StaticDevice) else "api+totp"
    refresh = RefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    users.record_login_succeeded(user=user, method=method)
    return TokenPair(user=user, access=str(refresh.access_token), refresh=str(refresh))


def logout(*, refresh: str) -> User | None:
    """Blacklist a refresh token (its access token expires by itself within minutes)."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise AuthError("token_not_valid", "The refresh token is not valid or expired.") from exc
    user_id = token.payload.get("user_id")
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    token.blacklist()
    if user is not None:
        users.record_logout(user=user)
    return user
