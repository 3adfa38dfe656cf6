"""Grid: buy each time the price falls through a grid line, sell one line higher."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import prices, stoploss_param, stoploss_ratio


class Grid(Strategy):
    name = "grid"
    title = "Grid"
    description = (
        "Grid lines sit a fixed percentage apart (for 1 %: …, 1 / 1.01, 1, 1.01, 1.01², …; "
        "the same lines for every pair and every start date). Buys when a candle closes at "
        "or below a grid line after the previous close was above it, and sells at the next "
        "line up: a take-profit of one grid step. A stoploss, when set, limits the loss. "
        "Simplified from a real grid bot, which holds one order on every line at once: this "
        "holds one position at a time, so buys on lower lines while it is open are skipped, "
        "and it trades on candle closes, not on the price touching a line within the candle."
    )
    timeframe = "5m"
    params = (
        Param("step_pct", "float", 1.0, low=0.1, high=20.0, help="Distance between lines, %."),
        stoploss_param(10.0, can_be_off=True),
    )
    startup_candles = 1  # the previous close

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), take_profit=self.step_pct / 100.0
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = prices(df, "close")
        positive = np.where(close > 0, close, np.nan)
        # Line k is at (1 + step) ** k; `grid_line` is the lowest line at or above the close.
        line = np.ceil(np.log(positive) / np.log1p(self.step_pct / 100.0))
        return df.assign(grid_line=line, grid_price=np.power(1.0 + self.step_pct / 100.0, line))

    def entry(self, df: pd.DataFrame) -> pd.Series:
        line = df["grid_line"]
        return (line < line.shift(1)).astype(bool)

    def exit(self, df: pd.DataFrame) -> pd.Series:
        # The sale one line up is the take-profit in exit_rules(); no candle signal is needed.
        return pd.Series(False, index=df.index, dtype=bool)
