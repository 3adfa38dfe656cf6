"""Users: registration, demo users, and the audit events of sign-in flows.

allauth and django.contrib.auth run the browser flows; their signals (wired in
`accounts.receivers`) call the `record_*` functions here, so every flow writes exactly one
audit event whichever page or API started it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.audit import AuditAction, record, stream_for_user
from compliance.models import AuditEvent

DEMO_USERS: tuple[tuple[str, Role, bool], ...] = (
    ("trader@example.com", Role.TRADER, False),
    ("officer@example.com", Role.COMPLIANCE_OFFICER, True),
)


class EmailTaken(ValueError):
    """Registration with an address that already has an account."""


def add_default_role(user: User) -> None:
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=Role.TRADER.value)
    user.groups.add(group)


FULL_NAME_MAX = 200


@transaction.atomic(durable=True)
def register_user(*, request: HttpRequest, email: str, password: str, full_name: str = "") -> User:
    """Create an unverified trader and send the verification mail (API sign-up).

    The password passes Django's validators first; the account cannot sign in until the
    address is confirmed through the link in the mail. A `full_name` given is screened
    against the sanctions lists in the worker once the account is committed.
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    user = User(email=email, full_name=_clean_name(full_name))
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    add_default_role(user)
    record(
        action=AuditAction.USER_REGISTERED,
        actor=user,
        target=user,
        data={"email": email, "via": "api"},
    )
    transaction.on_commit(lambda: _send_verification(request, user))
    screen_at_signup(user)
    return user


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if len(name) > FULL_NAME_MAX:
        raise ValidationError({"full_name": [f"At most {FULL_NAME_MAX} characters."]})
    return name


def screen_at_signup(user: User) -> None:
    """A new account with a name is screened (in the worker, after commit)."""
    if user.full_name:
        from compliance.models import ScreeningTrigger
        from compliance.screening.services import request_screening

        request_screening(user=user, trigger=ScreeningTrigger.SIGNUP)


@transaction.atomic(durable=True)
def update_full_name(*, user: User, full_name: str) -> User:
    """Change the name the user goes by (profile page): one NAME_CHANGED event, and a
    screening of the new name (trigger name_change) in the worker after commit."""
    name = _clean_name(full_name)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.full_name == name:
        return locked
    old = locked.full_name
    locked.full_name = name
    locked.save(update_fields=["full_name"])
    record(
        action=AuditAction.NAME_CHANGED,
        actor=locked,
        target=locked,
        data={"old": old, "new": name},
    )
    if name:
        from compliance.models import ScreeningTrigger
        from compliance.screening.services import request_screening

        request_screening(user=locked, trigger=ScreeningTrigger.NAME_CHANGE)
    user.full_name = name
    return locked


def _send_verification(request: HttpRequest, user: User) -> None:
    """After commit, so nobody gets a link to an account that was rolled back."""
    from allauth.account.internal.flows.email_verification import (
        send_verification_email_for_user,
    )
    from allauth.core import context

    with context.request_context(request):
        send_verification_email_for_user(request, user)


@transaction.atomic(durable=True)
def seed_demo_users(*, password: str) -> list[User]:
    """Create (or reset to `password`) the verified demo trader and compliance officer.

    Development only: the command that calls this refuses to run in production.
    """
    groups = sync_roles()
    users = []
    for email, role, is_staff in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user.groups.add(groups[role])
        users.append(user)
    return users


def _record(action: AuditAction, user: User | None, **kwargs: Any) -> None:
    with transaction.atomic():
        record(action=action, actor=user, target=user, **kwargs)


def record_login_succeeded(*, user: User, method: str) -> None:
    """`method`: password, password+totp, password+backup_code, api, api+totp, ..."""
    _record(AuditAction.LOGIN_SUCCEEDED, user, data={"method": method})


def record_login_failed(*, email: str, reason: str) -> None:
    """A failed sign-in; it lands in the stream of the account tried, when one exists."""
    user = User.objects.filter(email__iexact=email).first() if email else None
    with transaction.atomic():
        record(
            action=AuditAction.LOGIN_FAILED,
            subject=user,
            target=user,
            data={"email": email, "reason": reason},
        )


def record_locked_out(*, email: str, now: datetime | None = None) -> None:
    """One event when a lockout begins; django-axes signals again on every try during it."""
    now = now or timezone.now()
    user = User.objects.filter(email__iexact=email).first() if email else None
    stream = stream_for_user(user.pk) if user is not None else "system"
    with transaction.atomic():
        already = AuditEvent.objects.filter(
            stream=stream,
            action=AuditAction.LOGIN_LOCKED_OUT,
            occurred_at__gte=now - settings.AXES_COOLOFF_TIME,
            data__email=email,
        ).exists()
        if not already:
            record(
                action=AuditAction.LOGIN_LOCKED_OUT,
                subject=user,
                target=user,
                data={"email": email},
                occurred_at=now,
            )


def record_logout(*, user: User) -> None:
    _record(AuditAction.LOGOUT, user)


def record_registered(*, user: User, via: str) -> None:
    _record(AuditAction.USER_REGISTERED, user, data={"email": user.email, "via": via})


def record_email_verified(*, user: User, email: str) -> None:
    _record(AuditAction.EMAIL_VERIFIED, user, data={"email": email})


def record_email_changed(*, user: User, old: str | None, new: str) -> None:
    _record(AuditAction.EMAIL_CHANGED, user, data={"old": old, "new": new})


def record_password_changed(*, user: User) -> None:
    _record(AuditAction.PASSWORD_CHANGED, user)


def record_password_reset(*, user: User) -> None:
    _record(AuditAction.PASSWORD_RESET, user)


def record_roles_changed(*, actor: User, user: User, old: list[str], new: list[str]) -> None:
    """An administrator changed `user`'s roles; call inside the transaction that did it."""
    record(action=AuditAction.ROLE_CHANGED, actor=actor, target=user, data={"old": old, "new": new})
