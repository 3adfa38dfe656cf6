"""Each exit reason and the order of exits within a candle, on hand-made candles.

Candle numbers: the strategy's signal sits on candle i (decided at its close); the trade
enters at candle i+1's open. Fees are 0 unless a test says otherwise.
"""

import pytest

from tests.trading.backtest.strategies import at, candles, flat, run, scripted
from trading.strategies.base import ExitRules

ENTRY = (100.0, 101.0, 99.0, 100.0)  # candle 1: the trade enters at its open, 100


def only_trade(result):
    assert len(result.trades) == 1, result.trades
    return result.trades[0].to_dict()


def test_entry_at_the_next_open_and_exit_signal_at_the_open_after_the_signal():
    # given: enter on candle 0's close, exit on candle 2's close
    frame = candles(
        [
            (100, 100, 100, 100),
            ENTRY,
            (100, 105, 99, 104),
            (110, 111, 109, 110),
            (110, 110, 110, 110),
        ]
    )
    # when
    trade = only_trade(run(frame, scripted(entries=[0], exits=[2])))
    # then
    assert (trade["open_time"], trade["close_time"]) == (at(1), at(3))
    assert (trade["open_rate"], trade["close_rate"]) == ("100", "110")
    assert trade["exit_reason"] == "exit_signal"
    assert trade["profit_pct"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("stop_candle", "stop_gap_fill", "close_rate"),
    [
        pytest.param((100, 100, 85, 88), "open", "90", id="low_through_stop_fills_at_stop_case"),
        pytest.param((80, 95, 78, 90), "open", "80", id="opens_below_stop_fills_at_open_case"),
        pytest.param((80, 95, 78, 90), "stop", "90", id="freqtrade_rule_fills_at_stop_case"),
        pytest.param((80, 85, 78, 82), "stop", "80", id="freqtrade_rule_whole_candle_below_case"),
    ],
)
def test_stoploss_fills_at_the_stop_or_at_a_gapped_open(stop_candle, stop_gap_fill, close_rate):
    # given: a 10 % stop under an entry at 100 (stop 90)
    frame = candles([*flat(1), ENTRY, stop_candle, *flat(2, 80)])
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.10))
    # when
    trade = only_trade(run(frame, strategy, stop_gap_fill=stop_gap_fill))
    # then
    assert (trade["exit_reason"], trade["close_time"]) == ("stop_loss", at(2))
    assert trade["close_rate"] == close_rate
    assert trade["initial_stop"] == "90"


def test_roi_exits_at_the_roi_price_when_the_high_reaches_it():
    # given: ROI 5 % from minute 0; candle 2's high is 106
    frame = candles([*flat(1), ENTRY, (100, 106, 99, 101), *flat(2, 101)])
    strategy = scripted(entries=[0], rules=ExitRules(minimal_roi={0: 0.05}))
    # when
    trade = only_trade(run(frame, strategy))
    # then
    assert (trade["exit_reason"], trade["close_rate"], trade["close_time"]) == ("roi", "105", at(2))


def test_roi_price_includes_both_fees_so_the_net_profit_ratio_is_the_roi():
    # given: ROI 5 %, fee 0.1 % per leg, stake 0.05
    frame = candles([*flat(1), ENTRY, (100, 106, 99, 101), *flat(2, 101)])
    strategy = scripted(entries=[0], rules=ExitRules(minimal_roi={0: 0.05}))
    # when
    trade = only_trade(run(frame, strategy, fee=0.001))
    # then: close = 100 x (1 + 0.001)(1 + 0.05) / (1 - 0.001), as freqtrade fills it: what the
    # exit brings after its fee is the entry's cost with its fee x 1.05
    assert float(trade["close_rate"]) == pytest.approx(100 * 1.001 * 1.05 / 0.999)
    assert float(trade["profit_pct"]) == pytest.approx(5.0, abs=1e-6)


def test_roi_is_not_reached_at_exactly_the_roi_profit():
    # given: the high gives exactly 25 % (freqtrade needs more than the ROI)
    frame = candles([*flat(1), ENTRY, (100, 125, 99, 101), *flat(2, 101)])
    strategy = scripted(entries=[0], rules=ExitRules(minimal_roi={0: 0.25}))
    # when
    trade = only_trade(run(frame, strategy))
    # then
    assert trade["exit_reason"] == "force_exit"


@pytest.mark.parametrize(
    ("later_candle", "close_rate"),
    [
        pytest.param((103, 104, 102.5, 103.5), "103", id="open_above_new_step_exits_at_open_case"),
        pytest.param((101, 103, 100.5, 101), "102", id="new_step_price_inside_candle_case"),
    ],
)
def test_roi_table_uses_the_largest_key_not_above_the_trade_age(later_candle, close_rate):
    # given: 10 % until minute 10, then 2 %; the entry is at minute 5 (candle 1)
    frame = candles([*flat(1), ENTRY, (100, 104, 99, 101), later_candle, *flat(2, 101)])
    strategy = scripted(entries=[0], rules=ExitRules(minimal_roi={0: 0.10, 10: 0.02}))
    # when
    trade = only_trade(run(frame, strategy))
    # then: candle 2 (5 min in) needs 10 %, candle 3 (10 min in) 2 %
    assert (trade["exit_reason"], trade["close_time"]) == ("roi", at(3))
    assert trade["close_rate"] == close_rate


