"""The audit trail's one entry point: the action registry, `record()` and `verify_chain()`.

Services write events explicitly, inside their own transaction, through `record()`; never from
signals, which hide who acted. Each event joins the hash chain of one stream (the affected
user's, or "system"); `verify_chain()` (and `manage.py verify_audit_chain`) recomputes the
chains and names the first row of each stream that was changed, deleted or reordered.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from accounts.models import ApiKey, User
from compliance.encoders import AuditJSONEncoder
from compliance.models import (
    GENESIS_HASH,
    SYSTEM_STREAM,
    ActorKind,
    AuditEvent,
    AuditStreamHead,
)
from cryptopulse.request_context import get_client, get_request_id

__all__ = [
    "AuditAction",
    "ChainProblem",
    "ChainReport",
    "record",
    "stream_for_user",
    "verify_chain",
]


class AuditAction(models.TextChoices):
    """The one registry of audited actions, dotted `<app>.<object>.<verb>`. Add new ones here.

    Adding an action needs no migration: the model reads these choices through a callable.
    """

    USER_REGISTERED = "accounts.user.registered", "User registered"
    EMAIL_VERIFIED = "accounts.email.verified", "Email address verified"
    EMAIL_CHANGED = "accounts.email.changed", "Email address changed"
    LOGIN_SUCCEEDED = "accounts.login.succeeded", "Login succeeded"
    LOGIN_FAILED = "accounts.login.failed", "Login failed"
    LOGIN_LOCKED_OUT = "accounts.login.locked_out", "Login locked out"
    LOGOUT = "accounts.logout", "Logged out"
    PASSWORD_CHANGED = "accounts.password.changed", "Password changed"
    PASSWORD_RESET = "accounts.password.reset", "Password reset"
    TWO_FACTOR_ENABLED = "accounts.2fa.enabled", "Two-factor authentication enabled"
    TWO_FACTOR_DISABLED = "accounts.2fa.disabled", "Two-factor authentication disabled"
    BACKUP_CODE_USED = "accounts.2fa.backup_code_used", "Backup code used"
    BACKUP_CODES_REGENERATED = "accounts.2fa.backup_codes_regenerated", "Backup codes regenerated"
    API_KEY_CREATED = "accounts.apikey.created", "API key created"
    API_KEY_REVOKED = "accounts.apikey.revoked", "API key revoked"
    SESSION_REVOKED = "accounts.session.revoked", "Session revoked"
    ROLE_CHANGED = "accounts.role.changed", "Role changed"
    CONNECTION_ADDED = "trading.connection.added", "Exchange connection added"
    CONNECTION_TESTED = "trading.connection.tested", "Exchange connection tested"
    CONNECTION_REMOVED = "trading.connection.removed", "Exchange connection removed"
    EXCHANGE_KEYS_ROTATED = "trading.keys.rotated", "Exchange secrets re-encrypted"
    ORDER_PLACED = "trading.order.placed", "Order placed"
    ORDER_FILLED = "trading.order.filled", "Order filled by the market"
    ORDER_TRIGGERED = "trading.order.triggered", "Stop order triggered"
    ORDER_CANCELLED = "trading.order.cancelled", "Order cancelled"
    ORDER_REJECTED = "trading.order.rejected", "Order rejected by the exchange"
    ORDER_REFUSED = "trading.order.refused", "Order refused by the risk policy"
    RISK_LIMITS_CHANGED = "trading.risk_limits.changed", "Own risk limits changed"
    BOT_CREATED = "trading.bot.created", "Bot created"
    BOT_PAUSED = "trading.bot.paused", "Bot paused"
    BOT_RESUMED = "trading.bot.resumed", "Bot resumed"
    BOT_STOPPED = "trading.bot.stopped", "Bot stopped"
    BOT_FAILED = "trading.bot.failed", "Bot stopped by repeated failures"
    BOTS_PAUSED_ALL = "trading.bots.paused_all", "All of a user's bots paused"
    BOTS_HALTED = "trading.bots.halted", "All bots on the platform halted"
    BOTS_HALT_LIFTED = "trading.bots.halt_lifted", "Platform bot halt lifted"
    PAPER_ACCOUNT_OPENED = "papertrading.account.opened", "Paper account opened"
    PAPER_ACCOUNT_RESET = "papertrading.account.reset", "Paper account reset"
    PAPER_REPLAY_STARTED = "papertrading.replay.started", "Paper account bound to a replay"
    KYC_SUBMITTED = "compliance.kyc.submitted", "KYC submitted for review"
    KYC_APPROVED = "compliance.kyc.approved", "KYC approved"
    KYC_REJECTED = "compliance.kyc.rejected", "KYC rejected"
    KYC_RESUBMISSION_REQUESTED = "compliance.kyc.resubmission_requested", "KYC resubmission asked"
    KYC_EXPIRED = "compliance.kyc.expired", "KYC approval expired"
    KYC_DOCUMENT_UPLOADED = "compliance.kyc.document_uploaded", "KYC document uploaded"
    KYC_DOCUMENT_VIEWED = "compliance.kyc.document_viewed", "KYC document viewed by an officer"
    WATCHLIST_IMPORTED = "compliance.watchlist.imported", "Watchlist version imported"
    RESCREEN_STARTED = "compliance.rescreen.started", "Rescreen of all users started"
    SCREENING_MATCHED = "compliance.screening.matched", "Screening match found"
    SCREENING_CONFIRMED = "compliance.screening.confirmed", "Screening match confirmed"
    SCREENING_FALSE_POSITIVE = "compliance.screening.false_positive", "Screening false positive"
    WALLET_ADDED = "compliance.wallet.added", "Wallet address registered"
    WALLET_LISTED = "compliance.wallet.listed", "Wallet address found on a list"
    ALERT_RAISED = "compliance.alert.raised", "Monitoring alert raised"
    MONITORING_RULE_CHANGED = "compliance.rule.changed", "Monitoring rule changed"
    CASE_OPENED = "compliance.case.opened", "Case opened"
    CASE_ASSIGNED = "compliance.case.assigned", "Case assigned"
    CASE_NOTE_ADDED = "compliance.case.note_added", "Case note added"
    CASE_ATTACHMENT_ADDED = "compliance.case.attachment_added", "Case attachment added"
    CASE_ESCALATED = "compliance.case.escalated", "Case escalated"
    CASE_CLOSED = "compliance.case.closed", "Case closed"
    FREEZE_REQUESTED = "compliance.freeze.requested", "Freeze or unfreeze requested"
    FREEZE_APPROVED = "compliance.freeze.approved", "Freeze or unfreeze approved"
    FREEZE_REJECTED = "compliance.freeze.rejected", "Freeze or unfreeze rejected"
    USER_FROZEN = "compliance.user.frozen", "Trading frozen"
    USER_UNFROZEN = "compliance.user.unfrozen", "Trading unfrozen"
    REPORT_GENERATED = "compliance.report.generated", "Compliance report generated"
    NAME_CHANGED = "accounts.name.changed", "Full name changed"


MASK = "***"
# A data key containing any of these (case-insensitive) has its value replaced by MASK.
SECRET_KEY_FRAGMENTS = ("password", "secret", "token", "otp", "totp", "code", "key", "backup")
# ...except these, which name a secret without being one (an API key's public prefix).
NOT_SECRET_KEYS = frozenset({"key_prefix", "prefix"})

USER_AGENT_MAX = 512
REQUEST_ID_MAX = 128
REPR_MAX = 255

# The columns the hash covers, as `.values()` names them; record() and the check share them.
_HASHED_COLUMNS = (
    "stream",
    "seq",
    "occurred_at",
    "action",
    "actor_kind",
    "actor_user_ref",
    "actor_api_key_ref",
    "actor_repr",
    "target_ct_id",
    "target_id",
    "target_repr",
    "data",
    "ip",
    "user_agent",
    "request_id",
    "prev_hash",
)

# Each actor FK and the recorded id it may differ from only by having been nulled.
_ACTOR_FKS = (("actor_user_id", "actor_user_ref"), ("actor_api_key_id", "actor_api_key_ref"))


def stream_for_user(user_id: int) -> str:
    """The stream that holds the events affecting one user."""
    return f"user:{user_id}"


def record(
    *,
    action: AuditAction,
    actor: User | ApiKey | None = None,
    subject: User | None = None,
    target: models.Model | None = None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, inside the caller's transaction.

    `actor` is who acted: a user, an API key (whose owner is recorded too), or None for the
    system. `subject` is the user the event is about; without it, a User `target` is the
    subject, and otherwise the acting user. The event joins that user's stream, or "system".
    `data` holds old/new values; secret-looking keys are masked at any depth, Decimals and
    datetimes stored as exact strings. IP address, user agent and request id come from the
    request context (`cryptopulse.request_context`), so callers do not pass them around.

    The event commits or rolls back with the caller's work, so it must run inside
    `transaction.atomic()`. It locks the stream's head row until that transaction ends:
    record the event late in the transaction to keep the stream lock short, and when one
    transaction records for several streams, record them in a fixed order (e.g. by user id)
    so two such transactions cannot deadlock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside transaction.atomic()")
    action = AuditAction(action)  # a plain string outside the registry raises ValueError
    when = timezone.now() if occurred_at is None else occurred_at
    if timezone.is_naive(when):
        raise ValueError("occurred_at must be timezone-aware")

    kind, actor_user_id, actor_api_key_id, actor_repr = _describe_actor(actor)
    target_ct, target_id, target_repr = _describe_target(target)
    stream = _choose_stream(subject=subject, target=target, actor_user_id=actor_user_id)
    client = get_client()
    row: dict[str, Any] = {
        "stream": stream,
        "occurred_at": when.astimezone(UTC),
        "action": action.value,
        "actor_kind": kind.value,
        "actor_user_ref": actor_user_id,
        "actor_api_key_ref": actor_api_key_id,
        "actor_repr": actor_repr,
        "target_ct_id": target_ct.pk if target_ct is not None else None,
        "target_id": target_id,
        "target_repr": target_repr,
        "data": _clean_data(data or {}),
        "ip": _canonical_ip(client.ip) if client is not None else None,
        "user_agent": _text(client.user_agent, USER_AGENT_MAX) if client is not None else "",
        "request_id": _text(get_request_id() or "", REQUEST_ID_MAX),
    }

    # Everything above can fail without holding the lock; from here on the stream waits.
    head = _lock_head(stream)
    row["seq"], row["prev_hash"] = head.seq + 1, head.hash
    event = AuditEvent(
        **row,
        hash=_row_hash(row),
        actor_user_id=actor_user_id,
        actor_api_key_id=actor_api_key_id,
    )
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def _describe_actor(actor: User | ApiKey | None) -> tuple[ActorKind, int | None, int | None, str]:
    if actor is None:
        return ActorKind.SYSTEM, None, None, "system"
    if not isinstance(actor, User | ApiKey):
        raise TypeError(f"an audit actor is a User, an ApiKey or None, not {type(actor).__name__}")
    if actor.pk is None:
        raise ValueError("an audit actor must be saved first")
    if isinstance(actor, ApiKey):
        owner = actor.user
        return (
            ActorKind.API_KEY,
            owner.pk,
            actor.pk,
            _text(f"api key cp_{actor.prefix}… of {owner.email}", REPR_MAX),
        )
    return ActorKind.USER, actor.pk, None, _text(actor.email, REPR_MAX)


def _describe_target(target: models.Model | None) -> tuple[ContentType | None, str | None, str]:
    if target is None:
        return None, None, ""
    if target.pk is None:
        raise ValueError("an audit target must be saved first")
    content_type = ContentType.objects.get_for_model(target)  # cached after the first call
    return content_type, str(target.pk), _text(str(target), REPR_MAX)


def _choose_stream(
    *, subject: User | None, target: models.Model | None, actor_user_id: int | None
) -> str:
    if subject is not None:
        if subject.pk is None:
            raise ValueError("an audit subject must be saved first")
        return stream_for_user(subject.pk)
    if isinstance(target, User):
        return stream_for_user(target.pk)
    if actor_user_id is not None:
        return stream_for_user(actor_user_id)
    return SYSTEM_STREAM


def _lock_head(stream: str) -> AuditStreamHead:
    """The stream's head row, locked until the caller's transaction ends."""
    heads = AuditStreamHead.objects.select_for_update()
    head = heads.filter(stream=stream).first()
    if head is None:
        # The stream's first event. Two writers may both get here: ON CONFLICT DO NOTHING
        # makes the second wait for the first's insert and then skip its own, and both queue
        # on the row lock below, so neither fails and the chain starts once.
        AuditStreamHead.objects.bulk_create([AuditStreamHead(stream=stream)], ignore_conflicts=True)
        head = heads.get(stream=stream)
    return head


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; an audit write must not fail on a hostile header.
    return value.replace("\x00", "")[:limit]


def _canonical_ip(value: str | None) -> str | None:
    """One spelling per address (or None when it is not one), here and in the chain check.

    The hash must not depend on how PostgreSQL prints an `inet`; a garbage forwarded-for value
    must not make the caller's transaction fail on insert. A zone (`%eth0`) is dropped, as
    PostgreSQL refuses it.
    """
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    return str(type(address)(int(address)))


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered not in NOT_SECRET_KEYS and any(part in lowered for part in SECRET_KEY_FRAGMENTS)


def _mask(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(key).replace("\x00", ""): MASK if _is_secret(str(key)) else _mask(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(item) for item in value]
    if isinstance(value, float):
        # jsonb hands some floats back in another notation (1e16 comes back as an int), which
        # would change the hash; amounts are Decimals anyway, so floats are kept as text too.
        return repr(value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def _clean_data(data: Mapping[str, Any]) -> Any:
    """Masked, and reduced to plain JSON exactly as it will come back from the database."""
    encoded = json.dumps(_mask(data), cls=AuditJSONEncoder, allow_nan=False)
    return json.loads(encoded)


def _row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a row's content, `prev_hash` included.

    Built from `.values()`-style rows, so `record()` and `verify_chain()` hash the same thing.
    """
    target_ct_id = row["target_ct_id"]
    if target_ct_id is None:
        target_ct = None
    else:
        content_type = ContentType.objects.get_for_id(target_ct_id)
        target_ct = f"{content_type.app_label}.{content_type.model}"
    content = {
        "stream": row["stream"],
        "seq": row["seq"],
        "occurred_at": row["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds"),
        "action": str(row["action"]),
        "actor_kind": str(row["actor_kind"]),
        "actor_user_id": row["actor_user_ref"],
        "actor_api_key_id": row["actor_api_key_ref"],
        "actor_repr": row["actor_repr"],
        "target_ct": target_ct,
        "target_id": row["target_id"],
        "target_repr": row["target_repr"],
        "data": row["data"],
        "ip": _canonical_ip(row["ip"]),
        "user_agent": row["user_agent"],
        "request_id": row["request_id"],
        "prev_hash": row["prev_hash"],
    }
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """The first bad position of one stream; `event_id` is None when the row is missing."""

    stream: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        event_id = "-" if self.event_id is None else str(self.event_id)
        return f"stream {self.stream} seq {self.seq} id {event_id}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    events: int
    streams: int
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(*, stream: str | None = None, chunk_size: int = 2000) -> ChainReport:
    """Recompute every stream's chain (or one stream's) and report its first bad row.

    Per stream, in seq order: seq must run 1, 2, 3, … (a gap is a deleted row), each
    prev_hash must equal the previous row's hash (else rows were reordered or replaced), each
    hash must match the row's content (else it was changed), the actor FKs may only have been
    nulled, and the head row must agree with the last event (else the newest rows were
    deleted). Rows are streamed from the database, so memory stays flat; the head rows are held
    in memory (one per user).

    Outside a transaction the walk runs in one REPEATABLE READ snapshot, so events that commit
    meanwhile do not look like a disagreeing head.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        return _verify(stream=stream, chunk_size=chunk_size)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify(stream=stream, chunk_size=chunk_size)


def _verify(*, stream: str | None, chunk_size: int) -> ChainReport:
    heads = AuditStreamHead.objects.all()
    events = AuditEvent.objects.order_by("stream", "seq")  # walks the (stream, seq) index
    if stream is not None:
        heads = heads.filter(stream=stream)
        events = events.filter(stream=stream)
    unvisited_heads = {head.stream: head for head in heads}

    problems: list[ChainProblem] = []
    walk: _StreamWalk | None = None
    events_seen = streams_seen = 0
    rows = events.values("id", "hash", "actor_user_id", "actor_api_key_id", *_HASHED_COLUMNS)
    for row in rows.iterator(chunk_size=chunk_size):
        events_seen += 1
        if walk is None or row["stream"] != walk.stream:
            if walk is not None:
                problems.extend(walk.finish())
            streams_seen += 1
            walk = _StreamWalk(row["stream"], unvisited_heads.pop(row["stream"], None))
        walk.check(row)
    if walk is not None:
        problems.extend(walk.finish())

    for head in sorted(unvisited_heads.values(), key=lambda head: head.stream):
        streams_seen += 1
        if head.seq != 0:
            problems.append(
                ChainProblem(
                    head.stream,
                    1,
                    None,
                    f"head mismatch: the head is at seq {head.seq} but the stream has no "
                    "events (rows deleted)",
                )
            )
    return ChainReport(events=events_seen, streams=streams_seen, problems=problems)


class _StreamWalk:
    """The state of checking one stream's rows in seq order; stops at the first bad row."""

    def __init__(self, stream: str, head: AuditStreamHead | None) -> None:
        self.stream = stream
        # A missing head reads as an empty one, so every row of the stream is beyond it.
        self.head_seq = head.seq if head is not None else 0
        self.head_hash = head.hash if head is not None else GENESIS_HASH
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.last_id: int | None = None
        self.problem: ChainProblem | None = None

    def check(self, row: Mapping[str, Any]) -> None:
        if self.problem is not None:
            return
        reason = self._fault(row)
        if reason is not None:
            self.problem = ChainProblem(self.stream, row["seq"], row["id"], reason)
            return
        self.last_seq, self.last_hash, self.last_id = row["seq"], row["hash"], row["id"]

    def _fault(self, row: Mapping[str, Any]) -> str | None:
        seq = row["seq"]
        if seq != self.last_seq + 1:
            return f"gap in sequence: expected seq {self.last_seq + 1}, found {seq} (row deleted)"
        if row["prev_hash"] != self.last_hash:
            return (
                f"prev_hash mismatch: does not link to seq {self.last_seq} "
                "(rows reordered or rewritten)"
            )
        if _row_hash(row) != row["hash"]:
            return "hash mismatch: the row's content was changed"
        for fk, ref in _ACTOR_FKS:
            # Deleting the actor nulls the FK; any value other than the recorded id is forgery.
            if row[fk] is not None and row[fk] != row[ref]:
                return f"actor mismatch: {fk} is {row[fk]}, recorded as {row[ref]}"
        if seq > self.head_seq:
            return f"head mismatch: the row is beyond the head (seq {self.head_seq})"
        return None

    def finish(self) -> list[ChainProblem]:
        if self.problem is not None:
            return [self.problem]
        if self.head_seq > self.last_seq:
            reason = (
                f"head mismatch: the head is at seq {self.head_seq} but the stream ends at seq "
                f"{self.last_seq} (newest rows deleted)"
            )
            return [ChainProblem(self.stream, self.last_seq + 1, None, reason)]
        if self.head_hash != self.last_hash:
            reason = "head mismatch: the head's hash differs from the last event's"
            return [ChainProblem(self.stream, self.last_seq, self.last_id, reason)]
        return []
