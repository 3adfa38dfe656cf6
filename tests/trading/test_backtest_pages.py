"""The backtest pages through the test client: list, new, report, progress, downloads,
compare; one run by a real worker and one in Chromium (the page polls, then shows it)."""

import csv
import io
import json
import math
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from trading.backtest.report import ASSUMPTIONS, TRADE_COLUMNS
from trading.models import Backtest, BacktestStatus, Candle
from trading.services.backtests import run_stored_backtest, start_backtest
from trading.strategies.registry import STRATEGIES
from trading.templatetags.backtest_format import (
    amount,
    count,
    duration,
    moment,
    percent,
    ratio,
    signed_amount,
    signed_percent,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _store_wave(
    symbol: str = "BTC/USDT",
    *,
    count: int = 600,
    exchange: str = "simulated",
    timeframe: str = "1h",
    phase: float = 0.0,
) -> None:
    """A slow sine wave of candles: moving averages cross it regularly."""
    rows = []
    for n in range(count):
        close = 100 + 10 * math.sin(n / 15 + phase)
        rows.append(
            Candle(
                exchange=exchange,
                symbol=symbol,
                timeframe=timeframe,
                open_time=T0 + n * HOUR,
                open=Decimal(f"{close:.2f}"),
                high=Decimal(f"{close + 0.5:.2f}"),
                low=Decimal(f"{close - 0.5:.2f}"),
                close=Decimal(f"{close:.2f}"),
                volume=Decimal("10"),
            )
        )
    Candle.objects.bulk_create(rows)


def _form(**fields: object) -> dict[str, object]:
    """The new-backtest form as the page posts it (SMA crossover 5/20 on BTC and ETH, 1h),
    changed by `fields`."""
    return {
        "strategy": "sma_crossover",
        "sma_crossover__fast_period": "5",
        "sma_crossover__slow_period": "20",
        "sma_crossover__stoploss_pct": "",
        "symbols": ["simulated:BTC/USDT", "simulated:ETH/USDT"],
        "timeframe": "1h",
        "start": "",
        "end": "",
        "wallet": "1000",
        "stake": "100",
        "stake_mode": "fixed",
        "max_open_trades": "3",
        "fee": "0.001",
        "slippage": "0",
        "min_confidence": "",
        **fields,
    }


def _page(response: Any) -> str:
    return response.content.decode()


def _section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def _tag(page: str, name: str) -> str:
    """The whole tag with `name="..."`."""
    at = page.index(f'name="{name}"')
    return page[page.rindex("<", 0, at) : page.index(">", at) + 1]


def _queue(user: User, **changes: Any) -> Backtest:
    values: dict[str, Any] = {
        "user": user,
        "strategy": "sma_crossover",
        "params": {"fast_period": 5, "slow_period": 20},
        "symbols": ["BTC/USDT", "ETH/USDT"],
        "timeframe": "1h",
        "exchange": "simulated",
        "settings": {"wallet": 1000, "stake": 100, "max_open_trades": 3, "fee": 0.001},
        **changes,
    }
    return start_backtest(**values)


def _run(user: User, **changes: Any) -> Backtest:
    """A finished run (the worker's job, called here)."""
    return run_stored_backtest(backtest_id=_queue(user, **changes).pk)


@pytest.fixture
def stored(db: None) -> None:
    _store_wave("BTC/USDT")
    _store_wave("ETH/USDT", phase=1.0)


@pytest.fixture
def trader(stored: None) -> User:
    return UserFactory.create()


@pytest.fixture
def signed_in(client: Client, trader: User) -> Client:
    client.force_login(trader)
    return client


# Signing in, and the nav


@pytest.mark.django_db
def test_the_backtest_pages_need_a_signed_in_user(client):
    urls = (
        "/backtests/",
        "/backtests/new/",
        "/backtests/compare/?ids=1,2",
        "/backtests/1/",
        "/backtests/1/progress/",
        "/backtests/1/report.json",
        "/backtests/1/trades.csv",
    )
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    assert client.post("/backtests/new/")["Location"].startswith("/accounts/login/")
    assert 'href="/backtests/"' not in _page(client.get("/"))


def test_backtests_is_a_nav_link_for_signed_in_users(signed_in):
    page = _page(signed_in.get("/backtests/"))
    nav = _section(page, 'aria-label="Main"', "</nav>")
    assert 'href="/backtests/"\n                 aria-current="page">Backtests</a>' in nav
    assert "nav-pending" not in nav.split("Backtests")[0]


# The new-backtest form


def test_the_form_offers_strategies_their_params_and_the_stored_markets(signed_in):
    # given: 5m candles of one more market, and candles on another exchange
    _store_wave("SOL/USDT", count=30, timeframe="5m")
    _store_wave("BTC/USDT", count=10, exchange="binance")
    # when
    page = _page(signed_in.get("/backtests/new/?strategy=grid"))
    # then: every strategy, with its parameter fields named <strategy>__<param>
    for name, cls in STRATEGIES.items():
        assert f'<option value="{name}"' in page
        assert f'data-strategy="{name}"' in page
        for param in cls.params:
            assert f'name="{name}__{param.name}"' in page
    assert "selected" in _section(page, '<option value="grid"', ">")
    fast = _tag(page, "sma_crossover__fast_period")
    assert 'type="number"' in fast
    assert 'min="2"' in fast
    assert 'value="20"' in fast
    # and the stored series, one optgroup per exchange and timeframe, with their ranges
    symbols = _section(page, 'name="symbols"', "</select>")
    hourly = _section(symbols, 'label="simulated · 1h"', "</optgroup>")
    assert 'data-timeframe="1h"' in hourly
    assert 'value="simulated:BTC/USDT"' in hourly
    assert "BTC/USDT — 2026-01-01 00:00 to 2026-01-25 23:00 UTC (600 candles)" in hourly
    assert 'value="simulated:ETH/USDT"' in hourly
    assert "SOL/USDT" not in hourly
    five = _section(symbols, 'label="simulated · 5m"', "</optgroup>")
    assert "SOL/USDT — 2026-01-01 00:00 to 2026-01-02 05:00 UTC (30 candles)" in five
    assert 'value="binance:BTC/USDT"' in _section(symbols, 'label="binance · 1h"', "</optgroup>")
    # grid suggests 5m, and 5m candles are stored: the timeframe follows the strategy
    assert '<option value="5m" selected>5m</option>' in page
    assert "Candles stored for:" in page
    # the settings, with the API's defaults
    assert 'value="1000"' in _tag(page, "wallet")
    assert 'value="0.001"' in _tag(page, "fee")
    assert 'type="datetime-local"' in _tag(page, "start")
    assert '<option value="fixed" selected>fixed</option>' in page
    # and the rules, from the report module
    rules = _section(page, 'id="rules"', "</details>")
    for rule in ASSUMPTIONS:
        assert escape(rule) in rules
    assert "js/backtests.js" in page


def test_the_timeframe_falls_back_to_one_with_candles(signed_in):
    # grid suggests 5m, but only 1h candles are stored
    page = _page(signed_in.get("/backtests/new/?strategy=grid"))
    assert '<option value="1h" selected>1h</option>' in page


@pytest.mark.django_db
def test_without_stored_candles_the_form_says_so(client):
    client.force_login(UserFactory.create())
    page = _page(client.get("/backtests/new/"))
    assert "No candles stored yet: import or fetch some first." in page


@pytest.mark.parametrize(
    ("fields", "field", "message", "_case"),
    [
        (
            {"sma_crossover__fast_period": "1"},
            "sma_crossover__fast_period",
            "fast_period must be a whole number from 2 to 100.",
            "param out of range",
        ),
        (
            {"sma_crossover__fast_period": "40", "sma_crossover__slow_period": "30"},
            "sma_crossover__slow_period",
            "slow_period must be greater than fast_period.",
            "the strategy's own check, through start_backtest",
        ),
        ({"symbols": []}, "symbols", "This field is required.", "no market"),
        (
            {"symbols": ["simulated:DOGE/USDT"]},
            "symbols",
            "Select a valid choice.",
            "a market without candles",
        ),
        (
            {"timeframe": "5m"},
            "symbols",
            "No stored 5m candles for BTC/USDT on simulated in that range",
            "candles of another timeframe only",
        ),
        (
            {"start": "2026-03-01T00:00"},
            "symbols",
            "No stored 1h candles for BTC/USDT on simulated in that range",
            "a period without candles",
        ),
        (
            {"start": "2026-01-10T00:00", "end": "2026-01-05T00:00"},
            "end",
            "The end must be after the start.",
            "end before start",
        ),
        ({"end": "someday"}, "end", "Enter a valid date/time.", "end not a date"),
        ({"wallet": "0"}, "wallet", "wallet must be above 0.", "empty wallet"),
        ({"wallet": "lots"}, "wallet", "Enter a number.", "wallet not a number"),
        (
            {"stake_mode": "percent", "stake": "5"},
            "stake",
            "stake is a fraction of the equity (at most 1) in percent and risk modes.",
            "percent stake above 1",
        ),
        ({"stake_mode": "yolo"}, "stake_mode", "Select a valid choice.", "unknown stake mode"),
        (
            {"max_open_trades": "0"},
            "max_open_trades",
            "max_open_trades must be 1 or more, or -1 for no limit.",
            "no slot",
        ),
        ({"max_open_trades": "1.5"}, "max_open_trades", "Enter a whole number.", "half a slot"),
        ({"fee": "0.7"}, "fee", "fee must be from 0 to 0.5.", "fee too high"),
        ({"slippage": "-1"}, "slippage", "slippage from 0 to 0.5.", "negative slippage"),
        (
            {"min_confidence": "101"},
            "min_confidence",
            "min_confidence must be from 0 to 100.",
            "confidence above 100",
        ),
        ({"timeframe": "7m"}, "timeframe", "Select a valid choice.", "unknown timeframe"),
        ({"strategy": "nope"}, "strategy", "Select a valid choice.", "unknown strategy"),
    ],
)
def test_a_bad_backtest_shows_the_error_on_its_field(signed_in, fields, field, message, _case):
    # when
    response = signed_in.post("/backtests/new/", _form(**fields))
    # then
    assert response.status_code == 400
    page = _page(response)
    assert escape(message) in _section(page, f'id="error-{field}"', "</small>")
    assert not Backtest.objects.exists()
    # the form keeps what was typed
    assert field == "symbols" or "selected" in _section(page, 'value="simulated:ETH/USDT"', ">")
    assert 'value="1000"' in _tag(page, "wallet") or field == "wallet"


def test_markets_of_two_exchanges_are_refused(signed_in):
    _store_wave("BTC/USDT", count=10, exchange="binance")
    response = signed_in.post(
        "/backtests/new/", _form(symbols=["simulated:BTC/USDT", "binance:BTC/USDT"])
    )
    assert response.status_code == 400
    error = _section(_page(response), 'id="error-symbols"', "</small>")
    assert "Pick markets of one exchange." in error
    assert not Backtest.objects.exists()


def test_a_good_post_queues_the_run_and_goes_to_its_page(signed_in, trader):
    # when
    response = signed_in.post(
        "/backtests/new/",
        _form(
            start="2026-01-02T00:00",
            end="2026-01-20T12:00",
            sma_crossover__stoploss_pct="4.5",
            stake_mode="percent",
            stake="0.1",
            min_confidence="",
        ),
        follow=True,
    )
    # then
    backtest = Backtest.objects.get(user=trader)
    assert response.redirect_chain == [(f"/backtests/{backtest.pk}/", 302)]
    assert (backtest.status, backtest.progress, backtest.result) == ("queued", 0, None)
    assert (backtest.strategy, backtest.exchange, backtest.timeframe) == (
        "sma_crossover",
        "simulated",
        "1h",
    )
    assert backtest.params == {
        "fast_period": 5,
        "slow_period": 20,
        "stoploss_pct": 4.5,
        "trailing_stop": False,
    }
    assert backtest.symbols == ["BTC/USDT", "ETH/USDT"]
    assert (backtest.start, backtest.end) == (T0 + 24 * HOUR, datetime(2026, 1, 20, 12, tzinfo=UTC))
    config = backtest.config
    assert (config["wallet"], config["stake"], config["stake_mode"]) == (1000, 0.1, "percent")
    assert (config["max_open_trades"], config["fee"], config["min_confidence"]) == (3, 0.001, None)
    # and its page shows the progress, polling, and what was asked
    page = _page(response)
    assert f"Backtest #{backtest.pk} is queued" in page
    progress = _section(page, 'id="backtest-progress"', "</div>")
    assert f'hx-get="/backtests/{backtest.pk}/progress/"' in progress
    assert 'hx-trigger="every 1s"' in progress
    assert "Queued: waiting for a worker." in progress
    setup = _section(page, 'id="setup"', "</article>")
    for text in ("SMA crossover", "BTC/USDT, ETH/USDT", "2026-01-02 00:00 to 2026-01-20 12:00"):
        assert text in setup, text
    assert "percent" in _section(setup, "<dt>Stake mode</dt>", "</dd>")
    stoploss = _section(setup, 'data-param="stoploss_pct"', "</tr>")
    assert '<td class="num">4.5</td>' in stoploss
    assert '<td class="num">5</td>' in stoploss  # the default, for comparison
    assert '<td class="num">off</td>' in _section(setup, 'data-param="trailing_stop"', "</tr>")
    assert 'id="summary"' not in page
    assert 'id="downloads"' not in page
    assert "lightweight-charts" not in page


# The report


def test_a_finished_run_shows_rules_figures_tables_chart_and_trades(signed_in, trader):
    # given: the POSTed run, then the worker's job run here
    signed_in.post("/backtests/new/", _form())
    backtest = run_stored_backtest(backtest_id=Backtest.objects.get().pk)
    assert backtest.status == "done"
    report = backtest.result
    assert report is not None
    summary = report["summary"]
    assert summary["total_trades"] > 0
    # when
    page = _page(signed_in.get(f"/backtests/{backtest.pk}/"))
    # then: no progress any more
    assert 'id="backtest-progress"' not in page
    assert 'data-status="done"' in _section(page, "<h1>", "</h1>")
    # the rules the report carries (the report module's, as the docs)
    rules = _section(page, 'id="rules"', "</section>")
    assert rules.count("<li>") == len(ASSUMPTIONS)
    for rule in ASSUMPTIONS:
        assert escape(rule) in rules
    # the headline figures
    figures = _section(page, 'id="summary"', "</article>")
    expected = {
        "total_trades": count(summary["total_trades"]),
        "win_rate_pct": percent(summary["win_rate_pct"]),
        "profit_total_pct": signed_percent(summary["profit_total_pct"]),
        "profit_total_abs": signed_amount(summary["profit_total_abs"]),
        "cagr_pct": signed_percent(summary["cagr_pct"]),
        "sharpe": ratio(summary["sharpe"]),
        "sortino": ratio(summary["sortino"]),
        "calmar": ratio(summary["calmar"]),
        "profit_factor": ratio(summary["profit_factor"]),
        "expectancy": signed_amount(summary["expectancy"]),
        "max_drawdown_abs": amount(summary["max_drawdown_abs"]),
        "max_drawdown_pct": percent(summary["max_drawdown_pct"]),
        "max_drawdown_duration_s": duration(summary["max_drawdown_duration_s"]),
        "market_change_pct": signed_percent(summary["market_change_pct"]),
    }
    for key, shown in expected.items():
        cell = _section(figures, f'data-figure="{key}"', "</div>")
        assert shown in cell, (key, shown, cell)
    assert f"{moment(summary['start'])} to {moment(summary['end'])} UTC" in figures  # after warm-up
    assert f"{count(summary['candles'])} candles" in figures
    details = _section(page, 'id="details"', "</section>")
    assert amount(summary["final_balance"]) in _section(
        details, 'data-figure="final_balance"', "</div>"
    )
    # the per-pair and per-exit-reason tables
    per_pair = _section(page, 'id="per-pair"', "</table>")
    for row in report["per_pair"]:
        group = _section(per_pair, f'data-group="{row["pair"]}"', "</tr>")
        assert f'<td class="num">{row["trades"]}</td>' in group
        assert signed_amount(row["profit_total_abs"]) in group
    per_exit = _section(page, 'id="per-exit-reason"', "</table>")
    reasons = [row["exit_reason"] for row in report["per_exit_reason"]]
    assert reasons
    for reason in reasons:
        assert f'data-group="{reason}"' in per_exit
    # the chart's data: the report's curve, in UNIX seconds
    data = json.loads(_section(page, 'id="equity-data" type="application/json">', "</script>"))
    curve = report["equity_curve"]
    assert len(data) == len(curve)
    assert data[0] == {
        "time": int(T0.timestamp()),
        "equity": curve[0]["equity"],
        "balance": curve[0]["balance"],
    }
    assert data[-1]["time"] == int(datetime.fromisoformat(curve[-1]["time"]).timestamp())
    assert 'data-starting-balance="1000.00000000"' in page
    assert "lightweight-charts.standalone.production.js" in page
    assert "js/backtest_report.js" in page
    # the trades, all of them on one page (fewer than 100)
    trades = _section(page, 'id="trades"', "</section>")
    assert f"Trades <small>({summary['total_trades']})</small>" in trades
    assert trades.count("<tr data-trade>") == summary["total_trades"]
    first = report["trades"][0]
    assert first["pair"] in trades
    assert signed_amount(first["profit_abs"]) in trades
    # and the downloads
    downloads = _section(page, 'id="downloads"', "</div>")
    assert f'href="/backtests/{backtest.pk}/report.json"' in downloads
    assert f'href="/backtests/{backtest.pk}/trades.csv"' in downloads


def test_the_downloads_are_the_stored_report_and_its_trades(signed_in, trader):
    # given
    backtest = _run(trader)
    # when
    as_json = signed_in.get(f"/backtests/{backtest.pk}/report.json")
    as_csv = signed_in.get(f"/backtests/{backtest.pk}/trades.csv")
    # then
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert as_json["Content-Disposition"] == f'attachment; filename="backtest-{backtest.pk}.json"'
    assert json.loads(as_json.content) == backtest.result
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        as_csv["Content-Disposition"] == f'attachment; filename="backtest-{backtest.pk}-trades.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert backtest.result is not None
    assert len(rows) == backtest.result["summary"]["total_trades"]
    assert tuple(rows[0]) == TRADE_COLUMNS
    assert rows[0]["profit_abs"] == backtest.result["trades"][0]["profit_abs"]


def test_a_run_without_a_report_has_no_downloads_yet(signed_in, trader):
    backtest = _queue(trader)
    for suffix in ("report.json", "trades.csv"):
        response = signed_in.get(f"/backtests/{backtest.pk}/{suffix}")
        assert response.status_code == 409
        assert "is queued: it has no report" in _page(response)


def test_a_huge_trade_list_is_shown_100_a_page(signed_in, trader):
    # given: a report with 250 trades (the real one's first trade, repeated)
    backtest = _run(trader)
    assert backtest.result is not None
    result = dict(backtest.result)
    result["trades"] = [{**result["trades"][0], "pair": f"PAIR{n}/USDT"} for n in range(250)]
    Backtest.objects.filter(pk=backtest.pk).update(result=result)
    url = f"/backtests/{backtest.pk}/"
    # when
    first = _section(_page(signed_in.get(url)), 'id="trades"', "</section>")
    last = _section(_page(signed_in.get(f"{url}?page=3")), 'id="trades"', "</section>")
    # then
    assert "Trades <small>(250, 1\N{EN DASH}100 shown; all of them in the CSV)</small>" in first
    assert first.count("<tr data-trade>") == 100
    assert "PAIR99/USDT" in first
    assert "PAIR100/USDT" not in first
    assert "Page 1 of 3" in first
    assert last.count("<tr data-trade>") == 50
    assert "PAIR249/USDT" in last
    assert '<td class="num">250</td>' in last


def test_a_failed_run_shows_its_error(signed_in, trader):
    backtest = _queue(trader)
    Backtest.objects.filter(pk=backtest.pk).update(
        status=BacktestStatus.FAILED, progress=40, error="No stored 1h candles for BTC/USDT."
    )
    page = _page(signed_in.get(f"/backtests/{backtest.pk}/"))
    assert "No stored 1h candles for BTC/USDT." in _section(page, 'id="backtest-error"', "</p>")
    assert 'id="backtest-progress"' not in page
    assert 'id="summary"' not in page


# The progress partial


def test_the_progress_partial_polls_while_queued_or_running_and_reloads_when_over(
    signed_in, trader
):
    backtest = _queue(trader)
    url = f"/backtests/{backtest.pk}/progress/"
    # queued
    queued = _page(signed_in.get(url, headers={"HX-Request": "true"}))
    assert queued.lstrip().startswith('<div id="backtest-progress"')
    assert 'data-status="queued"' in queued
    assert 'hx-trigger="every 1s"' in queued
    assert "Queued: waiting for a worker." in queued
    # running
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.RUNNING, progress=45)
    running = signed_in.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in running
    assert 'hx-trigger="every 1s"' in _page(running)
    assert '<progress value="45" max="100"' in _page(running)
    assert "<strong data-progress>45 %</strong>" in _page(running)
    assert "<!doctype" not in _page(running)  # a partial, not the page
    # done: no more polling, and htmx reloads the page to show the report
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.QUEUED)
    run_stored_backtest(backtest_id=backtest.pk)
    done = signed_in.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert 'data-status="done"' in _page(done)
    assert "hx-trigger" not in _page(done)
    assert f'<a href="/backtests/{backtest.pk}/">Show the report</a>' in _page(done)
    # without htmx (a plain GET) there is nothing to reload
    assert "HX-Refresh" not in signed_in.get(url)


