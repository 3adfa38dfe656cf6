"""The report's shape: JSON-safe, money as 8-decimal strings, CSV export, equity curve."""

import csv
import io
import json
import re

import pytest

from tests.trading.backtest.strategies import SmaCross, candles, flat, random_walk, run, scripted
from trading.backtest import ASSUMPTIONS
from trading.backtest.report import money, rate

MONEY = re.compile(r"^-?\d+\.\d{8}$")


def test_money_and_rate_strings():
    assert money(0.1 + 0.2) == "0.30000000"
    assert money(-1e-12) == "0.00000000"
    assert money(-0.123456789) == "-0.12345679"
    assert rate(0.00004915) == "0.00004915"
    assert rate(100.0) == "100"


def test_report_is_json_with_money_as_strings():
    # given
    result = run(random_walk(1500), SmaCross(), fee=0.001)
    # when
    report = json.loads(result.to_json())
    # then
    summary = report["summary"]
    for key in ("starting_balance", "final_balance", "profit_total_abs", "max_drawdown_abs"):
        assert MONEY.match(summary[key]), key
    for trade in report["trades"]:
        assert MONEY.match(trade["profit_abs"])
        assert MONEY.match(trade["stake"])
        assert isinstance(trade["profit_pct"], float)
    assert report["assumptions"] == list(ASSUMPTIONS)
    assert report["config"]["fee"] == 0.001
    assert {row["pair"] for row in report["per_pair"]} == {"TEST/USDT"}


def test_trades_csv_has_one_row_per_trade():
    # given
    result = run(random_walk(1500), SmaCross())
    # when
    rows = list(csv.DictReader(io.StringIO(result.trades_csv())))
    # then
    assert len(rows) == len(result.trades)
    assert rows[0]["exit_reason"] == result.trades[0].exit_reason
    assert rows[0]["profit_abs"] == money(result.trades[0].profit_abs)


def test_equity_curve_starts_at_the_wallet_and_ends_at_the_final_balance():
    # given: one trade from 100 to 110 with stake 0.5
    frame = candles([*flat(1), *flat(2), *flat(3, 110)])
    result = run(frame, scripted(entries=[0], exits=[2]), stake=0.5)
    # when
    curve = result.equity_curve
    # then
    assert curve[0]["balance"] == "1.00000000"
    assert curve[-1]["balance"] == result.summary["final_balance"] == "1.05000000"
    assert len(curve) == 6


def test_summary_without_trades_is_still_complete():
    # given
    result = run(candles(flat(10)), scripted())
    # when
    summary = json.loads(result.to_json())["summary"]
    # then
    assert summary["total_trades"] == 0
    assert summary["win_rate_pct"] is None
    assert summary["profit_factor"] is None
    assert summary["max_drawdown_pct"] == 0.0
    assert summary["profit_total_pct"] == pytest.approx(0.0)
