"""Read queries of the accounts app, shared by pages and the API."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.db.models import QuerySet

from accounts.models import ApiKey, User


def api_keys_of(*, user: User) -> QuerySet[ApiKey]:
    """All keys of `user`, newest first (revoked ones too: they show when and what)."""
    return ApiKey.objects.filter(user=user).order_by("-created_at")


def sessions_of(*, user: User) -> list[UserSession]:
    """The user's live browser sessions (ended or expired ones are purged on the way)."""
    return sorted(
        UserSession.objects.purge_and_list(user), key=lambda s: s.last_seen_at, reverse=True
    )
