"""A live trade's exit rules, judged by the backtest's own compiled code.

A bot asks, after each candle closes, whether its stoploss, ROI table, take-profit or
trailing stop exits the open trade. `first_rule_exit` answers with `loop.rule_exit`, the
function the backtest runs on every candle, over the candles since the trade opened; so a
bot and the backtest of the same strategy cannot disagree on when a rule fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trading.backtest import loop
from trading.backtest.config import BacktestConfig
from trading.backtest.engine import exit_rule_params
from trading.strategies.base import ExitRules


@dataclass(frozen=True)
class RuleExit:
    candle: int  # index into the candles given, from the trade's first candle
    reason: str  # the backtest's name: stop_loss, roi, take_profit, trailing_stop_loss


def first_rule_exit(
    rules: ExitRules,
    *,
    timeframe: str,
    fee: float,
    open_rate: float,
    candles: Sequence[tuple[int, float, float, float]],
) -> RuleExit | None:
    """The first of `candles` (open time in ms, open, high, low; from the candle the trade
    opened on, at `open_rate`) on which a rule exits, or None while none does."""
    if not candles:
        return None
    params, roi_keys, roi_values = exit_rule_params(
        BacktestConfig(timeframe=timeframe, fee=fee), rules
    )
    times = np.array([c[0] for c in candles], dtype=np.int64)
    opens, highs, lows = (np.array([c[k] for c in candles], dtype=np.float64) for k in (1, 2, 3))
    index, reason = loop.first_rule_exit(
        float(open_rate), times, opens, highs, lows, roi_keys, roi_values, params
    )
    if index < 0:
        return None
    return RuleExit(candle=int(index), reason=loop.EXIT_REASONS[int(reason)])