def test_a_running_page_shows_the_progress_and_a_failed_partial_reloads_too(signed_in, trader):
    backtest = _queue(trader)
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.RUNNING, progress=70)
    page = _page(signed_in.get(f"/backtests/{backtest.pk}/"))
    assert "<strong data-progress>70 %</strong>" in page
    assert 'data-status="running">Running 70 %</mark>' in page
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.FAILED, error="boom")
    failed = signed_in.get(f"/backtests/{backtest.pk}/progress/", headers={"HX-Request": "true"})
    assert failed["HX-Refresh"] == "true"
    assert "Failed." in _page(failed)


# The list and the comparison


def test_the_list_shows_runs_newest_first_with_their_headline_figures(signed_in, trader):
    # given: a finished run, then a queued one, and someone else's
    done = _run(trader)
    queued = _queue(trader, symbols=["ETH/USDT"], timeframe="1h")
    _run(UserFactory.create())
    # when
    page = _page(signed_in.get("/backtests/"))
    # then
    table = _section(page, 'id="backtests"', "</table>")
    assert table.count("data-backtest-id=") == 2
    assert table.index(f'data-backtest-id="{queued.pk}"') < table.index(
        f'data-backtest-id="{done.pk}"'
    )
    assert done.result is not None
    summary = done.result["summary"]
    row = _section(table, f'data-backtest-id="{done.pk}"', "</tr>")
    for text in (
        f'name="ids"\n                       value="{done.pk}"',
        f'href="/backtests/{done.pk}/"',
        "SMA crossover",
        "BTC/USDT, ETH/USDT",
        "1h candles",
        'data-status="done"',
        f'data-figure="total_trades">{count(summary["total_trades"])}<',
        signed_percent(summary["profit_total_pct"]),
        f'data-figure="max_drawdown_pct">{percent(summary["max_drawdown_pct"])}<',
        f'data-figure="win_rate_pct">{percent(summary["win_rate_pct"])}<',
    ):
        assert text in row, text
    waiting = _section(table, f'data-backtest-id="{queued.pk}"', "</tr>")
    assert 'data-status="queued"' in waiting
    assert 'data-figure="total_trades">—<' in waiting
    assert 'action="/backtests/compare/"' in page
    assert 'id="compare-runs"' in page


