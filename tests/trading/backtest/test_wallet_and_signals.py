"""Fees, slippage, stakes, slots shared by pairs, warm-up and the signal rules."""

import pytest

from cryptopulse.errors import ApplicationError
from tests.trading.backtest.strategies import at, candles, flat, from_columns, run, scripted
from trading.backtest import BacktestConfig, BacktestError
from trading.strategies.base import ExitRules

ENTRY = (100.0, 101.0, 99.0, 100.0)
UP = (110.0, 111.0, 109.0, 110.0)


def test_fees_are_charged_on_both_legs():
    # given: stake 0.05 at 100, out at 110, fee 0.1 % per leg
    frame = candles([*flat(1), ENTRY, ENTRY, UP, UP])
    # when
    result = run(frame, scripted(entries=[0], exits=[2]), fee=0.001)
    # then: cost 0.05 x 1.001, proceeds 0.0005 x 110 x 0.999
    trade = result.trades[0].to_dict()
    assert (trade["fee_open"], trade["fee_close"]) == ("0.00005000", "0.00005500")
    assert trade["profit_abs"] == "0.00489500"
    assert trade["profit_pct"] == pytest.approx(0.004895 / 0.05005 * 100)
    assert result.summary["final_balance"] == "1.00489500"
    assert result.summary["profit_total_pct"] == pytest.approx(0.4895)


def test_slippage_worsens_market_fills_but_not_roi_limit_fills():
    # given: 1 % slippage; one trade leaves on a signal, a second one by ROI
    frame = candles([*flat(1), ENTRY, ENTRY, UP, (100, 100, 100, 100), ENTRY, (101, 120, 100, 101)])
    strategy = scripted(entries=[0, 4], exits=[2], rules=ExitRules(minimal_roi={0: 0.05}))
    # when
    first, second = run(frame, strategy, slippage=0.01).trades
    # then: entries at open x 1.01, the signal exit at open x 0.99, ROI at entry x 1.05 exactly
    assert float(first.open_rate) == pytest.approx(101.0)
    assert first.close_rate == pytest.approx(110 * 0.99)
    assert second.exit_reason == "roi"
    assert second.close_rate == pytest.approx(101.0 * 1.05)


def test_slippage_on_a_stop_fill():
    # given: stop 10 % under an entry filled at 101 (1 % slippage)
    frame = candles([*flat(1), ENTRY, (100, 100, 85, 88), *flat(1, 88)])
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.10))
    # when
    trade = run(frame, strategy, slippage=0.01).trades[0]
    # then
    assert trade.exit_reason == "stop_loss"
    assert trade.close_rate == pytest.approx(101 * 0.9 * 0.99)


def signalled(rows, entries=(), exits=()):
    """Candles carrying their own signals (per pair), for the `from_columns` strategy."""
    frame = candles(rows)
    frame["enter_signal"] = [i in entries for i in range(len(rows))]
    frame["exit_signal"] = [i in exits for i in range(len(rows))]
    return frame


def test_max_open_trades_is_shared_by_the_pairs():
    # given: one slot; both pairs signal on candle 0
    rows = [*flat(1), ENTRY, ENTRY, UP, UP]
    frames = {"A/USDT": signalled(rows, [0]), "B/USDT": signalled(rows, [0])}
    # when
    result = run(frames, from_columns(), max_open_trades=1)
    # then: A (first in the given order) enters, B is refused
    assert [(t.pair, t.to_dict()["open_time"]) for t in result.trades] == [("A/USDT", at(1))]
    assert result.summary["rejected_no_slot"] == 1


def test_pairs_holding_a_trade_go_first_so_a_freed_slot_serves_the_same_candle():
    # given: one slot; B comes first in the given order, A holds the slot and leaves on
    # candle 3; B signals on candle 2
    rows = [*flat(1), ENTRY, ENTRY, UP, UP]
    frames = {"B/USDT": signalled(rows, [2]), "A/USDT": signalled(rows, [0], [2])}
    # when
    result = run(frames, from_columns(), max_open_trades=1)
    # then: on candle 3 A exits first, then B enters in the freed slot
    assert [
        (t.pair, t.to_dict()["open_time"], t.to_dict()["close_time"]) for t in result.trades
    ] == [
        ("A/USDT", at(1), at(3)),
        ("B/USDT", at(3), at(4)),
    ]
    assert result.summary["rejected_no_slot"] == 0


def test_one_wallet_refuses_a_stake_it_cannot_pay():
    # given: fixed stake 0.6 of a wallet of 1, two pairs signalling together
    rows = [*flat(1), ENTRY, ENTRY, ENTRY]
    frames = {"A/USDT": candles(rows), "B/USDT": candles(rows)}
    # when
    result = run(frames, scripted(entries=[0]), stake=0.6)
    # then
    assert [t.pair for t in result.trades] == ["A/USDT"]
    assert result.summary["rejected_no_funds"] == 1


def test_percent_stake_is_a_share_of_the_equity_at_entry():
    # given: 25 % of the equity; the first trade makes +10 %, the second opens after it
    frame = candles([*flat(1), ENTRY, ENTRY, UP, UP, UP, UP])
    strategy = scripted(entries=[0, 4], exits=[2])
    # when
    first, second = run(frame, strategy, stake_mode="percent", stake=0.25).trades
    # then: 0.25 x 1, then 0.25 x 1.025
    assert first.stake == pytest.approx(0.25)
    assert second.stake == pytest.approx(0.25 * 1.025)


