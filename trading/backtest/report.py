"""The backtest's result: trades, summary, per-pair and per-exit-reason tables, equity curve.

Money figures (stakes, fees, profits, balances) are rounded to 8 decimals and written as
strings in JSON and CSV; rates are strings with 12 significant digits; percentages and
ratios are JSON numbers. `ASSUMPTIONS` is the list of rules the engine follows, shown with
every report (docs/backtesting.md explains each).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from trading.backtest import loop, metrics
from trading.backtest.config import BacktestConfig

if TYPE_CHECKING:
    from trading.strategies.base import Strategy

ASSUMPTIONS: tuple[str, ...] = (
    "A signal is known at its candle's close; entries and exit signals fill at the next "
    "candle's open. Nothing from a later candle is used for a decision.",
    "Within a candle the exits are checked in this order: exit signal, stoploss, ROI, "
    "take profit, trailing stop; the first that applies closes the trade.",
    "A stop fills at the stop price; when the candle opens below the stop it fills at the "
    "open (unless stop_gap_fill = stop). A trailing stop follows the candle's high before "
    "the low is checked against it; armed and hit on the entry candle, it fills at the "
    "worst price the rules allow.",
    "ROI: the table entry with the largest key (minutes since entry) not above the trade's "
    "age applies; it triggers when the profit at the high, after both fees, is above it, and "
    "fills at the price whose profit after both fees is exactly ROI x stake (at the open "
    "when a new ROI step starts there and the open is already higher).",
    "Fees are charged on both legs: the entry fee on the stake, the exit fee on the "
    "proceeds. Slippage makes every market fill (entries, exit signals, stops, force exits) "
    "worse by its ratio; ROI and take-profit fills are limit prices without slippage.",
    "One open trade per pair; at most max_open_trades at once across pairs, sharing one "
    "wallet. Each candle, pairs holding a trade go first (oldest first), then the others in "
    "the given order; a slot freed by an exit is free for the pairs after it.",
    "No entry on the last candle; a trade still open at the end closes at its pair's last "
    "close (or open, with force_exit_price = open) with reason force_exit.",
    "Signals on the strategy's startup (warm-up) candles are ignored.",
    "With exit_fill = next_open (how bots exit, and the default of a bot's backtest) a "
    "stoploss, ROI, take-profit or trailing exit found on a candle fills at the next "
    "candle's open instead, as the market order a bot sends once the candle closed.",
    "Protections and risk limits (cooldown, stoploss guard, entries per day, trade risk, "
    "position size, daily loss, drawdown) refuse entries as they do for a bot: judged at the "
    "close of the signal's candle on the equity at that close; refusals are counted in "
    "rejected_by_risk.",
)


def money(value: float) -> str:
    """A money figure as a string with 8 decimals (no negative zero)."""
    text = f"{round(float(value), 8):.8f}"
    return "0.00000000" if text == "-0.00000000" else text


def rate(value: float) -> str:
    """A price as a positional string with up to 12 significant digits."""
    return np.format_float_positional(
        float(value), precision=12, unique=True, fractional=False, trim="-"
    )


def number(value: float | None, digits: int = 6) -> float | None:
    """A JSON-safe float: rounded, None for None/NaN/inf."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


@dataclass(frozen=True)
class Trade:
    """One closed trade; times are the open times (ms, UTC) of the candles it filled on."""

    pair: str
    open_ms: int
    close_ms: int
    open_rate: float
    close_rate: float
    amount: float
    stake: float
    fee_open: float
    fee_close: float
    profit_abs: float
    profit_ratio: float
    exit_reason: str
    initial_stop: float | None
    stop: float | None
    max_rate: float
    min_rate: float

    @property
    def duration_s(self) -> int:
        return (self.close_ms - self.open_ms) // 1000

    def to_dict(self) -> dict[str, Any]:
        return {
            "pair": self.pair,
            "open_time": iso(self.open_ms),
            "close_time": iso(self.close_ms),
            "duration_s": self.duration_s,
            "open_rate": rate(self.open_rate),
            "close_rate": rate(self.close_rate),
            "amount": rate(self.amount),
            "stake": money(self.stake),
            "fee_open": money(self.fee_open),
            "fee_close": money(self.fee_close),
            "profit_abs": money(self.profit_abs),
            "profit_pct": number(self.profit_ratio * 100, 8),
            "exit_reason": self.exit_reason,
            "initial_stop": None if self.initial_stop is None else rate(self.initial_stop),
            "stop": None if self.stop is None else rate(self.stop),
            "max_rate": rate(self.max_rate),
            "min_rate": rate(self.min_rate),
        }


