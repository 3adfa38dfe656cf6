"""What a backtest is asked to do: wallet, stake, slots, fees, slippage (no strategy, no data)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from cryptopulse.errors import ApplicationError
from trading.timeframes import timeframe_length

StakeMode = Literal["fixed", "percent", "risk"]
StopGapFill = Literal["open", "stop"]
ForceExitPrice = Literal["close", "open"]
STAKE_MODES: tuple[str, ...] = ("fixed", "percent", "risk")


class BacktestError(ApplicationError):
    """A backtest that cannot run as asked (bad setting, missing data); `field` names the input."""


@dataclass(frozen=True)
class BacktestConfig:
    """One run's settings; every ratio is a fraction (0.001 = 0.1 %).

    `stake` depends on `stake_mode`: `fixed` spends `stake` of the quote currency per trade;
    `percent` spends that fraction of the equity (free cash + open trades at cost); `risk`
    sizes the trade so that a fill at the stop-loss loses that fraction of the equity, fees
    and slippage included. `max_open_trades` -1 means no limit. `stop_gap_fill` says where a
    stop fills when the candle opens below it: at the open (`open`, the default), or at the
    stop unless the whole candle is below it (`stop`, freqtrade's rule). `force_exit_price`
    is where a trade still open at the end closes: its pair's last close (default) or that
    candle's open (freqtrade 2026.9).
    """

    timeframe: str
    wallet: float = 1.0
    stake: float = 0.05
    stake_mode: StakeMode = "fixed"
    max_open_trades: int = 3
    fee: float = 0.001
    slippage: float = 0.0
    min_confidence: float | None = None
    stop_gap_fill: StopGapFill = "open"
    force_exit_price: ForceExitPrice = "close"

    def __post_init__(self) -> None:
        timeframe_length(self.timeframe)
        checks: list[tuple[str, bool, str]] = [
            ("wallet", _finite(self.wallet) and self.wallet > 0, "must be above 0"),
            ("stake", _finite(self.stake) and self.stake > 0, "must be above 0"),
            ("stake_mode", self.stake_mode in STAKE_MODES, "must be fixed, percent or risk"),
            (
                "stake",
                self.stake_mode == "fixed" or self.stake <= 1,
                "is a fraction of the equity (at most 1) in percent and risk modes",
            ),
            (
                "max_open_trades",
                isinstance(self.max_open_trades, int)
                and (self.max_open_trades >= 1 or self.max_open_trades == -1),
                "must be 1 or more, or -1 for no limit",
            ),
            ("fee", _finite(self.fee) and 0 <= self.fee < 0.5, "must be from 0 to 0.5"),
            ("slippage", _finite(self.slippage) and 0 <= self.slippage < 0.5, "from 0 to 0.5"),
            ("stop_gap_fill", self.stop_gap_fill in ("open", "stop"), "must be open or stop"),
            (
                "force_exit_price",
                self.force_exit_price in ("close", "open"),
                "must be close or open",
            ),
            (
                "min_confidence",
                self.min_confidence is None or 0 <= self.min_confidence <= 100,
                "must be from 0 to 100",
            ),
        ]
        for name, ok, problem in checks:
            if not ok:
                raise BacktestError("invalid_setting", f"{name} {problem}.", name)

    @property
    def timeframe_ms(self) -> int:
        return int(timeframe_length(self.timeframe).total_seconds() * 1000)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
