"""SMA crossover: trend following on two simple moving averages of the close."""

from __future__ import annotations

import talib

from trading.strategies.base import Param
from trading.strategies.common import stoploss_param, trailing_stop_param
from trading.strategies.crossover import AverageCrossover


class SmaCrossover(AverageCrossover):
    name = "sma_crossover"
    average = talib.SMA
    prefix = "sma"
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
