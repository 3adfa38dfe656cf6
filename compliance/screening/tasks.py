"""Screening in the worker (queue "screening"): one user, or one chunk of a rescreen.

Thin: load ids, call the service, return small JSON. Both are safe to run twice: a user's
open (or dismissed, or confirmed) match for an entry is never created again, and a chunk's
progress counts once (services.rescreen_users).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from accounts.models import User
from compliance.models import ScreeningTrigger
from compliance.screening import services


@shared_task(name="compliance.screen_user", acks_late=True)
def screen_user_task(user_id: int, trigger: str) -> dict[str, Any]:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return {"user": user_id, "matches": []}
    matches = services.screen_user(user=user, trigger=ScreeningTrigger(trigger))
    return {"user": user_id, "matches": [m.pk for m in matches]}


@shared_task(
    name="compliance.rescreen_chunk",
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def rescreen_chunk(
    self: Any, job_id: int, chunk: int, first_id: int, last_id: int, planned: int
) -> dict[str, int]:
    try:
        return services.rescreen_users(
            job_id=job_id, chunk=chunk, first_id=first_id, last_id=last_id, planned=planned
        )
    except Exception as error:
        if not isinstance(error, OSError) or self.request.retries >= self.max_retries:
            services.fail_rescreen(job_id=job_id, error=f"chunk {chunk}: {error!r}")
        raise
