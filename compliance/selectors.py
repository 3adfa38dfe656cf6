"""Read queries over the audit trail, shared by pages, the API and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from compliance.audit import AuditAction, stream_for_user
from compliance.models import AuditEvent

# What a user's security page lists: sign-ins and everything that changes how one signs in.
SECURITY_ACTIONS: frozenset[AuditAction] = frozenset(
    {
        AuditAction.LOGIN_SUCCEEDED,
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGIN_LOCKED_OUT,
        AuditAction.LOGOUT,
        AuditAction.PASSWORD_CHANGED,
        AuditAction.PASSWORD_RESET,
        AuditAction.TWO_FACTOR_ENABLED,
        AuditAction.TWO_FACTOR_DISABLED,
        AuditAction.BACKUP_CODE_USED,
        AuditAction.BACKUP_CODES_REGENERATED,
        AuditAction.API_KEY_CREATED,
        AuditAction.API_KEY_REVOKED,
        AuditAction.SESSION_REVOKED,
        AuditAction.EMAIL_CHANGED,
    }
)


def security_events_for(*, user: User, limit: int = 20) -> QuerySet[AuditEvent]:
    """The user's newest security events, newest first, at most `limit`.

    Reads the user's own stream backwards along the (stream, seq) unique index, so the cost
    follows `limit`, not the size of the table. The actor's user and API key come in the same
    query, for "by you", "by API key …" or "by staff" beside each event.
    """
    return (
        AuditEvent.objects.filter(
            stream=stream_for_user(user.pk), action__in=sorted(SECURITY_ACTIONS)
        )
        .select_related("actor_user", "actor_api_key")
        .order_by("-seq")[:limit]
    )
