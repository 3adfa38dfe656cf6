"""Read queries of the trading app: markets, candles, connections, cached tickers."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from trading.exchanges.base import MarketInfo
from trading.models import Candle, ExchangeConnection, Fill, Market, Order
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
    return ExchangeConnection.objects.filter(user=user, removed_at__isnull=True).order_by("label")


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


def orders_of(
    *,
    user: User,
    paper_account_id: int | None = None,
    connection_id: int | None = None,
    status: str | None = None,
    symbol: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    epoch: int | None = None,
    on_exchange: bool = False,
) -> QuerySet[Order]:
    """The user's orders, newest first, with their fills (one query for all of them).

    `on_exchange` keeps only orders on exchange connections (testnet and live).
    """
    rows = Order.objects.filter(user=user).prefetch_related("fills")
    if on_exchange:
        rows = rows.filter(connection__isnull=False)
    if paper_account_id is not None:
        rows = rows.filter(paper_account_id=paper_account_id)
    if connection_id is not None:
        rows = rows.filter(connection_id=connection_id)
    if status == "open":
        rows = rows.filter(status__in=["new", "open", "partially_filled"])
    elif status:
        rows = rows.filter(status=status)
    if symbol:
        rows = rows.filter(symbol=symbol)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if epoch is not None:
        rows = rows.filter(epoch=epoch)
    return rows.order_by("-created_at", "-pk")


def fills_of(*, user: User, paper_account_id: int, epoch: int | None = None) -> QuerySet[Fill]:
    """Executions of the user's orders on one paper account, newest first."""
    rows = Fill.objects.filter(
        order__user=user, order__paper_account_id=paper_account_id
    ).select_related("order")
    if epoch is not None:
        rows = rows.filter(order__epoch=epoch)
    return rows.order_by("-executed_at", "-pk")
