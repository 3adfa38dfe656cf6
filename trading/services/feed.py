"""The live market feed: one publisher pushes tickers and forming candles to websockets.

`publish_once` fetches every symbol's ticker in one venue call and its forming 1-minute
candle, caches the tickers, and sends each symbol's frame to its channel-layer group once,
already serialised, so the cost does not grow with the number of open sockets per process
beyond writing bytes. `run_market_feed` calls it about once a second.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from celery import current_app
from channels.layers import get_channel_layer

from trading.exchanges.base import Candle, Ticker, Venue
from trading.exchanges.errors import VenueError
from trading.models import Order, TradingMode
from trading.services.markets import store_tickers, ticker_to_json
from trading.services.order_updates import OPEN_STATUSES

logger = logging.getLogger(__name__)
FRAME_TYPE = "market.frame"
PAPER_MATCH_TASK = "papertrading.match_orders"


def market_group(exchange: str, symbol: str) -> str:
    """Channel-layer group of one market (group names allow only [A-Za-z0-9._-])."""
    return f"market.{exchange}.{symbol.replace('/', '_').replace(':', '_')}"


def _candle_json(candle: Candle) -> dict[str, Any]:
    return {
        "open_time": candle.open_time.isoformat(),
        "open": str(candle.open),
        "high": str(candle.high),
        "low": str(candle.low),
        "close": str(candle.close),
        "volume": str(candle.volume),
    }


def build_frames(
    *, venue: Venue, exchange: str, symbols: list[str], tickers: dict[str, Ticker] | None = None
) -> dict[str, str]:
    """One JSON text frame per symbol: {"type": "market", ticker, candle}."""
    if tickers is None:
        tickers = venue.fetch_tickers(symbols)
        store_tickers(exchange=exchange, tickers=tickers)
    frames = {}
    for symbol in symbols:
        ticker = tickers.get(symbol)
        if ticker is None:
            continue
        forming = venue.fetch_ohlcv(symbol, "1m", limit=1)
        frames[symbol] = json.dumps(
            {
                "type": "market",
                "exchange": exchange,
                "symbol": symbol,
                "ticker": ticker_to_json(ticker),
                "candle": _candle_json(forming[-1]) if forming else None,
            }
        )
    return frames


def has_open_paper_orders(*, exchange: str) -> bool:
    """Whether the matcher has anything to do (the partial open-orders index answers it)."""
    return Order.objects.filter(
        exchange=exchange, mode=TradingMode.PAPER, status__in=OPEN_STATUSES
    ).exists()


def publish_once(*, venue: Venue, exchange: str, symbols: list[str]) -> int:
    """Build and send every symbol's frame, and hand the prices to the paper matcher.

    The matcher runs in a worker (`papertrading.match_orders`, sent by name: the feed does
    not import the paper exchange); returns how many frames were sent.
    """
    tickers = venue.fetch_tickers(symbols)
    store_tickers(exchange=exchange, tickers=tickers)
    if has_open_paper_orders(exchange=exchange):
        current_app.send_task(
            PAPER_MATCH_TASK,
            kwargs={"exchange": exchange, "prices": {s: str(t.last) for s, t in tickers.items()}},
            expires=10,
        )
    frames = build_frames(venue=venue, exchange=exchange, symbols=symbols, tickers=tickers)
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - CHANNEL_LAYERS is always configured
        raise RuntimeError("No channel layer configured.")

    async def send_all() -> None:
        for symbol, text in frames.items():
            await layer.group_send(
                market_group(exchange, symbol), {"type": FRAME_TYPE, "text": text}
            )

    async_to_sync(send_all)()
    return len(frames)


def run_market_feed(
    *,
    venue_factory: Callable[[], Venue],
    exchange: str,
    symbols_factory: Callable[[], list[str]],
    interval_s: float = 1.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Publish about every `interval_s` until `should_stop()`; venue trouble backs off."""
    venue = venue_factory()
    backoff = interval_s
    while not should_stop():
        started = time.monotonic()
        try:
            symbols = symbols_factory()
            publish_once(venue=venue, exchange=exchange, symbols=symbols)
            backoff = interval_s
        except VenueError:
            logger.warning("market feed: %s did not answer", exchange, exc_info=True)
            backoff = min(backoff * 2, 30.0)
            time.sleep(backoff)
            continue
        time.sleep(max(0.0, interval_s - (time.monotonic() - started)))
