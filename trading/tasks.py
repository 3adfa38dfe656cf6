"""Thin Celery tasks that keep market data fresh (scheduled in monitoring/periodic.py).

The frequent ones do not retry: the next scheduled run is the retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from trading.exchanges.errors import VenueError, VenueUnavailable
from trading.exchanges.registry import get_venue, public_venue
from trading.selectors import default_exchange, markets_of
from trading.services.backtests import run_stored_backtest
from trading.services.bots import due_bots, tick_bot
from trading.services.candles import fetch_candles
from trading.services.markets import store_tickers, sync_markets
from trading.services.orders import exchange_orders_to_sync, sync_exchange_order

logger = logging.getLogger(__name__)

# How far back the scheduled fetch reaches for each timeframe when a series is empty.
LIVE_TIMEFRAMES = {"1m": timedelta(hours=6), "5m": timedelta(days=2), "1h": timedelta(days=30)}


@shared_task(
    name="trading.sync_markets",
    autoretry_for=(VenueUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def sync_markets_task() -> dict[str, int]:
    exchange = default_exchange()
    created, updated, deactivated = sync_markets(
        venue=get_venue(exchange=exchange), exchange=exchange
    )
    return {"created": created, "updated": updated, "deactivated": deactivated}


@shared_task(name="trading.refresh_tickers", expires=10)
def refresh_tickers() -> int:
    """Tickers of every active market into the cache (the feed does it each second too)."""
    exchange = default_exchange()
    symbols = list(markets_of(exchange=exchange).values_list("symbol", flat=True))
    if not symbols:
        sync_markets_task.delay()
        return 0
    store_tickers(exchange=exchange, tickers=public_venue(exchange).fetch_tickers(symbols))
    return len(symbols)


@shared_task(name="trading.fetch_latest_candles", expires=50)
def fetch_latest_candles() -> int:
    """Closed candles of every active market up to now, for the live timeframes."""
    exchange = default_exchange()
    venue = public_venue(exchange)
    now = timezone.now()
    stored = 0
    for symbol in markets_of(exchange=exchange).values_list("symbol", flat=True):
        for timeframe, reach in LIVE_TIMEFRAMES.items():
            result = fetch_candles(
                venue=venue,
                exchange=exchange,
                symbol=symbol,
                timeframe=timeframe,
                since=now - reach,
                now=now,
            )
            stored += result.inserted
    return stored


@shared_task(name="trading.sync_exchange_orders", expires=25)
def sync_exchange_orders() -> int:
    """Fills and statuses of open exchange orders, from their venues (every 30 s)."""
    changed = 0
    for order_id in exchange_orders_to_sync():
        try:
            changed += sync_exchange_order(order_id=order_id)
        except VenueError:
            logger.warning("order %s: its exchange did not answer", order_id, exc_info=True)
    return changed


@shared_task(name="trading.run_due_bots", expires=50)
def run_due_bots() -> int:
    """Fan out one tick per bot with a newly closed candle (beat, every minute)."""
    due = due_bots()
    for bot_id in due:
        tick_bot_task.apply_async(args=(bot_id,), queue="bots", expires=55)
    return len(due)


@shared_task(name="trading.tick_bot", acks_late=True)
def tick_bot_task(bot_id: int) -> list[str]:
    """One bot's tick; safe to run twice (one decision per bot, symbol and candle)."""
    return [f"{d.symbol}: {d.action}" for d in tick_bot(bot_id=bot_id)]


@shared_task(name="trading.replay_bot", acks_late=True, soft_time_limit=3600, time_limit=3700)
def replay_bot_task(user_id: int, bot_id: int, steps: int) -> str:
    """A bot replaying its replay paper account's candles (queue `bots`)."""
    from accounts.models import User
    from trading.services.bot_replay import replay_bot

    replay = replay_bot(user=User.objects.get(pk=user_id), bot_id=bot_id, steps=steps)
    return f"{replay.candles} candles, {replay.decisions} decisions"


@shared_task(name="trading.run_backtest", acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_backtest_task(backtest_id: int) -> str:
    """One queued backtest (queue `bots`); a second delivery finds it claimed and returns."""
    return str(run_stored_backtest(backtest_id=backtest_id).status)
