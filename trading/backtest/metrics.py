"""Backtest statistics as pure functions of numbers (no strategy, no engine, no Django).

Conventions: ratios are fractions (0.05 = 5 %); a statistic that is undefined for the
input (no losing trade for the profit factor, a flat equity for Sharpe) is None, never inf
or NaN, so reports serialise to JSON as null.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

DAY_MS = 86_400_000


def win_rate(profits: Sequence[float]) -> float | None:
    """Share of trades with a profit above 0 (draws and losses are not wins)."""
    if not len(profits):
        return None
    return sum(1 for profit in profits if profit > 0) / len(profits)


def profit_factor(profits: Sequence[float]) -> float | None:
    """Gross profit / gross loss; None without a losing trade."""
    gross_loss = -sum(profit for profit in profits if profit < 0)
    if gross_loss == 0:
        return None
    return sum(profit for profit in profits if profit > 0) / gross_loss


def expectancy(profits: Sequence[float]) -> float | None:
    """The mean profit per trade (in the profits' unit)."""
    if not len(profits):
        return None
    return sum(profits) / len(profits)


def expectancy_ratio(profits: Sequence[float]) -> float | None:
    """(1 + mean win / mean loss) x win rate - 1: the edge per unit risked (freqtrade's).

    None without a losing trade (the ratio is unbounded) or without trades.
    """
    wins = [profit for profit in profits if profit > 0]
    losses = [-profit for profit in profits if profit < 0]
    if not losses:
        return None
    rate = len(wins) / len(profits)
    mean_win = sum(wins) / len(wins) if wins else 0.0
    mean_loss = sum(losses) / len(losses)
    return (1 + mean_win / mean_loss) * rate - 1


@dataclass(frozen=True)
class Drawdown:
    """The largest fall of a balance from its running high, absolute and relative.

    `abs` and `pct` are each the largest of their kind (they can come from different
    falls); `peak_ms` / `trough_ms` / `duration_ms` describe the largest relative fall.
    All zero/None when the balance never fell.
    """

    abs: float
    pct: float
    peak_ms: int | None
    trough_ms: int | None

    @property
    def duration_ms(self) -> int:
        if self.peak_ms is None or self.trough_ms is None:
            return 0
        return self.trough_ms - self.peak_ms


def max_drawdown(times_ms: ArrayLike, balances: ArrayLike) -> Drawdown:
    """Over a balance series (first point = the starting balance), oldest first."""
    times = np.asarray(times_ms, dtype=np.int64)
    values = np.asarray(balances, dtype=np.float64)
    if values.size == 0:
        return Drawdown(0.0, 0.0, None, None)
    highs = np.maximum.accumulate(values)
    falls = highs - values
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(highs > 0, falls / highs, 0.0)
    worst = int(np.argmax(relative))
    if relative[worst] <= 0:
        return Drawdown(float(falls.max(initial=0.0)), 0.0, None, None)
    peak = int(np.flatnonzero(values[: worst + 1] == highs[worst])[-1])
    return Drawdown(
        abs=float(falls.max()),
        pct=float(relative[worst]),
        peak_ms=int(times[peak]),
        trough_ms=int(times[worst]),
    )


def cagr(start_balance: float, final_balance: float, days: float) -> float | None:
    """Compound annual growth rate: (final / start) ^ (365 / days) - 1.

    None when it cannot be said: no time passed, or a short run's growth compounds past
    what a float holds.
    """
    if days <= 0 or start_balance <= 0:
        return None
    if final_balance <= 0:
        return -1.0
    try:
        return float((final_balance / start_balance) ** (365.0 / days) - 1.0)
    except OverflowError:
        return None


def daily_returns(times_ms: ArrayLike, equity: ArrayLike, start: float) -> np.ndarray:
    """Each UTC day's return, from the last equity of the day before (day one: from `start`)."""
    days = np.asarray(times_ms, dtype=np.int64) // DAY_MS
    values = np.asarray(equity, dtype=np.float64)
    if values.size == 0:
        return np.zeros(0)
    last_of_day = np.flatnonzero(np.append(days[1:] != days[:-1], True))
    closes = np.concatenate([[start], values[last_of_day]])
    return closes[1:] / closes[:-1] - 1.0


def sharpe(returns: ArrayLike, periods_per_year: int = 365) -> float | None:
    """Annualised mean / standard deviation (sample, ddof 1) of periodic returns, rf = 0."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return None
    deviation = float(values.std(ddof=1))
    if deviation == 0 or not math.isfinite(deviation):
        return None
    return float(values.mean()) / deviation * math.sqrt(periods_per_year)


def sortino(returns: ArrayLike, periods_per_year: int = 365) -> float | None:
    """Annualised mean / downside deviation, sqrt(mean(min(r, 0)^2)) over all periods."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(values, 0.0) ** 2)))
    if downside == 0:
        return None
    return float(values.mean()) / downside * math.sqrt(periods_per_year)


def calmar(annual_return: float | None, drawdown_pct: float) -> float | None:
    """CAGR / max drawdown (both fractions); None without a drawdown."""
    if annual_return is None or drawdown_pct <= 0:
        return None
    return annual_return / drawdown_pct


def market_change(first_closes: Sequence[float], last_closes: Sequence[float]) -> float | None:
    """Mean over pairs of last close / first close - 1 (what holding each pair did)."""
    changes = [
        last / first - 1.0
        for first, last in zip(first_closes, last_closes, strict=True)
        if first > 0 and math.isfinite(first) and math.isfinite(last)
    ]
    if not changes:
        return None
    return sum(changes) / len(changes)
