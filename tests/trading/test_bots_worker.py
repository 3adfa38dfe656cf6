"""Bots in a real Celery worker: the beat fan-out ticks them; duplicated ticks trade once."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.candles import store_candles
from trading.models import BotDecision, Order
from trading.services.bots import create_bot, last_closed_candle
from trading.tasks import run_due_bots, tick_bot_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
D = Decimal


def _crossing_bot():
    """A bot whose strategy sees a fresh crossover on the candle that closed last."""
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    bot = create_bot(
        user=account.user,
        name="cross",
        strategy="sma_crossover",
        params={"fast_period": 2, "slow_period": 3},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    last = last_closed_candle("1h", timezone.now())
    closes = ["100"] * 250 + ["110"]
    store_candles(closes, start=last - timedelta(hours=len(closes) - 1), volume="1")
    return bot


def test_duplicated_tick_tasks_trade_once(celery_worker_process, simulated_markets):
    bot = _crossing_bot()
    # when: the same tick is delivered three times
    results = [tick_bot_task.delay(bot.pk) for _ in range(3)]
    outcomes = sorted(str(result.get(timeout=60)) for result in results)
    # then
    assert outcomes == ["['BTC/USDT: enter']", "[]", "[]"]
    assert BotDecision.objects.filter(bot=bot).count() == 1
    assert Order.objects.filter(paper_account=bot.paper_account).count() == 1


def test_the_beat_task_fans_out_ticks_to_the_bots_queue(celery_worker_process, simulated_markets):
    bot = _crossing_bot()
    assert run_due_bots.delay().get(timeout=60) >= 1
    deadline = time.monotonic() + 60
    decided = BotDecision.objects.filter(bot=bot).exclude(action="pending")
    while time.monotonic() < deadline and not decided.exists():
        time.sleep(0.2)
    decision = BotDecision.objects.get(bot=bot)
    assert decision.action == "enter"
    assert decision.order is not None
    assert decision.order.status == "filled"
