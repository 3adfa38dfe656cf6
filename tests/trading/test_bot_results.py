"""A bot's round trips from its decisions and fills, their summary, and the comparison of
the bot's strategy across its backtest and its bots in every mode."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from papertrading.models import PaperAccount
from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.trading import bot_round_trip
from trading.backtest.report import TRADE_COLUMNS
from trading.models import (
    Backtest,
    BacktestStatus,
    Bot,
    BotDecision,
    Candle,
    ConnectionStatus,
    DecisionAction,
    ExchangeConnection,
)
from trading.services.backtests import backtest_bot
from trading.services.bot_results import (
    BotTrade,
    bot_comparison,
    bot_trades,
    exit_reason_name,
    results_summary,
)
from trading.services.bots import create_bot, tick_bot

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
PARAMS: dict[str, object] = {"fast_period": 2, "slow_period": 3}


def _bot(
    account: PaperAccount | ExchangeConnection,
    name: str = "cross",
    *,
    params: dict[str, object] | None = None,
    symbols: tuple[str, ...] = ("BTC/USDT", "ETH/USDT"),
) -> Bot:
    """A bot row (no markets needed), created a day before T0 so T0's trades are in its life."""
    bot = Bot.objects.create(
        user=account.user,
        name=name,
        strategy="sma_crossover",
        params=PARAMS if params is None else params,
        paper_account=account if isinstance(account, PaperAccount) else None,
        connection=account if isinstance(account, ExchangeConnection) else None,
        exchange="binance",
        symbols=list(symbols),
        timeframe="1h",
        stake_amount=D("100"),
    )
    Bot.objects.filter(pk=bot.pk).update(created_at=T0 - timedelta(days=1))
    bot.refresh_from_db()
    return bot


def _connection(user, *, testnet: bool, label: str = "binance") -> ExchangeConnection:
    return ExchangeConnection.objects.create(
        user=user,
        exchange="binance",
        label=label,
        testnet=testnet,
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )


@pytest.fixture
def paper_bot() -> Bot:
    return _bot(open_account(user=UserFactory.create(), starting_balance=D("10000")))


def _three_trades(bot: Bot) -> None:
    """A: BTC in two buy fills (fees in BTC), out on the exit signal; B: BTC with fees in
    USDT, out on the stoploss; C: ETH, still open. Around them: a hold, an exit nothing
    opened, and an entry whose order filled nothing."""
    BotDecision.objects.create(
        bot=bot, symbol="ETH/USDT", candle_time=T0 - HOUR, action=DecisionAction.EXIT
    )
    bot_round_trip(
        bot,
        entry_at=T0,
        buys=[("100", "0.6", "0.0006", "BTC"), ("110", "0.4", "0.0004", "BTC")],
        exit_at=T0 + 3 * HOUR,
        sells=[("120", "0.999", "0.11988", "USDT")],
        reason="exit signal",
    )
    BotDecision.objects.create(
        bot=bot, symbol="BTC/USDT", candle_time=T0 + 4 * HOUR, action=DecisionAction.HOLD
    )
    bot_round_trip(
        bot,
        entry_at=T0 + 5 * HOUR,
        buys=[("100", "1", "0.1", "USDT")],
        exit_at=T0 + 6 * HOUR,
        sells=[("90", "1", "0.09", "USDT")],
        reason="stop_loss",
    )
    bot_round_trip(
        bot, symbol="ETH/USDT", entry_at=T0 + 8 * HOUR, buys=[("2000", "0.05", "0.00005", "ETH")]
    )
    bot_round_trip(bot, entry_at=T0 + 9 * HOUR, buys=[])  # rejected: no trade


def test_round_trips_come_from_the_fills_with_fees_and_the_backtests_reasons(paper_bot):
    # given
    _three_trades(paper_bot)
    # when
    first, second, still_open = bot_trades(paper_bot)
    # then: A, opened and closed on the candles after the decisions'
    assert first.pair == "BTC/USDT"
    assert (first.open_time, first.close_time) == (T0 + HOUR, T0 + 4 * HOUR)
    assert (first.open_rate, first.close_rate) == (D("104"), D("120"))  # (60 + 44) / 1
    assert first.amount == D("0.999")  # the BTC fee is not held
    assert first.cost == D("104")
    assert first.profit_abs == D("119.88") - D("0.11988") - D("104")
    assert first.profit_pct == first.profit_abs / D("104") * 100
    assert first.exit_reason == "exit_signal"
    # and B: the USDT fees add to the cost and come off the proceeds
    assert (second.cost, second.amount) == (D("100.1"), D("1"))
    assert second.profit_abs == D("89.91") - D("100.1")
    assert second.exit_reason == "stop_loss"
    # and C is open
    assert still_open.is_open
    assert (still_open.pair, still_open.open_time) == ("ETH/USDT", T0 + 9 * HOUR)
    assert (still_open.close_time, still_open.close_rate, still_open.profit_abs) == (
        None,
        None,
        None,
    )
    assert still_open.amount == D("0.04995")
    assert still_open.exit_reason is None


