"""A bot on a replay paper account: ticks on the replay's clock, never on the wall clock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from cryptopulse.errors import ApplicationError
from papertrading.replay import start_replay
from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.bots import crossover_bot
from tests.factories.candles import store_candles
from trading.models import BotDecision, BotStatus
from trading.services.bot_replay import queue_bot_replay, replay_bot
from trading.services.bots import due_bots, set_bot_status

pytestmark = pytest.mark.django_db
D = Decimal
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def replay_bot_on_candles(simulated_markets):
    # flat for the warm-up, a jump on 250 (cross up: enter), a drop on 251 (cross back: exit)
    store_candles(["100"] * 250 + ["110", "80", "80"], start=T0)
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    start_replay(
        user=account.user,
        account_id=account.pk,
        timeframe="1h",
        start=T0,
        end=T0 + 252 * HOUR,
    )
    return crossover_bot(account)


def test_the_replay_enters_and_exits_at_the_next_candles_open(replay_bot_on_candles):
    bot = replay_bot_on_candles
    # when
    replay = replay_bot(user=bot.user, bot_id=bot.pk)
    # then: every candle but the last is judged once; the orders fill at the next opens
    assert (replay.finished, replay.candles, replay.decisions) == (True, 252, 252)
    enter = BotDecision.objects.get(bot=bot, action="enter")
    exit_ = BotDecision.objects.get(bot=bot, action="exit")
    assert (enter.candle_time, exit_.candle_time) == (T0 + 250 * HOUR, T0 + 251 * HOUR)
    assert enter.order is not None
    assert exit_.order is not None
    assert (enter.order.average_price, exit_.order.average_price) == (D("80"), D("80"))
    assert enter.order.fills.get().executed_at == T0 + 251 * HOUR
    assert exit_.reason == "exit_signal"
    # then: a second replay has nothing left to judge
    assert replay_bot(user=bot.user, bot_id=bot.pk).candles == 0


def test_replay_bots_are_not_ticked_by_the_wall_clock(replay_bot_on_candles):
    assert replay_bot_on_candles.pk not in due_bots(now=T0 + 300 * HOUR)


def test_one_replay_per_bot_at_a_time(replay_bot_on_candles):
    bot = replay_bot_on_candles
    cache.add(f"bot-replay:{bot.pk}", 1, timeout=60)  # another worker replays it
    with pytest.raises(ApplicationError) as error:
        replay_bot(user=bot.user, bot_id=bot.pk, steps=5)
    assert (error.value.code, error.value.status) == ("replay_running", 409)
    assert not BotDecision.objects.filter(bot=bot).exists()


@pytest.mark.parametrize(
    ("case", "code"),
    [("live_account", "not_replay"), ("stopped", "bot_not_running"), ("steps", "invalid_steps")],
)
def test_a_replay_that_cannot_run_is_refused_before_queueing(
    replay_bot_on_candles, simulated_markets, case, code
):
    bot = replay_bot_on_candles
    steps = 0 if case == "steps" else 10
    if case == "live_account":
        account = open_account(user=bot.user, starting_balance=D("1000"), name="live")
        bot = crossover_bot(account, name="live")
    if case == "stopped":
        set_bot_status(user=bot.user, bot_id=bot.pk, status=BotStatus.STOPPED)
    with pytest.raises(ApplicationError) as error:
        queue_bot_replay(user=bot.user, bot_id=bot.pk, steps=steps)
    assert error.value.code == code


def test_another_users_bot_cannot_be_replayed(replay_bot_on_candles):
    with pytest.raises(type(replay_bot_on_candles).DoesNotExist):
        replay_bot(user=UserFactory.create(), bot_id=replay_bot_on_candles.pk)


def test_the_api_refuses_a_bad_step_count_naming_the_field(replay_bot_on_candles):
    bot = replay_bot_on_candles
    api = APIClient()
    api.force_authenticate(bot.user)
    answer = api.post(f"/api/v1/bots/{bot.pk}/replay", {"steps": 0}, format="json")
    assert answer.status_code == 400
    assert "steps" in answer.json()["fields"]
    assert not BotDecision.objects.filter(bot=bot).exists()
