"""Roles are Django groups; permissions are attached to them as the apps that own them grow."""

from __future__ import annotations

from django.db.models import TextChoices


class Role(TextChoices):
    TRADER = "trader", "Trader"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    ADMIN = "admin", "Administrator"
