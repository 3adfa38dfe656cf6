"""SMA crossover: trend following on two simple moving averages of the close."""

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


class SmaCrossover(Strategy):
    name = "sma_crossover"
    title = "SMA crossover"
    description = (
        "Buys when the fast simple moving average of the close crosses above the slow one "
        "(the short-term trend turns up) and sells when it crosses back below. A stoploss "
        "limits the loss; the trailing stop, when on, moves that stop up behind the price."
    )
    timeframe = "1h"
    params = (
        Param("fast_period", "int", 20, low=2, high=100, help="Candles in the fast average."),
        Param("slow_period", "int", 50, low=3, high=200, help="Candles in the slow average."),
        stoploss_param(5.0),
        trailing_stop_param(),
    )
    # SMA(200) is first defined on candle 200; a cross also needs the candle before.
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
            sma_fast=talib.SMA(close, timeperiod=self.fast_period),
            sma_slow=talib.SMA(close, timeperiod=self.slow_period),
        )

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["sma_fast"], df["sma_slow"])

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_below(df["sma_fast"], df["sma_slow"])
