"""Who counts as a compliance officer: an active staff member in the `compliance_officer`
group (accounts.roles). Superusers are not officers by default: add them to the group."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import Role


def is_compliance_officer(user: User | AnonymousUser) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.groups.filter(name=Role.COMPLIANCE_OFFICER).exists()
