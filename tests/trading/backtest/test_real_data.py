"""The engine on real candles: freqtrade's ETH/LTC/ADA-BTC 5m files in ../shared/data/ohlcv."""

import json
from itertools import pairwise

import pytest

from tests.trading.backtest.strategies import OHLCV, SmaCross, run
from trading.backtest.data import fill_gaps, load_file

FILES = ("ETH_BTC-5m.json", "LTC_BTC-5m.json", "ADA_BTC-5m.json")
REASONS = {"exit_signal", "stop_loss", "roi", "trailing_stop_loss", "take_profit", "force_exit"}


def real_frames():
    if not all((OHLCV / name).is_file() for name in FILES):
        pytest.skip(f"the shared candle files are not in {OHLCV}")
    frames = {}
    for name in FILES:
        pair, timeframe, frame = load_file(OHLCV / name)
        assert timeframe == "5m"
        frames[pair] = frame
    return frames


def test_three_pairs_one_wallet_on_real_candles():
    # given: the cross-check's setting (stake 0.05, wallet 1, 3 slots, fee 0.1 %)
    frames = real_frames()
    # when
    result = run(frames, SmaCross(), fee=0.001)
    # then
    summary = result.summary
    assert summary["candles"] == 5760 + 5760 + 5720
    assert summary["pairs"] == ["ETH/BTC", "LTC/BTC", "ADA/BTC"]
    assert summary["total_trades"] == len(result.trades) > 100
    total = sum(trade.profit_abs for trade in result.trades)
    assert float(summary["final_balance"]) == pytest.approx(1 + total, abs=1e-8)
    assert sum(row["trades"] for row in result.per_pair) == summary["total_trades"]
    assert sum(row["trades"] for row in result.per_exit_reason) == summary["total_trades"]
    assert {row["exit_reason"] for row in result.per_exit_reason} <= REASONS
    assert summary["wins"] + summary["draws"] + summary["losses"] == summary["total_trades"]
    assert 0 < summary["max_drawdown_pct"] < 100
    assert summary["elapsed_s"] > 0
    assert json.loads(result.to_json())["summary"] == summary


def test_real_candles_never_hold_two_trades_of_a_pair_or_more_than_three():
    # given
    frames = real_frames()
    # when
    trades = run(frames, SmaCross(), fee=0.001).trades
    # then: per pair, each trade starts at or after the previous one's exit
    for pair in frames:
        own = sorted((t.open_ms, t.close_ms) for t in trades if t.pair == pair)
        assert all(later[0] >= earlier[1] for earlier, later in pairwise(own))
    # and at each candle, exits of held trades come before new entries
    moments = sorted({t.open_ms for t in trades})
    for moment in moments:
        held = sum(1 for t in trades if t.open_ms < moment < t.close_ms)
        entering = sum(1 for t in trades if t.open_ms == moment)
        assert held + entering <= 3


def test_filling_gaps_as_freqtrade_does_adds_the_missing_ada_candles():
    # given: ADA/BTC misses 40 candles
    frames = real_frames()
    # when
    filled = fill_gaps(frames["ADA/BTC"], 300_000)
    # then
    assert len(filled) == 5760
    added = filled[filled["volume"] == 0]
    assert (added["open"] == added["close"]).all()
