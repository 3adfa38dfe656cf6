import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.trading.strategies.ohlcv import OHLCV_DIR, real_candles
from trading.candle_files import CandleFileError, read_candles
from trading.models import Candle
from trading.strategies.candles import COLUMNS, candles_from_json, candles_from_rows


def _write(tmp_path: Path, rows: object) -> Path:
    path = tmp_path / "ETH_BTC-5m.json"
    path.write_text(json.dumps(rows))
    return path


def test_a_freqtrade_file_loads_into_utc_times_and_float_prices() -> None:
    # given
    candles = real_candles("ETH_BTC-5m.json")
    raw = json.loads((OHLCV_DIR / "ETH_BTC-5m.json").read_text())

    # then: the README's facts, the file's own numbers, and the interface's dtypes
    assert list(candles.columns) == list(COLUMNS)
    assert len(candles) == 5760
    assert isinstance(candles["open_time"].dtype, pd.DatetimeTZDtype)
    assert str(candles["open_time"].dt.tz) == "UTC"
    assert candles["open_time"].iloc[0] == pd.Timestamp("2018-01-10 04:55", tz="UTC")
    assert candles["open_time"].iloc[-1] == pd.Timestamp("2018-01-30 04:50", tz="UTC")
    assert (candles.dtypes.iloc[1:] == "float64").all()
    assert candles.iloc[0, 1:].tolist() == raw[0][1:]
    assert candles.index.equals(pd.RangeIndex(5760))


def test_the_fast_reader_agrees_with_the_validating_file_reader() -> None:
    # given: the same file through trading.candle_files (Decimal per value) and the array path
    path = OHLCV_DIR / "ADA_BTC-5m.json"
    fast = real_candles("ADA_BTC-5m.json")

    # when
    via_rows = candles_from_rows(read_candles(path))

    # then
    pd.testing.assert_frame_equal(fast, via_rows, check_exact=True)


def test_candle_model_rows_load_with_decimal_turned_into_float() -> None:
    # given: unsaved model rows, as a queryset would give them
    rows = [
        Candle(
            exchange="binance",
            symbol="ETH/BTC",
            timeframe="5m",
            open_time=datetime(2024, 1, 1, 0, minute, tzinfo=UTC),
            open=Decimal("0.05"),
            high=Decimal("0.0525"),
            low=Decimal("0.049"),
            close=Decimal("0.051"),
            volume=Decimal("12.5"),
        )
        for minute in (0, 5, 10)
    ]

    # when
    candles = candles_from_rows(rows)

    # then
    assert candles["open_time"].tolist() == [
        pd.Timestamp(f"2024-01-01 00:{minute:02d}", tz="UTC") for minute in (0, 5, 10)
    ]
    assert candles.iloc[0, 1:].tolist() == [0.05, 0.0525, 0.049, 0.051, 12.5]
    assert (candles.dtypes.iloc[1:] == "float64").all()


@pytest.mark.django_db
def test_a_queryset_loads_in_its_order() -> None:
    # given
    Candle.objects.bulk_create(
        Candle(
            exchange="binance",
            symbol="ETH/BTC",
            timeframe="1h",
            open_time=datetime(2024, 1, 1, hour, tzinfo=UTC),
            open=Decimal(hour + 1),
            high=Decimal(hour + 2),
            low=Decimal(hour),
            close=Decimal("1.5") + hour,
            volume=Decimal(0),
        )
        for hour in (2, 0, 1)
    )

    # when
    candles = candles_from_rows(Candle.objects.filter(symbol="ETH/BTC", timeframe="1h"))

    # then
    assert candles["close"].tolist() == [1.5, 2.5, 3.5]
    assert candles["open_time"].iloc[0] == pd.Timestamp("2024-01-01 00:00", tz="UTC")


def test_rows_out_of_time_order_are_refused() -> None:
    # given
    later, earlier = (
        Candle(
            open_time=datetime(2024, 1, 1, hour, tzinfo=UTC),
            open=Decimal(1),
            high=Decimal(1),
            low=Decimal(1),
            close=Decimal(1),
            volume=Decimal(1),
        )
        for hour in (1, 0)
    )

    # when / then
    with pytest.raises(ValueError, match="increasing open_time"):
        candles_from_rows([later, earlier])


@pytest.mark.parametrize(
    ("rows", "code", "message"),
    [
        pytest.param([], "empty_file", "holds no candles", id="empty_case"),
        pytest.param({"a": 1}, "bad_file", "expected a JSON array", id="not_a_list_case"),
        pytest.param([[1, 2, 3]], "bad_file", "expected a JSON array", id="short_row_case"),
        pytest.param([[1, "x", 1, 1, 1, 1]], "bad_file", "expected a JSON array", id="text_case"),
        pytest.param(
            [[0, 1, 1, 1, 1, 1], [60000, 1, 1, 1, 1, -1]],
            "bad_row",
            "Row 2: prices and volume cannot be negative",
            id="negative_case",
        ),
        pytest.param(
            [[0, 1, 1.5, 1, 2, 1]], "bad_row", "Row 1: high/low do not contain", id="high_case"
        ),
        pytest.param(
            [[0, 1, 1, 1, 1, 1], [60000, 1, 1, 1, 1, 1], [60000, 1, 1, 1, 1, 1]],
            "bad_row",
            "Row 3: times must increase",
            id="repeated_time_case",
        ),
    ],
)
def test_a_bad_file_names_its_problem(
    tmp_path: Path, rows: object, code: str, message: str
) -> None:
    # given
    path = _write(tmp_path, rows)

    # when
    with pytest.raises(CandleFileError) as caught:
        candles_from_json(path)

    # then
    assert caught.value.code == code
    assert message in caught.value.message


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    # given
    path = tmp_path / "candles.json"
    path.write_text("[[1, 2,")

    # when / then
    with pytest.raises(CandleFileError, match="Not valid JSON"):
        candles_from_json(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(CandleFileError, match="Cannot read"):
        candles_from_json(tmp_path / "absent.json")
