"""The bot's execution model in the backtest: next-open exits, protections and risk limits.

Candle numbers as in test_exits: a signal on candle i enters at candle i+1's open. Stake
0.05 of a wallet of 1, fees 0 unless a test says otherwise.
"""

import pytest

from tests.trading.backtest.strategies import at, candles, flat, run, scripted
from trading.backtest import BacktestConfig
from trading.backtest.config import BacktestError
from trading.backtest.exits import first_rule_exit
from trading.strategies.base import ExitRules

ENTRY = (100.0, 101.0, 99.0, 100.0)


def test_next_open_exit_fills_a_stoploss_at_the_following_open():
    # given: a 10 % stop (90) reached on candle 2; candle 3 opens at 87
    frame = candles([*flat(1), ENTRY, (100, 100, 85, 88), (87, 89, 86, 88), *flat(2, 88)])
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.10))
    # when
    rule = run(frame, strategy).trades[0].to_dict()
    bot_like = run(frame, strategy, exit_fill="next_open").trades[0].to_dict()
    # then: the rule model fills within candle 2 at the stop; the bot's market order after
    # candle 2 closed fills at candle 3's open
    assert (rule["close_time"], rule["close_rate"]) == (at(2), "90")
    assert (bot_like["close_time"], bot_like["close_rate"]) == (at(3), "87")
    assert bot_like["exit_reason"] == "stop_loss"


def test_next_open_roi_exit_is_found_on_the_candle_and_fills_at_the_next_open():
    # given: ROI 5 %; candle 2's high 106 reaches it; candle 3 opens at 103
    frame = candles([*flat(1), ENTRY, (100, 106, 99, 104), (103, 104, 102, 103), *flat(2, 103)])
    strategy = scripted(entries=[0], rules=ExitRules(minimal_roi={0: 0.05}))
    # when
    trade = run(frame, strategy, exit_fill="next_open").trades[0].to_dict()
    # then
    assert (trade["exit_reason"], trade["close_time"], trade["close_rate"]) == (
        "roi",
        at(3),
        "103",
    )


def test_an_exit_signal_beats_a_pending_rule_exit_on_the_same_open():
    # given: the stop is reached on candle 2 and the strategy also says exit at its close
    frame = candles([*flat(1), ENTRY, (100, 100, 85, 88), (87, 89, 86, 88), *flat(2, 88)])
    strategy = scripted(entries=[0], exits=[2], rules=ExitRules(stoploss=-0.10))
    # when
    trade = run(frame, strategy, exit_fill="next_open").trades[0].to_dict()
    # then: the signal is checked first, as a bot's tick checks it
    assert (trade["exit_reason"], trade["close_time"]) == ("exit_signal", at(3))


def test_cooldown_refuses_an_entry_until_enough_candles_passed_since_the_exit():
    # given: enter on 0, exit signal on 2 (out at 3's open), entry signals on 3 and 5
    frame = candles(flat(10))
    strategy = scripted(entries=[0, 3, 5], exits=[2])
    # when
    without = run(frame, strategy)
    cooled = run(frame, strategy, cooldown_candles=2)
    # then: candles since the exit's decision (2): on 3 none, on 5 two -> the second enters
    assert [t.to_dict()["open_time"] for t in without.trades] == [at(1), at(4)]
    assert [t.to_dict()["open_time"] for t in cooled.trades] == [at(1), at(6)]
    assert cooled.summary["rejected_by_risk"] == 1


def test_stoploss_guard_pauses_entries_after_the_limit_of_stops_in_a_day():
    # given: three trades each stopped out at once (the stop sits above each candle's low)
    rows = [*flat(1)]
    for _ in range(3):
        rows += [ENTRY, (100, 100, 80, 85)]  # enter at 100, stopped at 90
    rows += flat(4)
    frame = candles(rows)
    strategy = scripted(entries=[0, 2, 4, 6], rules=ExitRules(stoploss=-0.10))
    # when
    guarded = run(frame, strategy, max_stoplosses_per_day=2)
    free = run(frame, strategy)
    # then
    assert [t.exit_reason for t in free.trades].count("stop_loss") == 3
    assert len(guarded.trades) == 2
    assert guarded.summary["rejected_by_risk"] == 2


