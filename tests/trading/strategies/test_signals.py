import numpy as np
import pandas as pd
import pytest

from trading.strategies.signals import (
    crossed_above,
    crossed_below,
    evaluate,
    oversold_confidence,
)
from trading.strategies.sma_crossover import SmaCrossover

NAN = np.nan


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([29.0, 31.0], [False, True], id="from_below_case"),
        pytest.param([30.0, 31.0], [False, True], id="from_exactly_the_level_case"),
        pytest.param([29.0, 30.0], [False, False], id="touching_the_level_is_no_cross_case"),
        pytest.param([31.0, 32.0], [False, False], id="staying_above_case"),
        pytest.param([31.0, 29.0], [False, False], id="crossing_down_case"),
        pytest.param([31.0, 30.0, 31.0], [False, False, True], id="dip_to_the_level_case"),
        pytest.param([NAN, 31.0], [False, False], id="nan_before_case"),
        pytest.param([29.0, NAN, 31.0], [False, False, False], id="nan_between_case"),
        pytest.param([31.0], [False], id="first_candle_never_crosses_case"),
        pytest.param([], [], id="empty_case"),
    ],
)
def test_crossed_above_a_level(values: list[float], expected: list[bool]) -> None:
    # given
    series = pd.Series(values, dtype="float64")

    # when
    crossed = crossed_above(series, 30.0)

    # then
    assert crossed.tolist() == expected
    assert crossed.dtype == bool


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([31.0, 29.0], [False, True], id="from_above_case"),
        pytest.param([30.0, 29.0], [False, True], id="from_exactly_the_level_case"),
        pytest.param([31.0, 30.0], [False, False], id="touching_the_level_is_no_cross_case"),
        pytest.param([29.0, 31.0], [False, False], id="crossing_up_case"),
        pytest.param([NAN, 29.0], [False, False], id="nan_before_case"),
    ],
)
def test_crossed_below_a_level(values: list[float], expected: list[bool]) -> None:
    # given
    series = pd.Series(values, dtype="float64")

    # when
    crossed = crossed_below(series, 30.0)

    # then
    assert crossed.tolist() == expected


def test_crossed_above_another_series_compares_candle_by_candle() -> None:
    # given: fast is below slow, then equal, then above; the slow line moves too
    index = pd.Index([10, 11, 12, 13], name="candle")
    fast = pd.Series([1.0, 2.0, 3.0, 4.0], index=index)
    slow = pd.Series([2.0, 2.0, 2.5, 3.0], index=index)

    # when
    up = crossed_above(fast, slow)
    down = crossed_below(slow, fast)

    # then: candle 12 crosses (2.0 <= 2.0 before, 3.0 > 2.5 now), aligned to the input index
    assert up.tolist() == [False, False, True, False]
    assert up.index.equals(index)
    assert down.tolist() == up.tolist()


def test_evaluate_clears_signals_inside_the_warm_up() -> None:
    # given: a fast/slow pair that crosses early, inside the 200-candle warm-up
    close = np.r_[np.linspace(2.0, 1.0, 150), np.linspace(1.0, 3.0, 150)]
    candles = pd.DataFrame(
        {
            "open_time": pd.date_range("2024-01-01", periods=300, freq="h", tz="UTC"),
            **dict.fromkeys(("open", "high", "low", "close"), close),
            "volume": 1.0,
        }
    )
    strategy = SmaCrossover(fast_period=5, slow_period=10)
    raw_entries = strategy.entry(strategy.indicators(candles))

    # when
    frame = evaluate(strategy, candles)

    # then
    assert raw_entries.iloc[: strategy.startup_candles].any()
    assert not frame["entry"].iloc[: strategy.startup_candles].any()
    assert frame["confidence"].isna().all()  # SMA crossover does not grade its signals


def test_oversold_confidence_passes_the_default_minimum_at_the_level_and_grades_deeper_dips():
    # the RSI on the candle before each graded one: at the level, half-way down, 0, above
    rsi = pd.Series([30.0, 15.0, 0.0, 40.0, 50.0, 60.0, 0.0])
    graded = oversold_confidence(rsi, 30.0).tolist()
    assert graded[0] == 0.0  # nothing before the first candle
    assert graded[1:] == [75.0, 87.5, 100.0, 37.5, 0.0, 0.0]
