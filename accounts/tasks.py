"""Thin Celery tasks of the accounts app (scheduled in monitoring/periodic.py)."""

from __future__ import annotations

from celery import shared_task

from accounts.services.idempotency import purge_expired_idempotency_keys


@shared_task(name="accounts.purge_idempotency_keys", expires=3500)
def purge_idempotency_keys() -> int:
    """Delete expired `Idempotency-Key` rows; hourly, and a repeat simply finds none."""
    return purge_expired_idempotency_keys()