def test_entries_per_day_cap():
    frame = candles(flat(12))
    strategy = scripted(entries=[0, 3, 6], exits=[1, 4, 7])
    assert len(run(frame, strategy, max_entries_per_day=2).trades) == 2
    assert len(run(frame, strategy).trades) == 3


@pytest.mark.parametrize(
    ("settings", "entered"),
    [
        pytest.param({"max_trade_risk_pct": 0.5}, False, id="risk_1pct_of_equity_over_0_5_case"),
        pytest.param({"max_trade_risk_pct": 1.0}, True, id="risk_exactly_at_the_limit_case"),
        pytest.param({"max_position_pct": 4.0}, False, id="stake_5pct_over_4_case"),
        pytest.param({"max_position_pct": 5.0}, True, id="stake_exactly_5pct_case"),
    ],
)
def test_trade_risk_and_position_size_against_equity(settings, entered):
    # given: stake 0.05 of 1 with a 20 % stop: it risks 1 % of equity, its size is 5 %
    frame = candles(flat(6))
    strategy = scripted(entries=[0], rules=ExitRules(stoploss=-0.20))
    # when
    result = run(frame, strategy, **settings)
    # then
    assert (len(result.trades) == 1) is entered


def test_drawdown_pause_refuses_entries_once_equity_is_far_below_its_peak():
    # given: stake half the wallet; the first trade loses 40 % of it (20 % of equity)
    frame = candles([*flat(1), ENTRY, (60, 60, 60, 60), *flat(6, 60)])
    strategy = scripted(entries=[0, 4], exits=[1])
    # when
    paused = run(frame, strategy, stake=0.5, max_drawdown_pct=10.0)
    free = run(frame, strategy, stake=0.5)
    # then
    assert len(free.trades) == 2
    assert len(paused.trades) == 1
    assert paused.summary["rejected_by_risk"] == 1


def test_daily_loss_pause_lifts_on_the_next_utc_day():
    # given: 1 h candles; a loss of 20 % of equity on day one, entry signals on both days
    rows = [*flat(1), ENTRY, (60, 60, 60, 60), *flat(40, 60)]
    frame = candles(rows, minutes=60)
    strategy = scripted(entries=[0, 5, 30], exits=[1])
    # when
    result = run(frame, strategy, timeframe="1h", stake=0.5, max_daily_loss_pct=5.0)
    # then: candle 5's signal (same day) is refused; candle 30's (the next day) enters
    assert [t.to_dict()["open_time"] for t in result.trades] == [
        at(1, minutes=60),
        at(31, minutes=60),
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("exit_fill", "later"),
        ("cooldown_candles", -1),
        ("max_stoplosses_per_day", -2),
        ("max_drawdown_pct", 0.0),
    ],
)
def test_bad_protection_settings_name_the_field(name, value):
    with pytest.raises(BacktestError) as caught:
        BacktestConfig(timeframe="5m", **{name: value})
    assert caught.value.field == name


def test_first_rule_exit_is_the_backtests_own_rule():
    # given: the trade of the ROI test: entry at 100 on candle 1, ROI 5 % reached on candle 2
    rules = ExitRules(stoploss=-0.10, minimal_roi={0: 0.05})
    rows = [(0, 100.0, 101.0, 99.0), (300_000, 100.0, 106.0, 99.0)]
    # when
    found = first_rule_exit(rules, timeframe="5m", fee=0.0, open_rate=100.0, candles=rows)
    quiet = first_rule_exit(rules, timeframe="5m", fee=0.0, open_rate=100.0, candles=rows[:1])
    # then
    assert found is not None
    assert (found.candle, found.reason) == (1, "roi")
    assert quiet is None
    assert first_rule_exit(rules, timeframe="5m", fee=0.0, open_rate=100.0, candles=[]) is None


def test_first_rule_exit_sees_a_stop_below_the_open_rate():
    rules = ExitRules(stoploss=-0.10)
    rows = [(i * 300_000, 100.0, 100.0, low) for i, low in enumerate([99.0, 95.0, 89.9])]
    found = first_rule_exit(rules, timeframe="5m", fee=0.001, open_rate=100.0, candles=rows)
    assert found is not None
    assert (found.candle, found.reason) == (2, "stop_loss")
