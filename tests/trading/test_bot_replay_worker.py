"""The replay endpoint queues the replay; a real worker runs it on the bots queue."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from papertrading.replay import start_replay
from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.bots import crossover_bot
from tests.factories.candles import store_candles
from trading.models import BotDecision

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
D = Decimal
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_replay_queued_over_the_api_is_run_by_the_worker(
    celery_worker_process, simulated_markets
):
    # given: a bot on a replay account over 253 candles that cross up on 250, back on 251
    store_candles(["100"] * 250 + ["110", "80", "80"], start=T0)
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    start_replay(
        user=account.user,
        account_id=account.pk,
        timeframe="1h",
        start=T0,
        end=T0 + timedelta(hours=252),
    )
    bot = crossover_bot(account)
    api = APIClient()
    api.force_authenticate(account.user)
    # when
    answer = api.post(f"/api/v1/bots/{bot.pk}/replay", {"steps": 300}, format="json")
    # then
    assert answer.status_code == 202, answer.content
    deadline = time.monotonic() + 120
    judged = BotDecision.objects.filter(bot=bot)
    while time.monotonic() < deadline and judged.count() < 252:
        time.sleep(0.5)
    assert judged.count() == 252
    traded = judged.filter(action__in=["enter", "exit"]).order_by("candle_time")
    assert list(traded.values_list("action", flat=True)) == ["enter", "exit"]


def test_a_bot_on_live_prices_cannot_replay_over_the_api(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    bot = crossover_bot(account, name="live")
    api = APIClient()
    api.force_authenticate(account.user)
    answer = api.post(f"/api/v1/bots/{bot.pk}/replay", {}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "not_replay"
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.post(f"/api/v1/bots/{bot.pk}/replay", {}, format="json").status_code == 404
