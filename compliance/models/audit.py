"""The audit trail: an append-only, hash-chained record of who did what, to whom, from where.

Rows are written only by `compliance.audit.record()`; read them with `compliance.selectors`
and check them with `manage.py verify_audit_chain`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from compliance.encoders import AuditJSONEncoder

# The prev_hash of the first event of every stream.
GENESIS_HASH = "0" * 64
APPEND_ONLY_MESSAGE = "Audit events cannot be changed or deleted."
SYSTEM_STREAM = "system"


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""

    def __init__(self, message: str = APPEND_ONLY_MESSAGE) -> None:
        super().__init__(message)


def audit_action_choices() -> list[tuple[str, str]]:
    """The action registry (`compliance.audit.AuditAction`), looked up when needed.

    A callable rather than the list itself, for two reasons: `compliance.audit` imports this
    module, so importing it here would be circular; and the migration stores this function's
    path instead of the list, so the actions other apps add later need no compliance migration.
    """
    from compliance.audit import AuditAction

    return AuditAction.choices


class ActorKind(models.TextChoices):
    """Who acted: a signed-in user, a personal API key (for its owner), or the system."""

    USER = "user", "User"
    API_KEY = "api_key", "API key"
    SYSTEM = "system", "System"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses bulk changes: the audit trail only ever grows."""

    def update(self, **kwargs: Any) -> int:
        raise AuditTrailIsAppendOnly

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly


class AuditEvent(models.Model):
    """One audited action. Invariant: rows are only ever inserted, by `audit.record()`.

    Events form one hash chain per `stream` ("user:<id>" for the affected user, or "system"):
    `seq` counts 1, 2, 3, … without gaps inside the stream, `prev_hash` is the `hash` of the
    previous event of the stream (64 zeros for seq 1), and `hash` is the SHA-256 of this row's
    canonical content including `prev_hash`, so changing, deleting or reordering a row breaks
    the chain where it happened. The `id` is the global sequence number: it orders all events
    by insert (across streams, concurrent commits may land slightly out of id order; inside a
    stream, seq is exact because writers take turns on the stream's head row).

    The actor and the target are copied into `actor_repr` / `target_repr` (and the actor's ids
    into `actor_user_ref` / `actor_api_key_ref`), so an event still says who and what after
    those rows are gone or renamed.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=64, choices=audit_action_choices)

    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # SET_NULL, not PROTECT: a user (or key) may be deleted and the event must survive it; who
    # acted stays readable in actor_repr. Not CASCADE: the collector would delete audit rows
    # with a raw DELETE, past the append-only guards. The FK index is the composite below.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's ids as recorded. Unlike the FKs above they are never nulled, so the hash,
    # which covers them, still verifies after the actor's deletion.
    actor_user_ref = models.BigIntegerField(null=True, blank=True)
    actor_api_key_ref = models.BigIntegerField(null=True, blank=True)
    actor_repr = models.CharField(max_length=255)

    # PROTECT: a content type that audit rows name must not vanish (deleting it would cascade).
    target_ct = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # NULL together with target_ct: no target. Text, so any primary key type fits.
    target_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    target = GenericForeignKey("target_ct", "target_id")
    target_repr = models.CharField(max_length=255, blank=True)

    data = models.JSONField(default=dict, blank=True, encoder=AuditJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    stream = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index the chain walk and the per-user security page read in order.
            models.UniqueConstraint(fields=["stream", "seq"], name="auditevent_stream_seq"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="auditevent_seq_from_1"),
        ]
        indexes = [
            models.Index(fields=["action", "occurred_at"], name="auditevent_action_time"),
            models.Index(fields=["target_ct", "target_id"], name="auditevent_target"),
            models.Index(fields=["actor_user", "occurred_at"], name="auditevent_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.stream} #{self.seq})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly


class AuditStreamHead(models.Model):
    """The last event of one stream. Invariant: `seq`/`hash` equal the stream's newest event.

    Writers lock only this row (SELECT … FOR UPDATE), so events of one stream are numbered
    one at a time while writers of different streams never wait for each other. It also lets
    the chain check notice that the newest events were deleted, which no link inside the
    chain can show.
    """

    stream = models.CharField(max_length=64, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.stream} @ {self.seq}"
