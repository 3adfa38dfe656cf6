"""The strategy interface: declared parameters, vectorised indicators and signals.

A strategy is a class with typed, bounded parameters (`Param`), and three vectorised steps
over a candle DataFrame (columns `open_time` (UTC), `open`, `high`, `low`, `close`,
`volume`, float64, oldest first): `indicators(df)` adds columns, `entry(df)` and `exit(df)`
return boolean Series aligned with `df` (True on the candle whose *close* gives the signal;
the backtester and bots act at the next candle's open). `confidence(df)` may return a 0-100
Series; the risk policy refuses entries below its minimum. Exits besides the signal are
declared as data: `stoploss`, trailing stop, `take_profit`, and the `minimal_roi` table
(minutes in trade -> profit ratio that closes it).

Candle math runs on float64 arrays: a strategy decides *when*, never *how much money*; order
amounts and balances stay Decimal in the order service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from cryptopulse.errors import ApplicationError


class InvalidParameter(ApplicationError):
    """A strategy parameter outside its declared type or range (HTTP 400, field = its name)."""


@dataclass(frozen=True)
class Param:
    """One tunable parameter: `kind` int, float, bool or choice; inclusive `low`/`high`."""

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def clean(self, value: Any) -> Any:
        """`value` converted to the parameter's type; InvalidParameter when it does not fit."""
        try:
            if self.kind == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                cleaned: Any = int(value)
            elif self.kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                cleaned = float(value)
            elif self.kind == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0"):
                        raise ValueError
                    cleaned = value.lower() in ("true", "1")
                else:
                    cleaned = bool(value)
            elif self.kind == "choice":
                cleaned = str(value)
                if cleaned not in self.choices:
                    raise ValueError
            else:  # pragma: no cover - a declaration error, caught by the registry's tests
                raise TypeError(f"unknown parameter kind {self.kind!r}")
        except (TypeError, ValueError):
            raise InvalidParameter(
                "invalid_parameter", f"{self.name} must be {self.describe()}.", self.name
            ) from None
        too_low = self.low is not None and cleaned < self.low
        too_high = self.high is not None and cleaned > self.high
        if self.kind in ("int", "float") and (too_low or too_high):
            raise InvalidParameter(
                "parameter_out_of_range", f"{self.name} must be {self.describe()}.", self.name
            )
        return cleaned

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        kind = "a whole number" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} from {self.low:g} to {self.high:g}"
        return kind


@dataclass(frozen=True)
class ExitRules:
    """The exits besides the signal; ratios are of the entry price (-0.10 = 10 % below)."""

    stoploss: float | None = None
    trailing_stop: bool = False
    trailing_stop_positive: float | None = None
    trailing_stop_positive_offset: float = 0.0
    trailing_only_offset_is_reached: bool = False
    take_profit: float | None = None
    minimal_roi: Mapping[int, float] = field(default_factory=dict)


class Strategy:
    """Subclass, set the class attributes, implement `indicators`, `entry` and `exit`."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    timeframe: ClassVar[str] = "5m"
    startup_candles: ClassVar[int] = 0  # warm-up: no signal is acted on before this many candles

    def __init__(self, **values: Any) -> None:
        known = {param.name: param for param in self.params}
        for name in values:
            if name not in known:
                raise InvalidParameter(
                    "unknown_parameter", f"{self.name} has no parameter {name!r}.", name
                )
        self.values: dict[str, Any] = {
            name: param.clean(values[name]) if name in values else param.default
            for name, param in known.items()
        }

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def exit_rules(self) -> ExitRules:
        """The exits besides the signal (override to make them depend on parameters)."""
        return ExitRules()

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError

    def entry(self, df: pd.DataFrame) -> pd.Series:
        raise NotImplementedError

    def exit(self, df: pd.DataFrame) -> pd.Series:
        raise NotImplementedError

    def confidence(self, df: pd.DataFrame) -> pd.Series | None:
        """0-100 per candle, or None when the strategy does not grade its signals."""
        return None
