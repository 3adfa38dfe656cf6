"""Candle timeframes ("1m", "5m", "1h", "1d", ...) and their lengths."""

from __future__ import annotations

from datetime import timedelta

from cryptopulse.errors import ApplicationError

TIMEFRAMES: dict[str, timedelta] = {
    "1m": timedelta(minutes=1),
    "3m": timedelta(minutes=3),
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "4h": timedelta(hours=4),
    "6h": timedelta(hours=6),
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}


def timeframe_length(timeframe: str) -> timedelta:
    try:
        return TIMEFRAMES[timeframe]
    except KeyError:
        raise ApplicationError(
            "unknown_timeframe",
            f"Unknown timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES)}.",
            "timeframe",
        ) from None