def test_risk_stake_loses_the_risk_share_at_the_stop_fees_included():
    # given: risk 1 % of the equity, stop 5 %, fee 0.1 %
    frame = candles([*flat(1), ENTRY, (100, 100, 90, 91), *flat(1, 91)])
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.05))
    # when
    trade = run(frame, strategy, stake_mode="risk", stake=0.01, fee=0.001).trades[0]
    # then
    assert trade.exit_reason == "stop_loss"
    assert trade.stake == pytest.approx(0.01 / (1.001 - 0.95 * 0.999))
    assert trade.profit_abs == pytest.approx(-0.01)


def test_risk_stake_needs_a_stoploss():
    frame = candles([*flat(1), ENTRY, ENTRY])
    with pytest.raises(BacktestError) as raised:
        run(frame, scripted(entries=[0]), stake_mode="risk", stake=0.01)
    assert raised.value.field == "stake"


def test_warm_up_candles_give_no_signal():
    # given: a 3-candle warm-up; signals on candles 1 and 4
    frame = candles(flat(8))
    # when
    result = run(frame, scripted(entries=[1, 4], startup=3))
    # then: only the signal on candle 4 is acted on (at candle 5)
    assert [t.to_dict()["open_time"] for t in result.trades] == [at(5)]
    assert result.summary["start"] == at(3)


def test_no_entry_on_the_last_candle():
    frame = candles(flat(5))
    result = run(frame, scripted(entries=[3]))
    assert result.trades == []


def test_an_entry_needs_no_exit_signal_on_the_same_candle():
    frame = candles(flat(5))
    result = run(frame, scripted(entries=[0], exits=[0]))
    assert result.trades == []


def test_an_exit_signal_is_ignored_on_a_candle_that_also_says_enter():
    # given: in on candle 0's signal; candle 2 says both enter and exit; candle 3 only exit
    frame = candles(flat(7))
    # when
    trade = run(frame, scripted(entries=[0, 2], exits=[2, 3])).trades[0].to_dict()
    # then: the exit comes from candle 3's signal, at candle 4
    assert (trade["close_time"], trade["exit_reason"]) == (at(4), "exit_signal")


def test_one_open_trade_per_pair():
    frame = candles(flat(6))
    result = run(frame, scripted(entries=[0, 1, 2]))
    assert len(result.trades) == 1


def test_min_confidence_refuses_weak_entries():
    # given: confidence 50 on candle 0, 70 on candle 1; minimum 60
    frame = candles(flat(5))
    strategy = scripted(entries=[0, 1], confidence=[50, 70, 0, 0, 0])
    # when
    result = run(frame, strategy, min_confidence=60)
    # then
    assert [t.to_dict()["open_time"] for t in result.trades] == [at(2)]


def test_a_missing_candle_shifts_the_signal_to_the_next_candle_there_is():
    # given: the candle at 10 minutes is missing; the signal sits on the one at 5 minutes
    frame = candles(flat(6), skip=[2])
    # when
    result = run(frame, scripted(entries=[1]))
    # then: entry at the next candle present, 15 minutes
    assert result.trades[0].to_dict()["open_time"] == at(3)


def test_progress_is_reported_up_to_one():
    # given
    seen: list[float] = []
    frame = candles(flat(10))
    config = BacktestConfig(timeframe="5m", fee=0.0)
    # when
    from trading.backtest import run_backtest

    run_backtest(config, {"TEST/USDT": frame}, scripted(entries=[0]), progress=seen.append)
    # then
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        pytest.param({"stake": 0}, "stake", id="zero_stake_case"),
        pytest.param({"stake_mode": "percent", "stake": 2}, "stake", id="percent_over_one_case"),
        pytest.param({"max_open_trades": 0}, "max_open_trades", id="no_slot_case"),
        pytest.param({"fee": -0.1}, "fee", id="negative_fee_case"),
        pytest.param({"timeframe": "7m"}, "timeframe", id="unknown_timeframe_case"),
    ],
)
def test_bad_settings_are_refused(settings, field):
    with pytest.raises(ApplicationError) as raised:
        BacktestConfig(**{"timeframe": "5m", **settings})
    assert raised.value.field == field


def test_candles_that_do_not_fit_the_timeframe_are_refused():
    frame = candles(flat(4), minutes=3)
    with pytest.raises(BacktestError) as raised:
        run(frame, scripted())
    assert raised.value.code == "timeframe_mismatch"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param(
            candles(flat(3)).drop(columns="volume"), "bad_frame", id="missing_column_case"
        ),
        pytest.param(candles(flat(3)).iloc[:0], "no_candles", id="empty_case"),
        pytest.param(candles(flat(3)).iloc[::-1], "bad_frame", id="decreasing_times_case"),
    ],
)
def test_unusable_frames_are_refused(frame, code):
    with pytest.raises(BacktestError) as raised:
        run(frame, scripted())
    assert raised.value.code == code


def test_no_pairs_is_refused():
    with pytest.raises(BacktestError, match="at least one pair"):
        run({}, scripted())