def test_a_trade_reads_like_a_backtest_trade(paper_bot):
    _three_trades(paper_bot)
    first, _, still_open = bot_trades(paper_bot)
    row = first.to_dict()
    assert set(row) - set(TRADE_COLUMNS) == {"cost", "entry_order", "exit_order"}
    assert row == {
        "pair": "BTC/USDT",
        "open_time": "2026-11-01T01:00:00+00:00",
        "close_time": "2026-11-01T04:00:00+00:00",
        "duration_s": 3 * 3600,
        "open_rate": "104",
        "close_rate": "120",
        "amount": "0.999",
        "cost": "104.00000000",
        "profit_abs": "15.76012000",
        "profit_pct": "15.15396154",
        "exit_reason": "exit_signal",
        "entry_order": first.entry_order_id,
        "exit_order": first.exit_order_id,
    }
    assert still_open.to_dict()["close_time"] is None
    assert still_open.to_dict()["profit_pct"] is None


def test_a_period_keeps_the_trades_opened_in_it(paper_bot):
    _three_trades(paper_bot)
    assert [t.open_time for t in bot_trades(paper_bot, start=T0 + 2 * HOUR)] == [
        T0 + 6 * HOUR,
        T0 + 9 * HOUR,
    ]
    assert [t.open_time for t in bot_trades(paper_bot, end=T0 + 2 * HOUR)] == [T0 + HOUR]
    # a trade opened in the period counts even when it closed after it
    (closed_later,) = bot_trades(paper_bot, start=T0, end=T0 + HOUR)
    assert closed_later.close_time == T0 + 4 * HOUR


def test_round_trips_are_read_in_two_queries(paper_bot, django_assert_num_queries):
    _three_trades(paper_bot)
    with django_assert_num_queries(2):  # decisions with their orders, then the fills
        bot_trades(paper_bot)


@pytest.mark.parametrize(
    ("reason", "name", "_case"),
    [
        ("exit signal", "exit_signal", "what bots write"),
        ("exit_signal", "exit_signal", "the backtest's name"),
        ("stop_loss", "stop_loss", "what bots write for the stoploss"),
        ("stoploss", "stop_loss", "freqtrade's setting name"),
        ("roi", "roi", "roi"),
        ("take profit", "take_profit", "spaces"),
        ("Trailing-Stop-Loss", "trailing_stop_loss", "dashes and capitals"),
        ("trailing_stop", "trailing_stop_loss", "the setting name"),
        ("force exit", "force_exit", "force exit"),
        ("sold by hand", "sold by hand", "unknown: kept as written"),
    ],
)
def test_exit_reasons_take_the_backtests_names(reason, name, _case):
    assert exit_reason_name(reason) == name


def test_the_summary_counts_closed_trades_and_profit_over_cost(paper_bot):
    # given
    _three_trades(paper_bot)
    first, second, _ = trades = bot_trades(paper_bot)
    # when
    summary = results_summary(trades)
    # then
    assert summary == {
        "trades": 2,
        "wins": 1,
        "win_rate_pct": D("50"),
        "profit_abs": D("15.76012") + D("-10.19"),
        "profit_pct": (D("15.76012") + D("-10.19")) / (D("104") + D("100.1")) * 100,
        "best_trade_pct": first.profit_pct,
        "worst_trade_pct": second.profit_pct,
        "open_trades": 1,
        "quote": "USDT",
    }


def test_an_empty_summary_has_nothing_to_divide():
    assert results_summary([]) == {
        "trades": 0,
        "wins": 0,
        "win_rate_pct": None,
        "profit_abs": D(0),
        "profit_pct": None,
        "best_trade_pct": None,
        "worst_trade_pct": None,
        "open_trades": 0,
        "quote": None,
    }


def test_sums_over_two_quote_assets_are_not_given(paper_bot):
    bot_round_trip(
        paper_bot,
        entry_at=T0,
        buys=[("100", "1", "0", "BTC")],
        exit_at=T0 + HOUR,
        sells=[("110", "1", "0", "USDT")],
    )
    bot_round_trip(
        paper_bot,
        symbol="ETH/BTC",
        entry_at=T0,
        buys=[("0.05", "1", "0", "ETH")],
        exit_at=T0 + HOUR,
        sells=[("0.04", "1", "0", "BTC")],
    )
    summary = results_summary(bot_trades(paper_bot))
    assert (summary["trades"], summary["profit_abs"], summary["profit_pct"]) == (2, None, None)
    assert (summary["best_trade_pct"], summary["worst_trade_pct"]) == (D("10"), D("-20"))


