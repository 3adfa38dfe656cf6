"""Bots on paper accounts: one decision per candle, entries and exits through the order
service, pause keeps exits, repeated venue failures stop the bot."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest

from compliance.models import AuditEvent
from cryptopulse.errors import ApplicationError
from papertrading.services import check_ledgers, open_account
from tests.concurrency import run_at_once
from tests.factories import UserFactory
from tests.factories.bots import crossover_bot
from tests.factories.candles import store_candles
from trading.models import Bot, BotDecision, BotStatus, Candle, Order
from trading.services.bots import (
    create_bot,
    due_bots,
    last_closed_candle,
    pause_all_bots,
    set_bot_status,
    tick_bot,
)

D = Decimal
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _candles(closes: list[str], symbol: str = "BTC/USDT") -> None:
    store_candles(closes, start=T0, symbol=symbol)


def _order(decision: BotDecision) -> Order:
    assert decision.order is not None, decision.reason
    return decision.order


def _after(n: int) -> datetime:
    """A moment just after candle n closed."""
    return T0 + (n + 1) * HOUR + timedelta(seconds=30)


FLAT = ["100"] * 250  # candles 0..249


@pytest.fixture
def bot(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    return crossover_bot(account)


@pytest.mark.django_db
def test_a_crossover_enters_once_and_the_cross_back_exits(bot):
    # given: flat, then a jump on candle 250 (fast SMA crosses above slow), a drop on 251
    _candles([*FLAT, "110", "80"])
    # when: the tick after candle 249 (nothing happens), 250 (twice) and 251
    (hold,) = tick_bot(bot_id=bot.pk, now=_after(249))
    (entered,) = tick_bot(bot_id=bot.pk, now=_after(250))
    assert tick_bot(bot_id=bot.pk, now=_after(250)) == [], "the candle is judged once"
    (exited,) = tick_bot(bot_id=bot.pk, now=_after(251))
    # then
    assert (hold.action, hold.reason) == ("hold", "no entry signal")
    assert (entered.action, _order(entered).side, _order(entered).status) == (
        "enter",
        "buy",
        "filled",
    )
    assert _order(entered).quote_amount == D("100")
    assert (exited.action, _order(exited).side, _order(exited).status) == ("exit", "sell", "filled")
    bought = _order(entered).filled_amount - sum(f.fee for f in _order(entered).fills.all())
    # all of it, down to the market's amount step (the dust stays in the account)
    assert _order(exited).amount == bought.quantize(D("0.00001"), rounding=ROUND_DOWN)
    assert Order.objects.count() == 2
    assert check_ledgers() == []
    bot.refresh_from_db()
    assert bot.last_candle_time == T0 + 251 * HOUR


@pytest.mark.django_db
def test_a_missing_candle_is_fetched_from_the_market_data_venue(bot):
    # given: candles stored up to 199, the tick is for candle 230
    _candles(FLAT[:200])
    # when
    (decision,) = tick_bot(bot_id=bot.pk, now=_after(230))
    # then: the simulator's candles fill the gap and the candle is judged
    assert decision.candle_time == T0 + 230 * HOUR
    assert Candle.objects.filter(symbol="BTC/USDT", open_time=T0 + 230 * HOUR).exists()


@pytest.mark.django_db
def test_a_candle_that_cannot_be_had_is_judged_on_a_later_tick(bot, settings):
    _candles(FLAT[:200])
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    assert tick_bot(bot_id=bot.pk, now=_after(230)) == []
    bot.refresh_from_db()
    assert bot.last_candle_time is None
    assert bot.pk in due_bots(now=_after(230))


@pytest.mark.django_db
def test_warming_up_holds_with_the_reason(bot):
    _candles(FLAT[:120])
    (decision,) = tick_bot(bot_id=bot.pk, now=_after(119))
    assert (decision.action, decision.reason) == ("hold", "warming up: 120 of 200 candles")


@pytest.mark.django_db
def test_a_paused_bot_takes_no_new_entry_but_still_exits(bot):
    _candles([*FLAT, "110", "80", "80", "80", "120", "120", "70"])
    tick_bot(bot_id=bot.pk, now=_after(250))  # entered
    set_bot_status(user=bot.user, bot_id=bot.pk, status=BotStatus.PAUSED)
    (exited,) = tick_bot(bot_id=bot.pk, now=_after(251))
    assert exited.action == "exit"
    tick_bot(bot_id=bot.pk, now=_after(252))
    tick_bot(bot_id=bot.pk, now=_after(253))
    (skipped,) = tick_bot(bot_id=bot.pk, now=_after(254))  # 80, 80 -> 120: a new cross up
    assert (skipped.action, skipped.reason) == ("skip", "entry signal, but the bot is paused")
    assert AuditEvent.objects.filter(action="trading.bot.paused").count() == 1


@pytest.mark.django_db
def test_three_failing_ticks_stop_the_bot_with_the_reason(simulated_markets, settings):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    dca = create_bot(
        user=account.user,
        name="dca",
        strategy="dca",
        params={"interval_candles": 1},
        account=account,
        symbols=["ETH/USDT"],
        timeframe="1h",
        stake_amount=D("50"),
    )
    _candles(["2000"] * 10, symbol="ETH/USDT")
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"  # prices cannot be had
    settings.VENUE_MAX_RETRIES = 1
    for n in (5, 6, 7):
        (decision,) = tick_bot(bot_id=dca.pk, now=_after(n))
        assert decision.action == "error"
    dca.refresh_from_db()
    assert dca.status == "error"
    assert dca.status_reason.startswith("Stopped after 3 failures")
    assert tick_bot(bot_id=dca.pk, now=_after(8)) == []
    assert AuditEvent.objects.filter(action="trading.bot.failed").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "_case"),
    [
        ({"strategy": "nope"}, "strategy", "unknown strategy"),
        ({"params": {"fast_period": 1}}, "fast_period", "parameter out of range"),
        ({"params": {"speed": 3}}, "speed", "unknown parameter"),
        ({"symbols": ["NOPE/USDT"]}, "symbols", "unknown symbol"),
        ({"symbols": []}, "symbols", "no symbol"),
        ({"timeframe": "7m"}, "timeframe", "unknown timeframe"),
        ({"stake_amount": D("0.5")}, "stake_amount", "stake below the minimum order"),
        ({"name": " "}, "name", "no name"),
    ],
)
@pytest.mark.django_db
def test_bad_bots_are_refused_naming_the_field(simulated_markets, changes, field, _case):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    values = {
        "user": account.user,
        "name": "b",
        "strategy": "sma_crossover",
        "params": {},
        "account": account,
        "symbols": ["BTC/USDT"],
        "timeframe": "1h",
        "stake_amount": D("100"),
        **changes,
    }
    with pytest.raises(ApplicationError) as error:
        create_bot(**values)
    assert error.value.field == field
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_a_bot_on_another_users_account_is_not_found(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    with pytest.raises(type(account).DoesNotExist):
        create_bot(
            user=UserFactory.create(),
            name="x",
            strategy="dca",
            params={},
            account=account,
            symbols=["BTC/USDT"],
            timeframe="1h",
            stake_amount=D("100"),
        )


@pytest.mark.django_db
def test_the_kill_switch_pauses_every_running_bot_and_is_audited(bot):
    assert pause_all_bots(user=bot.user) == 1
    bot.refresh_from_db()
    assert bot.status == "paused"
    set_bot_status(user=bot.user, bot_id=bot.pk, status=BotStatus.STOPPED)
    with pytest.raises(ApplicationError) as error:
        set_bot_status(user=bot.user, bot_id=bot.pk, status=BotStatus.RUNNING)
    assert error.value.code == "bot_stopped"
    assert AuditEvent.objects.filter(action="trading.bots.paused_all").count() == 1


def test_the_last_closed_candle_is_on_the_utc_grid():
    now = datetime(2026, 11, 1, 10, 59, 59, tzinfo=UTC)
    assert last_closed_candle("1h", now) == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert last_closed_candle("5m", now) == datetime(2026, 11, 1, 10, 50, tzinfo=UTC)


@pytest.mark.parametrize("run", range(2))
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_ticks_of_one_candle_trade_once(simulated_markets, run):
    # given
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    cross = crossover_bot(account)
    _candles([*FLAT, "110"])
    # when
    outcomes = run_at_once(10, lambda n: str(len(tick_bot(bot_id=cross.pk, now=_after(250)))))
    # then
    assert sorted(outcomes) == ["0"] * 9 + ["1"]
    assert BotDecision.objects.filter(bot=cross).count() == 1
    assert Order.objects.filter(paper_account=account).count() == 1


@pytest.mark.django_db
def test_an_open_trade_exits_on_its_take_profit(simulated_markets):
    # given: a DCA bot that bought (its entry fills at the live simulated price)
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    dca = create_bot(
        user=account.user,
        name="dca",
        strategy="dca",
        params={"interval_candles": 1, "take_profit_pct": 3.0},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    _candles(["1", "1", "1"])
    (entered,) = tick_bot(bot_id=dca.pk, now=_after(1))
    assert entered.action == "enter"
    paid = _order(entered).average_price
    # when: the next candle trades 3 % above the entry price
    Candle.objects.filter(open_time=T0 + 2 * HOUR).update(high=paid * D("1.031"))
    (exited,) = tick_bot(bot_id=dca.pk, now=_after(2))
    # then
    assert (exited.action, exited.reason, _order(exited).side) == ("exit", "take_profit", "sell")


@pytest.mark.django_db
def test_parameters_are_stored_typed_and_names_are_unique(bot):
    again = create_bot(
        user=bot.user,
        name="typed",
        strategy="sma_crossover",
        params={"fast_period": "7", "slow_period": "30"},
        account=bot.paper_account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    assert again.params["fast_period"] == 7
    assert again.params["stoploss_pct"] == 5.0  # the defaults are stored too
    with pytest.raises(ApplicationError) as error:
        create_bot(
            user=bot.user,
            name="cross",
            strategy="dca",
            params={},
            account=bot.paper_account,
            symbols=["BTC/USDT"],
            timeframe="1h",
            stake_amount=D("100"),
        )
    assert (error.value.code, error.value.field) == ("duplicate_name", "name")


@pytest.mark.django_db
def test_a_bot_needs_a_working_connection(simulated_markets):
    from trading.services.connections import add_connection

    user = UserFactory.create()
    keys = simulated_markets.accounts.create(balances={"USDT": "500"})
    connection = add_connection(
        user=user, exchange="simulated", label="sim", api_key=keys.api_key, secret=keys.secret
    )
    with pytest.raises(ApplicationError) as error:
        create_bot(
            user=user,
            name="b",
            strategy="dca",
            params={},
            account=connection,
            symbols=["BTC/USDT"],
            timeframe="1h",
            stake_amount=D("100"),
        )
    assert (error.value.code, error.value.field) == ("connection_not_valid", "connection")


@pytest.mark.django_db
def test_the_platform_halt_stops_every_bot_until_staff_lift_it(bot):
    from trading.services.bots import halt_all_bots, lift_bot_halt

    _candles([*FLAT, "110"])
    staff = UserFactory.create(is_staff=True)
    # when: a trader may not, staff may
    with pytest.raises(ApplicationError) as error:
        halt_all_bots(staff=bot.user, reason="no")
    assert error.value.status == 403
    halt_all_bots(staff=staff, reason="exchange incident")
    # then: nothing is due and a tick does nothing, not even for the entry signal
    assert due_bots(now=_after(250)) == []
    assert tick_bot(bot_id=bot.pk, now=_after(250)) == []
    # when: lifted
    lift_bot_halt(staff=staff)
    (decision,) = tick_bot(bot_id=bot.pk, now=_after(250))
    assert decision.action == "enter"
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="trading.bots.halt")]
    assert AuditEvent.objects.filter(action="trading.bots.halted").count() == 1
    assert AuditEvent.objects.filter(action="trading.bots.halt_lifted").count() == 1


@pytest.mark.django_db
def test_a_cooldown_after_an_exit_refuses_the_next_entry(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    cautious = create_bot(
        user=account.user,
        name="cautious",
        strategy="sma_crossover",
        params={"fast_period": 2, "slow_period": 3},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
        risk_limits={"cooldown_candles": 5},
    )
    _candles([*FLAT, "110", "80", "80", "80", "120"])
    tick_bot(bot_id=cautious.pk, now=_after(250))  # entered
    tick_bot(bot_id=cautious.pk, now=_after(251))  # exited
    tick_bot(bot_id=cautious.pk, now=_after(252))
    tick_bot(bot_id=cautious.pk, now=_after(253))
    (refused,) = tick_bot(bot_id=cautious.pk, now=_after(254))  # a new cross up, 2 candles on
    assert (refused.action, refused.reason) == (
        "refused",
        "risk: cooling down: 2 of 5 candles since the last exit",
    )


@pytest.mark.django_db
def test_a_trailing_stop_follows_the_peak_and_exits_below_it(simulated_markets):
    # given: a crossover bot with a 5 % trailing stop that entered at the live price P
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    trailing = create_bot(
        user=account.user,
        name="trail",
        strategy="sma_crossover",
        params={"fast_period": 2, "slow_period": 3, "stoploss_pct": 5, "trailing_stop": True},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    _candles([*FLAT, "110", "1", "1"])
    (entered,) = tick_bot(bot_id=trailing.pk, now=_after(250))
    paid = _order(entered).average_price
    assert paid is not None

    def shape(n: int, low: str, high: str, close: str) -> None:
        Candle.objects.filter(open_time=T0 + n * HOUR).update(
            low=paid * D(low), high=paid * D(high), open=paid * D(close), close=paid * D(close)
        )

    # when: the price rises 10 %, then falls to 4.6 % above the entry (below peak - 5 %)
    shape(251, "1.05", "1.10", "1.07")
    (held,) = tick_bot(bot_id=trailing.pk, now=_after(251))
    shape(252, "1.044", "1.08", "1.07")
    (exited,) = tick_bot(bot_id=trailing.pk, now=_after(252))
    # then: not the initial stop (5 % below the entry), the trailing one (5 % below the peak)
    assert held.action == "hold"
    assert (exited.action, exited.reason) == ("exit", "trailing_stop_loss")