def test_the_list_takes_the_same_queries_for_1_and_8_runs(signed_in, trader):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get("/backtests/").status_code == 200
        return len(captured)

    first = _run(trader)
    one = queries()
    assert first.result is not None
    for _ in range(7):
        Backtest.objects.create(
            user=trader,
            strategy="sma_crossover",
            exchange="simulated",
            symbols=["BTC/USDT"],
            timeframe="1h",
            config=first.config,
            status=BacktestStatus.DONE,
            result=first.result,
        )
    assert queries() == one
    assert one <= 5  # session, user, count, the page (with summaries)


def test_two_to_four_runs_compare_side_by_side(signed_in, trader):
    # given: the same strategy with two stakes, and one still queued
    small = _run(trader)
    big = _run(trader, settings={"wallet": 1000, "stake": 300, "max_open_trades": 3, "fee": 0.001})
    waiting = _queue(trader, symbols=["BTC/USDT"])
    # when
    response = signed_in.get(f"/backtests/compare/?ids={small.pk},{big.pk},{waiting.pk}")
    # then
    assert response.status_code == 200
    page = _page(response)
    table = _section(page, 'id="compare"', "</table>")
    header = _section(table, "<thead>", "</thead>")
    assert (
        header.index(f"#{small.pk}") < header.index(f"#{big.pk}") < header.index(f"#{waiting.pk}")
    )
    stake = _section(table, 'data-setting="Stake"', "</tr>")
    assert 'class="differs"' in stake
    assert ">100<" in stake
    assert ">300<" in stake
    strategy = _section(table, 'data-setting="Strategy"', "</tr>")
    assert "differs" not in strategy
    assert strategy.count(">SMA crossover<") == 3
    assert "BTC/USDT, ETH/USDT" in _section(table, 'data-setting="Markets"', "</tr>")
    assert small.result is not None
    assert big.result is not None
    trades = _section(table, 'data-figure="total_trades"', "</tr>")
    assert f">{count(small.result['summary']['total_trades'])}<" in trades
    profit = _section(table, 'data-figure="profit_total_abs"', "</tr>")
    assert signed_amount(small.result["summary"]["profit_total_abs"]) in profit
    assert signed_amount(big.result["summary"]["profit_total_abs"]) in profit
    assert profit.count(">—<") == 1  # the queued run has no figures yet
    for key in ("sharpe", "max_drawdown_pct", "cagr_pct", "final_balance", "exposure_pct"):
        assert f'data-figure="{key}"' in table
    # repeated ids (the list's form without its script) work too
    assert signed_in.get(f"/backtests/compare/?ids={small.pk}&ids={big.pk}").status_code == 200


