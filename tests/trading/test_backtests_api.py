"""Backtests as jobs over /api/v1/backtests: queued at once, run by a real worker, reported."""

import math
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from trading.models import Backtest, Candle
from trading.services.backtests import run_stored_backtest

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _store_wave(symbol: str = "BTC/USDT", count: int = 600) -> None:
    """A slow sine wave with noise-free candles: moving averages cross it regularly."""
    rows = []
    for n in range(count):
        close = 100 + 10 * math.sin(n / 15)
        rows.append(
            Candle(
                exchange="simulated",
                symbol=symbol,
                timeframe="1h",
                open_time=T0 + timedelta(hours=n),
                open=Decimal(f"{close:.2f}"),
                high=Decimal(f"{close + 0.5:.2f}"),
                low=Decimal(f"{close - 0.5:.2f}"),
                close=Decimal(f"{close:.2f}"),
                volume=Decimal("10"),
            )
        )
    Candle.objects.bulk_create(rows)


def _payload(**changes):
    return {
        "strategy": "sma_crossover",
        "params": {"fast_period": 5, "slow_period": 20},
        "symbols": ["BTC/USDT"],
        "timeframe": "1h",
        "exchange": "simulated",
        "wallet": 1000,
        "stake": 100,
        **changes,
    }


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory.create())
    return client


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_backtest_is_queued_at_once_and_run_by_the_worker(api, celery_worker_process):
    # given
    _store_wave()
    # when
    queued = api.post("/api/v1/backtests", _payload())
    # then
    assert queued.status_code == 202, queued.json()
    url = f"/api/v1/backtests/{queued.json()['id']}"
    deadline = time.monotonic() + 60
    body = api.get(url).json()
    while body["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        body = api.get(url).json()
    assert (body["status"], body["progress"], body["error"]) == ("done", 100, "")
    summary = body["result"]["summary"]
    assert summary["total_trades"] > 0
    assert summary["candles"] == 600
    assert len(body["result"]["trades"]) == summary["total_trades"]
    listed = api.get("/api/v1/backtests").json()
    assert listed["results"][0]["summary"]["total_trades"] == summary["total_trades"]
    csv = api.get(f"{url}/trades.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode().strip().splitlines()) == summary["total_trades"] + 1


@pytest.mark.django_db
def test_a_second_delivery_of_the_job_does_not_run_it_again(api):
    _store_wave()
    backtest_id = api.post("/api/v1/backtests", _payload()).json()["id"]
    first = run_stored_backtest(backtest_id=backtest_id)
    finished_at = first.finished_at
    again = run_stored_backtest(backtest_id=backtest_id)
    assert (again.status, again.finished_at) == ("done", finished_at)


@pytest.mark.django_db
def test_the_bot_execution_model_and_protections_reach_the_engine(api):
    _store_wave()
    settings = {"exit_fill": "next_open", "cooldown_candles": 3, "max_stoplosses_per_day": 2}
    backtest_id = api.post("/api/v1/backtests", _payload(**settings)).json()["id"]
    run = run_stored_backtest(backtest_id=backtest_id)
    assert run.status == "done", run.error
    assert {k: run.config[k] for k in settings} == settings
    result = run.result
    assert result is not None
    assert "rejected_by_risk" in result["summary"]
    assert result["config"]["exit_fill"] == "next_open"


@pytest.mark.parametrize(
    ("changes", "field", "_case"),
    [
        ({"strategy": "nope"}, "strategy", "unknown strategy"),
        ({"params": {"fast_period": 0}}, "fast_period", "bad parameter"),
        ({"symbols": ["ETH/USDT"]}, "symbols", "no stored candles"),
        ({"stake_mode": "yolo"}, "stake_mode", "unknown stake mode"),
        ({"stake_mode": "percent", "stake": 5}, "stake", "percent above 1"),
        ({"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end", "end first"),
        ({"timeframe": "7m"}, "timeframe", "unknown timeframe"),
        ({"exit_fill": "later"}, "exit_fill", "unknown exit fill"),
        ({"cooldown_candles": -1}, "cooldown_candles", "negative cooldown"),
    ],
)
@pytest.mark.django_db
def test_a_backtest_that_cannot_run_is_400_before_it_is_queued(api, changes, field, _case):
    _store_wave(count=50)
    answer = api.post("/api/v1/backtests", _payload(**changes))
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"], answer.json()
    assert not Backtest.objects.exists()


@pytest.mark.django_db
def test_another_users_backtests_are_404_and_a_report_not_ready_is_409(api):
    _store_wave(count=50)
    backtest_id = api.post("/api/v1/backtests", _payload()).json()["id"]
    assert api.get(f"/api/v1/backtests/{backtest_id}/trades.csv").status_code == 409
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.get(f"/api/v1/backtests/{backtest_id}").status_code == 404
    assert other.get(f"/api/v1/backtests/{backtest_id}/trades.csv").status_code == 404
    assert other.get("/api/v1/backtests").json()["count"] == 0
