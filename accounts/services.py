"""Write use cases of the accounts app."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import Role

DEMO_USERS: tuple[tuple[str, Role, bool], ...] = (
    ("trader@example.com", Role.TRADER, False),
    ("officer@example.com", Role.COMPLIANCE_OFFICER, True),
)


def ensure_roles() -> dict[Role, Group]:
    """Create the role groups if missing; idempotent."""
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic(durable=True)
def seed_demo_users(*, password: str) -> list[User]:
    """Create (or reset to `password`) the demo trader and compliance officer.

    Development only: the command that calls this refuses to run in production.
    """
    groups = ensure_roles()
    users = []
    for email, role, is_staff in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(groups[role])
        users.append(user)
    return users
