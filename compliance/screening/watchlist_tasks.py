"""The watchlists' Celery task: the scheduled download (beat runs it only when enabled)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings


# Downloading and importing every list takes minutes, more than the default task limits.
@shared_task(
    name="compliance.download_watchlists", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def download_watchlists_task() -> dict[str, Any]:
    """Download and import every configured list (settings.WATCHLIST_DOWNLOADS)."""
    from compliance.screening.downloads import download_watchlists

    if not settings.WATCHLIST_DOWNLOADS["enabled"]:
        return {"enabled": False, "results": []}
    return {"enabled": True, "results": download_watchlists()}
