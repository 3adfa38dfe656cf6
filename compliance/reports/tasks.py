"""The reports queue: long periodic reports generated off the request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import shared_task

from accounts.models import User
from compliance.reports.services import ReportError, generate_report


# Not acks_late: a redelivered message would store the same report twice; a lost one (worker
# killed mid-report) costs the officer a second click, and nothing is half-written.
@shared_task(name="compliance.generate_report", throws=(ReportError,))
def generate_report_task(
    *,
    officer_id: int,
    type: str,  # generate_report's argument
    start: str | None = None,
    end: str | None = None,
    case_id: int | None = None,
    narrative: str = "",
) -> dict[str, Any]:
    """Generate one report as `officer_id` (bounds as ISO 8601 text); the new report's id."""
    report = generate_report(
        officer=User.objects.get(pk=officer_id),
        type=type,
        start=datetime.fromisoformat(start) if start else None,
        end=datetime.fromisoformat(end) if end else None,
        case_id=case_id,
        narrative=narrative,
    )
    return {"report_id": report.pk}
