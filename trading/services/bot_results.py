"""A bot's realised trades, and its strategy's results side by side: backtest, paper, testnet
and live, over one period.

Trades are read back from the decision log the way the bot service pairs them: an `enter`
decision opens a trade in its symbol and the next `exit` decision in that symbol closes it.
Rates, amounts, costs and profits come from the orders' fills (what really happened), not
from candles. Times follow the backtester's convention: a decision is made on the close of
its candle and its market order fills at about the next candle's open, so a trade opens at
`entry.candle_time + timeframe` and closes at `exit.candle_time + timeframe`. With the exit
reasons renamed to the backtester's, a bot's trade and a backtest's trade read alike
(`BotTrade.to_dict()` has a backtest trade's shape), and one summary (`results_summary`)
serves every column of `bot_comparison`.

Read-only: nothing here writes, so there is no transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KT, KeyTransform
from django.utils import timezone

from trading.models import (
    Backtest,
    BacktestStatus,
    Bot,
    BotDecision,
    DecisionAction,
    Fill,
    Order,
    TradingMode,
)
from trading.services.orders import mode_of
from trading.timeframes import timeframe_length

# The backtester's exit reasons (trading/backtest/loop.py EXIT_REASONS).
EXIT_REASONS = (
    "exit_signal",
    "stop_loss",
    "roi",
    "take_profit",
    "trailing_stop_loss",
    "force_exit",
)
# Other spellings of the same reasons, once spaces and dashes became underscores.
_REASON_ALIASES = {
    "stoploss": "stop_loss",
    "trailing_stop": "trailing_stop_loss",
    "trailing_stoploss": "trailing_stop_loss",
    "forced_exit": "force_exit",
}
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_MONEY_UNIT = Decimal("1E-8")  # as the backtest report writes money: 8 decimals
_RATE_DIGITS = 12  # and rates: 12 significant digits


def exit_reason_name(reason: str) -> str:
    """The backtester's name for a bot's exit reason ("exit signal" → `exit_signal`,
    "stoploss" → `stop_loss`), so the two can be grouped together. A reason that is not one
    of the backtester's is kept as written, so nothing the bot said is lost."""
    key = reason.strip().lower().replace(" ", "_").replace("-", "_")
    key = _REASON_ALIASES.get(key, key)
    return key if key in EXIT_REASONS else reason.strip()


def _fixed(value: Decimal) -> str:
    """8 decimals, half-even, no negative zero: the backtest report's money strings."""
    rounded = value.quantize(_MONEY_UNIT, rounding=ROUND_HALF_EVEN)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"


def _rate(value: Decimal) -> str:
    """12 significant digits (half-even), positional, trailing zeros trimmed: as the
    backtest report writes rates and amounts."""
    with localcontext() as context:
        context.prec, context.rounding = _RATE_DIGITS, ROUND_HALF_EVEN
        rounded = +value
    return f"{rounded.normalize():f}"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True)