def test_a_ticked_bots_trade_has_its_orders_prices_and_the_exit_signal(simulated_markets):
    # given: a crossover on BTC that enters on candle 250 and exits on 251 (as in test_bots)
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    bot = create_bot(
        user=account.user,
        name="cross",
        strategy="sma_crossover",
        params=PARAMS,
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="BTC/USDT",
            timeframe="1h",
            open_time=T0 + n * HOUR,
            open=D(close),
            high=D(close),
            low=D(close),
            close=D(close),
            volume=D("10"),
        )
        for n, close in enumerate(["100"] * 250 + ["110", "80"])
    )
    (entry,) = tick_bot(bot_id=bot.pk, now=T0 + 251 * HOUR + timedelta(seconds=30))
    (exit_,) = tick_bot(bot_id=bot.pk, now=T0 + 252 * HOUR + timedelta(seconds=30))
    assert entry.order is not None
    assert exit_.order is not None
    # when
    (trade,) = bot_trades(bot)
    # then
    bought, sold = entry.order, exit_.order
    assert (trade.open_time, trade.close_time) == (T0 + 251 * HOUR, T0 + 252 * HOUR)
    assert trade.exit_reason == "exit_signal"
    assert trade.open_rate == bought.filled_quote / bought.filled_amount
    assert trade.close_rate == sold.filled_quote / sold.filled_amount
    sell_fees = sum(fill.fee for fill in sold.fills.all() if fill.fee_asset == "USDT")
    assert trade.profit_abs == sold.filled_quote - sell_fees - bought.filled_quote
    assert trade.profit_abs < 0  # bought at the jump, sold at the drop


# The comparison


def _backtest_trade(pair: str, hour: int, profit: str) -> dict[str, object]:
    """A trade as a backtest report stores it (trading/backtest/report.py)."""
    return {
        "pair": pair,
        "open_time": (T0 + hour * HOUR).isoformat(),
        "close_time": (T0 + (hour + 1) * HOUR).isoformat(),
        "duration_s": 3600,
        "open_rate": "100",
        "close_rate": "101",
        "amount": "0.999",
        "stake": "100.00000000",
        "fee_open": "0.10000000",
        "fee_close": "0.10000000",
        "profit_abs": profit,
        "profit_pct": float(D(profit) / D("100.1") * 100),
        "exit_reason": "roi",
        "initial_stop": None,
        "stop": None,
        "max_rate": "101",
        "min_rate": "100",
    }


def _backtest(bot: Bot, *, finished: datetime, status: str = BacktestStatus.DONE, trades=()):
    return Backtest.objects.create(
        user=bot.user,
        bot=bot,
        strategy=bot.strategy,
        params=bot.params,
        exchange=bot.exchange,
        symbols=bot.symbols,
        timeframe=bot.timeframe,
        start=T0,
        end=T0 + 5 * HOUR,
        status=status,
        result=(
            {"summary": {"total_trades": len(trades)}, "trades": list(trades)}
            if status == BacktestStatus.DONE
            else None
        ),
        finished_at=finished,
    )


def test_without_a_backtest_or_other_bots_the_columns_say_why(paper_bot):
    # given
    _three_trades(paper_bot)
    now = T0 + 10 * HOUR
    # when
    comparison = bot_comparison(paper_bot, now=now)
    # then
    assert (comparison.start, comparison.end, comparison.backtest_id) == (
        paper_bot.created_at,
        now,
        None,
    )
    backtest, paper, testnet, live = comparison.columns
    assert [column.label for column in comparison.columns] == [
        "Backtest",
        "Paper",
        "Testnet",
        "Live",
    ]
    assert (backtest.summary, backtest.note) == (None, "backtest this bot to compare")
    assert (testnet.summary, testnet.note) == (None, "no testnet bot runs this strategy")
    assert (live.summary, live.note) == (None, "no live bot runs this strategy")
    assert paper.this_bot
    assert paper.bots == (paper_bot,)
    assert paper.summary == results_summary(bot_trades(paper_bot))
    assert (paper.start, paper.end) == (paper_bot.created_at, now)


