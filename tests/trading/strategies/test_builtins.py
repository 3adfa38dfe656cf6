"""Every built-in strategy on every real candle file: columns, types, signals, no look-ahead."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.trading.strategies.ohlcv import OHLCV_FILES, real_candles, skip_without_data
from trading.strategies.base import Strategy
from trading.strategies.candles import COLUMNS
from trading.strategies.registry import STRATEGIES
from trading.strategies.signals import evaluate

ALL = pytest.mark.parametrize("strategy_cls", list(STRATEGIES.values()), ids=list(STRATEGIES))
FILES = pytest.mark.parametrize("file_name", OHLCV_FILES)


def _added_columns(strategy: Strategy, candles: pd.DataFrame) -> list[str]:
    frame = strategy.indicators(candles)
    return [column for column in frame.columns if column not in COLUMNS]


def _longest_lookback_values(strategy_cls: type[Strategy]) -> dict[str, Any]:
    """Every whole-number parameter (periods, levels) at its upper bound."""
    return {param.name: param.high for param in strategy_cls.params if param.kind == "int"}


@ALL
@FILES
def test_indicators_add_columns_without_nan_after_the_warm_up(
    strategy_cls: type[Strategy], file_name: str
) -> None:
    # given
    candles = real_candles(file_name)
    before = candles.copy()
    strategy = strategy_cls()

    # when
    frame = strategy.indicators(candles)

    # then
    added = [column for column in frame.columns if column not in COLUMNS]
    assert added
    assert (frame[added].dtypes == "float64").all()
    assert not frame[added].iloc[strategy.startup_candles :].isna().any().any()
    pd.testing.assert_frame_equal(frame[list(COLUMNS)], before)
    pd.testing.assert_frame_equal(candles, before)  # the input is not changed


@ALL
@FILES
def test_signals_are_boolean_series_aligned_with_the_candles(
    strategy_cls: type[Strategy], file_name: str
) -> None:
    # given
    candles = real_candles(file_name)
    strategy = strategy_cls()
    frame = strategy.indicators(candles)

    # when
    entry, exit_, confidence = (
        strategy.entry(frame),
        strategy.exit(frame),
        strategy.confidence(frame),
    )

    # then
    for signal in (entry, exit_):
        assert isinstance(signal, pd.Series)
        assert signal.dtype == bool
        assert signal.index.equals(candles.index)
    if confidence is not None:
        assert confidence.index.equals(candles.index)
        assert confidence.notna().all()
        assert confidence.between(0.0, 100.0).all()


@ALL
@FILES
def test_no_look_ahead_signals_before_a_cut_do_not_change(
    strategy_cls: type[Strategy], file_name: str
) -> None:
    # given: the full history, and the same history cut at several candles k
    candles = real_candles(file_name)
    strategy = strategy_cls()
    full = evaluate(strategy, candles)
    n = len(candles)
    cuts = sorted(
        {2, strategy.startup_candles + 1, n // 3, n // 2, n - 7, n - 1} & set(range(1, n))
    )

    for k in cuts:
        # when
        cut = evaluate(strategy, candles.iloc[:k])

        # then: candles before k see exactly what they saw with the future present
        pd.testing.assert_frame_equal(cut, full.iloc[:k], check_exact=True, obj=f"cut at {k}")


@ALL
def test_enters_on_some_real_file(strategy_cls: type[Strategy]) -> None:
    # given
    skip_without_data()
    strategy = strategy_cls()

    # when
    entries = {
        name: int(evaluate(strategy, real_candles(name))["entry"].sum()) for name in OHLCV_FILES
    }

    # then
    assert sum(entries.values()) > 0, entries


@ALL
def test_warm_up_covers_the_longest_look_back_the_parameters_allow(
    strategy_cls: type[Strategy],
) -> None:
    # given: the periods at their upper bounds
    candles = real_candles("ETH_BTC-5m.json")
    strategy = strategy_cls(**_longest_lookback_values(strategy_cls))

    # when
    frame = strategy.indicators(candles)

    # then: complete from startup_candles on, and (but for rsi_bb_tema, whose 200 candles
    # are part of its definition) not longer than needed: a cross needs one candle more
    added = frame[_added_columns(strategy, candles)]
    complete = added.notna().all(axis=1).to_numpy()
    first_complete = int(np.argmax(complete))
    assert complete[strategy.startup_candles :].all()
    if strategy.name != "rsi_bb_tema":
        assert strategy.startup_candles - 1 <= first_complete <= strategy.startup_candles


@ALL
def test_exit_rules_are_ratios_of_the_entry_price(strategy_cls: type[Strategy]) -> None:
    # when
    rules = strategy_cls().exit_rules()

    # then
    assert rules.stoploss is None or -1.0 < rules.stoploss < 0.0
    assert rules.take_profit is None or rules.take_profit > 0.0
    assert all(minutes >= 0 and ratio > 0 for minutes, ratio in rules.minimal_roi.items())
    assert rules.stoploss is not None or rules.take_profit is not None or rules.minimal_roi
