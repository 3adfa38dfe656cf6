"""Parity: a bot replaying stored candles on a paper account makes the backtest's trades.

Real XRP/USDT candles (5-minute, from ../shared/data/ohlcv) are stored as the simulated
exchange's XRP/USDT market; the test replays their first 4.7 days (1,345 candles, six
closed trades: one stop-loss and five ROI exits). The flagship strategy `rsi_bb_tema` runs
twice over them: as a bot ticking through a replay paper account, each decision filled by
the paper venue at the next candle's open, and as the backtest of that bot
(`backtest_settings_for`: the bot's stake, risk limits and protections, the venue's fee,
exits at the next open). Entries, exits, times, reasons and prices must be the same.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from papertrading.replay import start_replay
from papertrading.services import check_ledgers, open_account
from tests.factories import UserFactory
from trading.backtest import BacktestConfig, run_backtest
from trading.backtest.data import load_stored
from trading.models import Candle
from trading.services.bot_replay import replay_bot
from trading.services.bot_results import bot_trades
from trading.services.bot_rules import backtest_settings_for
from trading.services.bots import create_bot
from trading.strategies.registry import get_strategy

D = Decimal
CANDLES = (
    Path(__file__).resolve().parents[2].parent / "shared/data/ohlcv/XRP_USDT_USDT-5m-futures.json"
)
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not CANDLES.exists(), reason=f"real candles not found at {CANDLES}"),
]


END = datetime(2021, 11, 19, 16, 0, tzinfo=UTC)


def _store_real_candles() -> datetime:
    rows = json.loads(CANDLES.read_text())
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="XRP/USDT",
            timeframe="5m",
            open_time=datetime.fromtimestamp(ms / 1000, tz=UTC),
            open=D(str(o)),
            high=D(str(h)),
            low=D(str(lo)),
            close=D(str(c)),
            volume=D(str(v)),
        )
        for ms, o, h, lo, c, v in rows
    )
    return datetime.fromtimestamp(rows[0][0] / 1000, tz=UTC)


def _bot_round_trips(bot) -> list[dict]:
    """The bot's closed trades in the backtest's terms (the bot page's own round trips)."""
    return [
        {
            "pair": trade.pair,
            "open_time": trade.open_time.isoformat(),
            "close_time": trade.close_time.isoformat(),
            "open_rate": trade.open_rate,
            "close_rate": trade.close_rate,
            "exit_reason": trade.exit_reason,
            "profit_pct": None if trade.profit_pct is None else float(trade.profit_pct),
        }
        for trade in bot_trades(bot)
        if trade.close_time is not None
    ]


def test_a_replayed_bot_makes_the_same_trades_as_its_backtest(simulated_markets):
    # given: the real candles, a replay paper account over them and a bot on it
    first = _store_real_candles()
    account = open_account(user=UserFactory.create(), starting_balance=D("100000"))
    start_replay(user=account.user, account_id=account.pk, timeframe="5m", start=first, end=END)
    bot = create_bot(
        user=account.user,
        name="parity",
        strategy="rsi_bb_tema",
        params={},
        account=account,
        symbols=["XRP/USDT"],
        timeframe="5m",
        stake_amount=D("1000"),
    )
    # when: the bot replays every candle, and the bot's backtest runs on the same candles
    replay = replay_bot(user=account.user, bot_id=bot.pk)
    config = BacktestConfig(timeframe="5m", **backtest_settings_for(bot, wallet=100000, fee=0.001))
    frame = load_stored(exchange="simulated", symbol="XRP/USDT", timeframe="5m", end=END)
    backtest = [
        t.to_dict()
        for t in run_backtest(
            config, {"XRP/USDT": frame}, get_strategy(bot.strategy, bot.params)
        ).trades
    ]
    # then
    assert replay.finished
    assert replay.candles == 1344
    ours = _bot_round_trips(bot)
    theirs = [t for t in backtest if t["exit_reason"] != "force_exit"]
    assert len(theirs) >= 6
    assert {"roi", "stop_loss"} <= {t["exit_reason"] for t in theirs}
    key = ("pair", "open_time", "close_time", "exit_reason")
    assert [tuple(t[k] for k in key) for t in ours] == [tuple(t[k] for k in key) for t in theirs]
    for mine, its in zip(ours, theirs, strict=True):
        assert mine["open_rate"] == D(its["open_rate"])
        assert mine["close_rate"] == D(its["close_rate"])
        # the paper venue charges fees in the asset received and leaves amount-step dust
        assert mine["profit_pct"] == pytest.approx(float(its["profit_pct"]), abs=0.02)
    assert check_ledgers() == []
