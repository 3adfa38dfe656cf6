"""Markets and tickers: sync markets from a venue; tickers through a 30 s Redis cache."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction

from trading.exchanges.base import MarketInfo, Ticker, Venue
from trading.models import Market

TICKER_TTL_S = 30


@transaction.atomic(durable=True)
def sync_markets(*, venue: Venue, exchange: str) -> tuple[int, int, int]:
    """Upsert every market of the venue; mark the ones it no longer lists inactive.

    Returns (created, updated, deactivated).
    """
    infos: dict[str, MarketInfo] = venue.load_markets(reload=True)
    existing = {market.symbol: market for market in Market.objects.filter(exchange=exchange)}
    created = updated = 0
    for symbol, info in infos.items():
        fields = {
            "exchange_symbol": info.exchange_symbol,
            "base": info.base,
            "quote": info.quote,
            "price_tick": info.price_tick,
            "amount_step": info.amount_step,
            "min_amount": info.min_amount,
            "max_amount": info.max_amount,
            "min_cost": info.min_cost,
            "maker_fee": info.maker_fee,
            "taker_fee": info.taker_fee,
            "active": info.active,
        }
        market = existing.get(symbol)
        if market is None:
            Market.objects.create(exchange=exchange, symbol=symbol, **fields)
            created += 1
        elif any(getattr(market, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(market, key, value)
            market.save(update_fields=[*fields, "updated_at"])
            updated += 1
    deactivated = (
        Market.objects.filter(exchange=exchange, active=True)
        .exclude(symbol__in=list(infos))
        .update(active=False)
    )
    return created, updated, deactivated


def ticker_key(exchange: str, symbol: str) -> str:
    return f"ticker:{exchange}:{symbol}"


def ticker_to_json(ticker: Ticker) -> dict[str, Any]:
    """Decimals as strings, time as ISO 8601: the shape the API and the websocket send."""
    out: dict[str, Any] = {}
    for key, value in asdict(ticker).items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def store_tickers(*, exchange: str, tickers: dict[str, Ticker]) -> None:
    """Put fresh tickers in the cache (one round trip for all)."""
    cache.set_many(
        {ticker_key(exchange, symbol): ticker_to_json(t) for symbol, t in tickers.items()},
        timeout=TICKER_TTL_S,
    )


def get_ticker(*, venue: Venue, exchange: str, symbol: str) -> tuple[dict[str, Any], bool]:
    """The ticker as JSON, from the cache when fresh; returns (ticker, cache_hit)."""
    key = ticker_key(exchange, symbol)
    cached = cache.get(key)
    if cached is not None:
        return cached, True
    ticker = ticker_to_json(venue.fetch_ticker(symbol))
    cache.set(key, ticker, timeout=TICKER_TTL_S)
    return ticker, False
