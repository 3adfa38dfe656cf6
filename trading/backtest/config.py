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
ExitFill = Literal["rule", "next_open"]
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
    candle's open (freqtrade 2026.9). `exit_fill` is where a stoploss, ROI, take-profit or
    trailing exit fills: within the candle at the rule's price (`rule`, freqtrade's model of
    orders resting on the exchange), or at the next candle's open (`next_open`: a market order
    after the candle closed, which is how our bots exit).

    The protections and risk limits are trading.risk's, judged as a bot judges them (None or
    -1 turns one off): `cooldown_candles` after an exit before the pair enters again, at most
    `max_stoplosses_per_day` stop-loss exits in 24 hours before entries pause, at most
    `max_entries_per_day` entries per UTC day, and entries refused while the trade's risk at
    its stoploss or its stake exceed `max_trade_risk_pct` / `max_position_pct` of equity, or
    while the equity is `max_daily_loss_pct` below the day's start or `max_drawdown_pct`
    below its peak.
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
    exit_fill: ExitFill = "rule"
    cooldown_candles: int = 0
    max_stoplosses_per_day: int = -1
    max_entries_per_day: int = -1
    max_trade_risk_pct: float | None = None
    max_position_pct: float | None = None
    max_daily_loss_pct: float | None = None
    max_drawdown_pct: float | None = None

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
            ("exit_fill", self.exit_fill in ("rule", "next_open"), "must be rule or next_open"),
            (
                "cooldown_candles",
                isinstance(self.cooldown_candles, int) and self.cooldown_candles >= 0,
                "must be 0 or more",
            ),
            *(
                (name, isinstance(value, int) and value >= -1, "must be -1 (off) or more")
                for name, value in (
                    ("max_stoplosses_per_day", self.max_stoplosses_per_day),
                    ("max_entries_per_day", self.max_entries_per_day),
                )
            ),
            *(
                (name, value is None or (_finite(value) and value > 0), "must be above 0")
                for name, value in (
                    ("max_trade_risk_pct", self.max_trade_risk_pct),
                    ("max_position_pct", self.max_position_pct),
                    ("max_daily_loss_pct", self.max_daily_loss_pct),
                    ("max_drawdown_pct", self.max_drawdown_pct),
                )
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
