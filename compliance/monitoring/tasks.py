"""Monitoring's Celery tasks: thin, idempotent (an alert's dedup key decides)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from compliance.monitoring.services import evaluate_order, run_scheduled_rules


@shared_task(
    name="compliance.monitor_order",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def monitor_order(order_id: int) -> dict[str, Any]:
    """Run the rules on one order that got fills (queued by the order service)."""
    alerts = evaluate_order(order_id=order_id)
    return {"order_id": order_id, "alerts": [alert.pk for alert in alerts]}


@shared_task(name="compliance.run_monitoring_rules", expires=3300)
def run_monitoring_rules() -> dict[str, int]:
    """The hourly pass over recent activity (monitoring/periodic.py schedules it)."""
    run = run_scheduled_rules()
    return {"users": run.users, "alerts": run.alerts, "risk_refreshed": run.risk_refreshed}
