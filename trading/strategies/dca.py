"""DCA: buy on a fixed schedule, sell at a take-profit."""

from __future__ import annotations

import pandas as pd

from trading.strategies.base import ExitRules, Param, Strategy
from trading.strategies.common import stoploss_param, stoploss_ratio
from trading.timeframes import timeframe_length

_EPOCH = pd.Timestamp(0, tz="UTC")


class Dca(Strategy):
    name = "dca"
    title = "DCA (buy on a schedule)"
    description = (
        "Dollar-cost averaging: buys on the first candle of every period of N candles (of the "
        "data's timeframe: at 1h every N hours, at 1m every N minutes), counted from "
        "1970-01-01 UTC so a restart or "
        "a shorter history does not move the schedule. Sells when the trade is up by the "
        "take-profit; there is no sell signal. The stoploss is off unless set. Simplified "
        "from real DCA, which keeps adding to one growing position: this holds one position "
        "at a time, so scheduled buys while it is open are skipped, and it buys again on the "
        "schedule after each take-profit."
    )
    timeframe = "1h"
    params = (
        Param(
            "interval_candles", "int", 24, low=1, high=1000, help="Candles between scheduled buys."
        ),
        Param("take_profit_pct", "float", 3.0, low=0.1, high=100.0, help="Sell at this gain, %."),
        stoploss_param(0.0, can_be_off=True),
    )
    startup_candles = 1  # the previous candle's period

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), take_profit=self.take_profit_pct / 100.0
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        # Counted in the data's own candles (a 1m bot buys every N minutes), on the UTC grid.
        spacing = df["open_time"].diff().min() if len(df) > 1 else pd.NaT
        candle = spacing if pd.notna(spacing) else pd.Timedelta(timeframe_length(self.timeframe))
        period = candle * self.interval_candles
        return df.assign(dca_period=((df["open_time"] - _EPOCH) // period).astype("float64"))

    def entry(self, df: pd.DataFrame) -> pd.Series:
        period = df["dca_period"]
        return ((period != period.shift(1)) & period.shift(1).notna()).astype(bool)

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return pd.Series(False, index=df.index, dtype=bool)
