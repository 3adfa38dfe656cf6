"""MACD momentum: buy when the MACD line crosses above its signal line."""

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


class MacdMomentum(Strategy):
    name = "macd_momentum"
    title = "MACD momentum"
    description = (
        "The MACD line is the fast EMA of the close minus the slow EMA; the signal line is an "
        "EMA of the MACD line. Buys when the MACD line crosses above the signal line (momentum "
        "turns up) and sells when it crosses back below. A stoploss limits the loss; the "
        "trailing stop, when on, moves that stop up behind the price."
    )
    timeframe = "1h"
    params = (
        Param("fast_period", "int", 12, low=2, high=50, help="Candles in the fast EMA."),
        Param("slow_period", "int", 26, low=3, high=100, help="Candles in the slow EMA."),
        Param("signal_period", "int", 9, low=2, high=50, help="Candles in the signal EMA."),
        stoploss_param(5.0),
        trailing_stop_param(),
    )
    # TA-Lib's MACD(50, 100, 50) starts on candle 149 ((100 - 1) + (50 - 1) + 1); a cross
    # needs the candle before.
    startup_candles = 149

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        # TA-Lib silently swaps fast and slow when fast > slow; refuse instead.
        require_less(self, "fast_period", "slow_period")

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), trailing_stop=self.trailing_stop
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        macd, signal, histogram = talib.MACD(
            prices(df, "close"),
            fastperiod=self.fast_period,
            slowperiod=self.slow_period,
            signalperiod=self.signal_period,
        )
        return df.assign(macd=macd, macd_signal=signal, macd_hist=histogram)

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["macd"], df["macd_signal"])

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_below(df["macd"], df["macd_signal"])
