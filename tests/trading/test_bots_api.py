"""/api/v1/strategies and /api/v1/bots: shapes, validation, kill switch, isolation."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from trading.models import Bot

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(simulated_markets):
    client = APIClient()
    client.force_authenticate(UserFactory.create())
    return client


def _bot(**changes):
    return {
        "name": "cross",
        "strategy": "sma_crossover",
        "params": {"fast_period": 10},
        "symbols": ["BTC/USDT"],
        "timeframe": "1h",
        "stake_amount": "100",
        **changes,
    }


def test_strategies_are_listed_with_their_parameters(api):
    body = api.get("/api/v1/strategies").json()
    names = {row["name"] for row in body}
    assert {"sma_crossover", "rsi_bb_tema", "grid", "dca"} <= names
    rsi = next(row for row in body if row["name"] == "rsi_bb_tema")
    assert rsi["startup_candles"] == 200
    assert all({"name", "kind", "default"} <= set(p) for p in rsi["params"])


def test_a_bot_is_created_on_the_default_paper_account_and_paused_resumed_stopped(api):
    created = api.post("/api/v1/bots", _bot())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["mode"], body["status"], body["stake_amount"]) == (
        "paper",
        "running",
        "100.000000000000000000",
    )
    url = f"/api/v1/bots/{body['id']}"
    assert api.post(f"{url}/pause").json()["status"] == "paused"
    assert api.post(f"{url}/resume").json()["status"] == "running"
    assert api.post(f"{url}/stop").json()["status"] == "stopped"
    assert api.post(f"{url}/resume").status_code == 409
    assert api.get(url).json()["decisions"] == []


@pytest.mark.parametrize(
    ("changes", "field", "_case"),
    [
        ({"strategy": "nope"}, "strategy", "unknown strategy"),
        ({"params": {"fast_period": 500}}, "fast_period", "parameter out of range"),
        ({"symbols": []}, "symbols", "no symbols"),
        ({"symbols": ["NOPE/USDT"]}, "symbols", "unknown symbol"),
        ({"timeframe": "7m"}, "timeframe", "unknown timeframe"),
        ({"stake_amount": "-5"}, "stake_amount", "negative stake"),
    ],
)
def test_bad_bots_are_400_naming_the_field(api, changes, field, _case):
    answer = api.post("/api/v1/bots", _bot(**changes))
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"], answer.json()
    assert not Bot.objects.exists()


def test_another_users_bots_are_404(api):
    created = api.post("/api/v1/bots", _bot()).json()
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.get(f"/api/v1/bots/{created['id']}").status_code == 404
    assert other.post(f"/api/v1/bots/{created['id']}/stop").status_code == 404
    assert other.get("/api/v1/bots").json() == []
    assert Bot.objects.get(pk=created["id"]).status == "running"
    assert Decimal(api.get("/api/v1/bots").json()[0]["stake_amount"]) == 100


def test_a_bot_is_backtested_as_configured(api):
    from datetime import UTC, datetime, timedelta

    from trading.models import Candle
    from trading.services.backtests import run_stored_backtest

    # given: a bot and stored candles
    body = api.post("/api/v1/bots", _bot(params={"fast_period": 3, "slow_period": 8})).json()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="BTC/USDT",
            timeframe="1h",
            open_time=t0 + timedelta(hours=n),
            open=Decimal(100 + n % 7),
            high=Decimal(101 + n % 7),
            low=Decimal(99 + n % 7),
            close=Decimal(100 + n % 7),
            volume=Decimal(1),
        )
        for n in range(300)
    )
    # when
    queued = api.post(f"/api/v1/bots/{body['id']}/backtest", {"start": "2026-01-01T00:00:00Z"})
    # then
    assert queued.status_code == 202, queued.json()
    run = queued.json()
    assert (run["strategy"], run["symbols"], run["timeframe"]) == (
        "sma_crossover",
        ["BTC/USDT"],
        "1h",
    )
    assert run["params"]["fast_period"] == 3
    assert run["config"]["stake"] == 100.0
    assert run_stored_backtest(backtest_id=run["id"]).status == "done"
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.post(f"/api/v1/bots/{body['id']}/backtest", {}).status_code == 404
