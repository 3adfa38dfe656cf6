"""A bot trading a replay paper account: stored candles, one after the other.

The live bot judges a candle after it closed and its market orders fill at about the next
open. A replay does the same on stored candles, without a wall clock: for each candle it
moves the account to the next candle's open (`open_next_candle`), ticks the bot on the
candle that just closed (its orders fill at that open), then completes the candle
(`step_replay`: resting orders meet its low, high and close). The backtest of the same bot
(`exit_fill = next_open`) fills at the same opens, so both give the same trades; the
parity test holds them to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from accounts.models import User
from cryptopulse.errors import ApplicationError
from papertrading.matching import open_next_candle, step_replay
from papertrading.models import PaperAccount, PriceSource
from trading.models import Bot, BotStatus
from trading.services.bots import tick_bot

MAX_REPLAY_STEPS = 100_000
REPLAY_LOCK_S = 2 * 3600  # longer than the task's time limit


@dataclass(frozen=True)
class BotReplay:
    bot: Bot
    candles: int  # candles judged
    decisions: int
    finished: bool  # the replay reached its end


def _replayable(user: User, bot_id: int, steps: int) -> Bot:
    bot = Bot.objects.filter(user=user, pk=bot_id).select_related("paper_account").first()
    if bot is None:
        raise Bot.DoesNotExist
    account = bot.paper_account
    if account is None or account.price_source != PriceSource.REPLAY:
        raise ApplicationError(
            "not_replay", "Only a bot on a replay paper account can replay candles.", "bot"
        )
    if bot.status not in (BotStatus.RUNNING, BotStatus.PAUSED):
        raise ApplicationError("bot_not_running", f"The bot is {bot.status}; resume it first.")
    if not 1 <= steps <= MAX_REPLAY_STEPS:
        raise ApplicationError(
            "invalid_steps", f"Replay 1 to {MAX_REPLAY_STEPS:,} candles at a time.", "steps"
        )
    return bot


def queue_bot_replay(*, user: User, bot_id: int, steps: int = MAX_REPLAY_STEPS) -> Bot:
    """Check the replay can run, then queue it in the worker (queue `bots`)."""
    from trading.tasks import replay_bot_task  # the task module imports this one

    bot = _replayable(user, bot_id, steps)
    replay_bot_task.delay(user.pk, bot.pk, steps)
    return bot


def replay_bot(*, user: User, bot_id: int, steps: int = MAX_REPLAY_STEPS) -> BotReplay:
    """Run one of the user's bots over up to `steps` candles of its replay paper account.

    One replay per bot at a time (a lock in Redis): two drivers would each move the clock.
    """
    bot = _replayable(user, bot_id, steps)
    account = bot.paper_account
    assert account is not None  # noqa: S101 - _replayable checked it
    lock = f"bot-replay:{bot.pk}"
    if not cache.add(lock, 1, timeout=REPLAY_LOCK_S):
        raise ApplicationError("replay_running", "This bot is replaying already.", status=409)
    judged = decisions = 0
    finished = False
    try:
        for _ in range(steps):
            closed = PaperAccount.objects.values_list("replay_cursor", flat=True).get(pk=account.pk)
            if not open_next_candle(user=user, account_id=account.pk):
                finished = True
                break
            assert closed is not None  # noqa: S101 - a replay account always has a cursor
            decisions += len(tick_bot(bot_id=bot.pk, candle_time=closed))
            step_replay(user=user, account_id=account.pk)
            judged += 1
    finally:
        cache.delete(lock)
    bot.refresh_from_db()
    return BotReplay(bot=bot, candles=judged, decisions=decisions, finished=finished)
