"""TOTP two-factor authentication with django-otp, plus single-use backup codes.

A user has at most one confirmed TOTP device ("authenticator") and one static device holding
the backup codes. Enrolment creates an unconfirmed device; a correct code confirms it and
issues ten backup codes, shown once. Disabling needs the password and a code.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError

TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"


class TwoFactorError(ApplicationError):
    """A 2FA request that cannot be honoured; `code` says why, `field` where."""


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret_base32: str
    otpauth_url: str


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _enrolment(device: TOTPDevice) -> Enrolment:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return Enrolment(device=device, secret_base32=secret, otpauth_url=device.config_url)


@transaction.atomic(durable=True)
def start_enrolment(*, user: User) -> Enrolment:
    """The pending (unconfirmed) authenticator to scan; created once, reused on reload."""
    if is_enabled(user):
        raise TwoFactorError("2fa_already_enabled", "Two-factor authentication is already on.")
    device = TOTPDevice.objects.select_for_update().filter(
        user=user, confirmed=False
    ).first() or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return _enrolment(device)


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Turn 2FA on with a correct code from the app; return the backup codes (shown once).

    A wrong code commits nothing but the device's failure counter (django-otp throttling),
    so guessing slows down; that is why the error is raised after the transaction.
    """
    codes: list[str] | None = None
    with transaction.atomic(durable=True):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise TwoFactorError("no_pending_enrolment", "Start the set-up again.")
        if device.verify_token(code.strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(user)
            record(action=AuditAction.TWO_FACTOR_ENABLED, actor=user, target=user)
    if codes is None:
        raise TwoFactorError("invalid_code", "That code is not valid. Try the current one.", "code")
    return codes


def _locked_devices(user: User) -> list[Device]:
    totp = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
    static = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
    return [*totp, *static]


def verify_second_factor(*, user: User, code: str, audit_backup_use: bool = True) -> Device | None:
    """The device that accepts `code` (authenticator first, then a backup code), or None.

    A backup code is consumed by its use and (unless the caller's own event covers it)
    writes an audit event. Run it inside the caller's transaction.
    """
    code = code.strip().replace(" ", "")
    if not code:
        return None
    for device in _locked_devices(user):
        if device.verify_token(code):
            if audit_backup_use and isinstance(device, StaticDevice):
                record(
                    action=AuditAction.BACKUP_CODE_USED,
                    actor=user,
                    target=user,
                    data={"left": device.token_set.count()},
                )
            return device
    return None


def disable(*, user: User, password: str, code: str) -> None:
    """Turn 2FA off; needs the account password and a current code (or a backup code)."""
    if not is_enabled(user):
        raise TwoFactorError("2fa_not_enabled", "Two-factor authentication is not on.")
    if not user.check_password(password):
        raise TwoFactorError("invalid_password", "The password is not correct.", "password")
    with transaction.atomic(durable=True):
        device = verify_second_factor(user=user, code=code, audit_backup_use=False)
        if device is not None:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            record(action=AuditAction.TWO_FACTOR_DISABLED, actor=user, target=user)
    if device is None:
        raise TwoFactorError("invalid_code", "That code is not valid.", "code")


def regenerate_backup_codes(*, user: User, code: str) -> list[str]:
    """Replace every backup code with ten new ones; needs a current authenticator code."""
    codes: list[str] | None = None
    with transaction.atomic(durable=True):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise TwoFactorError("2fa_not_enabled", "Two-factor authentication is not on.")
        if device.verify_token(code.strip()):
            codes = _new_backup_codes(user)
            record(action=AuditAction.BACKUP_CODES_REGENERATED, actor=user, target=user)
    if codes is None:
        raise TwoFactorError("invalid_code", "That code is not valid.", "code")
    return codes
