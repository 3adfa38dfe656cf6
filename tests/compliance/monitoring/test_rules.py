"""Each monitoring rule fires on its scenario and not on its near miss.

Trades are real Order and Fill rows (tests/factories/monitoring.py) judged by the real
`evaluate_order`, as the worker does after each fill.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from compliance.models import Alert, ComplianceProfile
from compliance.monitoring.funds import FundMovement, fund_movements
from compliance.monitoring.rules import detect_rapid_in_out
from compliance.monitoring.services import evaluate_order
from compliance.monitoring.trades import Trade
from papertrading.services import open_account
from tests.factories import UserFactory
from tests.factories.monitoring import approved_kyc, live_connection, paper_account, trade, worth
from trading.selectors import default_exchange
from trading.services.markets import ticker_key

pytestmark = pytest.mark.django_db
D = Decimal


def fired(order, code: str) -> int:
    """Run the rules on `order`; how many alerts of rule `code` its user now has."""
    evaluate_order(order_id=order.pk)
    return Alert.objects.filter(user_id=order.user_id, rule__code=code).count()


@pytest.fixture
def live(user):
    return live_connection(user)


# --- single trade -----------------------------------------------------------------------------


def test_a_single_trade_of_5000_usd_alerts(live, noon):
    order = trade(live, at=noon, fills=[("50000", "0.06"), ("50000", "0.04")])  # 5,000 in two
    assert fired(order, "large_trade") == 1
    alert = Alert.objects.get(rule__code="large_trade")
    assert alert.facts["usd"] == "5000.00"
    assert alert.facts["trade"]["order_id"] == order.pk
    assert alert.dedup_key == f"large_trade:{order.user_id}:order:{order.pk}"


def test_a_trade_a_cent_under_5000_usd_does_not(live, noon):
    assert fired(trade(live, at=noon, fills=worth("4999.99")), "large_trade") == 0


def test_a_trade_in_another_quote_asset_is_valued_at_its_dollar_price(live, noon):
    # given: BTC at 50,000 USDT on the market data exchange; 0.12 ETH/BTC worth 6,000 USD
    cache.set(ticker_key(default_exchange(), "BTC/USDT"), {"last": "50000"})
    order = trade(live, at=noon, symbol="ETH/BTC", fills=[("0.05", "2.4")])
    assert fired(order, "large_trade") == 1


def test_a_trade_without_a_dollar_price_is_not_judged(live, noon):
    order = trade(live, at=noon, symbol="ETH/XYZ", fills=[("100", "100")])
    assert fired(order, "large_trade") == 0


def test_paper_and_testnet_trades_count_only_for_a_rule_with_include_paper(user, rules, noon):
    # given: a 9,000 USD paper trade and a testnet one
    paper = trade(paper_account(user), at=noon, fills=worth("9000"))
    testnet = live_connection(user)
    testnet.testnet = True
    testnet.save(update_fields=["testnet"])
    practice = trade(testnet, at=noon, fills=worth("9000"))
    # then: not judged by default
    assert fired(paper, "large_trade") == 0
    assert fired(practice, "large_trade") == 0
    # when: the rule includes paper
    rules["large_trade"].include_paper = True
    rules["large_trade"].save(update_fields=["include_paper"])
    # then
    assert fired(paper, "large_trade") == 1
    assert fired(practice, "large_trade") == 2


def test_a_disabled_rule_does_not_fire(live, rules, noon):
    rules["large_trade"].enabled = False
    rules["large_trade"].save(update_fields=["enabled"])
    assert fired(trade(live, at=noon, fills=worth("9000")), "large_trade") == 0


# --- daily and monthly totals --------------------------------------------------------------


def test_trades_adding_up_to_10000_usd_in_a_utc_day_alert(live, noon):
    trade(live, at=noon.replace(hour=0, minute=0), fills=worth("4000"))
    order = trade(live, at=noon.replace(hour=23, minute=59), fills=worth("6000"))
    assert fired(order, "daily_total") == 1
    facts = Alert.objects.get(rule__code="daily_total").facts
    assert (facts["period"], facts["total_usd"], facts["order_count"]) == (
        "day:2026-06-15",
        "10000.00",
        2,
    )


def test_the_same_sum_across_midnight_does_not(live, noon):
    trade(live, at=noon.replace(hour=23, minute=59, second=58), fills=worth("6000"))
    order = trade(live, at=noon.replace(hour=0, minute=0) + timedelta(days=1), fills=worth("6000"))
    assert fired(order, "daily_total") == 0


def test_a_day_a_dollar_short_of_10000_does_not(live, noon):
    trade(live, at=noon, fills=worth("4999"))
    assert fired(trade(live, at=noon + timedelta(hours=1), fills=worth("5000")), "daily_total") == 0


def test_trades_adding_up_to_50000_usd_in_a_month_alert(live, noon):
    for day in (1, 8, 15, 22):
        last = trade(live, at=noon.replace(day=day), fills=worth("9000"))
    assert fired(last, "monthly_total") == 0  # 36,000 so far
    last = trade(live, at=noon.replace(day=30, hour=23), fills=worth("14000"))
    assert fired(last, "monthly_total") == 1
    assert Alert.objects.get(rule__code="monthly_total").facts["period"] == "month:2026-06"


def test_the_same_sum_across_two_months_does_not(live, noon):
    for day in (10, 20, 30):
        trade(live, at=noon.replace(day=day), fills=worth("9000"))
    last = trade(live, at=noon.replace(month=7, day=1), fills=worth("9000"))
    last = trade(live, at=noon.replace(month=7, day=2), fills=worth("9000"))
    assert fired(last, "monthly_total") == 0


# --- structuring -----------------------------------------------------------------------------


def test_three_trades_just_under_5000_in_24_hours_alert(live, noon):
    first = trade(live, at=noon, fills=worth("4800"))
    trade(live, at=noon + timedelta(hours=10), fills=worth("4999"))
    last = trade(live, at=noon + timedelta(hours=23), fills=worth("4500"))
    assert fired(last, "structuring") == 1
    alert = Alert.objects.get(rule__code="structuring")
    assert alert.facts["order_ids"] == [first.pk, first.pk + 1, last.pk]
    assert alert.facts["floor_usd"] == "4500.00"


@pytest.mark.parametrize(
    ("values", "hours_apart"),
    [
        pytest.param(("4800", "4900"), 1, id="two_trades_case"),
        pytest.param(("4800", "4900", "4400"), 1, id="one_below_the_band_case"),
        pytest.param(("4800", "4900", "5000"), 1, id="one_at_the_threshold_case"),
        pytest.param(("4800", "4900", "4950"), 12.5, id="spread_over_25_hours_case"),
    ],
)
def test_near_misses_of_structuring_do_not(live, noon, values, hours_apart):
    for n, value in enumerate(values):
        last = trade(live, at=noon + timedelta(hours=hours_apart * n), fills=worth(value))
    assert fired(last, "structuring") == 0


def test_a_trade_counts_towards_one_structuring_alert_only(live, noon):
    # given: three trades just under the threshold, alerted
    for hour in (0, 1, 2):
        last = trade(live, at=noon + timedelta(hours=hour), fills=worth("4800"))
    assert fired(last, "structuring") == 1
    # when: a fourth and fifth come: with the first three already cited, two are not enough
    trade(live, at=noon + timedelta(hours=3), fills=worth("4800"))
    last = trade(live, at=noon + timedelta(hours=4), fills=worth("4800"))
    assert fired(last, "structuring") == 1
    # when: a sixth completes a new set of three
    last = trade(live, at=noon + timedelta(hours=5), fills=worth("4800"))
    assert fired(last, "structuring") == 2


# --- velocity --------------------------------------------------------------------------------


def test_ten_trades_in_an_hour_from_a_quiet_user_alert(live, noon):
    for minute in range(0, 50, 5):
        last = trade(live, at=noon + timedelta(minutes=minute), fills=worth("100"))
    assert fired(last, "velocity") == 1
    facts = Alert.objects.get(rule__code="velocity").facts
    assert (facts["trades_last_hour"], facts["hourly_norm"]) == (10, "0.0000")


def test_nine_trades_in_an_hour_do_not(live, noon):
    for minute in range(0, 45, 5):
        last = trade(live, at=noon + timedelta(minutes=minute), fills=worth("100"))
    assert fired(last, "velocity") == 0


def test_twelve_trades_an_hour_are_normal_for_a_user_who_trades_three_an_hour(live, rules, noon):
    # given: a two-day baseline with about three trades an hour (5 x the norm: ~15 an hour)
    rules["velocity"].params = {**rules["velocity"].params, "baseline_days": 2}
    rules["velocity"].save(update_fields=["params"])
    for hour in range(1, 2 * 24):
        for minute in (0, 20, 40):
            trade(live, at=noon - timedelta(hours=hour, minutes=minute), fills=worth("50"))
    # when: twelve in the last hour
    for minute in range(0, 60, 5):
        last = trade(live, at=noon + timedelta(minutes=minute), fills=worth("50"))
    # then: not far above the norm
    assert fired(last, "velocity") == 0
    # and: fifteen would be
    for second in range(1, 4):
        last = trade(live, at=noon + timedelta(minutes=55, seconds=second), fills=worth("50"))
    assert fired(last, "velocity") == 1
    facts = Alert.objects.get(rule__code="velocity").facts
    assert (facts["baseline_trades"], facts["hourly_norm"]) == (141, "2.9375")  # 141 in 48 h


# --- deposit, trade, withdraw ----------------------------------------------------------------


def test_rapid_in_out_fires_on_nothing_while_no_ledger_of_withdrawals_exists(user, rules):
    # given: a paper account funded through the paper service (its ledger has the deposit;
    # no withdrawal can exist) and trades turning it over, paper included in the rule
    rules["rapid_in_out"].include_paper = True
    rules["rapid_in_out"].save(update_fields=["include_paper"])
    account = open_account(user=user, starting_balance=D("10000"))
    now = timezone.now()
    trade(account, at=now, fills=worth("9000"))
    last = trade(live_connection(user), at=now, fills=worth("9000"))
    # then: the deposit is read, yet nothing fires without a withdrawal
    movements = fund_movements(
        user_id=user.pk, modes=("live", "paper"), since=now - timedelta(hours=1), until=now
    )
    assert [(m.kind, m.usd) for m in movements] == [("deposit", D("10000"))]
    assert fired(last, "rapid_in_out") == 0


def _movement(kind, at, usd, ref):
    return FundMovement(kind=kind, at=at, asset="USDT", amount=D(usd), usd=D(usd), ref=ref)


def _trade_at(at, usd):
    return Trade(
        order_id=1,
        symbol="BTC/USDT",
        side="buy",
        mode="live",
        account="connection:1",
        amount=D("0.1"),
        quote=D(usd),
        usd=D(usd),
        first_fill_at=at,
        last_fill_at=at,
    )


PATTERN: dict[str, Any] = {
    "window": timedelta(hours=24),
    "min_deposit_usd": D("1000"),
    "min_turnover_pct": D("80"),
    "min_withdrawal_pct": D("80"),
}


def test_the_pattern_deposit_trade_withdraw_within_a_day_is_detected(noon):
    movements = [
        _movement("deposit", noon, "10000", "ledger:1"),
        _movement("withdrawal", noon + timedelta(hours=20), "9500", "ledger:2"),
    ]
    trades = [_trade_at(noon + timedelta(hours=2), "9000")]
    [firing] = detect_rapid_in_out(movements, trades, **PATTERN)
    assert firing.window == "deposit:ledger:1"
    assert firing.facts["traded_usd"] == "9000.00"


@pytest.mark.parametrize(
    ("withdraw_after_h", "withdrawn", "traded"),
    [
        pytest.param(25, "9500", "9000", id="withdrawn_after_the_window_case"),
        pytest.param(20, "5000", "9000", id="too_little_withdrawn_case"),
        pytest.param(20, "9500", "7000", id="too_little_traded_case"),
    ],
)
def test_near_misses_of_the_pattern_are_not(noon, withdraw_after_h, withdrawn, traded):
    movements = [
        _movement("deposit", noon, "10000", "ledger:1"),
        _movement("withdrawal", noon + timedelta(hours=withdraw_after_h), withdrawn, "ledger:2"),
    ]
    trades = [_trade_at(noon + timedelta(hours=2), traded)]
    assert detect_rapid_in_out(movements, trades, **PATTERN) == []


# --- self-matching ---------------------------------------------------------------------------


def test_a_buy_and_sell_at_the_same_price_across_two_connections_alert(user, noon):
    # given: a buy on one connection and a sell of nearly the same on another, 3 minutes on
    buy = trade(live_connection(user), at=noon, fills=[("50000", "0.1")])
    sell = trade(
        live_connection(user),
        side="sell",
        at=noon + timedelta(minutes=3),
        fills=[("50100", "0.098")],
    )
    evaluate_order(order_id=buy.pk)  # the sell is not there yet
    assert fired(sell, "wash_trading") == 1
    alert = Alert.objects.get(rule__code="wash_trading")
    assert alert.facts["order_ids"] == [buy.pk, sell.pk]
    assert alert.facts["same_account"] is False
    assert (alert.facts["price_gap_pct"], alert.facts["amount_gap_pct"]) == ("0.2000", "2.0000")


@pytest.mark.parametrize(
    ("side", "minutes", "price", "amount"),
    [
        pytest.param("sell", 3, "50300", "0.1", id="price_0.6_pct_apart_case"),
        pytest.param("sell", 3, "50000", "0.094", id="amount_6_pct_apart_case"),
        pytest.param("sell", 11, "50000", "0.1", id="eleven_minutes_apart_case"),
        pytest.param("buy", 3, "50000", "0.1", id="same_side_case"),
    ],
)
def test_near_misses_of_self_matching_do_not(user, noon, side, minutes, price, amount):
    trade(live_connection(user), at=noon, fills=[("50000", "0.1")])
    other = trade(
        live_connection(user),
        side=side,
        at=noon + timedelta(minutes=minutes),
        fills=[(price, amount)],
    )
    assert fired(other, "wash_trading") == 0


def test_another_users_opposite_trade_is_not_self_matching(user, other_user, noon):
    trade(live_connection(other_user), at=noon, fills=[("50000", "0.1")])
    sell = trade(live_connection(user), side="sell", at=noon, fills=[("50000", "0.1")])
    assert fired(sell, "wash_trading") == 0


# --- jurisdiction ----------------------------------------------------------------------------


def test_a_trade_by_a_resident_of_a_high_risk_country_alerts(user, live, noon):
    approved_kyc(user, nationality="DE", residence="IR")
    assert fired(trade(live, at=noon, fills=worth("100")), "high_risk_jurisdiction") == 1
    facts = Alert.objects.get(rule__code="high_risk_jurisdiction").facts
    assert facts["countries"] == {"residence": "IR"}
    # and: one alert per month, however many trades
    assert (
        fired(
            trade(live, at=noon + timedelta(days=1), fills=worth("100")), "high_risk_jurisdiction"
        )
        == 1
    )


def test_the_list_comes_from_settings(user, live, noon, settings):
    approved_kyc(user, nationality="FR", residence="DE")
    settings.HIGH_RISK_COUNTRIES = ["fr"]
    assert fired(trade(live, at=noon, fills=worth("100")), "high_risk_jurisdiction") == 1


def test_a_trade_by_a_user_from_elsewhere_does_not(user, live, noon):
    approved_kyc(user, nationality="DE", residence="FR")
    assert fired(trade(live, at=noon, fills=worth("100")), "high_risk_jurisdiction") == 0


def test_a_switched_off_country_kind_is_not_counted(user, live, rules, noon):
    approved_kyc(user, nationality="IR", residence="DE")
    rules["high_risk_jurisdiction"].params = {"check_nationality": False, "check_residence": True}
    rules["high_risk_jurisdiction"].save(update_fields=["params"])
    assert fired(trade(live, at=noon, fills=worth("100")), "high_risk_jurisdiction") == 0


# --- dormancy --------------------------------------------------------------------------------


def test_a_trade_after_200_quiet_days_alerts(live, noon):
    trade(live, at=noon - timedelta(days=200), fills=worth("100"))
    order = trade(live, at=noon, fills=worth("100"))
    assert fired(order, "dormant_reactivated") == 1
    facts = Alert.objects.get(rule__code="dormant_reactivated").facts
    assert facts["gap_days"] == 200
    # and: the next trade is not dormancy any more
    assert (
        fired(trade(live, at=noon + timedelta(hours=1), fills=worth("100")), "dormant_reactivated")
        == 1
    )


def test_a_trade_after_179_quiet_days_does_not(live, noon):
    trade(live, at=noon - timedelta(days=179), fills=worth("100"))
    assert fired(trade(live, at=noon, fills=worth("100")), "dormant_reactivated") == 0


def test_the_first_trade_of_an_account_is_not_dormancy(live, noon):
    assert fired(trade(live, at=noon, fills=worth("100")), "dormant_reactivated") == 0


def test_recorded_activity_without_fills_counts_as_previous_activity(user, live, noon):
    ComplianceProfile.objects.create(user=user, last_activity_at=noon - timedelta(days=181))
    assert fired(trade(live, at=noon, fills=worth("100")), "dormant_reactivated") == 1


def test_a_live_fill_keeps_last_activity_at(user, live, noon):
    order = trade(live, at=noon, fills=[("50000", "0.01"), ("50000", "0.01")])
    evaluate_order(order_id=order.pk)
    assert ComplianceProfile.objects.get(user=user).last_activity_at == noon + timedelta(seconds=1)
    # and: an older order judged late does not move it back
    older = trade(live, at=noon - timedelta(days=3), fills=worth("100"))
    evaluate_order(order_id=older.pk)
    assert ComplianceProfile.objects.get(user=user).last_activity_at == noon + timedelta(seconds=1)


def test_paper_fills_do_not_touch_last_activity_at(user, noon):
    evaluate_order(order_id=trade(paper_account(user), at=noon).pk)
    assert ComplianceProfile.objects.get(user=user).last_activity_at is None


def test_an_order_without_fills_or_that_does_not_exist_raises_nothing(live, noon):
    order = trade(live, at=noon)
    order.fills.all().delete()
    assert evaluate_order(order_id=order.pk) == []
    assert evaluate_order(order_id=10**9) == []


def test_users_other_than_the_trader_are_never_alerted(live, noon):
    other = UserFactory.create()
    evaluate_order(order_id=trade(live, at=noon, fills=worth("9000")).pk)
    assert not Alert.objects.filter(user=other).exists()
