"""Retries of transient venue failures: exponential backoff with full jitter, Retry-After honoured.

Only `VenueUnavailable` (and its `VenueRateLimited`) is retried; every other error is final and
propagates at once. `max_attempts` counts every try, the first included. A rate limit whose
`retry_after` exceeds `max_retry_after_s` (an IP ban lasts minutes to days) is not waited out
in-process: it propagates at once with its `retry_after`, for the caller (a Celery task) to
retry later instead of holding a worker.

The sleep function and the random source are injected, so tests run the real loop without
waiting.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from trading.exchanges.errors import VenueRateLimited, VenueUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2^(attempt - 1))]."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


def call_with_retries(
    operation: Callable[[], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    what: str = "venue call",
) -> T:
    """Run `operation`, retrying transient failures per `policy`; re-raise the last one."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    attempt = 1
    while True:
        try:
            return operation()
        except VenueUnavailable as error:
            retry_after = error.retry_after if isinstance(error, VenueRateLimited) else None
            if attempt >= policy.max_attempts:
                raise
            if retry_after is not None and retry_after > policy.max_retry_after_s:
                raise
            delay = policy.backoff(attempt, rng)
            if retry_after is not None:
                delay = max(delay, retry_after)
            logger.warning(
                "%s failed (attempt %d of %d), retrying in %.2f s: %s",
                what,
                attempt,
                policy.max_attempts,
                delay,
                error,
            )
            sleep(delay)
            attempt += 1


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: either delta-seconds or an HTTP date; None if absent or junk."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(tz=UTC))).total_seconds())
