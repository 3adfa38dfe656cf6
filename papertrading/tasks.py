"""Thin Celery tasks of the paper exchange (schedules in monitoring/periodic.py).

`match_orders` runs for every new set of live prices the market feed sends, and from beat as
a fallback (then on the cached tickers). Both are safe to run twice: the matcher re-judges
each order under its lock, and a scheduled snapshot is unique per account and time slot.
"""

from __future__ import annotations

from decimal import Decimal

from celery import shared_task

from papertrading.matching import PricePoint, match_open_orders
from papertrading.portfolio import cached_last_prices, snapshot_live_accounts
from trading.selectors import default_exchange


@shared_task(name="papertrading.match_orders", expires=10)
def match_orders(exchange: str | None = None, prices: dict[str, str] | None = None) -> int:
    """Fill or trigger resting paper orders at `prices` ({symbol: last}, decimal strings);
    without them, at the cached tickers of the symbols that have open orders."""
    exchange = exchange or default_exchange()
    last = (
        {symbol: Decimal(value) for symbol, value in prices.items()}
        if prices is not None
        else cached_last_prices(exchange=exchange)
    )
    return match_open_orders(
        exchange=exchange, prices={symbol: PricePoint(value) for symbol, value in last.items()}
    )


@shared_task(name="papertrading.snapshot_equity", expires=290)
def snapshot_equity() -> int:
    """A point of every live paper account's equity curve (every 5 minutes)."""
    return snapshot_live_accounts()