class BotTrade:
    """One round trip: an entry and, once it sold, its exit.

    `cost` is the quote spent on the entry with its quote fees; base fees on the entry make
    `amount` (what the trade holds) smaller instead. `profit_abs` is the quote the exit
    received after its fees minus `cost`, and `profit_pct` is that as a percent of `cost`,
    as the backtester counts them. Fees in a third asset (e.g. BNB) are not valued. A trade
    whose exit sold nothing yet (or that has no exit) is open: no close time, rate, reason
    or profit.
    """

    pair: str
    open_time: datetime
    close_time: datetime | None
    open_rate: Decimal
    close_rate: Decimal | None
    amount: Decimal
    cost: Decimal
    exit_reason: str | None
    profit_abs: Decimal | None
    profit_pct: Decimal | None
    entry_order_id: int | None = None
    exit_order_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.close_time is None

    @property
    def quote(self) -> str:
        return self.pair.partition("/")[2]

    @property
    def duration_s(self) -> int | None:
        if self.close_time is None:
            return None
        return int((self.close_time - self.open_time).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        """A backtest trade's fields (`trading/backtest/report.py`), plus `cost` and the
        order ids; times in ISO 8601, Decimals as strings (money and percentages with 8
        decimals, rates and amounts with 12 significant digits)."""
        return {
            "pair": self.pair,
            "open_time": _iso(self.open_time),
            "close_time": _iso(self.close_time),
            "duration_s": self.duration_s,
            "open_rate": _rate(self.open_rate),
            "close_rate": None if self.close_rate is None else _rate(self.close_rate),
            "amount": _rate(self.amount),
            "cost": _fixed(self.cost),
            "profit_abs": None if self.profit_abs is None else _fixed(self.profit_abs),
            "profit_pct": None if self.profit_pct is None else _fixed(self.profit_pct),
            "exit_reason": self.exit_reason,
            "entry_order": self.entry_order_id,
            "exit_order": self.exit_order_id,
        }

    @classmethod
    def from_backtest(cls, trade: dict[str, Any]) -> BotTrade:
        """A backtest report's trade (`Trade.to_dict()`), for `results_summary`: its cost is
        the stake plus the entry fee, as the backtester's profit ratio counts it."""
        close_time = trade.get("close_time")
        return cls(
            pair=trade["pair"],
            open_time=datetime.fromisoformat(trade["open_time"]),
            close_time=None if close_time is None else datetime.fromisoformat(close_time),
            open_rate=Decimal(str(trade["open_rate"])),
            close_rate=Decimal(str(trade["close_rate"])),
            amount=Decimal(str(trade["amount"])),
            cost=Decimal(str(trade["stake"])) + Decimal(str(trade["fee_open"])),
            exit_reason=trade["exit_reason"],
            profit_abs=Decimal(str(trade["profit_abs"])),
            profit_pct=Decimal(str(trade["profit_pct"])),
        )


@dataclass(frozen=True)
class _Leg:
    """What one order's fills add up to."""

    base: Decimal  # base bought or sold
    quote: Decimal  # quote paid or received, before fees
    fees: dict[str, Decimal]  # asset -> fees paid in it

    @property
    def rate(self) -> Decimal:
        return self.quote / self.base


def _leg(order: Order | None) -> _Leg | None:
    """The order's fills (prefetched), or None when it filled nothing."""
    fills: list[Fill] = list(order.fills.all()) if order is not None else []
    if not fills:
        return None
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        fees[fill.fee_asset] += fill.fee
    return _Leg(
        base=sum((fill.amount for fill in fills), _ZERO),
        quote=sum((fill.price * fill.amount for fill in fills), _ZERO),
        fees=dict(fees),
    )


def _trade(bot: Bot, entry: BotDecision, exit_: BotDecision | None) -> BotTrade | None:
    """The round trip of `entry` (closed by `exit_` if it sold); None if the entry bought
    nothing, since then there was no trade."""
    bought = _leg(entry.order)
    if bought is None:
        return None
    base, _, quote = entry.symbol.partition("/")
    step = timeframe_length(bot.timeframe)
    cost = bought.quote + bought.fees.get(quote, _ZERO)
    opened = BotTrade(
        pair=entry.symbol,
        open_time=entry.candle_time + step,
        close_time=None,
        open_rate=bought.rate,
        close_rate=None,
        amount=bought.base - bought.fees.get(base, _ZERO),
        cost=cost,
        exit_reason=None,
        profit_abs=None,
        profit_pct=None,
        entry_order_id=entry.order_id,
        exit_order_id=None if exit_ is None else exit_.order_id,
    )
    sold = _leg(exit_.order) if exit_ is not None else None
    if exit_ is None or sold is None:
        return opened
    profit = sold.quote - sold.fees.get(quote, _ZERO) - cost
    return replace(
        opened,
        close_time=exit_.candle_time + step,
        close_rate=sold.rate,
        exit_reason=exit_reason_name(exit_.reason),
        profit_abs=profit,
        profit_pct=profit / cost * _HUNDRED if cost else None,
    )


@dataclass
class _Pair:
    """An entry decision and the exit decision that closed it, once there is one."""

    entry: BotDecision
    exit: BotDecision | None = None


def _trades_of(
    bots: Sequence[Bot], *, start: datetime | None, end: datetime | None
) -> dict[int, list[BotTrade]]:
    """Each bot's round trips opened in [start, end], oldest first: one query for the
    decisions with their orders, one for the orders' fills, however many bots and trades.

    The database narrows the rows (no entry before `start`'s candle, none after `end`'s;
    exits are all read, since a trade opened in the period may close after it); the exact
    open times are then checked here.
    """
    if not bots:
        return {}
    rows = BotDecision.objects.filter(
        bot_id__in=[bot.pk for bot in bots],
        action__in=(DecisionAction.ENTER, DecisionAction.EXIT),
    )
    if start is not None:
        longest = max(timeframe_length(bot.timeframe) for bot in bots)
        rows = rows.filter(candle_time__gte=start - longest)
    if end is not None:
        rows = rows.filter(Q(action=DecisionAction.EXIT) | Q(candle_time__lte=end))
    rows = (
        rows.select_related("order")
        .prefetch_related("order__fills")
        .order_by("bot_id", "candle_time", "pk")
    )
    pairs: dict[int, list[_Pair]] = {bot.pk: [] for bot in bots}
    open_entries: dict[tuple[int, str], _Pair] = {}
    for decision in rows:
        key = (decision.bot_id, decision.symbol)
        if decision.action == DecisionAction.ENTER:
            open_entries[key] = _Pair(entry=decision)
            pairs[decision.bot_id].append(open_entries[key])
        elif key in open_entries:  # an exit without a known entry has nothing to close
            open_entries.pop(key).exit = decision
    trades: dict[int, list[BotTrade]] = {}
    for bot in bots:
        built = (_trade(bot, pair.entry, pair.exit) for pair in pairs[bot.pk])
        trades[bot.pk] = [
            trade
            for trade in built
            if trade is not None
            and (start is None or trade.open_time >= start)
            and (end is None or trade.open_time <= end)
        ]
    return trades


def bot_trades(
    bot: Bot, *, start: datetime | None = None, end: datetime | None = None
) -> list[BotTrade]:
    """The bot's round trips, oldest first; with `start`/`end`, those opened in that period
    (see `_trades_of`: two queries however many trades)."""
    return _trades_of([bot], start=start, end=end)[bot.pk]


def results_summary(trades: Iterable[BotTrade]) -> dict[str, Any]:
    """Figures of the closed trades: count, wins, win rate, profit, best and worst trade,
    and how many are still open.

    `profit_pct` is the summed profit over the summed cost, so a column's figure does not
    depend on a wallet size (the backtest's `profit_total_pct` does). With pairs in more
    than one quote asset the sums mean nothing: `profit_abs`, `profit_pct` and `quote` are
    None then. Percentages are Decimals; None when there is nothing to divide.
    """
    trades = list(trades)
    closed = [trade for trade in trades if not trade.is_open]
    profits = [trade.profit_abs or _ZERO for trade in closed]
    ratios = [trade.profit_pct for trade in closed if trade.profit_pct is not None]
    quotes = {trade.quote for trade in closed}
    one_quote = len(quotes) <= 1
    cost = sum((trade.cost for trade in closed), _ZERO)
    profit = sum(profits, _ZERO)
    wins = sum(1 for value in profits if value > 0)
    return {
        "trades": len(closed),
        "wins": wins,
        "win_rate_pct": Decimal(wins) / len(closed) * _HUNDRED if closed else None,
        "profit_abs": profit if one_quote else None,
        "profit_pct": profit / cost * _HUNDRED if one_quote and cost else None,
        "best_trade_pct": max(ratios) if ratios else None,
        "worst_trade_pct": min(ratios) if ratios else None,
        "open_trades": len(trades) - len(closed),
        "quote": next(iter(quotes)) if len(quotes) == 1 else None,
    }


def bot_mode(bot: Bot) -> TradingMode:
    """Paper for a bot on a paper account; testnet or live as its connection is."""
    if bot.paper_account_id is not None or bot.connection is None:
        return TradingMode.PAPER
    return mode_of(bot.connection)


@dataclass(frozen=True)
class ComparisonColumn:
    """One column of the comparison: the backtest, or the bots of one mode.

    `summary` is `results_summary` of the column's trades; None when there is nothing to
    compare, and `note` says why. `start`..`end` is when the column could trade in the
    period: a bot created later than the period's start counts from its creation.
    """

    label: str
    mode: str | None  # a TradingMode; None for the backtest
    summary: dict[str, Any] | None
    note: str = ""
    start: datetime | None = None
    end: datetime | None = None
    bots: tuple[Bot, ...] = ()
    this_bot: bool = False
    backtest_id: int | None = None


@dataclass(frozen=True)
class Comparison:
    """The bot's strategy in every mode over one period (`bot_comparison`)."""

    start: datetime
    end: datetime
    columns: tuple[ComparisonColumn, ...]
    backtest_id: int | None  # whose period it is; None: since the bot was created


_MODES = (TradingMode.PAPER, TradingMode.TESTNET, TradingMode.LIVE)


@dataclass(frozen=True)
class _BacktestRun:
    pk: int
    start: datetime
    end: datetime
    trades: list[dict[str, Any]]


def _latest_backtest(bot: Bot) -> _BacktestRun | None:
    """The bot's newest finished backtest: its period and trades, without the rest of its
    report (the equity curve and tables can be large). A run without a start or end ran
    over all the stored candles: its report says which."""
    row = (
        Backtest.objects.filter(bot=bot, status=BacktestStatus.DONE, result__isnull=False)
        .order_by("-finished_at", "-pk")
        .values(
            "pk",
            "start",
            "end",
            "finished_at",
            trades=KeyTransform("trades", "result"),
            report_start=KT("result__summary__start"),
            report_end=KT("result__summary__end"),
        )
        .first()
    )
    if row is None:
        return None
    return _BacktestRun(
        pk=row["pk"],
        start=row["start"] or _moment(row["report_start"]) or bot.created_at,
        end=row["end"] or _moment(row["report_end"]) or row["finished_at"] or timezone.now(),
        trades=row["trades"] or [],
    )


def _siblings(bot: Bot) -> list[Bot]:
    """The owner's other bots trading the same strategy, parameters, symbols and timeframe
    (on any account, in any mode), oldest first."""
    candidates = (
        Bot.objects.filter(user_id=bot.user_id, strategy=bot.strategy, timeframe=bot.timeframe)
        .exclude(pk=bot.pk)
        .select_related("connection")
        .order_by("created_at", "pk")
    )
    symbols = sorted(bot.symbols)
    return [
        other
        for other in candidates
        if other.params == bot.params and sorted(other.symbols) == symbols
    ]


def _moment(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


def bot_comparison(bot: Bot, *, now: datetime | None = None) -> Comparison:
    """The bot's strategy side by side: its newest finished backtest ("Backtest"), and the
    trades of "Paper", "Testnet" and "Live" bots: this bot in its own mode, the owner's
    other bots with the same strategy, parameters, symbols and timeframe in the others.

    Every column covers the same period, the backtest's when there is one (so the bots are
    judged on the candles the backtest saw), else the bot's life so far; a bot's trade
    counts when it opened in the period. A column without data says why. Four queries
    (the backtest, the other bots, decisions with orders, their fills), however many trades.
    """
    now = now or timezone.now()
    backtest = _latest_backtest(bot)
    start, end = (bot.created_at, now) if backtest is None else (backtest.start, backtest.end)
    own_mode = bot_mode(bot)
    by_mode: dict[str, list[Bot]] = {mode: [] for mode in _MODES}
    by_mode[own_mode].append(bot)
    for other in _siblings(bot):
        mode = bot_mode(other)
        if mode != own_mode:
            by_mode[mode].append(other)
    trades = _trades_of([row for rows in by_mode.values() for row in rows], start=start, end=end)
    columns = [_backtest_column(backtest)]
    for mode in _MODES:
        bots = by_mode[mode]
        label = TradingMode(mode).label
        if not bots:
            columns.append(
                ComparisonColumn(
                    label=label,
                    mode=mode,
                    summary=None,
                    note=f"no {label.lower()} bot runs this strategy",
                )
            )
            continue
        columns.append(
            ComparisonColumn(
                label=label,
                mode=mode,
                summary=results_summary(trade for row in bots for trade in trades[row.pk]),
                start=min(max(start, min(row.created_at for row in bots)), end),
                end=end,
                bots=tuple(bots),
                this_bot=mode == own_mode,
            )
        )
    return Comparison(
        start=start,
        end=end,
        columns=tuple(columns),
        backtest_id=None if backtest is None else backtest.pk,
    )


def _backtest_column(backtest: _BacktestRun | None) -> ComparisonColumn:
    if backtest is None:
        return ComparisonColumn(
            label="Backtest", mode=None, summary=None, note="backtest this bot to compare"
        )
    return ComparisonColumn(
        label="Backtest",
        mode=None,
        summary=results_summary(BotTrade.from_backtest(row) for row in backtest.trades),
        start=backtest.start,
        end=backtest.end,
        backtest_id=backtest.pk,
    )
