"""Crossings and the one place that turns a strategy and candles into signals.

A cross is decided on two consecutive candles: `crossed_above(a, b)` is True where the
previous `a` was at or below the previous `b` and the current `a` is above the current `b`
(freqtrade's and TradingView's convention). A NaN on either candle is no cross, so the first
candle and the warm-up never cross.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trading.strategies.base import Strategy

SIGNAL_COLUMNS = ("entry", "exit", "confidence")


def crossed_above(series: pd.Series, level: pd.Series | float) -> pd.Series:
    """True where `series` goes from <= `level` (previous candle) to > `level` (this one)."""
    previous_level = level.shift(1) if isinstance(level, pd.Series) else level
    crossed = (series > level) & (series.shift(1) <= previous_level)
    return crossed.astype(bool)


def crossed_below(series: pd.Series, level: pd.Series | float) -> pd.Series:
    """True where `series` goes from >= `level` (previous candle) to < `level` (this one)."""
    previous_level = level.shift(1) if isinstance(level, pd.Series) else level
    crossed = (series < level) & (series.shift(1) >= previous_level)
    return crossed.astype(bool)


def oversold_confidence(rsi: pd.Series, oversold: float = 30.0) -> pd.Series:
    """0-100 from how low the RSI was on the candle before the cross over `oversold`.

    At `oversold` it is 75, the platform's default minimum (trading.risk): a signal that
    meets the strategy's own rule passes it. A deeper dip grades higher, up to 100 at an
    RSI of 0; a user or bot asking for more confidence keeps only the deeper dips. Above
    the level it falls by 75 over the next 20 points (no entry signal fires there).
    """
    before = rsi.shift(1)
    deep = 75.0 + 25.0 * (oversold - before) / oversold
    shallow = 75.0 - 75.0 * (before - oversold) / 20.0
    graded = deep.where(before <= oversold, shallow)
    return graded.clip(0.0, 100.0).fillna(0.0)


def evaluate(strategy: Strategy, candles: pd.DataFrame) -> pd.DataFrame:
    """The indicator frame plus boolean `entry`/`exit` and a float `confidence` column.

    Signals inside the warm-up (the first `startup_candles` rows) are cleared: the indicators
    are not complete there. `confidence` is NaN when the strategy does not grade its signals.
    Each signal belongs to its candle's close; act on it at the next candle's open.
    """
    frame = strategy.indicators(candles)
    warm = np.arange(len(frame)) >= strategy.startup_candles
    entry = strategy.entry(frame).to_numpy(dtype=bool) & warm
    exit_ = strategy.exit(frame).to_numpy(dtype=bool) & warm
    confidence = strategy.confidence(frame)
    return frame.assign(
        entry=entry,
        exit=exit_,
        confidence=np.nan if confidence is None else confidence.to_numpy(dtype=np.float64),
    )
