"""The circuit breaker: after repeated venue failures, stop sending orders there for a while.

Counted per exchange connection in Redis (shared by every web and worker process):
`RISK_BREAKER_FAILURES` consecutive failures (default 3) open the breaker for
`RISK_BREAKER_MINUTES` (default 60); while it is open, orders on that connection are refused
at once (503) instead of hammering a broken or banning exchange. A success closes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cryptopulse.errors import ApplicationError


class CircuitOpen(ApplicationError):
    status = 503


def _keys(connection_id: int) -> tuple[str, str]:
    return f"breaker:{connection_id}:failures", f"breaker:{connection_id}:open_until"


def check_breaker(*, connection_id: int, now: datetime | None = None) -> None:
    """Raise CircuitOpen while the connection's breaker is open."""
    _, open_key = _keys(connection_id)
    until = cache.get(open_key)
    if until is not None and (now or timezone.now()) < until:
        raise CircuitOpen(
            "circuit_open",
            f"The exchange failed {settings.RISK_BREAKER_FAILURES} times in a row: orders on "
            f"this connection pause until {until:%H:%M} UTC.",
        )


def record_failure(*, connection_id: int, now: datetime | None = None) -> bool:
    """Count one failure; True when this one opened the breaker."""
    failures_key, open_key = _keys(connection_id)
    window = settings.RISK_BREAKER_MINUTES * 60
    cache.add(failures_key, 0, timeout=window)
    failures = cache.incr(failures_key)
    if failures < settings.RISK_BREAKER_FAILURES:
        return False
    until = (now or timezone.now()) + timedelta(minutes=settings.RISK_BREAKER_MINUTES)
    cache.set(open_key, until, timeout=window)
    cache.delete(failures_key)
    return True


def record_success(*, connection_id: int) -> None:
    cache.delete_many(list(_keys(connection_id)))
