"""Compliance's pre-trade checks through the real order service on the loopback exchange.

A connection counts as live when it is a real exchange's (binance) without testnet; here its
API is sent to the loopback simulator (settings.EXCHANGE_API_URLS), so the orders, the
signing and the order service run for real while no real exchange is reached.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from compliance.kyc import pretrade
from compliance.kyc.limits import UnvaluedVolume, live_usage
from compliance.models import AuditEvent
from compliance.profiles import profile_of
from cryptopulse.errors import ApplicationError
from papertrading.services import open_account
from tests.compliance.kyc.helpers import approved_row
from tests.factories import UserFactory
from trading.exchanges.base import OrderSide, OrderType
from trading.exchanges.registry import get_venue
from trading.models import ExchangeConnection, Market, Order, OrderStatus
from trading.order_spec import OrderSpec
from trading.pretrade import PreTradeContext, registered_checks
from trading.services.connections import add_connection
from trading.services.orders import mode_of, place_order

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def live(simulated_markets, settings):
    """A user's live (binance, not testnet) connection, answered by the loopback exchange."""
    settings.EXCHANGE_API_URLS = {"binance": simulated_markets.url}
    settings.RISK_MAX_POSITION_PCT = 1e9  # these tests are about KYC, not the position cap
    settings.KYC_LIMITS_USD = {
        1: {"daily": D("100"), "monthly": D("250")},
        2: {"daily": D("1000"), "monthly": D("5000")},
        3: {"daily": D("10000"), "monthly": D("50000")},
    }
    user = UserFactory.create()
    keys = simulated_markets.accounts.create(balances={"USDT": "100000", "BTC": "1"})
    connection = add_connection(
        user=user, exchange="binance", label="real", api_key=keys.api_key, secret=keys.secret
    )
    assert mode_of(connection) == "live"
    return connection, keys, simulated_markets


def _level_one(user):
    return approved_row(user, 1, expires_at=timezone.now() + timedelta(days=30))


def _limit_buy(connection, amount: str, price: str = "1000", side: str = "buy", **fields):
    return place_order(
        user=connection.user,
        account=connection,
        symbol="BTC/USDT",
        side=side,
        type="limit",
        amount=D(amount),
        price=D(price),
        **fields,
    )


def test_compliance_checks_run_before_the_risk_policy():
    names = registered_checks()
    assert names.index("trading_frozen") < names.index("kyc_level") < names.index("kyc_limits")
    assert names.index("kyc_limits") < names.index("leverage") < names.index("risk_limits")


def test_a_live_order_without_kyc_level_one_is_refused_403_and_audited(live):
    # given: level 0
    connection, keys, exchange = live
    # when
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.01")
    # then
    assert (refused.value.status, refused.value.code) == (403, "kyc_required")
    assert "KYC level 1" in refused.value.message
    assert not Order.objects.exists()
    assert exchange.exchange.orders(keys) == []  # nothing reached the exchange
    event = AuditEvent.objects.get(action="trading.order.refused")
    assert (event.data["rule"], event.data["mode"]) == ("kyc_required", "live")


