"""A user's compliance profile (compliance.models.ComplianceProfile): one row, made on demand."""

from __future__ import annotations

from accounts.models import User
from compliance.models import ComplianceProfile


def profile_of(user: User) -> ComplianceProfile:
    profile, _ = ComplianceProfile.objects.get_or_create(user=user)
    return profile


def trading_frozen(user: User) -> bool:
    return ComplianceProfile.objects.filter(user=user, trading_frozen=True).exists()
