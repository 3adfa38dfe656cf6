"""KYC's Celery tasks (found through compliance/tasks.py; scheduled in monitoring/periodic.py)."""

from __future__ import annotations

from celery import shared_task

from compliance.kyc.expiry import expire_kyc

DAY_S = 24 * 3600


@shared_task(name="compliance.expire_kyc", acks_late=True, expires=DAY_S - 5)
def expire_kyc_task() -> dict[str, int]:
    """Daily: lapse approvals past their expiry, announce those lapsing within 30 days."""
    run = expire_kyc()
    return {"expired": run.expired, "notified": run.notified}
