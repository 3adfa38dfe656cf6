"""Roles are Django groups with permissions; `sync_roles` makes the database match this file."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q, TextChoices


class Role(TextChoices):
    TRADER = "trader", "Trader"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    ADMIN = "admin", "Administrator"


# "app_label.codename"; later apps add theirs. Traders act through the product, not the admin.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.TRADER: (),
    Role.COMPLIANCE_OFFICER: (
        "compliance.view_auditevent",
        "accounts.view_user",
        "compliance.view_kycsubmission",
        "compliance.change_kycsubmission",
        "compliance.view_kycdocument",
        "compliance.view_complianceprofile",
        "compliance.view_watchlistversion",
        "compliance.view_watchlistentry",
        "compliance.view_cryptoaddress",
        "compliance.view_screeningmatch",
        "compliance.change_screeningmatch",
        "compliance.view_rescreenjob",
        "compliance.view_walletaddress",
        "compliance.view_monitoringrule",
        "compliance.change_monitoringrule",
        "compliance.view_alert",
        "compliance.view_case",
        "compliance.change_case",
        "compliance.view_casenote",
        "compliance.add_casenote",
        "compliance.view_caseattachment",
        "compliance.add_caseattachment",
        "compliance.view_freezerequest",
        "compliance.add_freezerequest",
        "compliance.change_freezerequest",
        "compliance.view_compliancereport",
        "compliance.add_compliancereport",
    ),
    Role.ADMIN: (
        "papertrading.view_paperaccount",
        "papertrading.view_ledgerentry",
        "compliance.view_auditevent",
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_apikey",
        "auth.view_group",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
    ),
}


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    if not names:
        return []
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise LookupError(f"Unknown permissions for roles: {sorted(missing)}")
    return found


def sync_roles() -> dict[Role, Group]:
    """Create each role's group and set exactly its permissions; idempotent."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
        groups[role] = group
    return groups
