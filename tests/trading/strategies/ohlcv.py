"""The real candle files of ../shared/data/ohlcv (freqtrade's old test data), loaded once."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from trading.strategies.candles import candles_from_json

OHLCV_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ohlcv"
OHLCV_FILES = (
    "ETH_BTC-5m.json",
    "LTC_BTC-5m.json",
    "ADA_BTC-5m.json",
    "UNITTEST_BTC-1m.json",
    "UNITTEST_BTC-30m.json",
    "XRP_ETH-1m.json",
    "XRP_ETH-5m.json",
    "XRP_USDT_USDT-1h-futures.json",
    "XRP_USDT_USDT-5m-futures.json",
)


def skip_without_data() -> None:
    if not OHLCV_DIR.is_dir():
        pytest.skip(f"../shared/data/ohlcv not found: {OHLCV_DIR}")


@functools.cache
def _load(name: str) -> pd.DataFrame:
    return candles_from_json(OHLCV_DIR / name)


def real_candles(name: str) -> pd.DataFrame:
    """A fresh copy of one file's candles (skips the test when the folder is absent)."""
    skip_without_data()
    return _load(name).copy()
