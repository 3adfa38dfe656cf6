"""Bollinger reversion: buy when the close comes back inside the lower band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import talib

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import prices, stoploss_param, stoploss_ratio
from trading.strategies.signals import crossed_above


class BollingerReversion(Strategy):
    name = "bollinger_reversion"
    title = "Bollinger reversion"
    description = (
        "Bollinger bands are a moving average of the close (the middle band) with a band a "
        "number of standard deviations above and below it. Buys when the close comes back "
        "above the lower band after closing at or below it, and sells when the close crosses "
        "above the middle band (or the upper band, if chosen). Confidence grows with how far "
        "below the lower band the candle before closed. A stoploss limits the loss."
    )
    timeframe = "5m"
    params = (
        Param("bb_period", "int", 20, low=5, high=100, help="Candles in the moving average."),
        Param("bb_stddev", "float", 2.0, low=1.0, high=4.0, help="Band width in deviations."),
        Param(
            "exit_band",
            "choice",
            "middle",
            choices=("middle", "upper"),
            help="Sell when the close crosses above this band.",
        ),
        stoploss_param(5.0),
    )
    # BBANDS(100) starts on candle 100; the cross needs the candle before too.
    startup_candles = 100

    def exit_rules(self) -> ExitRules:
        return ExitRules(stoploss=stoploss_ratio(self.stoploss_pct))

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = prices(df, "close")
        upper, middle, lower = talib.BBANDS(
            close, timeperiod=self.bb_period, nbdevup=self.bb_stddev, nbdevdn=self.bb_stddev
        )
        width = upper - lower
        # %B: 0 on the lower band, 1 on the upper; flat prices (no width) sit in the middle.
        safe_width = np.where(width > 0, width, 1.0)
        percent_b = np.where(width > 0, (close - lower) / safe_width, 0.5)
        percent_b[np.isnan(width)] = np.nan
        return df.assign(bb_upper=upper, bb_middle=middle, bb_lower=lower, bb_percent=percent_b)

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["close"], df["bb_lower"])

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df["close"], df[f"bb_{self.exit_band}"])

    def confidence(self, df: pd.DataFrame) -> pd.Series:
        """%B 0 (on the band) -> 50, -0.5 (half a band width below it) -> 100."""
        return (50.0 - 100.0 * df["bb_percent"].shift(1)).clip(0.0, 100.0).fillna(0.0)
