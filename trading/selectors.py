"""Read queries of the trading app: markets, candles, connections, bots and their trades,
backtests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.db.models.fields.json import KeyTransform

from accounts.models import User
from trading.exchanges.base import MarketInfo
from trading.models import (
    Backtest,
    Bot,
    BotDecision,
    Candle,
    DecisionAction,
    ExchangeConnection,
    Fill,
    Market,
    Order,
)
from trading.symbols import normalise_symbol
from trading.timeframes import TIMEFRAMES

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


# Bots: the list, one bot, its decision log and the trades its decisions add up to.


def bots_of(*, user: User) -> QuerySet[Bot]:
    """The user's bots by name, with their account (paper or connection) in the same query."""
    return (
        Bot.objects.filter(user=user)
        .select_related("paper_account", "connection")
        .order_by("name", "pk")
    )


def own_bot(*, user: User, bot_id: int) -> Bot:
    """One of the user's bots; Bot.DoesNotExist for anyone else's (pages answer 404)."""
    bot = bots_of(user=user).filter(pk=bot_id).first()
    if bot is None:
        raise Bot.DoesNotExist
    return bot


def bot_decisions(*, bot: Bot) -> QuerySet[BotDecision]:
    """The decision log, newest candle first, each with its order (no query per row)."""
    return bot.decisions.select_related("order").order_by("-candle_time", "symbol", "-pk")


_TRADE_ACTIONS = (DecisionAction.ENTER, DecisionAction.EXIT)


def open_trade_counts(*, bots: Iterable[Bot]) -> dict[int, int]:
    """Open trades per bot, in one query: symbols whose latest enter/exit is an enter.

    The same rule as the bot service's `_open_entry`: an exit decision closes the trade
    its symbol had open, whatever its order filled.
    """
    ids = [bot.pk for bot in bots]
    latest = (
        BotDecision.objects.filter(bot_id__in=ids, action__in=_TRADE_ACTIONS)
        .order_by("bot_id", "symbol", "-candle_time")
        .distinct("bot_id", "symbol")  # PostgreSQL DISTINCT ON: the newest row per pair
        .values_list("bot_id", "action")
    )
    counts = dict.fromkeys(ids, 0)
    for bot_id, action in latest:
        if action == DecisionAction.ENTER:
            counts[bot_id] += 1
    return counts


@dataclass(frozen=True)
class OpenTrade:
    """An entry no exit has closed yet."""

    entry: BotDecision


@dataclass(frozen=True)
class ClosedTrade:
    """An entry and the exit that closed it; `pnl` is None when nothing was sold."""

    entry: BotDecision
    exit: BotDecision
    pnl: Decimal | None


@dataclass(frozen=True)
class BotTrades:
    open: list[OpenTrade]
    closed: list[ClosedTrade]
    realised: dict[str, Decimal]  # quote asset -> realised P&L


def _fees_in(order: Order, asset: str) -> Decimal:
    return sum((fill.fee for fill in order.fills.all() if fill.fee_asset == asset), Decimal(0))


def realised_pnl(*, bought: Order, sold: Order, base: str, quote: str) -> Decimal | None:
    """What the exit order `sold` fetched, net of fees, minus what that base cost when the
    entry order `bought` it (fees included).

    The cost is pro rata: the entry's quote spent (plus quote fees) per unit of base it
    brought in (less base fees). Dust the exit could not sell stays held, so it is not
    counted as a loss. None when the entry brought nothing in or the exit sold nothing.
    Fees in a third asset (e.g. BNB) are not valued.
    """
    received = bought.filled_amount - _fees_in(bought, base)
    if received <= 0 or sold.filled_amount <= 0:
        return None
    unit_cost = (bought.filled_quote + _fees_in(bought, quote)) / received
    proceeds = sold.filled_quote - _fees_in(sold, quote)
    return proceeds - (sold.filled_amount + _fees_in(sold, base)) * unit_cost


def bot_trades(*, bot: Bot) -> BotTrades:
    """The bot's round trips, open trades and realised P&L per quote asset (two queries).

    Walks the enter and exit decisions oldest first, per symbol, pairing each exit with the
    entry it closed, as the bot service does when it decides.
    """
    decisions = (
        bot.decisions.filter(action__in=_TRADE_ACTIONS)
        .select_related("order")
        .prefetch_related("order__fills")
        .order_by("candle_time", "pk")
    )
    open_entries: dict[str, BotDecision] = {}
    closed: list[ClosedTrade] = []
    realised: dict[str, Decimal] = defaultdict(Decimal)
    for decision in decisions:
        if decision.action == DecisionAction.ENTER:
            open_entries[decision.symbol] = decision
            continue
        entry = open_entries.pop(decision.symbol, None)
        if entry is None:
            continue  # an exit without a known entry: nothing to pair it with
        base, _, quote = decision.symbol.partition("/")
        pnl = None
        if entry.order is not None and decision.order is not None:
            pnl = realised_pnl(bought=entry.order, sold=decision.order, base=base, quote=quote)
        if pnl is not None:
            realised[quote] += pnl
        closed.append(ClosedTrade(entry=entry, exit=decision, pnl=pnl))
    opened = sorted(open_entries.values(), key=lambda entry: (entry.symbol, entry.candle_time))
    return BotTrades(
        open=[OpenTrade(entry=entry) for entry in opened],
        closed=closed[::-1],
        realised=dict(realised),
    )


# Backtests: the stored candle series they can run on, the user's runs, one run.


@dataclass(frozen=True)
class StoredSeries:
    """The stored candles of one (exchange, symbol, timeframe): what a backtest can run on."""

    exchange: str
    symbol: str
    timeframe: str
    first: datetime  # open time of the oldest candle
    last: datetime  # open time of the newest candle
    candles: int


def stored_series() -> list[StoredSeries]:
    """Every stored candle series with its range, in one grouped query (the unique index
    on (exchange, symbol, timeframe, open_time) serves it); by exchange, timeframe length,
    symbol."""
    rows = (
        Candle.objects.values("exchange", "symbol", "timeframe")
        .annotate(first=Min("open_time"), last=Max("open_time"), candles=Count("pk"))
        .order_by()
    )
    order = {timeframe: index for index, timeframe in enumerate(TIMEFRAMES)}
    series = [StoredSeries(**row) for row in rows]
    return sorted(
        series,
        key=lambda row: (row.exchange, order.get(row.timeframe, len(order)), row.symbol),
    )


def backtests_of(*, user: User) -> QuerySet[Backtest]:
    """The user's runs, newest first, each with its report's `summary` (annotated) but not
    the whole report (trades and curve can be large)."""
    return (
        Backtest.objects.filter(user=user)
        .defer("result")
        .annotate(summary=KeyTransform("summary", "result"))
        .order_by("-created_at", "-pk")
    )


def own_backtest(*, user: User, backtest_id: int, report: bool = True) -> Backtest:
    """One of the user's runs (with its report unless `report=False`);
    Backtest.DoesNotExist for anyone else's (pages answer 404)."""
    rows = Backtest.objects.filter(user=user) if report else backtests_of(user=user)
    backtest = rows.filter(pk=backtest_id).first()
    if backtest is None:
        raise Backtest.DoesNotExist
    return backtest


def own_backtests(*, user: User, backtest_ids: Iterable[int]) -> list[Backtest]:
    """The user's runs among `backtest_ids`, in the order asked, with their summaries;
    Backtest.DoesNotExist when any of them is not the user's."""
    wanted = list(dict.fromkeys(backtest_ids))
    found = {row.pk: row for row in backtests_of(user=user).filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise Backtest.DoesNotExist
    return [found[pk] for pk in wanted]
