"""RSI mean reversion: buy the bounce out of oversold, sell into overbought."""

from __future__ import annotations

from typing import Any

import pandas as pd
import talib

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import prices, require_less, stoploss_param, stoploss_ratio
from trading.strategies.signals import crossed_above, oversold_confidence


class RsiMeanReversion(Strategy):
    name = "rsi_mean_reversion"
    title = "RSI mean reversion"
    description = (
        "Buys when the RSI climbs back above the oversold level (the selling has run out) and "
        "sells when the RSI climbs above the overbought level. Confidence grows with how low "
        "the RSI was on the candle before the signal. A stoploss limits the loss."
    )
    timeframe = "5m"
    params = (
        Param("rsi_period", "int", 14, low=2, high=50, help="Candles in the RSI."),
        Param("oversold", "int", 30, low=5, high=50, help="Buy when RSI crosses above this."),
        Param("overbought", "int", 70, low=50, high=95, help="Sell when RSI crosses above this."),
        stoploss_param(8.0),
    )
    # TA-Lib's RSI(50) starts on candle 51; the cross and the confidence need one more.
    startup_candles = 51

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        require_less(self, "oversold", "overbought")

    def exit_rules(self) -> ExitRules:
        return ExitRules(stoploss=stoploss_ratio(self.stoploss_pct))

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(rsi=talib.RSI(prices(df, "close"), timeperiod=self.rsi_period))

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["rsi"], float(self.oversold))

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["rsi"], float(self.overbought))

    def confidence(self, df: pd.DataFrame) -> pd.Series:
        return oversold_confidence(df["rsi"], float(self.oversold))
