"""Personal API keys: created (shown once), checked on every API call, revoked.

Format `cp_<prefix>_<secret>`: the 8-character prefix is visible and finds the row; the
32-byte secret is only ever shown at creation and stored as its SHA-256 digest, compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, ApiKeyScope, User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError

KEY_PREFIX = "cp"
PREFIX_LENGTH = 8
# last_used_at is written at most this often per key, so a busy key costs no write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEYS_PER_USER = 20


class ApiKeyError(ApplicationError):
    """A key that cannot be issued as asked."""


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    plaintext: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_allowed_ips(entries: list[str]) -> list[str]:
    """Addresses or networks in canonical form; raises ApiKeyError naming a bad entry."""
    cleaned = []
    for entry in entries:
        try:
            cleaned.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError as exc:
            raise ApiKeyError(
                "invalid_ip", f"{entry!r} is not an IP address or network.", "allowed_ips"
            ) from exc
    return cleaned


@transaction.atomic(durable=True)
def create_api_key(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    allowed_ips: list[str] | None = None,
    now: datetime | None = None,
) -> IssuedKey:
    """Issue a key for `user`; the plaintext is returned once and never stored."""
    now = now or timezone.now()
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiKeyScope.values):
        raise ApiKeyError("invalid_scopes", "Scopes must be read and/or trade.", "scopes")
    if expires_at is not None and expires_at <= now:
        raise ApiKeyError("invalid_expiry", "The expiry must be in the future.", "expires_at")
    User.objects.select_for_update().get(pk=user.pk)  # serialise the per-user cap
    if ApiKey.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_KEYS_PER_USER:
        raise ApiKeyError("too_many_keys", f"At most {MAX_KEYS_PER_USER} active keys per user.")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        user=user,
        name=name.strip() or "API key",
        prefix=prefix,
        key_hash=_digest(secret),
        scopes=scopes,
        allowed_ips=normalise_allowed_ips(allowed_ips or []),
        expires_at=expires_at,
    )
    record(
        action=AuditAction.API_KEY_CREATED,
        actor=user,
        target=api_key,
        data={
            "prefix": prefix,
            "name": api_key.name,
            "scopes": scopes,
            "expires_at": expires_at,
            "allowed_ips": api_key.allowed_ips,
        },
    )
    return IssuedKey(api_key=api_key, plaintext=f"{KEY_PREFIX}_{prefix}_{secret}")


@transaction.atomic(durable=True)
def revoke_api_key(*, user: User, key_id: int, now: datetime | None = None) -> ApiKey:
    """Revoke one of `user`'s keys; a key of another user is reported as not found."""
    api_key = ApiKey.objects.select_for_update().filter(user=user, pk=key_id).first()
    if api_key is None:
        raise ApiKey.DoesNotExist
    if api_key.revoked_at is None:
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])
        record(
            action=AuditAction.API_KEY_REVOKED,
            actor=user,
            target=api_key,
            data={"prefix": api_key.prefix},
        )
    return api_key


def _ip_allowed(api_key: ApiKey, ip: str | None) -> bool:
    if not api_key.allowed_ips:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    return any(address in ipaddress.ip_network(net) for net in api_key.allowed_ips)


def authenticate_api_key(
    *, presented: str, ip: str | None, now: datetime | None = None
) -> ApiKey | None:
    """The active key matching `presented` and usable from `ip`, or None.

    Marks its last use (at most once per LAST_USED_RESOLUTION).
    """
    now = now or timezone.now()
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != PREFIX_LENGTH:
        return None
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(parts[2])):
        return None
    if api_key.expires_at is not None and api_key.expires_at <= now:
        return None
    if not api_key.user.is_active or not _ip_allowed(api_key, ip):
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
