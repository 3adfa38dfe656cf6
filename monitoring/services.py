"""Operator use cases of the monitoring app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from monitoring.periodic import PERIODIC_TASKS, PeriodicSpec

# Rows written from code carry this prefix in their description, so a spec removed from code
# is removed from the database too, while schedules an admin created by hand are left alone.
MANAGED_MARK = "[managed in code] "


@dataclass(frozen=True)
class SyncResult:
    created: list[str]
    updated: list[str]
    removed: list[str]


@transaction.atomic(durable=True)
def sync_periodic_tasks(*, specs: tuple[PeriodicSpec, ...] = PERIODIC_TASKS) -> SyncResult:
    """Make beat's schedule match `specs`; keep each task's enabled flag as an admin left it."""
    created: list[str] = []
    updated: list[str] = []
    for spec in specs:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=spec.every_seconds, period=IntervalSchedule.SECONDS
        )
        fields = {
            "task": spec.task,
            "interval": interval,
            "queue": spec.queue,
            "expire_seconds": spec.expires_seconds,
            "description": MANAGED_MARK + spec.description,
        }
        _, was_created = PeriodicTask.objects.update_or_create(
            name=spec.name, defaults=fields, create_defaults={**fields, "enabled": True}
        )
        (created if was_created else updated).append(spec.name)
    stale = PeriodicTask.objects.filter(description__startswith=MANAGED_MARK).exclude(
        name__in=[spec.name for spec in specs]
    )
    removed = list(stale.values_list("name", flat=True))
    for task in stale:  # one by one, so django-celery-beat bumps its change marker
        task.delete()
    return SyncResult(created=created, updated=updated, removed=removed)
