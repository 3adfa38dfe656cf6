"""Idempotency keys of API requests: claimed, answered or released, looked up, purged.

A client sends `Idempotency-Key: <key>` with a POST; the first request with a key claims it
(one row, unique on user + key), runs, and stores its answer; a repeat gets that answer
instead of running again. The claim is committed on its own, before the request's work, so
a concurrent repeat sees it and is told to retry later instead of running twice.
`claim_idempotency_key` ↔ `store_idempotent_response` / `release_idempotency_key`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import IdempotencyState, IdempotentRequest, User
from cryptopulse.errors import ApplicationError

MAX_KEY_LENGTH = 255
# A claim still in progress after this long belongs to a request that died without
# releasing it (a SIGKILLed worker): gunicorn kills requests after WEB_TIMEOUT (30 s), so
# nothing can still be running it, and the key is free again rather than 409 for a day.
IN_PROGRESS_LEASE = timedelta(minutes=5)
# Answers that say "not now" rather than "this is the outcome": a retry must run again.
RETRYABLE_STATUSES = frozenset({409, 429})


class IdempotencyKeyReused(ApplicationError):
    """The key was first used for a different request (method, path or body)."""

    status = 422


class IdempotencyInProgress(ApplicationError):
    """The first request with this key has not finished yet."""

    status = 409


@dataclass(frozen=True)
class Claim:
    """What claiming a key gave: `claimed` means this caller owns it now and must store an
    answer or release it; otherwise `record` is a finished request whose answer to replay."""

    record: IdempotentRequest
    claimed: bool


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """sha256 hex of what makes two requests "the same": method, path (with query), raw body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        # Length-prefixed, so no shift of bytes between the parts gives the same digest.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def key_ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def is_storable_status(status: int) -> bool:
    """2xx and 4xx answers are the outcome of the request; 409, 429 and 5xx are not."""
    return 200 <= status < 300 or (400 <= status < 500 and status not in RETRYABLE_STATUSES)


def _is_stale(record: IdempotentRequest, now: datetime) -> bool:
    if record.expires_at <= now:
        return True
    return record.state == IdempotencyState.IN_PROGRESS and record.created_at <= (
        now - IN_PROGRESS_LEASE
    )


def _new_claim(*, user: User, key: str, fingerprint: str, now: datetime) -> IdempotentRequest:
    return IdempotentRequest.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        state=IdempotencyState.IN_PROGRESS,
        created_at=now,
        expires_at=now + key_ttl(),
    )


def claim_idempotency_key(
    *, user: User, key: str, fingerprint: str, now: datetime | None = None
) -> Claim:
    """Claim `key` for `user`'s request, or find the finished request that used it.

    Commits at once (durable), so the claim is visible to concurrent requests while this
    one runs. An expired row (or an abandoned claim, see IN_PROGRESS_LEASE) is replaced by
    a new claim with a new id. Raises IdempotencyKeyReused when the key's request had
    another fingerprint, IdempotencyInProgress while that request is still running.
    """
    now = now or timezone.now()
    # Two rounds: a row we collided with may be purged before we can lock it.
    for _round in range(2):
        with transaction.atomic(durable=True):
            try:
                with transaction.atomic():
                    record = _new_claim(user=user, key=key, fingerprint=fingerprint, now=now)
                return Claim(record=record, claimed=True)
            except IntegrityError:
                pass  # the key is taken: a concurrent insert waits for its commit first
            existing = (
                IdempotentRequest.objects.select_for_update().filter(user=user, key=key).first()
            )
            if existing is None:
                continue
            if _is_stale(existing, now):
                existing.delete()
                record = _new_claim(user=user, key=key, fingerprint=fingerprint, now=now)
                return Claim(record=record, claimed=True)
            if existing.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request.",
                )
            if existing.state == IdempotencyState.IN_PROGRESS:
                raise IdempotencyInProgress(
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry later.",
                )
            return Claim(record=existing, claimed=False)
    raise IdempotencyInProgress(
        "idempotency_in_progress", "The Idempotency-Key is changing hands; retry later."
    )


def _release(record: IdempotentRequest) -> None:
    IdempotentRequest.objects.filter(pk=record.pk, state=IdempotencyState.IN_PROGRESS).delete()


@transaction.atomic(durable=True)
def store_idempotent_response(
    *, record: IdempotentRequest, status: int, body: Any, now: datetime | None = None
) -> bool:
    """Finish a claim with its answer, so repeats replay it; True when stored.

    An answer that is not the request's outcome (409, 429, any 5xx: `is_storable_status`)
    is not stored: the claim is released instead, so a retry runs again. A claim that was
    meanwhile replaced (it outlived IN_PROGRESS_LEASE) or expired is left alone.
    """
    if not is_storable_status(status):
        _release(record)
        return False
    now = now or timezone.now()
    stored = IdempotentRequest.objects.filter(
        pk=record.pk, state=IdempotencyState.IN_PROGRESS, expires_at__gt=now
    ).update(state=IdempotencyState.DONE, response_status=status, response_body=body)
    return stored == 1


@transaction.atomic(durable=True)
def release_idempotency_key(*, record: IdempotentRequest) -> None:
    """Give up a claim without an answer (the request failed), so a retry runs again.

    Only an in-progress claim is removed: a stored answer stays, whoever calls this.
    """
    _release(record)


def find_idempotent_request(
    *, user: User, key: str, now: datetime | None = None
) -> IdempotentRequest | None:
    """`user`'s unexpired row for `key` (in progress or done), or None."""
    now = now or timezone.now()
    return IdempotentRequest.objects.filter(user=user, key=key, expires_at__gt=now).first()


@transaction.atomic(durable=True)
def purge_expired_idempotency_keys(*, now: datetime | None = None) -> int:
    """Delete every row past its `expires_at`; return how many. Running it again deletes 0.

    Expired rows already count as absent (`claim_idempotency_key` replaces them), so this
    only keeps the table small; it never changes an answer.
    """
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(expires_at__lte=now).delete()
    return deleted
