"""Backtests as jobs: queue a run on stored candles, run it in a worker, keep its report.

`start_backtest` checks everything it can before queueing (strategy and parameters, the
settings, that candles exist for every symbol), so a user learns of a mistake at once, not
from a failed job. `run_stored_backtest` runs in the worker (queue `bots`), reporting
progress on the row as it goes; many runs queue behind each other without touching the web
processes. A run that fails keeps its error for the user.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.backtest import BacktestConfig, run_backtest
from trading.backtest.data import fill_gaps, load_stored
from trading.models import Backtest, BacktestStatus, Bot, Candle
from trading.selectors import default_exchange
from trading.strategies.registry import get_strategy
from trading.symbols import normalise_symbol

logger = logging.getLogger(__name__)
MAX_SYMBOLS = 20
# Progress is written at most this often (in percent points), not on every callback.
PROGRESS_STEP = 5


def start_backtest(
    *,
    user: User,
    strategy: str,
    params: dict[str, Any],
    symbols: list[str],
    timeframe: str,
    settings: dict[str, Any],
    exchange: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bot: Bot | None = None,
) -> Backtest:
    """Queue a backtest; raises ApplicationError (400, naming the field) when it cannot run.
    `bot` is the bot it backtests (`backtest_bot`): its page sets the run beside its trades."""
    get_strategy(strategy, params)
    config = BacktestConfig(timeframe=timeframe, **settings)  # BacktestError names the field
    exchange = exchange or default_exchange()
    if not symbols or len(symbols) > MAX_SYMBOLS:
        raise ApplicationError("invalid_symbols", f"Give 1 to {MAX_SYMBOLS} symbols.", "symbols")
    if start is not None and end is not None and end <= start:
        raise ApplicationError("invalid_range", "The end must be after the start.", "end")
    unified = []
    for symbol in symbols:
        try:
            name = normalise_symbol(symbol)
        except ValueError:
            name = symbol
        stored = Candle.objects.filter(exchange=exchange, symbol=name, timeframe=timeframe)
        if start is not None:
            stored = stored.filter(open_time__gte=start)
        if end is not None:
            stored = stored.filter(open_time__lte=end)
        if not stored.exists():
            raise ApplicationError(
                "no_candles",
                f"No stored {timeframe} candles for {name} on {exchange} in that range: "
                "import or fetch them first.",
                "symbols",
            )
        unified.append(name)
    with transaction.atomic(durable=True):
        backtest = Backtest.objects.create(
            user=user,
            strategy=strategy,
            params=params,
            exchange=exchange,
            symbols=unified,
            timeframe=timeframe,
            start=start,
            end=end,
            config=config.to_dict(),
            bot=bot,
        )
    from trading.tasks import run_backtest_task  # the task module imports this one

    backtest_id = backtest.pk
    transaction.on_commit(lambda: run_backtest_task.delay(backtest_id))
    return backtest


def run_stored_backtest(*, backtest_id: int) -> Backtest:
    """Run a queued backtest to the end (the worker's job); safe to deliver twice."""
    claimed = Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.QUEUED).update(
        status=BacktestStatus.RUNNING, started_at=timezone.now()
    )
    backtest = Backtest.objects.get(pk=backtest_id)
    if not claimed:
        return backtest  # another delivery runs it, or ran it already
    written = [0]

    def progress(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent - written[0] >= PROGRESS_STEP:
            written[0] = percent
            Backtest.objects.filter(pk=backtest_id).update(progress=percent)

    try:
        config = BacktestConfig(**backtest.config)
        frames = {
            symbol: fill_gaps(
                load_stored(
                    exchange=backtest.exchange,
                    symbol=symbol,
                    timeframe=backtest.timeframe,
                    start=backtest.start,
                    end=backtest.end,
                ),
                config.timeframe_ms,
            )
            for symbol in backtest.symbols
        }
        result = run_backtest(
            config, frames, get_strategy(backtest.strategy, backtest.params), progress=progress
        )
    except ApplicationError as error:
        return _finish(backtest, status=BacktestStatus.FAILED, error=error.message)
    except Exception:
        logger.exception("backtest %s failed", backtest_id)
        _finish(backtest, status=BacktestStatus.FAILED, error="The backtest failed unexpectedly.")
        raise
    return _finish(backtest, status=BacktestStatus.DONE, result=result.to_dict())


def _finish(
    backtest: Backtest,
    *,
    status: BacktestStatus,
    result: dict[str, Any] | None = None,
    error: str = "",
) -> Backtest:
    backtest.status, backtest.result, backtest.error = status, result, error[:500]
    backtest.progress = 100 if status == BacktestStatus.DONE else backtest.progress
    backtest.finished_at = timezone.now()
    backtest.save(update_fields=["status", "result", "error", "progress", "finished_at"])
    return backtest


def _taker_fee(bot: Any) -> float:
    """The fee the bot's market orders pay: the first symbol's taker fee on its exchange."""
    from trading.selectors import market_info_of, resolve_market

    market = resolve_market(exchange=bot.exchange, text=bot.symbols[0])
    return float(market_info_of(market).taker_fee)


def backtest_bot(
    *,
    user: User,
    bot_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    wallet: float = 10_000.0,
) -> Backtest:
    """Queue a backtest of one of the user's bots as it is configured: its strategy,
    parameters, symbols, timeframe, stake and exchange, over `start`..`end` (default: since
    the bot was created), so its live or paper results can be set beside the backtest's."""
    from trading.models import Bot

    bot = Bot.objects.filter(user=user, pk=bot_id).first()
    if bot is None:
        raise Bot.DoesNotExist
    from trading.services.bot_rules import backtest_settings_for

    return start_backtest(
        user=user,
        strategy=bot.strategy,
        params=bot.params,
        symbols=list(bot.symbols),
        timeframe=bot.timeframe,
        exchange=bot.exchange,
        start=start or bot.created_at,
        end=end,
        bot=bot,
        settings=backtest_settings_for(bot, wallet=wallet, fee=_taker_fee(bot)),
    )