@pytest.mark.parametrize(
    ("tp_candle", "close_rate"),
    [
        pytest.param((100, 107, 99, 101), "105", id="high_reaches_target_case"),
        pytest.param((108, 109, 107, 108), "108", id="gap_above_target_fills_at_open_case"),
    ],
)
def test_take_profit_fills_at_its_price(tp_candle, close_rate):
    # given: take profit 5 % above the entry
    frame = candles([*flat(1), ENTRY, tp_candle, *flat(2, 101)])
    strategy = scripted(entries=[0], rules=ExitRules(take_profit=0.05))
    # when
    trade = only_trade(run(frame, strategy))
    # then
    assert (trade["exit_reason"], trade["close_rate"]) == ("take_profit", close_rate)


def test_trailing_stop_follows_the_high_and_fills_at_the_trailed_stop():
    # given: a 10 % trailing stop; candle 2 lifts the stop to 120 x 0.9 = 108
    frame = candles([*flat(1), ENTRY, (100, 120, 115, 118), (117, 118, 105, 106), *flat(2, 106)])
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.10, trailing_stop=True))
    # when
    trade = only_trade(run(frame, strategy))
    # then
    assert (trade["exit_reason"], trade["close_time"]) == ("trailing_stop_loss", at(3))
    assert trade["close_rate"] == "108"
    assert trade["initial_stop"] == "90"
    assert trade["max_rate"] == "120"


def test_trailing_stop_armed_and_hit_on_the_entry_candle_fills_at_the_worst_case():
    # given: positive trailing 2 % once 5 % is reached; the entry candle reaches 10 % and drops
    frame = candles([*flat(1), (100, 110, 95, 96), *flat(2, 96)])
    rules = ExitRules(
        stoploss=-0.10,
        trailing_stop=True,
        trailing_stop_positive=0.02,
        trailing_stop_positive_offset=0.05,
        trailing_only_offset_is_reached=True,
    )
    # when
    trade = only_trade(run(frame, scripted(entries=[0], rules=rules)))
    # then: open x (1 + offset - positive) = 100 x 1.03
    assert (trade["exit_reason"], trade["close_time"]) == ("trailing_stop_loss", at(1))
    assert float(trade["close_rate"]) == pytest.approx(103.0)


def test_trailing_only_after_the_offset_keeps_the_initial_stop_before():
    # given: trailing only once 5 % is reached; the high gives 3 %, then the low takes the stop
    frame = candles([*flat(1), ENTRY, (100, 103, 99, 102), (101, 101, 89, 90), *flat(1, 90)])
    rules = ExitRules(
        stoploss=-0.10,
        trailing_stop=True,
        trailing_stop_positive=0.01,
        trailing_stop_positive_offset=0.05,
        trailing_only_offset_is_reached=True,
    )
    # when
    trade = only_trade(run(frame, scripted(entries=[0], rules=rules)))
    # then: the stop never moved, so it is a plain stop_loss at 90
    assert (trade["exit_reason"], trade["close_rate"]) == ("stop_loss", "90")


@pytest.mark.parametrize("force_exit_price", ["close", "open"])
def test_open_trade_is_force_exited_on_the_last_candle(force_exit_price):
    # given: no exit ever applies
    frame = candles([*flat(1), ENTRY, (100, 102, 99, 101), (101, 106, 100, 105)])
    # when
    trade = only_trade(run(frame, scripted(entries=[0]), force_exit_price=force_exit_price))
    # then
    assert (trade["exit_reason"], trade["close_time"]) == ("force_exit", at(3))
    assert trade["close_rate"] == ("105" if force_exit_price == "close" else "101")


# Within one candle: exit signal -> stoploss -> ROI -> take profit -> trailing stop.
WIDE = (100, 120, 80, 90)  # reaches the 5 % ROI, the 10 % take profit and the 10 % stop


@pytest.mark.parametrize(
    ("rows", "exits", "rules", "reason", "close_rate"),
    [
        pytest.param(
            [*flat(1), ENTRY, (100, 101, 99, 100), WIDE],
            [2],
            ExitRules(stoploss=-0.10, minimal_roi={0: 0.05}, take_profit=0.10),
            "exit_signal",
            "100",
            id="exit_signal_before_stoploss_and_roi_case",
        ),
        pytest.param(
            [*flat(1), ENTRY, WIDE, (90, 90, 90, 90)],
            [],
            ExitRules(stoploss=-0.10, minimal_roi={0: 0.05}, take_profit=0.10),
            "stop_loss",
            "90",
            id="stoploss_before_roi_case",
        ),
        pytest.param(
            [*flat(1), ENTRY, WIDE, (90, 90, 90, 90)],
            [],
            ExitRules(minimal_roi={0: 0.05}, take_profit=0.10),
            "roi",
            "105",
            id="roi_before_take_profit_case",
        ),
        pytest.param(
            [*flat(1), ENTRY, (100, 112, 110, 111), (111, 120, 100, 101), (101, 101, 101, 101)],
            [],
            ExitRules(stoploss=-0.10, trailing_stop=True, minimal_roi={0: 0.15}),
            "roi",
            "115",
            id="roi_before_trailing_stop_case",
        ),
        pytest.param(
            [*flat(1), ENTRY, (100, 112, 110, 111), (111, 120, 100, 101), (101, 101, 101, 101)],
            [],
            ExitRules(stoploss=-0.10, trailing_stop=True, take_profit=0.15),
            "take_profit",
            "115",
            id="take_profit_before_trailing_stop_case",
        ),
    ],
)
def test_exit_order_within_a_candle(rows, exits, rules, reason, close_rate):
    # given: a candle where several exits apply at once
    strategy = scripted(entries=[0], exits=exits, rules=rules)
    # when
    trade = only_trade(run(candles(rows), strategy))
    # then
    assert (trade["exit_reason"], trade["close_rate"]) == (reason, close_rate)