def test_an_expired_level_one_is_no_level_one(live):
    connection, _keys, _exchange = live
    approved_row(connection.user, 1, expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.01")
    assert refused.value.code == "kyc_required"


def test_with_level_one_a_live_order_goes_through(live):
    connection, keys, exchange = live
    _level_one(connection.user)
    placed = _limit_buy(connection, "0.01")
    assert (placed.order.mode, placed.order.status) == ("live", OrderStatus.OPEN)
    assert len(exchange.exchange.orders(keys)) == 1


def test_paper_and_testnet_orders_need_no_kyc(simulated_markets):
    # given: a level 0 user with a paper account and a connection to the simulator (testnet)
    user = UserFactory.create()
    paper = open_account(user=user, starting_balance=D("10000"))
    keys = simulated_markets.accounts.create(balances={"USDT": "1000"})
    testnet = add_connection(
        user=user, exchange="simulated", label="sim", api_key=keys.api_key, secret=keys.secret
    )
    # when
    on_paper = place_order(
        user=user, account=paper, symbol="BTC/USDT", side="buy", type="market", quote_amount=D("50")
    )
    on_testnet = place_order(
        user=user,
        account=testnet,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=D("0.01"),
        price=D("1000"),
    )
    # then
    assert (on_paper.order.mode, on_testnet.order.mode) == ("paper", "testnet")


def test_a_frozen_user_is_refused_live_orders_403_but_may_trade_on_paper(live):
    # given
    connection, _keys, _exchange = live
    user = connection.user
    _level_one(user)
    profile = profile_of(user)
    profile.trading_frozen = True
    profile.save(update_fields=["trading_frozen"])
    paper = open_account(user=user, starting_balance=D("10000"))
    # when
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.01")
    on_paper = place_order(
        user=user, account=paper, symbol="BTC/USDT", side="buy", type="market", quote_amount=D("50")
    )
    # then
    assert (refused.value.status, refused.value.code) == (403, "trading_frozen")
    assert "frozen" in refused.value.message
    assert on_paper.created
    assert AuditEvent.objects.get(action="trading.order.refused").data["rule"] == "trading_frozen"


def test_the_daily_limit_counts_todays_live_orders_and_is_inclusive(live):
    # given: level 1, 100 USD a day; resting buys of 50 and 44.99 USD
    connection, _keys, _exchange = live
    _level_one(connection.user)
    _limit_buy(connection, "0.05")
    _limit_buy(connection, "0.04499")
    # when: a cent over the limit is refused; exactly the limit goes through
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.00502")
    at_limit = _limit_buy(connection, "0.00501")
    # then
    assert at_limit.created
    assert (refused.value.status, refused.value.code) == (422, "kyc_limit")
    assert refused.value.message == (
        "This order of 5.02 USD and your 94.99 USD of live trading today would exceed your "
        "KYC level 1 daily limit of 100.00 USD (5.01 USD left); a higher KYC level raises it."
    )
    figures = AuditEvent.objects.get(action="trading.order.refused").data["figures"]
    assert (figures["kyc_level"], figures["limit"]) == (1, "daily")
    assert [D(figures[name]) for name in ("limit_usd", "used_usd", "order_usd")] == [
        D("100"),
        D("94.99"),
        D("5.02"),
    ]
    assert Order.objects.count() == 3


def test_sells_count_and_are_limited_too(live):
    connection, _keys, _exchange = live
    _level_one(connection.user)
    _limit_buy(connection, "0.09")  # 90 USD
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.0002", price="100000", side="sell")  # 20 USD
    assert refused.value.code == "kyc_limit"


def test_a_market_order_is_valued_at_the_exchanges_price(live):
    # given: a market buy of 0.01 BTC (about 650 USD) against a 100 USD daily limit
    connection, _keys, _exchange = live
    _level_one(connection.user)
    ask = get_venue(exchange="simulated").fetch_ticker("BTC/USDT").ask
    assert ask is not None
    # when
    with pytest.raises(ApplicationError) as refused:
        place_order(
            user=connection.user,
            account=connection,
            symbol="BTC/USDT",
            side="buy",
            type="market",
            amount=D("0.01"),
        )
    # then: valued at the ticker's ask (it moves a little between the two requests)
    figures = AuditEvent.objects.get(action="trading.order.refused").data["figures"]
    assert refused.value.code == "kyc_limit"
    assert abs(D(figures["order_usd"]) - D("0.01") * ask) < D("0.01") * ask * D("0.01")


def test_the_monthly_limit_applies_when_the_day_is_within_its_own(live, settings):
    # given: a daily limit above the monthly one
    connection, _keys, _exchange = live
    settings.KYC_LIMITS_USD = {
        **settings.KYC_LIMITS_USD,
        1: {"daily": D("500"), "monthly": D("80")},
    }
    _level_one(connection.user)
    _limit_buy(connection, "0.05")
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.05")
    assert "monthly limit of 80.00 USD" in refused.value.message
    assert "this month" in refused.value.message


def test_a_higher_level_has_the_higher_limit(live):
    connection, _keys, _exchange = live
    user = connection.user
    _level_one(user)
    approved_row(user, 2, expires_at=timezone.now() + timedelta(days=30))
    assert _limit_buy(connection, "0.5").created  # 500 USD: over level 1's, within level 2's


def _order(connection, *, created_at, mode="live", **fields):
    values = {
        "user": connection.user,
        "connection": connection,
        "mode": mode,
        "exchange": "binance",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "amount": D("1"),
        "price": D("100"),
        "client_order_id": f"o{Order.objects.count()}",
        **fields,
    }
    order = Order.objects.create(**values)
    Order.objects.filter(pk=order.pk).update(created_at=created_at)
    return order


def test_usage_counts_fills_and_resting_orders_of_live_mode_in_each_period(live):
    # given: "now" is 15 May 2030, 12:00 UTC
    connection, _keys, _exchange = live
    now = datetime(2030, 5, 15, 12, tzinfo=UTC)
    filled = {"status": OrderStatus.FILLED, "filled_amount": D("1"), "filled_quote": D("100")}
    _order(connection, created_at=now - timedelta(hours=2), **filled)  # today: 100
    _order(connection, created_at=now - timedelta(hours=1))  # today, resting: 100
    _order(  # today, partly filled and cancelled: only the 30 filled counts
        connection,
        created_at=now - timedelta(hours=1),
        status=OrderStatus.CANCELED,
        filled_amount=D("0.3"),
        filled_quote=D("30"),
    )
    _order(connection, created_at=datetime(2030, 5, 1, tzinfo=UTC), **filled)  # this month
    _order(connection, created_at=datetime(2030, 4, 30, 23, 59, tzinfo=UTC), **filled)  # before
    _order(connection, created_at=now, status=OrderStatus.REJECTED)  # never traded
    _order(connection, created_at=now, mode="testnet", **filled)  # not real money
    # when
    usage = live_usage(user=connection.user, now=now)
    # then
    assert (usage.today_usd, usage.month_usd) == (D("230"), D("330"))


def test_volume_in_an_asset_without_a_dollar_price_cannot_be_judged(live):
    connection, _keys, _exchange = live
    now = timezone.now()
    _order(connection, created_at=now, symbol="ABC/XYZ")
    with pytest.raises(UnvaluedVolume) as error:
        live_usage(user=connection.user, now=now)
    assert error.value.asset == "XYZ"


def test_an_order_without_a_dollar_price_is_a_503(live):
    # given: a market quoted in an asset nothing prices
    connection, _keys, _exchange = live
    _level_one(connection.user)
    market = get_venue(exchange="simulated").market("BTC/USDT")
    context = PreTradeContext(
        connection.user,
        "live",
        replace(market, quote="XYZ"),
        OrderSpec(side=OrderSide.BUY, type=OrderType.LIMIT, amount=D("1"), price=D("10")),
        account=connection,
    )
    # when
    with pytest.raises(ApplicationError) as refused:
        pretrade.within_kyc_limits(context)
    # then
    assert (refused.value.status, refused.value.code) == (503, "valuation_unavailable")
    assert "XYZ" in refused.value.message


def test_a_check_registered_before_another_runs_ahead_of_it_and_keeps_its_place():
    from trading import pretrade as registry

    def first(context):
        return None

    def second(context):
        return None

    try:
        # given: a check registered before one that exists, and one before one that does not
        registry.pre_trade_check("zz_first", before="risk_limits")(first)
        registry.pre_trade_check("zz_second", before="not_registered")(second)
        names = registered_checks()
        assert names.index("zz_first") == names.index("risk_limits") - 1
        assert names[-1] == "zz_second"
        # when: registered again with `before`, it is replaced and moved ahead of that one
        registry.pre_trade_check("zz_first", before="kyc_level")(second)
        assert registered_checks().index("zz_first") == registered_checks().index("kyc_level") - 1
        assert registry._CHECKS["zz_first"] is second
    finally:
        registry._CHECKS.pop("zz_first", None)
        registry._CHECKS.pop("zz_second", None)


def _market_buy_context(connection, **fields):
    market = get_venue(exchange="simulated").market("BTC/USDT")
    spec = OrderSpec(side=OrderSide.BUY, type=OrderType.MARKET, amount=D("0.01"))
    return PreTradeContext(connection.user, "live", market, spec, account=connection, **fields)


def test_a_market_order_without_a_price_at_hand_or_a_venue_is_a_503(live):
    connection, _keys, _exchange = live
    _level_one(connection.user)
    with pytest.raises(ApplicationError) as refused:
        pretrade.within_kyc_limits(_market_buy_context(connection))
    assert (refused.value.status, refused.value.code) == (503, "valuation_unavailable")
    # with the price the service has at hand, it is valued at that price
    pretrade.within_kyc_limits(_market_buy_context(connection, price=D("1000")))  # 10 USD


def test_a_venue_that_cannot_say_the_price_is_a_503(live, settings):
    connection, _keys, _exchange = live
    _level_one(connection.user)
    context = _market_buy_context(connection)
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    unreachable = replace(context, venue=get_venue(exchange="simulated"))
    with pytest.raises(ApplicationError) as refused:
        pretrade.within_kyc_limits(unreachable)
    assert refused.value.code == "valuation_unavailable"


def test_earlier_volume_without_a_dollar_price_is_a_503(live):
    connection, _keys, _exchange = live
    _level_one(connection.user)
    _order(connection, created_at=timezone.now(), symbol="ABC/XYZ")
    with pytest.raises(ApplicationError) as refused:
        _limit_buy(connection, "0.01")
    assert (refused.value.status, refused.value.code) == (503, "valuation_unavailable")
    assert not AuditEvent.objects.filter(action="trading.order.refused").exists()


def test_the_live_ticket_shows_the_kyc_refusal(live, client):
    # given: the live connection works and Binance's BTC/USDT market is synced
    connection, keys, exchange = live
    ExchangeConnection.objects.filter(pk=connection.pk).update(status="valid")
    market = Market.objects.get(exchange="simulated", symbol="BTC/USDT")
    market.pk, market.exchange = None, "binance"
    market.save()
    client.force_login(connection.user)
    ticket = {
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "amount": "0.01",
        "price": "1000",
        "stop_price": "",
        "time_in_force": "GTC",
        "confirm_live": "on",
    }
    # when
    response = client.post(f"/connections/{connection.pk}/", ticket)
    # then
    assert response.status_code == 403
    assert "Live orders need KYC level 1 (identity) approved" in response.content.decode()
    assert exchange.exchange.orders(keys) == []
