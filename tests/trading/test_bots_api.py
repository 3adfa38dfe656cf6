"""/api/v1/strategies and /api/v1/bots: shapes, validation, kill switch, isolation."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.factories.trading import bot_round_trip
from trading.models import Bot
from trading.services.bot_results import bot_trades

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


T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _trading_bot(api) -> Bot:
    """A bot created over the API with a closed BTC trade (out on the stoploss) and an
    open one."""
    created = api.post("/api/v1/bots", _bot())
    assert created.status_code == 201, created.json()
    bot = Bot.objects.get(pk=created.json()["id"])
    bot_round_trip(
        bot,
        entry_at=T0,
        buys=[("100", "1", "0.001", "BTC")],
        exit_at=T0 + HOUR,
        sells=[("110", "0.999", "0.10989", "USDT")],
        reason="stop_loss",
    )
    bot_round_trip(bot, entry_at=T0 + 2 * HOUR, buys=[("105", "1", "0.001", "BTC")])
    return bot


def test_a_bots_trades_are_listed_newest_first_in_a_backtest_trades_shape(api):
    # given
    bot = _trading_bot(api)
    closed, still_open = bot_trades(bot)
    # when
    answer = api.get(f"/api/v1/bots/{bot.pk}/trades")
    # then
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"] == [still_open.to_dict(), closed.to_dict()]
    newest, oldest = body["results"]
    assert (newest["close_time"], newest["profit_abs"], newest["open_rate"]) == (None, None, "105")
    assert oldest == {
        "pair": "BTC/USDT",
        "open_time": "2026-11-01T01:00:00+00:00",
        "close_time": "2026-11-01T02:00:00+00:00",
        "duration_s": 3600,
        "open_rate": "100",
        "close_rate": "110",
        "amount": "0.999",
        "cost": "100.00000000",
        "profit_abs": "9.78011000",  # 109.89 - 0.10989 - 100
        "profit_pct": "9.78011000",
        "exit_reason": "stop_loss",
        "entry_order": closed.entry_order_id,
        "exit_order": closed.exit_order_id,
    }


def test_a_bots_trades_are_paginated_and_filtered_by_when_they_opened(api):
    bot = _trading_bot(api)
    url = f"/api/v1/bots/{bot.pk}/trades"
    first = api.get(f"{url}?limit=1").json()
    assert (first["count"], len(first["results"])) == (2, 1)
    assert "offset=1" in first["next"]
    assert api.get(f"{url}?limit=1&offset=1").json()["results"][0]["exit_reason"] == "stop_loss"
    since = api.get(f"{url}?start=2026-11-01T02:00:00Z").json()
    assert [row["open_time"] for row in since["results"]] == ["2026-11-01T03:00:00+00:00"]
    until = api.get(f"{url}?end=2026-11-01T02:00:00Z").json()
    assert [row["open_time"] for row in until["results"]] == ["2026-11-01T01:00:00+00:00"]
    assert api.get(f"{url}?start=yesterday").status_code == 400


def test_another_users_bots_trades_are_404(api):
    bot = _trading_bot(api)
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.get(f"/api/v1/bots/{bot.pk}/trades").status_code == 404
    assert api.get("/api/v1/bots/999999/trades").status_code == 404
    assert APIClient().get(f"/api/v1/bots/{bot.pk}/trades").status_code == 401