@pytest.mark.parametrize(
    ("ids", "_case"),
    [("", "none"), ("{a}", "one"), ("{a},{a}", "the same twice"), ("{a},{b},{c},{d},{e}", "five")],
)
def test_compare_needs_two_to_four_runs(signed_in, trader, ids, _case):
    runs = [_queue(trader, symbols=["BTC/USDT"]) for _ in range(5)]
    query = ids.format(**{letter: run.pk for letter, run in zip("abcde", runs, strict=True)})
    response = signed_in.get(f"/backtests/compare/?ids={query}", follow=True)
    assert response.redirect_chain == [("/backtests/", 302)]
    assert "Pick 2 to 4 backtests to compare." in _page(response)


# Other people's runs


def test_another_users_run_is_404_everywhere(signed_in, trader):
    # given
    mine = _queue(trader)
    theirs = _run(UserFactory.create())
    # then
    for suffix in ("", "progress/", "report.json", "trades.csv"):
        assert signed_in.get(f"/backtests/{theirs.pk}/{suffix}").status_code == 404, suffix
    assert signed_in.get(f"/backtests/compare/?ids={mine.pk},{theirs.pk}").status_code == 404
    assert signed_in.get(f"/backtests/compare/?ids={mine.pk},nope").status_code == 404
    assert signed_in.get("/backtests/999999/").status_code == 404
    assert f'data-backtest-id="{theirs.pk}"' not in _page(signed_in.get("/backtests/"))


