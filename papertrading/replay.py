"""Replay: a paper account trading on stored candles instead of live prices.

A replay account has a timeframe, a start and an end, and a cursor: the open time of the
candle whose close is "now" for the account. Everything it sees comes from that moment and
before, never after (no look-ahead): the ticker is the cursor candle (last = its close), the
book is one level at that close on each side with the candle's volume as depth, and candles
end at the cursor. `step_replay` moves the cursor one candle on; resting orders are then
matched against the new candle's low, high and close (papertrading.matching), exactly as a
backtest over the same candles sees them.

A bot replaying the candles needs one more moment: the next candle's open, when its market
orders for the candle that just closed fill (the backtest fills them there too). With
`replay_at_open` the clock stands at the cursor candle's open: the price is its open, and
the candles end before it. `open_next_candle` moves there; `step_replay` then completes the
candle (its low, high and close become known and resting orders are matched).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.locks import lock_own_account
from papertrading.models import PaperAccount, PriceSource
from trading.exchanges import base
from trading.exchanges.errors import UnknownSymbol
from trading.models import Candle
from trading.selectors import default_exchange
from trading.timeframes import TIMEFRAMES


class ReplayPrices:
    """Market data of a replay account at its cursor (the market-data half of a Venue)."""

    exchange_id = "replay"

    def __init__(self, account: PaperAccount) -> None:
        if account.replay_cursor is None:
            raise ValueError("a replay account needs a cursor")
        self.account = account
        self.exchange = default_exchange()
        self.cursor: datetime = account.replay_cursor

    def now(self) -> datetime:
        """The account's clock: the close of the cursor candle (or its open, at the open)."""
        if self.account.replay_at_open:
            return self.cursor
        return self.cursor + TIMEFRAMES[self.account.replay_timeframe]

    def price(self, row: Candle) -> Decimal:
        """The cursor candle's price now: its open at the open, else its close."""
        return row.open if self.account.replay_at_open else row.close

    def candle(self, symbol: str) -> Candle:
        row = Candle.objects.filter(
            exchange=self.exchange,
            symbol=symbol,
            timeframe=self.account.replay_timeframe,
            open_time=self.cursor,
        ).first()
        if row is None:
            raise UnknownSymbol(f"{symbol}: no stored candle at {self.cursor.isoformat()}")
        return row

    def fetch_ticker(self, symbol: str) -> base.Ticker:
        row = self.candle(symbol)
        price = self.price(row)
        at_open = self.account.replay_at_open
        return base.Ticker(
            symbol=symbol,
            last=price,
            bid=price,
            ask=price,
            high=price if at_open else row.high,
            low=price if at_open else row.low,
            open=row.open,
            base_volume=row.volume,
            quote_volume=None,
            change_pct=None,
            timestamp=self.now(),
        )

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, base.Ticker]:
        tickers = {}
        for symbol in symbols or []:
            try:
                tickers[symbol] = self.fetch_ticker(symbol)
            except UnknownSymbol:
                continue
        return tickers

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> base.OrderBook:
        row = self.candle(symbol)
        level = ((self.price(row), row.volume),)
        return base.OrderBook(symbol=symbol, bids=level, asks=level, timestamp=self.now())

    def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[base.Candle]:
        rows = Candle.objects.filter(exchange=self.exchange, symbol=symbol, timeframe=timeframe)
        if self.account.replay_at_open:  # the cursor candle has only just opened
            rows = rows.filter(open_time__lt=self.cursor)
        else:
            rows = rows.filter(open_time__lte=self.cursor)
        if since is not None:
            rows = rows.filter(open_time__gte=since)
        newest = list(rows.order_by("-open_time")[: limit or 500])
        return [
            base.Candle(
                open_time=r.open_time,
                open=r.open,
                high=r.high,
                low=r.low,
                close=r.close,
                volume=r.volume,
            )
            for r in reversed(newest)
        ]


def _first_candle(timeframe: str, start: datetime, end: datetime) -> datetime:
    first = (
        Candle.objects.filter(
            exchange=default_exchange(),
            timeframe=timeframe,
            open_time__gte=start,
            open_time__lte=end,
        )
        .order_by("open_time")
        .values_list("open_time", flat=True)
        .first()
    )
    if first is None:
        raise ApplicationError(
            "no_candles",
            f"No stored {timeframe} candles between {start:%Y-%m-%d %H:%M} and "
            f"{end:%Y-%m-%d %H:%M}: import or fetch them first.",
            "start",
        )
    return first


@transaction.atomic(durable=True)
def start_replay(
    *, user: User, account_id: int, timeframe: str, start: datetime, end: datetime
) -> PaperAccount:
    """Bind an account without open orders to stored candles from `start` to `end`.

    Reset the account first for a clean page: a replay continues from the balances it has.
    """
    from trading.services.order_updates import OPEN_STATUSES

    if timeframe not in TIMEFRAMES:
        raise ApplicationError(
            "invalid_timeframe", f"Unknown timeframe {timeframe!r}.", "timeframe"
        )
    if end <= start:
        raise ApplicationError("invalid_range", "The end must be after the start.", "end")
    account = lock_own_account(user=user, account_id=account_id)
    if account.orders.filter(status__in=OPEN_STATUSES).exists():
        raise ApplicationError(
            "open_orders", "Cancel the account's open orders before switching its prices."
        )
    account.price_source = PriceSource.REPLAY
    account.replay_timeframe = timeframe
    account.replay_start, account.replay_end = start, end
    account.replay_cursor = _first_candle(timeframe, start, end)
    account.replay_at_open = False
    account.save(
        update_fields=[
            "price_source",
            "replay_timeframe",
            "replay_start",
            "replay_end",
            "replay_cursor",
            "replay_at_open",
        ]
    )
    record(
        action=AuditAction.PAPER_REPLAY_STARTED,
        actor=user,
        target=account,
        data={"timeframe": timeframe, "start": start, "end": end, "cursor": account.replay_cursor},
    )
    return account


def next_cursor(account: PaperAccount) -> datetime | None:
    """The open time of the next stored candle within the replay range, if any."""
    return (
        Candle.objects.filter(
            exchange=default_exchange(),
            timeframe=account.replay_timeframe,
            open_time__gt=account.replay_cursor,
            open_time__lte=account.replay_end,
        )
        .order_by("open_time")
        .values_list("open_time", flat=True)
        .first()
    )