def test_the_latest_backtest_sets_the_period_and_a_live_twin_fills_its_column(paper_bot):
    # given: the bot's trades A (opens 01:00) and B (06:00), C (09:00) open
    _three_trades(paper_bot)
    user = paper_bot.user
    # and backtests: an older finished one, the newest finished one (00:00 to 05:00),
    # and one still running
    _backtest(paper_bot, finished=T0 + 20 * HOUR, trades=[_backtest_trade("BTC/USDT", 0, "1")])
    latest = _backtest(
        paper_bot,
        finished=T0 + 30 * HOUR,
        trades=[
            _backtest_trade("BTC/USDT", 1, "5.00000000"),
            _backtest_trade("ETH/USDT", 2, "-2.00000000"),
        ],
    )
    _backtest(paper_bot, finished=T0 + 40 * HOUR, status=BacktestStatus.RUNNING)
    # and a live bot with the same strategy, parameters, symbols (in another order) and
    # timeframe: one trade in the period, one after it
    live_bot = _bot(_connection(user, testnet=False), "live twin", symbols=("ETH/USDT", "BTC/USDT"))
    bot_round_trip(
        live_bot,
        entry_at=T0 + 2 * HOUR,
        buys=[("100", "1", "0.1", "USDT")],
        exit_at=T0 + 3 * HOUR,
        sells=[("103", "1", "0.103", "USDT")],
        reason="roi",
    )
    bot_round_trip(
        live_bot,
        entry_at=T0 + 7 * HOUR,
        buys=[("100", "1", "0.1", "USDT")],
        exit_at=T0 + 8 * HOUR,
        sells=[("50", "1", "0.05", "USDT")],
    )
    # and bots that are not twins in the comparison: another paper bot (this bot is the
    # paper column), a live bot with other parameters, and another user's testnet bot
    twin = _bot(open_account(user=user, name="Other"), "paper twin")
    bot_round_trip(twin, entry_at=T0, buys=[("100", "1", "0", "BTC")])
    _bot(_connection(user, testnet=False, label="b2"), "other", params={"fast_period": 5})
    stranger = UserFactory.create()
    _bot(_connection(stranger, testnet=True), "theirs")
    # when
    comparison = bot_comparison(paper_bot, now=T0 + 50 * HOUR)
    # then: the newest finished backtest's period for every column
    assert (comparison.start, comparison.end) == (T0, T0 + 5 * HOUR)
    assert comparison.backtest_id == latest.pk
    backtest, paper, testnet, live = comparison.columns
    assert backtest.backtest_id == latest.pk
    assert backtest.summary is not None
    assert (backtest.summary["trades"], backtest.summary["wins"]) == (2, 1)
    assert backtest.summary["profit_abs"] == D("3")
    assert backtest.summary["profit_pct"] == D("3") / D("200.2") * 100
    # and the bot's own column: only A opened in the period (B and C opened after it)
    assert paper.bots == (paper_bot,)
    assert paper.summary is not None
    assert (paper.summary["trades"], paper.summary["open_trades"]) == (1, 0)
    assert paper.summary["profit_abs"] == D("15.76012")
    # and the live twin's trade in the period
    assert live.bots == (live_bot,)
    assert not live.this_bot
    assert live.summary is not None
    assert live.summary["trades"] == 1
    assert live.summary["profit_abs"] == D("102.897") - D("100.1")
    assert live.summary["best_trade_pct"] == (D("102.897") - D("100.1")) / D("100.1") * 100
    assert (testnet.summary, testnet.note) == (None, "no testnet bot runs this strategy")


def test_the_comparison_runs_four_queries(paper_bot, django_assert_num_queries):
    _three_trades(paper_bot)
    _backtest(paper_bot, finished=T0, trades=[_backtest_trade("BTC/USDT", 1, "1")])
    _bot(_connection(paper_bot.user, testnet=True), "sandbox twin")
    with django_assert_num_queries(4):  # backtest, other bots, decisions + orders, fills
        bot_comparison(paper_bot)


def test_a_bots_backtest_remembers_the_bot(simulated_markets):
    # given: a bot on a paper account, and candles since it was created
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    bot = create_bot(
        user=account.user,
        name="cross",
        strategy="sma_crossover",
        params=PARAMS,
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    Candle.objects.create(
        exchange="simulated",
        symbol="BTC/USDT",
        timeframe="1h",
        open_time=bot.created_at + HOUR,
        open=D("100"),
        high=D("100"),
        low=D("100"),
        close=D("100"),
        volume=D("1"),
    )
    # when
    run = backtest_bot(user=account.user, bot_id=bot.pk)
    # then
    assert run.bot == bot
    assert list(bot.backtests.all()) == [run]


def test_a_backtest_trade_becomes_a_bot_trade_with_its_cost():
    trade = BotTrade.from_backtest(_backtest_trade("BTC/USDT", 1, "5.00000000"))
    assert trade.cost == D("100.1")
    assert (trade.open_time, trade.close_time) == (T0 + HOUR, T0 + 2 * HOUR)
    assert (trade.profit_abs, trade.exit_reason) == (D("5"), "roi")
