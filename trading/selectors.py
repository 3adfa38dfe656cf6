"""Read queries of the trading app: markets, candles, connections, cached tickers."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from trading.exchanges.base import MarketInfo
from trading.models import Candle, ExchangeConnection, Market
from trading.symbols import normalise_symbol

MAX_CANDLES = 1000


class UnknownSymbolError(LookupError):
    """No active market with that symbol on that exchange."""


def default_exchange() -> str:
    """The exchange market data comes from (`simulated` in development)."""
    return "simulated" if settings.MARKET_DATA_SOURCE == "simulated" else "binance"


def markets_of(*, exchange: str) -> QuerySet[Market]:
    return Market.objects.filter(exchange=exchange, active=True).order_by("symbol")


def resolve_market(*, exchange: str, text: str) -> Market:
    """The active market for what the caller typed; UnknownSymbolError when there is none."""
    try:
        symbol = normalise_symbol(text)
    except ValueError as exc:
        raise UnknownSymbolError(text) from exc
    market = Market.objects.filter(exchange=exchange, symbol=symbol, active=True).first()
    if market is None:
        raise UnknownSymbolError(symbol)
    return market


def candles_of(
    *,
    exchange: str,
    symbol: str,
    timeframe: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 500,
) -> list[Candle]:
    """Stored candles in time order: the `limit` newest in [start, end] (the index covers it)."""
    rows = Candle.objects.filter(exchange=exchange, symbol=symbol, timeframe=timeframe)
    if start is not None:
        rows = rows.filter(open_time__gte=start)
    if end is not None:
        rows = rows.filter(open_time__lte=end)
    newest_first = rows.order_by("-open_time")[: min(limit, MAX_CANDLES)]
    return list(reversed(newest_first))


def connections_of(*, user: User) -> QuerySet[ExchangeConnection]:
    return ExchangeConnection.objects.filter(user=user).order_by("label")


def market_info_of(market: Market) -> MarketInfo:
    """A stored market as the venue-level `MarketInfo` the fill model and venues take."""
    return MarketInfo(
        symbol=market.symbol,
        exchange_symbol=market.exchange_symbol,
        base=market.base,
        quote=market.quote,
        price_tick=market.price_tick,
        amount_step=market.amount_step,
        min_amount=market.min_amount,
        max_amount=market.max_amount,
        min_cost=market.min_cost,
        maker_fee=market.maker_fee,
        taker_fee=market.taker_fee,
        active=market.active,
    )
