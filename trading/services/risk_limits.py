"""A user's own risk limits: they may only tighten the platform's (trading.risk).

`set_user_limits` replaces the user's limits (a name left out falls back to the platform's)
after `clean_overrides` has refused any looser than the platform's; `user_limits` is what the
user's orders are judged by, the tighter of each pair. Bots tighten further with their own
(`trading.risk.effective_limits_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.models import ApiKey, User
from compliance.audit import AuditAction, record
from trading.models import RiskProfile
from trading.risk import RiskLimits, clean_overrides, platform_limits, tighten


@dataclass(frozen=True)
class UserRiskLimits:
    """The three views the API and the account page show."""

    platform: RiskLimits
    own: dict[str, float]  # what the user set, by name
    effective: RiskLimits


def own_limits(user: User) -> dict[str, float]:
    """The limits the user set (none: an empty dict)."""
    limits = RiskProfile.objects.filter(user=user).values_list("limits", flat=True).first()
    return dict(limits or {})


def user_limits(user: User) -> RiskLimits:
    """The platform's limits, each tightened by the user's own where that is tighter."""
    return tighten(platform_limits(), own_limits(user))


def risk_limits_of(user: User) -> UserRiskLimits:
    own = own_limits(user)
    platform = platform_limits()
    return UserRiskLimits(platform=platform, own=own, effective=tighten(platform, own))


@transaction.atomic(durable=True)
def set_user_limits(
    *, user: User, limits: dict[str, Any], actor: User | ApiKey | None = None
) -> RiskProfile:
    """Replace the user's own limits with `limits` (an empty dict clears them).

    Each must be at least as tight as the platform's: a looser or unknown one is a 400 naming
    it, and nothing is saved. One audit event records the old and new limits.
    """
    cleaned = clean_overrides(limits)
    profile, _created = RiskProfile.objects.select_for_update().get_or_create(user=user)
    old = dict(profile.limits)
    profile.limits = cleaned
    profile.save(update_fields=["limits", "updated_at"])
    record(
        action=AuditAction.RISK_LIMITS_CHANGED,
        actor=actor or user,
        subject=user,
        target=profile,
        data={"old": old, "new": cleaned},
    )
    return profile
