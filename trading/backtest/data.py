"""Candles for a backtest: from a freqtrade-style JSON / CSV file or from stored `Candle` rows.

Both give the strategy interface's frame (`open_time` UTC, then OHLCV as float64, oldest
first) through `trading.strategies.candles`; CSV files go through `trading.candle_files`.
A bad file or an empty series is a BacktestError naming the input.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from trading.backtest.config import BacktestError
from trading.candle_files import CandleFileError, meta_from_filename, read_candles
from trading.models import Candle
from trading.strategies.candles import candles_from_json, candles_from_rows


def load_file(path: Path) -> tuple[str, str | None, pd.DataFrame]:
    """(pair, timeframe from the file name or None, frame) of one candle file."""
    try:
        if path.suffix.lower() == ".json":
            frame = candles_from_json(path)
        else:
            frame = candles_from_rows(read_candles(path))
    except CandleFileError as error:
        raise BacktestError(error.code, f"{path.name}: {error.message}", "data") from error
    if frame.empty:
        raise BacktestError("no_candles", f"{path.name} holds no candles.", "data")
    meta = meta_from_filename(path)
    return meta.symbol or path.stem, meta.timeframe, frame


def load_stored(
    *,
    exchange: str,
    symbol: str,
    timeframe: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """The stored candles of one series (optionally from `start` / up to `end`, inclusive)."""
    rows = Candle.objects.filter(exchange=exchange, symbol=symbol, timeframe=timeframe)
    if start is not None:
        rows = rows.filter(open_time__gte=start)
    if end is not None:
        rows = rows.filter(open_time__lte=end)
    frame = candles_from_rows(rows.order_by("open_time"))
    if frame.empty:
        raise BacktestError(
            "no_candles", f"No stored {timeframe} candles for {symbol} on {exchange}.", "symbol"
        )
    return frame


def fill_gaps(frame: pd.DataFrame, timeframe_ms: int) -> pd.DataFrame:
    """Missing candles added as flat candles at the previous close with volume 0.

    freqtrade's data loader does this by default, so a cross-check needs the same frames.
    """
    times = pd.DatetimeIndex(pd.to_datetime(frame["open_time"], utc=True))
    full = pd.date_range(times[0], times[-1], freq=pd.Timedelta(milliseconds=timeframe_ms))
    if len(full) == len(times):
        return frame
    filled = frame.set_index(times).drop(columns="open_time").reindex(full)
    filled["close"] = filled["close"].ffill()
    for column in ("open", "high", "low"):
        filled[column] = filled[column].fillna(filled["close"])
    filled["volume"] = filled["volume"].fillna(0.0)
    filled.index.name = "open_time"
    return filled.reset_index()
