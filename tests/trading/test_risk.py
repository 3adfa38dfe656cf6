"""The risk policy on bot entries: caps from settings, tightened per bot, every refusal said."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cryptopulse.errors import ApplicationError
from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.candles import store_candles
from trading.models import Order
from trading.risk import EntryContext, clean_overrides, effective_limits, entry_refusal
from trading.services.bots import create_bot, tick_bot
from trading.services.risk_limits import set_user_limits

D = Decimal


def _context(**changes):
    values = {
        "limits": effective_limits({}),
        "stake": D("100"),
        "stoploss": -0.05,
        "confidence": None,
        "open_trades": 0,
        "entries_today": 0,
        "equity": D("10000"),
        "position_value": D("0"),
        "day_start_equity": D("10000"),
        "peak_equity": D("10000"),
        **changes,
    }
    return EntryContext(**values)


def test_an_entry_within_every_limit_goes_ahead():
    assert entry_refusal(_context()) is None


@pytest.mark.parametrize(
    ("changes", "reason", "_case"),
    [
        ({"confidence": D("74.9")}, "confidence 74.9 is below the minimum 75", "low confidence"),
        ({"open_trades": 5}, "5 trades are open, the most allowed is 5", "open trades"),
        ({"entries_today": 50}, "50 entries today, the most allowed is 50", "trades per day"),
        (
            {"limits": effective_limits({"cooldown_candles": 3}), "candles_since_exit": 2},
            "cooling down: 2 of 3 candles since the last exit",
            "cooldown",
        ),
        ({"stoplosses_24h": 3}, "stoploss guard: 3 stop-losses in 24 hours", "stoploss guard"),
        ({"stake": D("5000")}, "the trade risks 2.50 % of equity at its stoploss", "trade risk"),
        ({"stoploss": None, "stake": D("300")}, "without a stoploss", "no stoploss"),
        ({"position_value": D("4950")}, "the position would be 50.5 % of equity", "position"),
        ({"equity": D("9500")}, "the account lost 5.00 % today", "daily loss"),
        (
            {"equity": D("9000"), "day_start_equity": D("9100")},
            "10.00 % below its peak",
            "drawdown",
        ),
    ],
)
def test_each_rule_refuses_with_its_reason(changes, reason, _case):
    refusal = entry_refusal(_context(**changes))
    assert refusal is not None
    assert reason in refusal


def test_a_cooldown_that_has_passed_lets_the_entry_through():
    limits = effective_limits({"cooldown_candles": 3})
    assert entry_refusal(_context(limits=limits, candles_since_exit=3)) is None
    assert entry_refusal(_context(limits=limits, candles_since_exit=None)) is None


def test_without_equity_only_the_counting_rules_apply():
    assert entry_refusal(_context(equity=None, stake=D("1000000"))) is None
    assert entry_refusal(_context(equity=None, open_trades=9)) is not None


def test_a_bot_may_tighten_the_limits_never_loosen_them():
    assert clean_overrides({"max_open_trades": 2, "min_confidence": 90}) == {
        "max_open_trades": 2.0,
        "min_confidence": 90.0,
    }
    assert effective_limits({"max_open_trades": 2}).max_open_trades == 2
    for loose, field in (
        ({"max_open_trades": 9}, "max_open_trades"),
        ({"min_confidence": 50}, "min_confidence"),
        ({"leverage": 3}, "leverage"),
        ({"max_position_pct": "lots"}, "max_position_pct"),
    ):
        with pytest.raises(ApplicationError) as error:
            clean_overrides(loose)
        assert error.value.field == field


@pytest.mark.django_db
def test_a_bot_entry_the_policy_refuses_is_a_recorded_decision_and_no_order(simulated_markets):
    # given: a DCA bot without a stoploss staking 300 of 10,000 (3 % at risk, above 2 %)
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    bot = create_bot(
        user=account.user,
        name="big",
        strategy="dca",
        params={"interval_candles": 1},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("300"),
    )
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    store_candles(["1"] * 3, start=t0, volume="1")
    # when
    (decision,) = tick_bot(bot_id=bot.pk, now=t0 + timedelta(hours=2, minutes=1))
    # then
    assert decision.action == "refused"
    assert decision.reason.startswith("risk: the trade risks 3.00 % of equity without a stoploss")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_bot_judges_its_entries_by_its_owners_tighter_limits_too(simulated_markets):
    # given: a 100 stake on 10,000 (1 % of equity, 1 % at risk); the owner allows 0.5 %
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    set_user_limits(user=account.user, limits={"max_trade_risk_pct": 0.5})
    bot = create_bot(
        user=account.user,
        name="small",
        strategy="dca",
        params={"interval_candles": 1},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    store_candles(["1"] * 3, start=t0, volume="1")
    # when
    (decision,) = tick_bot(bot_id=bot.pk, now=t0 + timedelta(hours=2, minutes=1))
    # then: the bot's decision names the owner's limit (the order service would refuse too)
    assert decision.action == "refused"
    assert "more than 0.5 %" in decision.reason
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_bot_with_limits_looser_than_the_platform_is_refused(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    with pytest.raises(ApplicationError) as error:
        create_bot(
            user=account.user,
            name="x",
            strategy="dca",
            params={},
            account=account,
            symbols=["BTC/USDT"],
            timeframe="1h",
            stake_amount=D("100"),
            risk_limits={"max_drawdown_pct": 50},
        )
    assert (error.value.code, error.value.field) == ("limit_too_loose", "max_drawdown_pct")
