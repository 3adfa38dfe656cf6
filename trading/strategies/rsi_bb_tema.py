"""RSI + Bollinger + TEMA: freqtrade's sample strategy rules, written from their description."""

from __future__ import annotations

from typing import Any

import pandas as pd
import talib

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import prices, require_less
from trading.strategies.signals import crossed_above, oversold_confidence


class RsiBbTema(Strategy):
    name = "rsi_bb_tema"
    title = "RSI + Bollinger + TEMA"
    description = (
        "Buys when the RSI(14) crosses above 30 while the TEMA(9) of the close is at or below "
        "the middle Bollinger band (20 candles, 2 deviations, on the typical price "
        "(high + low + close) / 3) and the TEMA is rising. Sells when the RSI crosses above "
        "70 while the TEMA is above the middle band and falling. Candles without volume never "
        "signal. Besides the sell signal it closes a trade at 4 % profit at any time, at 2 % "
        "after 30 minutes, at 1 % after 60 minutes, and at a 10 % loss. It waits for 200 "
        "candles of history first. These are the rules of freqtrade's sample strategy."
    )
    timeframe = "5m"
    params = (
        Param("entry_rsi", "int", 30, low=1, high=50, help="Buy when RSI crosses above this."),
        Param("exit_rsi", "int", 70, low=50, high=100, help="Sell when RSI crosses above this."),
        Param("rsi_period", "int", 14, low=2, high=50, help="Candles in the RSI."),
        Param("tema_period", "int", 9, low=2, high=50, help="Candles in the TEMA."),
        Param("bb_period", "int", 20, low=5, high=100, help="Candles in the Bollinger bands."),
    )
    # More than the look-back (TEMA(50) starts on candle 148): TA-Lib's RSI and EMAs are
    # recursive and settle on values independent of the data's start only after a while.
    startup_candles = 200

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        require_less(self, "entry_rsi", "exit_rsi")

    def exit_rules(self) -> ExitRules:
        return ExitRules(stoploss=-0.10, minimal_roi={60: 0.01, 30: 0.02, 0: 0.04})

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = prices(df, "close")
        typical = talib.TYPPRICE(prices(df, "high"), prices(df, "low"), close)
        upper, middle, lower = talib.BBANDS(
            typical, timeperiod=self.bb_period, nbdevup=2.0, nbdevdn=2.0
        )
        return df.assign(
            rsi=talib.RSI(close, timeperiod=self.rsi_period),
            tema=talib.TEMA(close, timeperiod=self.tema_period),
            bb_upper=upper,
            bb_middle=middle,
            bb_lower=lower,
        )

    def entry(self, df: pd.DataFrame) -> pd.Series:
        tema = df["tema"]
        return (
            crossed_above(df["rsi"], float(self.entry_rsi))
            & (tema <= df["bb_middle"])
            & (tema > tema.shift(1))
            & (df["volume"] > 0)
        )

    def exit(self, df: pd.DataFrame) -> pd.Series:
        tema = df["tema"]
        return (
            crossed_above(df["rsi"], float(self.exit_rsi))
            & (tema > df["bb_middle"])
            & (tema < tema.shift(1))
            & (df["volume"] > 0)
        )

    def confidence(self, df: pd.DataFrame) -> pd.Series:
        return oversold_confidence(df["rsi"], float(self.entry_rsi))
