"""Opening cases: every screening hit, monitoring alert or listed wallet lands in one.

A user has at most one open case per kind: new evidence of the same kind joins it (its
severity rises to the highest seen), so officers work a user's story in one place.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.models import Case, CaseKind, Severity
from compliance.models.cases import OPEN_CASE_STATUSES

_SEVERITY_ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


def open_case(*, user: User, kind: CaseKind, title: str, severity: Severity) -> Case:
    """The user's open case of this kind, or a new one (one audit event when opened)."""
    with transaction.atomic():
        existing = (
            Case.objects.select_for_update()
            .filter(user=user, kind=kind, status__in=OPEN_CASE_STATUSES)
            .order_by("opened_at")
            .first()
        )
        if existing is not None:
            if _SEVERITY_ORDER.index(Severity(severity)) > _SEVERITY_ORDER.index(
                Severity(existing.severity)
            ):
                existing.severity = severity
                existing.save(update_fields=["severity"])
            return existing
        case = Case.objects.create(user=user, kind=kind, title=title[:300], severity=severity)
        record(
            action=AuditAction.CASE_OPENED,
            actor=None,
            subject=user,
            target=case,
            data={"kind": kind, "severity": severity, "title": case.title},
        )
        return case
