"""Screening in the worker (queue "screening"): one user, one chunk of a rescreen, or the
deposit addresses of an exchange connection.

Thin: load ids, call the service, return small JSON. Both are safe to run twice: a user's
open (or dismissed, or confirmed) match for an entry is never created again, and a chunk's
progress counts once (services.rescreen_users).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from accounts.models import User
from compliance.models import ScreeningTrigger
from compliance.screening import services, venue_wallets
from trading.models import ExchangeConnection


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


@shared_task(name="compliance.screen_venue_wallets", acks_late=True)
def check_venue_wallets_task(connection_id: int) -> dict[str, Any]:
    connection = (
        ExchangeConnection.objects.filter(pk=connection_id, removed_at__isnull=True)
        .select_related("user")
        .first()
    )
    if connection is None:
        return {"connection": connection_id, "wallets": [], "listed": [], "skipped": {}}
    result = venue_wallets.check_venue_wallets(connection=connection)
    return {
        "connection": connection_id,
        "wallets": [wallet.pk for wallet in result.wallets],
        "listed": [wallet.pk for wallet in result.listed],
        "skipped": result.skipped,
    }


@shared_task(name="compliance.screen_all_venue_wallets")
def check_all_venue_wallets_task() -> dict[str, int]:
    """Daily: one check per working connection, spread over the screening workers."""
    ids = venue_wallets.checkable_connections()
    for connection_id in ids:
        check_venue_wallets_task.delay(connection_id)
    return {"queued": len(ids)}
