"""Donchian breakout: buy a close above the recent highest high (the turtle rule)."""

from __future__ import annotations

import pandas as pd
import talib

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import (
    prices,
    stoploss_param,
    stoploss_ratio,
    trailing_stop_param,
)


class DonchianBreakout(Strategy):
    name = "donchian_breakout"
    title = "Donchian breakout"
    description = (
        "The Donchian channel is the highest high and the lowest low of the previous candles "
        "(the current candle is not part of it). Buys when the close breaks above the highest "
        "high of the previous entry-period candles and sells when the close falls below the "
        "lowest low of the previous exit-period candles. A stoploss limits the loss; the "
        "trailing stop, when on, moves that stop up behind the price."
    )
    timeframe = "1h"
    params = (
        Param("entry_period", "int", 20, low=5, high=100, help="Candles of the breakout high."),
        Param("exit_period", "int", 10, low=2, high=100, help="Candles of the exit low."),
        stoploss_param(10.0),
        trailing_stop_param(),
    )
    # The channel of the previous 100 candles is first known on candle 101 (row 100).
    startup_candles = 100

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), trailing_stop=self.trailing_stop
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        # MAX/MIN include the current candle; shift by one for "the previous N candles".
        highest = pd.Series(talib.MAX(prices(df, "high"), timeperiod=self.entry_period))
        lowest = pd.Series(talib.MIN(prices(df, "low"), timeperiod=self.exit_period))
        return df.assign(
            donchian_upper=highest.shift(1).to_numpy(),
            donchian_lower=lowest.shift(1).to_numpy(),
        )

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return (df["close"] > df["donchian_upper"]).astype(bool)

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return (df["close"] < df["donchian_lower"]).astype(bool)