# A real worker, and the page in Chromium


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_posted_backtest_is_run_by_the_worker_and_its_page_shows_done(
    client, celery_worker_process
):
    # given
    _store_wave("BTC/USDT")
    _store_wave("ETH/USDT", phase=1.0)
    client.force_login(UserFactory.create())
    # when
    response = client.post("/backtests/new/", _form())
    # then
    assert response.status_code == 302
    url = response["Location"]
    deadline = time.monotonic() + 60
    page = _page(client.get(f"{url}progress/"))
    while 'data-status="done"' not in page and time.monotonic() < deadline:
        assert 'data-status="failed"' not in page
        time.sleep(0.3)
        page = _page(client.get(f"{url}progress/"))
    assert 'data-status="done"' in page
    report = _page(client.get(url))
    assert 'id="summary"' in report
    assert 'id="rules"' in report


T = TypeVar("T")


def _in_thread(work: Callable[[], T]) -> T:
    """`work` off Playwright's event loop thread, as a worker would do it (Django's sync code
    refuses to run inside a running loop)."""
    results: list[T] = []

    def run() -> None:
        try:
            results.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert results, "the work did not finish"
    return results[0]


def _run_later(backtest_id: int) -> Backtest:
    time.sleep(1.5)  # let the page poll while the run is queued
    return run_stored_backtest(backtest_id=backtest_id)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_polls_until_done_then_shows_the_report_and_the_chart(
    page: Page, live_server, tmp_path: Path
):
    # given: a signed-in trader with stored candles
    _store_wave("BTC/USDT")
    _store_wave("ETH/USDT", phase=1.0)
    UserFactory.create(email="quant@example.com")
    page.goto(live_server.url + "/accounts/login/")
    page.fill('input[name="login"]', "quant@example.com")
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # when: the form is filled in (backtests.js shows 1h markets and the SMA parameters)
    page.goto(live_server.url + "/backtests/new/")
    page.screenshot(path=str(tmp_path / "backtest-form.png"), full_page=True)
    expect(page.locator("#params-sma_crossover")).to_be_visible()
    expect(page.locator("#params-grid")).to_be_hidden()
    page.select_option('select[name="symbols"]', ["simulated:BTC/USDT", "simulated:ETH/USDT"])
    page.fill('input[name="sma_crossover__fast_period"]', "5")
    page.fill('input[name="sma_crossover__slow_period"]', "20")
    page.get_by_role("button", name="Queue the backtest").click()
    # then: the run's page polls while it is queued (or running: a worker of this session
    # may have taken the job, which the thread's run then leaves alone)
    progress = page.locator("#backtest-progress")
    expect(progress).to_have_attribute("data-status", re.compile("queued|running"))
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    backtest = Backtest.objects.get()
    _in_thread(lambda: _run_later(backtest.pk))
    # and reloads itself once it is done, showing the report and drawing the curve
    expect(page.locator("#summary")).to_be_visible(timeout=30_000)
    expect(page.locator("#backtest-progress")).to_have_count(0)
    backtest.refresh_from_db()
    assert backtest.result is not None
    points = str(len(backtest.result["equity_curve"]))
    expect(page.locator("#equity-chart")).to_have_attribute("data-points", points)
    expect(page.locator("#equity-chart canvas").first).to_be_visible()
    expect(page.locator("#rules li")).to_have_count(len(ASSUMPTIONS))
    page.screenshot(path=str(tmp_path / "backtest-report.png"), full_page=True)
    # and the list compares it with a second run (backtests.js: 2 to 4 ticked, ?ids=a,b)
    second = _in_thread(lambda: _queue(backtest.user, symbols=["BTC/USDT"]).pk)
    page.goto(live_server.url + "/backtests/")
    compare = page.get_by_role("button", name="Compare the ticked runs")
    expect(compare).to_be_disabled()
    page.get_by_label(f"Compare backtest #{backtest.pk}").check()
    expect(compare).to_be_disabled()
    page.get_by_label(f"Compare backtest #{second}").check()
    page.screenshot(path=str(tmp_path / "backtest-list.png"), full_page=True)
    compare.click()
    expect(page).to_have_url(f"{live_server.url}/backtests/compare/?ids={second},{backtest.pk}")
    expect(page.locator('#compare tr[data-setting="Markets"]')).to_have_class("differs")
    page.screenshot(path=str(tmp_path / "backtest-compare.png"), full_page=True)
