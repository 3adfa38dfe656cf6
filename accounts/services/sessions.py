"""Browser sessions of a user (allauth's usersessions), and signing them out."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.db import transaction

from accounts.models import User
from compliance.audit import AuditAction, record


@transaction.atomic(durable=True)
def end_session(*, user: User, session_id: int) -> None:
    """Sign out one of `user`'s sessions; another user's session is reported as not found."""
    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None:
        raise UserSession.DoesNotExist
    session.end()
    record(
        action=AuditAction.SESSION_REVOKED,
        actor=user,
        target=user,
        data={"sessions": 1, "ip": session.ip, "user_agent": session.user_agent[:200]},
    )


@transaction.atomic(durable=True)
def end_other_sessions(*, user: User, keep_session_key: str | None) -> int:
    """Sign out every session of `user` except the current one; return how many ended."""
    others = [
        session
        for session in UserSession.objects.filter(user=user)
        if session.session_key != keep_session_key
    ]
    for session in others:
        session.end()
    if others:
        record(
            action=AuditAction.SESSION_REVOKED,
            actor=user,
            target=user,
            data={"sessions": len(others)},
        )
    return len(others)
