"""Candles: import from files, fetch from a venue (paginated, resumable), read ranges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from trading.candle_files import CandleFileError, meta_from_filename, read_candles
from trading.exchanges.base import Candle as VenueCandle
from trading.exchanges.base import Venue
from trading.models import Candle
from trading.timeframes import timeframe_length

BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    symbol: str
    timeframe: str
    read: int
    inserted: int

    @property
    def already_present(self) -> int:
        return self.read - self.inserted


def _rows(exchange: str, symbol: str, timeframe: str, candles: list[VenueCandle]) -> list[Candle]:
    return [
        Candle(
            exchange=exchange,
            symbol=symbol,
            timeframe=timeframe,
            open_time=c.open_time,
            open=c.open,
            high=c.high,
            low=c.low,
            close=c.close,
            volume=c.volume,
        )
        for c in candles
    ]


def _store(exchange: str, symbol: str, timeframe: str, candles: list[VenueCandle]) -> int:
    """Insert the candles not stored yet; return how many were new (idempotent).

    New rows are counted over the batch's own time range, so the count stays cheap however
    many candles the series already holds.
    """
    if not candles:
        return 0
    in_range = Candle.objects.filter(
        exchange=exchange,
        symbol=symbol,
        timeframe=timeframe,
        open_time__gte=min(c.open_time for c in candles),
        open_time__lte=max(c.open_time for c in candles),
    )
    before = in_range.count()
    rows = _rows(exchange, symbol, timeframe, candles)
    for start in range(0, len(rows), BATCH):
        Candle.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)
    return in_range.count() - before


@transaction.atomic(durable=True)
def import_candles(
    *, path: Path, exchange: str, symbol: str | None = None, timeframe: str | None = None
) -> ImportResult:
    """Import a freqtrade-style JSON or CSV file; all rows or none.

    Symbol and timeframe default to what a freqtrade file name says (`ETH_BTC-5m.json`).
    """
    meta = meta_from_filename(path)
    symbol = (symbol or meta.symbol or "").upper()
    timeframe = timeframe or meta.timeframe
    if not symbol or not timeframe:
        raise CandleFileError(
            "missing_meta", f"Give --symbol and --timeframe: {path.name} does not name them."
        )
    timeframe_length(timeframe)
    candles = read_candles(path)
    inserted = _store(exchange, symbol, timeframe, candles)
    return ImportResult(symbol=symbol, timeframe=timeframe, read=len(candles), inserted=inserted)


@dataclass(frozen=True)
class FetchResult:
    fetched: int
    inserted: int
    first: datetime | None
    last: datetime | None


def fetch_candles(
    *,
    venue: Venue,
    exchange: str,
    symbol: str,
    timeframe: str,
    since: datetime,
    until: datetime | None = None,
    page_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> FetchResult:
    """Fetch closed candles from `since` (or after the newest stored one) up to `until`.

    Resumable and idempotent: it starts after what is already stored and each page is
    committed on its own, so an interrupted run continues where it stopped.
    """
    step = timeframe_length(timeframe)
    now = now or timezone.now()
    until = min(until or now, now)
    newest = (
        Candle.objects.filter(
            exchange=exchange, symbol=symbol, timeframe=timeframe, open_time__gte=since
        )
        .order_by("-open_time")
        .values_list("open_time", flat=True)
        .first()
    )
    cursor = newest + step if newest else since
    fetched = inserted = 0
    first: datetime | None = None
    last: datetime | None = None
    while cursor + step <= until:
        page = [
            candle
            for candle in venue.fetch_ohlcv(symbol, timeframe, since=cursor, limit=page_size)
            if candle.open_time >= cursor and candle.open_time + step <= until  # closed only
        ]
        if not page:
            break
        with transaction.atomic(durable=True):
            inserted += _store(exchange, symbol, timeframe, page)
        fetched += len(page)
        first = first or page[0].open_time
        last = page[-1].open_time
        if progress is not None:
            progress(fetched)
        cursor = last + step
    return FetchResult(fetched=fetched, inserted=inserted, first=first, last=last)
