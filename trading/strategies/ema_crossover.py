"""EMA crossover: trend following on two exponential moving averages of the close."""

from __future__ import annotations

import talib

from trading.strategies.base import Param
from trading.strategies.common import stoploss_param, trailing_stop_param
from trading.strategies.crossover import AverageCrossover


class EmaCrossover(AverageCrossover):
    name = "ema_crossover"
    average = talib.EMA
    prefix = "ema"
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
