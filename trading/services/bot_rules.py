"""What a bot's tick judges besides the strategy's signals: may it enter, must it exit.

`entry_refusal_for` applies the risk policy (trading.risk) with the bot's own tighter
limits; `exit_reason_for` asks the backtest's compiled exit rules (trading.backtest.exits)
about the candles since the trade opened. Both judge at the close of the decision candle,
exactly where the backtest of the same bot (`exit_fill = next_open`) judges them, so a bot
and its backtest agree on every entry and exit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q

from trading.backtest.exits import first_rule_exit
from trading.exchanges.base import MarketInfo
from trading.models import Bot, BotDecision, Candle, DecisionAction
from trading.risk import EntryContext, effective_limits_for, entry_refusal, paper_equity_figures
from trading.strategies.registry import get_strategy
from trading.timeframes import timeframe_length

STOP_REASONS = ("stop_loss", "trailing_stop_loss")


@dataclass(frozen=True)
class Signal:
    enter: bool
    exit: bool
    confidence: Decimal | None
    warming_up: str = ""


def open_entries(bot: Bot) -> dict[str, BotDecision]:
    """The bot's entries that no exit has closed yet, by symbol (one query)."""
    latest = (
        BotDecision.objects.filter(bot=bot)
        .filter(Q(action=DecisionAction.ENTER) | Q(action=DecisionAction.EXIT))
        .select_related("order")
        .order_by("symbol", "-candle_time")
        .distinct("symbol")  # PostgreSQL's DISTINCT ON: the newest per symbol
    )
    return {d.symbol: d for d in latest if d.action == DecisionAction.ENTER}


def entry_refusal_for(
    bot: Bot, market: MarketInfo, candle_time: datetime, signal: Signal
) -> str | None:
    """The risk policy's objection to entering now (trading.risk), or None."""
    day_start = candle_time.replace(hour=0, minute=0, second=0, microsecond=0)
    decisions = BotDecision.objects.filter(bot=bot)
    last_exit = (
        decisions.filter(symbol=market.symbol, action=DecisionAction.EXIT)
        .order_by("-candle_time")
        .values_list("candle_time", flat=True)
        .first()
    )
    step = timeframe_length(bot.timeframe)
    context = EntryContext(
        limits=effective_limits_for(bot.user, bot.risk_limits),
        stake=bot.stake_amount,
        stoploss=get_strategy(bot.strategy, bot.params).exit_rules().stoploss,
        confidence=signal.confidence,
        open_trades=len(open_entries(bot)),
        entries_today=decisions.filter(
            action=DecisionAction.ENTER, candle_time__gte=day_start
        ).count(),
        candles_since_exit=None if last_exit is None else int((candle_time - last_exit) / step) - 1,
        stoplosses_24h=decisions.filter(
            action=DecisionAction.EXIT,
            reason__in=STOP_REASONS,
            candle_time__gt=candle_time - timedelta(days=1),
        ).count(),
    )
    if bot.paper_account is not None:
        equity, held, day_equity, peak = paper_equity_figures(
            account=bot.paper_account, asset=market.base, now=candle_time
        )
        context = replace(
            context,
            equity=equity,
            position_value=held,
            day_start_equity=day_equity,
            peak_equity=peak,
        )
    return entry_refusal(context)


def exit_reason_for(
    bot: Bot, entry: BotDecision, candle_time: datetime, signal: Signal, market: MarketInfo
) -> str | None:
    """Why the open trade exits at the close of `candle_time`, or None to hold.

    In the backtester's order: the exit signal, then the stoploss, ROI table, take-profit
    and trailing stop over the candles from the trade's first (the one whose open its entry
    filled at) to this one. The exit itself is a market order after this close.
    """
    if signal.exit:
        return "exit_signal"
    order = entry.order
    if order is None or not order.average_price:
        return None
    first_candle = entry.candle_time + timeframe_length(bot.timeframe)
    rows = Candle.objects.filter(
        exchange=bot.exchange,
        symbol=entry.symbol,
        timeframe=bot.timeframe,
        open_time__gte=first_candle,
        open_time__lte=candle_time,
    ).order_by("open_time")
    candles = [
        (int(opened.timestamp() * 1000), float(open_), float(high), float(low))
        for opened, open_, high, low in rows.values_list("open_time", "open", "high", "low")
    ]
    found = first_rule_exit(
        get_strategy(bot.strategy, bot.params).exit_rules(),
        timeframe=bot.timeframe,
        fee=float(market.taker_fee),
        open_rate=float(order.average_price),
        candles=candles,
    )
    return None if found is None else found.reason


def backtest_settings_for(bot: Bot, *, wallet: float, fee: float) -> dict[str, Any]:
    """BacktestConfig settings that trade as this bot does: its stake, its risk limits and
    protections, the venue's taker `fee`, and exits at the next open (market orders after
    the candle closed), so the backtest and the bot's own trades can be compared."""
    limits = effective_limits_for(bot.user, bot.risk_limits)
    return {
        "wallet": wallet,
        "stake": float(bot.stake_amount),
        "fee": fee,
        "exit_fill": "next_open",
        "max_open_trades": limits.max_open_trades,
        "min_confidence": limits.min_confidence,
        "cooldown_candles": limits.cooldown_candles,
        "max_stoplosses_per_day": limits.max_stoplosses_per_day,
        "max_entries_per_day": limits.max_trades_per_day,
        "max_trade_risk_pct": limits.max_trade_risk_pct,
        "max_position_pct": limits.max_position_pct,
        "max_daily_loss_pct": limits.max_daily_loss_pct,
        "max_drawdown_pct": limits.max_drawdown_pct,
    }
