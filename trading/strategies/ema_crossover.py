"""EMA crossover: trend following on two exponential moving averages of the close."""

from __future__ import annotations

from typing import Any

import pandas as pd
import talib

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import (
    prices,
    require_less,
    stoploss_param,
    stoploss_ratio,
    trailing_stop_param,
)
from trading.strategies.signals import crossed_above, crossed_below


class EmaCrossover(Strategy):
    name = "ema_crossover"
    title = "EMA crossover"
    description = (
        "Buys when the fast exponential moving average of the close crosses above the slow "
        "one and sells when it crosses back below. EMAs weigh recent candles more than SMAs, "
        "so they turn sooner (and give more false turns). A stoploss limits the loss; the "
        "trailing stop, when on, moves that stop up behind the price."
    )
    timeframe = "1h"
    params = (
        Param("fast_period", "int", 9, low=2, high=100, help="Candles in the fast average."),
        Param("slow_period", "int", 21, low=3, high=200, help="Candles in the slow average."),
        stoploss_param(5.0),
        trailing_stop_param(),
    )
    # TA-Lib's EMA(200) starts on candle 200 (seeded with an SMA); a cross needs one more.
    startup_candles = 200

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        require_less(self, "fast_period", "slow_period")

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), trailing_stop=self.trailing_stop
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = prices(df, "close")
        return df.assign(
            ema_fast=talib.EMA(close, timeperiod=self.fast_period),
            ema_slow=talib.EMA(close, timeperiod=self.slow_period),
        )

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["ema_fast"], df["ema_slow"])

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_below(df["ema_fast"], df["ema_slow"])
