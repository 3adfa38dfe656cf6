"""No look-ahead: cutting the data at candle k changes no decision taken before k."""

import importlib

import numpy as np
import pytest

from tests.trading.backtest.strategies import Peeking, SmaCross, random_walk, run
from trading.backtest import pair_signals

CUTS = [60, 150, 333, 599]


def decisions_before(strategy, frame, k):
    """(full, truncated) decision arrays over candles 0..k-1."""
    full = pair_signals(strategy, frame)
    cut = pair_signals(strategy, frame.iloc[:k])
    names = ("enter", "exit", "can_enter", "exit_now")
    return (
        np.stack([getattr(full, name)[:k] for name in names]),
        np.stack([getattr(cut, name) for name in names]),
    )


@pytest.mark.parametrize("k", CUTS)
def test_signals_on_truncated_data_equal_the_signals_before_k_on_the_full_data(k):
    # given
    frame = random_walk(800)
    # when
    full, cut = decisions_before(SmaCross(), frame, k)
    # then
    assert full.any()
    assert (full == cut).all()


def test_the_check_catches_a_strategy_that_peeks_at_the_next_candle():
    # given: a strategy using the next candle's close
    frame = random_walk(800)
    # when
    differences = []
    for k in range(100, 120):
        full, cut = decisions_before(Peeking(), frame, k)
        differences.append(bool((full != cut).any()))
    # then
    assert any(differences)


def trade_rows(trades):
    return [trade.to_dict() for trade in trades]


@pytest.mark.parametrize("k", CUTS)
def test_trades_on_truncated_data_equal_the_trades_closed_before_k(k):
    # given: two pairs sharing one slot, so the pairs' decisions interact
    frames = {"A/USDT": random_walk(800, seed=1), "B/USDT": random_walk(800, seed=2)}
    cut = {pair: frame.iloc[:k] for pair, frame in frames.items()}
    last_ms = int(frames["A/USDT"]["open_time"].iloc[k - 1].value // 1_000_000)
    # when
    full = run(frames, SmaCross(), max_open_trades=1, fee=0.001)
    truncated = run(cut, SmaCross(), max_open_trades=1, fee=0.001)
    # then: every trade decided before the cut is the same, and so are the open positions
    expected = [t for t in full.trades if t.open_ms < last_ms and t.close_ms <= last_ms]
    closed = [t for t in truncated.trades if t.exit_reason != "force_exit"]
    assert trade_rows(closed) == trade_rows(expected)
    still_open = {
        (t.pair, t.open_ms, t.open_rate) for t in full.trades if t.open_ms < last_ms < t.close_ms
    }
    forced = {
        (t.pair, t.open_ms, t.open_rate) for t in truncated.trades if t.exit_reason == "force_exit"
    }
    assert forced == still_open
    assert len(full.trades) > 5


def test_built_in_strategies_do_not_look_ahead():
    # given: every strategy of the registry, when it is there
    try:
        registry = importlib.import_module("trading.strategies.registry")
    except ImportError:
        pytest.skip("trading.strategies.registry is not there yet")
    frame = random_walk(1500)
    checked = []
    for name in registry.STRATEGIES:
        strategy = registry.get_strategy(name, {})
        # when / then
        for k in (strategy.startup_candles + 50, 700, 1499):
            full, cut = decisions_before(strategy, frame, k)
            assert (full == cut).all(), f"{name} decides differently on data cut at {k}"
        checked.append(name)
    assert "rsi_bb_tema" in checked
