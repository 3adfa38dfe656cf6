"""What the SMA and EMA crossovers share: two moving averages of the close, a cross each way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from trading.strategies.base import ExitRules, Strategy
from trading.strategies.common import prices, require_less, stoploss_ratio
from trading.strategies.signals import crossed_above, crossed_below


class AverageCrossover(Strategy):
    """Buys when the fast average crosses above the slow one, sells when it crosses below.

    Subclasses name the average (`average`, a TA-Lib function) and its column prefix.
    """

    average: ClassVar[Callable[..., NDArray[np.float64]]]
    prefix: ClassVar[str]

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        require_less(self, "fast_period", "slow_period")

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=stoploss_ratio(self.stoploss_pct), trailing_stop=self.trailing_stop
        )

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = prices(df, "close")
        average = type(self).average
        return df.assign(
            **{
                f"{self.prefix}_fast": average(close, timeperiod=self.fast_period),
                f"{self.prefix}_slow": average(close, timeperiod=self.slow_period),
            }
        )

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return crossed_above(df[f"{self.prefix}_fast"], df[f"{self.prefix}_slow"])

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return crossed_below(df[f"{self.prefix}_fast"], df[f"{self.prefix}_slow"])
