"""Small strategies and hand-made candles for the backtest tests (no registry needed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import talib

from trading.backtest import BacktestConfig, BacktestResult, run_backtest
from trading.strategies.base import ExitRules, Param, Strategy

OHLCV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ohlcv"
START = pd.Timestamp("2024-01-01T00:00:00Z")


def candles(
    rows: Sequence[tuple[float, float, float, float]],
    *,
    start: pd.Timestamp = START,
    minutes: int = 5,
    skip: Iterable[int] = (),
) -> pd.DataFrame:
    """A frame from (open, high, low, close) rows, `minutes` apart; `skip` leaves rows out."""
    missing = set(skip)
    kept = [(i, row) for i, row in enumerate(rows) if i not in missing]
    return pd.DataFrame(
        {
            "open_time": [start + pd.Timedelta(minutes=minutes * i) for i, _ in kept],
            "open": [float(row[0]) for _, row in kept],
            "high": [float(row[1]) for _, row in kept],
            "low": [float(row[2]) for _, row in kept],
            "close": [float(row[3]) for _, row in kept],
            "volume": [1.0 for _ in kept],
        }
    )


def flat(n: int, price: float = 100.0) -> list[tuple[float, float, float, float]]:
    return [(price, price, price, price)] * n


def at(index: int, minutes: int = 5) -> str:
    """The ISO time of candle `index` of a frame made by `candles`."""
    return (START + pd.Timedelta(minutes=minutes * index)).isoformat()


def scripted(
    *,
    entries: Iterable[int] = (),
    exits: Iterable[int] = (),
    rules: ExitRules | None = None,
    startup: int = 0,
    confidence: Sequence[float] | None = None,
) -> Strategy:
    """A strategy whose signals sit on the given candle numbers (the candle whose close says)."""
    entry_rows, exit_rows = set(entries), set(exits)

    class Scripted(Strategy):
        name = "scripted"
        title = "Scripted"
        description = "Signals on given candles."
        startup_candles = startup

        def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
            return df

        def entry(self, df: pd.DataFrame) -> pd.Series:
            return pd.Series(np.isin(np.arange(len(df)), list(entry_rows)), index=df.index)

        def exit(self, df: pd.DataFrame) -> pd.Series:
            return pd.Series(np.isin(np.arange(len(df)), list(exit_rows)), index=df.index)

        def confidence(self, df: pd.DataFrame) -> pd.Series | None:
            if confidence is None:
                return None
            return pd.Series(list(confidence)[: len(df)], index=df.index[: len(confidence)])

        def exit_rules(self) -> ExitRules:
            return rules or ExitRules()

    return Scripted()


class FromColumns(Strategy):
    """Reads the signals from the frame's `enter_signal` / `exit_signal` columns (per pair)."""

    name = "from_columns"
    title = "From columns"
    description = "Signals carried by the test frames."

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        return df

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return df["enter_signal"].astype(bool)

    def exit(self, df: pd.DataFrame) -> pd.Series:
        return df["exit_signal"].astype(bool)


def from_columns() -> Strategy:
    return FromColumns()


class SmaCross(Strategy):
    """Fast SMA crossing the slow one, with a stop, an ROI table and a trailing stop."""

    name = "test_sma_cross"
    title = "SMA cross (tests)"
    description = "Enter when the fast SMA crosses above the slow one; leave on the cross back."
    params = (
        Param("fast", "int", 10, low=2, high=100),
        Param("slow", "int", 30, low=3, high=400),
        Param("stoploss", "float", -0.05, low=-0.5, high=-0.001),
    )
    startup_candles = 30

    def indicators(self, df: pd.DataFrame) -> pd.DataFrame:
        close = df["close"].to_numpy()
        df["fast"] = talib.SMA(close, timeperiod=self.fast)
        df["slow"] = talib.SMA(close, timeperiod=self.slow)
        return df

    def entry(self, df: pd.DataFrame) -> pd.Series:
        above = df["fast"] > df["slow"]
        return above & ~above.shift(1, fill_value=False)

    def exit(self, df: pd.DataFrame) -> pd.Series:
        below = df["fast"] < df["slow"]
        return below & ~below.shift(1, fill_value=False)

    def exit_rules(self) -> ExitRules:
        return ExitRules(
            stoploss=self.stoploss,
            trailing_stop=True,
            trailing_stop_positive=0.01,
            trailing_stop_positive_offset=0.02,
            trailing_only_offset_is_reached=True,
            minimal_roi={0: 0.04, 30: 0.02, 60: 0.01},
        )


class Peeking(SmaCross):
    """Cheats: enters when the *next* close is higher (uses a later candle)."""

    name = "test_peeking"

    def entry(self, df: pd.DataFrame) -> pd.Series:
        return (df["close"].shift(-1) > df["close"]).fillna(False).astype(bool)


def random_walk(n: int, *, seed: int = 7, start: float = 100.0) -> pd.DataFrame:
    """Plausible candles (open = previous close, wicks around the body), reproducible."""
    rng = np.random.default_rng(seed)
    closes = start * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
    opens = np.concatenate([[start], closes[:-1]])
    wick = np.abs(rng.normal(0, 0.002, n))
    highs = np.maximum(opens, closes) * (1 + wick)
    lows = np.minimum(opens, closes) * (1 - wick)
    return candles(list(zip(opens, highs, lows, closes, strict=True)))


def run(
    frames: pd.DataFrame | dict[str, pd.DataFrame], strategy: Strategy, **settings: object
) -> BacktestResult:
    """run_backtest with test defaults: 5m, wallet 1, stake 0.05, 3 slots, no fee."""
    config = {"timeframe": "5m", "wallet": 1.0, "stake": 0.05, "max_open_trades": 3, "fee": 0.0}
    config.update(settings)
    pairs = frames if isinstance(frames, dict) else {"TEST/USDT": frames}
    return run_backtest(BacktestConfig(**config), pairs, strategy)  # type: ignore[arg-type]