TRADE_COLUMNS = tuple(
    Trade("", 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, "", None, None, 1, 1).to_dict().keys()
)


@dataclass
class BacktestResult:
    """Everything a report page, the CLI or a stored result needs; `to_dict()` is JSON-safe."""

    strategy: str
    params: dict[str, Any]
    config: BacktestConfig
    pairs: list[str]
    trades: list[Trade]
    summary: dict[str, Any]
    per_pair: list[dict[str, Any]]
    per_exit_reason: list[dict[str, Any]]
    equity_curve: list[dict[str, Any]]
    assumptions: tuple[str, ...] = field(default=ASSUMPTIONS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "params": self.params,
            "config": self.config.to_dict(),
            "pairs": self.pairs,
            "assumptions": list(self.assumptions),
            "summary": self.summary,
            "per_pair": self.per_pair,
            "per_exit_reason": self.per_exit_reason,
            "equity_curve": self.equity_curve,
            "trades": [trade.to_dict() for trade in self.trades],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def trades_csv(self) -> str:
        """The trades table as CSV, one row per trade, the columns of `Trade.to_dict()`."""
        return trades_csv_from_dict(self.to_dict())


def trades_csv_from_dict(report: dict[str, Any]) -> str:
    """The trades of a report (`BacktestResult.to_dict()`, e.g. as stored) as CSV."""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=TRADE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for trade in report["trades"]:
        writer.writerow({column: trade[column] for column in TRADE_COLUMNS})
    return output.getvalue()


def _group(trades: Iterable[Trade], key: str, wallet: float) -> list[dict[str, Any]]:
    groups: dict[str, list[Trade]] = {}
    for trade in trades:
        groups.setdefault(getattr(trade, key), []).append(trade)
    return [{key: name, **_stats(members, wallet)} for name, members in sorted(groups.items())]


def _stats(trades: Sequence[Trade], wallet: float) -> dict[str, Any]:
    profits = [trade.profit_abs for trade in trades]
    ratios = [trade.profit_ratio for trade in trades]
    rate_won = metrics.win_rate(profits)
    return {
        "trades": len(trades),
        "wins": sum(1 for profit in profits if profit > 0),
        "draws": sum(1 for profit in profits if profit == 0),
        "losses": sum(1 for profit in profits if profit < 0),
        "win_rate_pct": number(None if rate_won is None else rate_won * 100, 4),
        "profit_mean_pct": number(sum(ratios) / len(ratios) * 100 if ratios else None, 6),
        "profit_total_abs": money(sum(profits)),
        "profit_total_pct": number(sum(profits) / wallet * 100, 6),
        "avg_duration_s": (
            int(sum(trade.duration_s for trade in trades) / len(trades)) if trades else None
        ),
    }


def _trades(rows: np.ndarray, grid: np.ndarray, pairs: Sequence[str]) -> list[Trade]:
    trades = []
    for row in rows:
        no_stop = row[loop.T_INITIAL_STOP] <= 0
        trades.append(
            Trade(
                pair=pairs[int(row[loop.T_PAIR])],
                open_ms=int(grid[int(row[loop.T_ENTRY_T])]),
                close_ms=int(grid[int(row[loop.T_EXIT_T])]),
                open_rate=float(row[loop.T_OPEN_RATE]),
                close_rate=float(row[loop.T_CLOSE_RATE]),
                amount=float(row[loop.T_AMOUNT]),
                stake=float(row[loop.T_STAKE]),
                fee_open=float(row[loop.T_FEE_OPEN]),
                fee_close=float(row[loop.T_FEE_CLOSE]),
                profit_abs=float(row[loop.T_PROFIT_ABS]),
                profit_ratio=float(row[loop.T_PROFIT_RATIO]),
                exit_reason=loop.EXIT_REASONS[int(row[loop.T_REASON])],
                initial_stop=None if no_stop else float(row[loop.T_INITIAL_STOP]),
                stop=None if no_stop else float(row[loop.T_STOP]),
                max_rate=float(row[loop.T_MAX_RATE]),
                min_rate=float(row[loop.T_MIN_RATE]),
            )
        )
    return trades


def _curve(grid: np.ndarray, balance: np.ndarray, equity: np.ndarray, points: int = 500):
    if len(grid) == 0:
        return []
    # at most `points` samples, evenly spread, the first and the last candle included
    picks = np.unique(np.linspace(0, len(grid) - 1, min(points, len(grid))).round().astype(int))
    return [
        {"time": iso(int(grid[i])), "balance": money(balance[i]), "equity": money(equity[i])}
        for i in picks
    ]


def build_result(
    *,
    config: BacktestConfig,
    strategy: Strategy,
    pairs: list[str],
    grid: np.ndarray,
    trades: np.ndarray,
    balance: np.ndarray,
    equity: np.ndarray,
    open_counts: np.ndarray,
    first_closes: Sequence[float],
    last_closes: Sequence[float],
    start_ms: int,
    candles: int,
    rejected_no_slot: int,
    rejected_no_funds: int,
    rejected_by_risk: int,
    elapsed_s: float,
    loop_s: float,
) -> BacktestResult:
    """Turn the loop's arrays into the report (statistics from `metrics`)."""
    wallet = config.wallet
    closed = _trades(trades, grid, pairs)
    profits = [trade.profit_abs for trade in closed]
    ratios = [trade.profit_ratio for trade in closed]
    final = wallet + sum(profits)
    end_ms = int(grid[-1])
    days = (end_ms - start_ms) / metrics.DAY_MS
    # the realised balance after each close (freqtrade's drawdown), from the start
    drawdown = metrics.max_drawdown(
        [start_ms, *[trade.close_ms for trade in closed]],
        np.concatenate([[wallet], wallet + np.cumsum(profits)]),
    )
    in_range = grid >= start_ms
    equity_drawdown = metrics.max_drawdown(grid[in_range], equity[in_range])
    returns = metrics.daily_returns(grid[in_range], equity[in_range], wallet)
    annual = metrics.cagr(wallet, final, days)
    rate_won = metrics.win_rate(profits)
    market = metrics.market_change(first_closes, last_closes)
    mean = metrics.expectancy(profits)
    summary: dict[str, Any] = {
        "strategy": getattr(strategy, "name", type(strategy).__name__),
        "timeframe": config.timeframe,
        "pairs": pairs,
        "start": iso(start_ms),
        "end": iso(end_ms),
        "days": number(days, 4),
        "candles": candles,
        "elapsed_s": number(elapsed_s, 4),
        "loop_s": number(loop_s, 6),
        "candles_per_s": int(candles / elapsed_s) if elapsed_s > 0 else None,
        "total_trades": len(closed),
        "wins": sum(1 for profit in profits if profit > 0),
        "draws": sum(1 for profit in profits if profit == 0),
        "losses": sum(1 for profit in profits if profit < 0),
        "win_rate_pct": number(None if rate_won is None else rate_won * 100, 4),
        "starting_balance": money(wallet),
        "final_balance": money(final),
        "profit_total_abs": money(final - wallet),
        "profit_total_pct": number((final - wallet) / wallet * 100, 6),
        "profit_mean_pct": number(sum(ratios) / len(ratios) * 100 if ratios else None, 6),
        "best_trade_pct": number(max(ratios) * 100 if ratios else None, 6),
        "worst_trade_pct": number(min(ratios) * 100 if ratios else None, 6),
        "cagr_pct": number(None if annual is None else annual * 100, 6),
        "sharpe": number(metrics.sharpe(returns)),
        "sortino": number(metrics.sortino(returns)),
        "calmar": number(metrics.calmar(annual, drawdown.pct)),
        "profit_factor": number(metrics.profit_factor(profits)),
        "expectancy": None if mean is None else money(mean),
        "expectancy_ratio": number(metrics.expectancy_ratio(profits)),
        "max_drawdown_abs": money(drawdown.abs),
        "max_drawdown_pct": number(drawdown.pct * 100, 6),
        "max_drawdown_start": iso(drawdown.peak_ms),
        "max_drawdown_end": iso(drawdown.trough_ms),
        "max_drawdown_duration_s": drawdown.duration_ms // 1000,
        "max_equity_drawdown_pct": number(equity_drawdown.pct * 100, 6),
        "market_change_pct": number(None if market is None else market * 100, 6),
        "exposure_pct": number(
            float((open_counts[in_range] > 0).mean() * 100) if in_range.any() else 0.0, 4
        ),
        "avg_duration_s": (
            int(sum(trade.duration_s for trade in closed) / len(closed)) if closed else None
        ),
        "rejected_no_slot": rejected_no_slot,
        "rejected_no_funds": rejected_no_funds,
        "rejected_by_risk": rejected_by_risk,
    }
    return BacktestResult(
        strategy=summary["strategy"],
        params=dict(getattr(strategy, "values", {})),
        config=config,
        pairs=pairs,
        trades=closed,
        summary=summary,
        per_pair=_group(closed, "pair", wallet),
        per_exit_reason=_group(closed, "exit_reason", wallet),
        equity_curve=_curve(grid, balance, equity),
    )
