"""Parameter declarations and small conversions the built-in strategies share."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from trading.strategies.base import InvalidParameter, Param, Strategy


def stoploss_param(default_pct: float, *, can_be_off: bool = False) -> Param:
    """`stoploss_pct`: close the trade this many percent below the entry price (0 = off)."""
    help_text = "Close the trade when the price is this many percent below the entry price."
    if can_be_off:
        help_text += " 0 turns the stoploss off."
    return Param(
        "stoploss_pct",
        "float",
        default_pct,
        low=0.0 if can_be_off else 0.5,
        high=50.0,
        help=help_text,
    )


def trailing_stop_param() -> Param:
    return Param(
        "trailing_stop",
        "bool",
        False,
        help="Let the stoploss follow the highest price since entry, at the same distance.",
    )


def stoploss_ratio(pct: float) -> float | None:
    """-0.05 for 5 (a ratio of the entry price, as ExitRules wants it); None for 0 (off)."""
    return None if pct == 0 else -pct / 100.0


def require_less(strategy: Strategy, smaller: str, larger: str) -> None:
    """InvalidParameter on `larger` unless `smaller` < `larger` (e.g. fast and slow periods)."""
    if strategy.values[smaller] >= strategy.values[larger]:
        raise InvalidParameter(
            "invalid_parameter_combination",
            f"{larger} must be greater than {smaller}.",
            larger,
        )


def prices(df: pd.DataFrame, column: str) -> NDArray[np.float64]:
    """One candle column as the contiguous float64 array TA-Lib takes."""
    return np.ascontiguousarray(df[column].to_numpy(dtype=np.float64))
