"""Thin Celery tasks for platform plumbing: round-trip pings, beat liveness, notifications."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from cryptopulse.request_context import get_request_id
from monitoring import health, notifications

logger = logging.getLogger(__name__)


@shared_task(name="monitoring.ping")
def ping(sent_at: float) -> dict[str, object]:
    """Echo the sender's timestamp (to time the trip) and the request id the task ran under."""
    logger.info("ping received", extra={"sent_at": sent_at})
    return {"sent_at": sent_at, "request_id": get_request_id()}


@shared_task(name="monitoring.record_beat", expires=50)
def record_beat() -> None:
    """Runs every minute from beat; its timestamp shows the schedule reaches a worker."""
    health.record_beat_run()


@shared_task(
    name="monitoring.notify_user",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def notify_user(user_id: int, kind: str, payload: dict[str, Any]) -> None:
    notifications.notify_user(user_id=user_id, kind=kind, payload=payload)
