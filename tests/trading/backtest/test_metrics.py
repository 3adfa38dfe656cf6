"""Backtest statistics on small cases worked out by hand."""

import math

import pytest

from trading.backtest import metrics

DAY = metrics.DAY_MS


def test_win_rate_counts_only_profits_above_zero():
    # given: two wins, a draw, a loss
    profits = [2.0, 0.0, -1.0, 3.0]
    # when / then
    assert metrics.win_rate(profits) == 0.5
    assert metrics.win_rate([]) is None


def test_profit_factor_is_gross_profit_over_gross_loss():
    # given: wins 2 + 3 = 5, losses 1 + 1.5 = 2.5
    profits = [2.0, -1.0, 3.0, -1.5]
    # when / then
    assert metrics.profit_factor(profits) == 2.0
    assert metrics.profit_factor([1.0, 2.0]) is None  # no loss: undefined, not inf


def test_expectancy_and_expectancy_ratio():
    # given: mean win 2.5, mean loss 1.25, win rate 0.5
    profits = [2.0, -1.0, 3.0, -1.5]
    # when
    mean = metrics.expectancy(profits)
    ratio = metrics.expectancy_ratio(profits)
    # then: mean 2.5/4 = 0.625; ratio (1 + 2.5/1.25) * 0.5 - 1 = 0.5
    assert mean == pytest.approx(0.625)
    assert ratio == pytest.approx(0.5)
    assert metrics.expectancy_ratio([1.0]) is None
    assert metrics.expectancy([]) is None


def test_max_drawdown_absolute_relative_and_duration():
    # given: 100 -> 120 (peak, day 1) -> 90 (day 3) -> 130 -> 117
    times = [0, DAY, 2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY]
    balances = [100.0, 120.0, 100.0, 90.0, 130.0, 117.0]
    # when
    drawdown = metrics.max_drawdown(times, balances)
    # then: the largest fall is 120 -> 90: 30, 25 %, from day 1 to day 3
    assert drawdown.abs == pytest.approx(30.0)
    assert drawdown.pct == pytest.approx(0.25)
    assert (drawdown.peak_ms, drawdown.trough_ms) == (DAY, 3 * DAY)
    assert drawdown.duration_ms == 2 * DAY


def test_max_drawdown_counts_a_first_loss_from_the_starting_balance():
    # given: the first trade loses (freqtrade would not count it; we do)
    drawdown = metrics.max_drawdown([0, DAY], [100.0, 95.0])
    # then
    assert drawdown.pct == pytest.approx(0.05)
    assert drawdown.abs == pytest.approx(5.0)


def test_max_drawdown_of_a_rising_balance_is_zero():
    drawdown = metrics.max_drawdown([0, DAY], [100.0, 101.0])
    assert (drawdown.abs, drawdown.pct, drawdown.duration_ms) == (0.0, 0.0, 0)
    assert metrics.max_drawdown([], []).pct == 0.0


def test_cagr_compounds_to_a_year():
    # given: +10 % in half a year (182.5 days)
    # when / then: 1.1 ** 2 - 1 = 0.21
    assert metrics.cagr(100.0, 110.0, 182.5) == pytest.approx(0.21)
    assert metrics.cagr(100.0, 0.0, 10) == -1.0
    assert metrics.cagr(100.0, 110.0, 0) is None
    assert metrics.cagr(100.0, 200.0, 0.01) is None  # past what a float holds


def test_daily_returns_use_the_last_equity_of_each_day():
    # given: day 0 ends at 110, day 1 ends at 99 (two points each)
    hour = 3_600_000
    times = [hour, 2 * hour, DAY + hour, DAY + 2 * hour]
    equity = [105.0, 110.0, 100.0, 99.0]
    # when
    returns = metrics.daily_returns(times, equity, start=100.0)
    # then: 110/100 - 1, 99/110 - 1
    assert returns.tolist() == pytest.approx([0.10, -0.10])


def test_sharpe_and_sortino_annualise_daily_returns():
    # given: +2 %, -1 %, +2 %, -1 %: mean 0.005, sample sd sqrt(0.0003), downside sqrt(0.0001/2)
    returns = [0.02, -0.01, 0.02, -0.01]
    # when
    sharpe = metrics.sharpe(returns)
    sortino = metrics.sortino(returns)
    # then
    assert sharpe == pytest.approx(0.005 / math.sqrt(0.0003) * math.sqrt(365))
    assert sortino == pytest.approx(0.005 / math.sqrt(0.00005) * math.sqrt(365))
    assert metrics.sharpe([0.01, 0.01]) is None  # flat: undefined
    assert metrics.sortino([0.01, 0.02]) is None  # no down day
    assert metrics.sharpe([0.01]) is None


def test_calmar_is_cagr_over_drawdown():
    assert metrics.calmar(0.30, 0.15) == pytest.approx(2.0)
    assert metrics.calmar(0.30, 0.0) is None
    assert metrics.calmar(None, 0.1) is None


def test_market_change_is_the_mean_of_the_pairs_changes():
    # given: +10 % and -20 %
    # when / then
    assert metrics.market_change([100.0, 50.0], [110.0, 40.0]) == pytest.approx(-0.05)
    assert metrics.market_change([], []) is None
