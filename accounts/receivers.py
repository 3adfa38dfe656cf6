"""Audit events for flows that django.contrib.auth, allauth and django-axes run.

Those packages own the flows, so their signals are where we learn that a sign-in, sign-out,
failure, lockout, password or email change happened. Each receiver calls one service that
writes exactly one audit event. (Our own use cases write their events in their services.)
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as allauth_signals
from axes.signals import user_locked_out
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.lockout import username_from_credentials
from accounts.services import users

LOGIN_METHOD_SESSION_KEY = "cp_login_method"


@receiver(auth_signals.user_logged_in, dispatch_uid="accounts.audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    method = "password"
    if request is not None and hasattr(request, "session"):
        method = request.session.pop(LOGIN_METHOD_SESSION_KEY, method)
    users.record_login_succeeded(user=user, method=method)


@receiver(auth_signals.user_logged_out, dispatch_uid="accounts.audit_logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if user is not None:
        users.record_logout(user=user)


@receiver(auth_signals.user_login_failed, dispatch_uid="accounts.audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    email = username_from_credentials(request, credentials) if request is not None else ""
    locked = bool(getattr(request, "axes_locked_out", False))
    users.record_login_failed(email=email, reason="locked_out" if locked else "invalid_credentials")


@receiver(user_locked_out, dispatch_uid="accounts.audit_locked_out")
def _locked_out(sender: Any, request: HttpRequest, username: str | None = None, **_: Any) -> None:
    users.record_locked_out(email=username or "")


@receiver(allauth_signals.password_changed, dispatch_uid="accounts.audit_password_changed")
def _password_changed(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    users.record_password_changed(user=user)


@receiver(allauth_signals.password_reset, dispatch_uid="accounts.audit_password_reset")
def _password_reset(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    users.record_password_reset(user=user)


@receiver(allauth_signals.email_changed, dispatch_uid="accounts.audit_email_changed")
def _email_changed(
    sender: Any,
    request: HttpRequest,
    user: Any,
    from_email_address: Any = None,
    to_email_address: Any = None,
    **_: Any,
) -> None:
    if from_email_address is None:
        return  # the first confirmation of an account's address: recorded as email.verified
    users.record_email_changed(
        user=user,
        old=from_email_address.email,
        new=to_email_address.email,
    )
