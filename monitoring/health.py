"""Readiness of the parts a request depends on: PostgreSQL, Redis and a live Celery worker.

Each check is a plain function returning a `Check`; `readiness()` runs them all so that a
failing part is named in the answer instead of hiding the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import cast

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection
from redis import Redis
from redis.exceptions import RedisError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    duration_ms: float


def _redis() -> Redis:
    return get_redis_connection("default")


def _timed(name: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return Check(name, ok, detail, round((time.perf_counter() - started) * 1000, 2))


def _probe_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _probe_redis() -> str:
    _redis().ping()
    return "ok"


def _probe_worker() -> str:
    newest = cast(
        list[tuple[bytes, float]],
        _redis().zrange(settings.WORKER_HEARTBEAT_KEY, -1, -1, withscores=True),
    )
    if not newest:
        raise LookupError("no Celery worker has reported a heartbeat")
    hostname, beat_at = newest[0][0].decode(), float(newest[0][1])
    age = time.time() - beat_at
    if age > settings.WORKER_HEARTBEAT_MAX_AGE_S:
        raise TimeoutError(f"newest worker heartbeat is {age:.0f}s old ({hostname})")
    return f"{hostname} {age:.1f}s ago"


def readiness() -> tuple[bool, list[dict[str, object]]]:
    """Run every check; ready only when all pass."""
    checks = [
        _timed("postgresql", _probe_database),
        _timed("redis", _probe_redis),
        _timed("celery_worker", _probe_worker),
    ]
    return all(check.ok for check in checks), [asdict(check) for check in checks]


def record_worker_heartbeat(hostname: str, *, now: float | None = None) -> None:
    """Note that worker `hostname` is alive; stale entries are pruned on the way."""
    now = time.time() if now is None else now
    client = _redis()
    pipe = client.pipeline()
    pipe.zadd(settings.WORKER_HEARTBEAT_KEY, {hostname: now})
    pipe.zremrangebyscore(settings.WORKER_HEARTBEAT_KEY, 0, now - 24 * 3600)
    pipe.execute()


def forget_worker(hostname: str) -> None:
    """A worker shutting down cleanly takes its heartbeat with it."""
    _redis().zrem(settings.WORKER_HEARTBEAT_KEY, hostname)


def beat_age_seconds(*, now: float | None = None) -> float | None:
    """Seconds since a beat-scheduled task last reached a worker; None if never (or unknown).

    Informational: /readyz shows it but does not fail on it, because a web replica is
    ready to serve whether or not the single beat process is running.
    """
    try:
        raw = _redis().get(settings.BEAT_HEARTBEAT_KEY)
    except RedisError:  # Redis being down is reported by its own check
        return None
    if raw is None:
        return None
    return round((time.time() if now is None else now) - float(raw), 1)


def record_beat_run(*, now: float | None = None) -> None:
    """Note that a beat-scheduled task reached a worker (beat → broker → worker works)."""
    _redis().set(settings.BEAT_HEARTBEAT_KEY, time.time() if now is None else now)
