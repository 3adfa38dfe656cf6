"""Paper orders over /api/v1/paper-trading: shapes, idempotency, errors, cancel, isolation."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from papertrading.models import LedgerEntry, PaperBalance
from papertrading.services import check_ledgers, default_account
from tests.factories import UserFactory
from trading.models import Order

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/paper-trading/orders"


@pytest.fixture
def trader(simulated_markets):
    user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    return user, api


def _usdt(user) -> tuple[Decimal, Decimal]:
    row = PaperBalance.objects.get(account=default_account(user=user), asset="USDT")
    return row.free, row.locked


def test_a_market_buy_is_201_with_decimal_strings_and_its_fills(trader):
    user, api = trader
    # when
    answer = api.post(
        ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"}
    )
    # then
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["mode"], body["status"], body["filled_amount"]) == (
        "paper",
        "filled",
        "0.010000000000000000",
    )
    assert isinstance(body["average_price"], str)
    assert body["fills"]
    assert all(isinstance(fill["price"], str) for fill in body["fills"])
    assert _usdt(user)[1] == 0
    assert check_ledgers() == []
    assert AuditEvent.objects.filter(action="trading.order.placed").count() == 1


def test_a_repeated_client_order_id_answers_200_with_the_first_order(trader):
    _user, api = trader
    payload = {
        "symbol": "ETH",
        "side": "buy",
        "type": "market",
        "quote_amount": "100",
        "client_order_id": "abc-1",
    }
    first = api.post(ORDERS, payload)
    again = api.post(ORDERS, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1


def test_the_idempotency_key_replays_the_first_answer(trader):
    _user, api = trader
    payload = {"symbol": "ETH", "side": "buy", "type": "market", "quote_amount": "50"}
    first = api.post(ORDERS, payload, HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(ORDERS, payload, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "_case"),
    [
        ({"amount": "-1"}, "amount", "negative amount"),
        ({"amount": "0"}, "amount", "zero amount"),
        ({"amount": "0.0000001"}, "amount", "too many decimals"),
        ({"amount": "0.00001"}, "amount", "below the minimum value"),
        ({"symbol": "NOPE/USDT"}, "symbol", "unknown symbol"),
        ({"price": "50000"}, "price", "price on a market order"),
        ({"amount": None}, "amount", "no amount"),
        ({"quote_amount": "10"}, "quote_amount", "amount and quote amount"),
        ({"side": "hold"}, "side", "unknown side"),
        ({"type": "limit"}, "price", "limit without a price"),
        ({"amount": "abc"}, "amount", "not a number"),
        ({"client_order_id": "bad id!"}, "client_order_id", "bad client order id"),
    ],
)
def test_bad_orders_are_400_with_the_field_and_write_nothing(trader, payload, field, _case):
    user, api = trader
    default_account(user=user)
    ledger = LedgerEntry.objects.count()
    base = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"}
    answer = api.post(ORDERS, {**base, **payload})
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"], answer.json()
    assert not Order.objects.exists()
    assert LedgerEntry.objects.count() == ledger


def test_an_order_the_balance_cannot_cover_is_409(trader, settings):
    user, api = trader
    settings.RISK_MAX_POSITION_PCT = 1e9  # else the position cap (200 % here) refuses it first
    answer = api.post(
        ORDERS, {"symbol": "BTC", "side": "buy", "type": "market", "quote_amount": "20000"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "insufficient_balance"
    assert not Order.objects.exists()
    assert _usdt(user) == (Decimal(10000), Decimal(0))


def test_a_resting_limit_is_cancelled_and_its_funds_come_back(trader):
    user, api = trader
    placed = api.post(
        ORDERS,
        {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "1000"},
    ).json()
    assert placed["status"] == "open"
    assert _usdt(user) == (Decimal("9990"), Decimal("10"))
    listed = api.get(ORDERS, {"status": "open"}).json()
    assert [row["id"] for row in listed["results"]] == [placed["id"]]
    # when
    cancelled = api.delete(f"{ORDERS}/{placed['id']}")
    # then
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "canceled"
    assert _usdt(user) == (Decimal("10000"), Decimal("0"))
    assert api.delete(f"{ORDERS}/{placed['id']}").status_code == 409
    assert check_ledgers() == []
    assert AuditEvent.objects.filter(action="trading.order.cancelled").count() == 1


def test_the_lists_filter_by_status_and_symbol(trader):
    _user, api = trader
    api.post(ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"})
    api.post(
        ORDERS,
        {"symbol": "ETH/USDT", "side": "buy", "type": "limit", "amount": "0.1", "price": "100"},
    )
    assert api.get(ORDERS, {"symbol": "ETH/USDT"}).json()["count"] == 1
    assert api.get(ORDERS, {"status": "filled"}).json()["count"] == 1
    assert api.get(ORDERS, {"status": "nonsense"}).status_code == 400
    trades = api.get("/api/v1/paper-trading/trades").json()
    assert trades["count"] >= 1
    assert trades["results"][0]["symbol"] == "BTC/USDT"
    ledger = api.get("/api/v1/paper-trading/ledger").json()
    assert {row["kind"] for row in ledger["results"]} >= {"deposit", "lock", "trade", "fee"}


def test_the_portfolio_values_the_position_and_the_pnl(trader):
    _user, api = trader
    api.post(ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"})
    body = api.get("/api/v1/paper-trading/portfolio").json()
    btc = next(h for h in body["holdings"] if h["asset"] == "BTC")
    assert Decimal(btc["quantity"]) == Decimal("0.01") - Decimal("0.00001")  # fee in BTC
    assert Decimal(btc["average_price"]) > 0
    assert Decimal(body["cash"]) < Decimal(10000)
    assert body["equity_curve"], "a fill takes an equity snapshot"


def test_reset_cancels_open_orders_and_starts_a_new_epoch(trader):
    user, api = trader
    api.post(ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"})
    resting = api.post(
        ORDERS,
        {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "1000"},
    ).json()
    # when
    answer = api.post("/api/v1/paper-trading/reset", {})
    # then
    assert answer.status_code == 200
    assert answer.json()["epoch"] == 2
    assert Order.objects.get(pk=resting["id"]).status == "canceled"
    balances = {b.asset: b.total for b in PaperBalance.objects.filter(account__user=user)}
    assert balances["USDT"] == Decimal(10000)
    assert balances.get("BTC", Decimal(0)) == 0
    assert api.get(ORDERS).json()["count"] == 0
    assert api.get(ORDERS, {"epoch": 1}).json()["count"] == 2  # the old page stays viewable
    assert check_ledgers() == []


def test_another_users_orders_and_accounts_are_404(trader):
    _user, api = trader
    placed = api.post(
        ORDERS,
        {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "1000"},
    ).json()
    account_id = placed["paper_account"]
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.get(f"{ORDERS}/{placed['id']}").status_code == 404
    assert other.delete(f"{ORDERS}/{placed['id']}").status_code == 404
    assert other.get("/api/v1/paper-trading/portfolio", {"account": account_id}).status_code == 404
    assert (
        other.post(
            ORDERS,
            {
                "account": account_id,
                "symbol": "BTC/USDT",
                "side": "buy",
                "type": "market",
                "amount": "0.01",
            },
        ).status_code
        == 404
    )
    assert other.get(f"/api/v1/orders/{placed['id']}").status_code == 404
    assert Order.objects.get(pk=placed["id"]).status == "open"


def test_a_read_only_api_key_cannot_place_orders(trader):
    from accounts.services.api_keys import create_api_key

    user, _api = trader
    created = create_api_key(user=user, name="ro", scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {created.plaintext}")
    answer = api.post(
        ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.01"}
    )
    assert answer.status_code == 403
    assert api.get(ORDERS).status_code == 200


def test_accounts_can_be_opened_and_listed(trader):
    _user, api = trader
    assert [a["name"] for a in api.get("/api/v1/paper-trading/accounts").json()] == ["Main"]
    created = api.post("/api/v1/paper-trading/accounts", {"name": "Scalping"})
    assert created.status_code == 201
    assert created.json()["starting_balance"] == "10000.000000000000000000"
    duplicate = api.post("/api/v1/paper-trading/accounts", {"name": "Scalping"})
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()["fields"]


def test_an_unreachable_price_source_is_503_and_writes_nothing(trader, settings):
    _user, api = trader
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    answer = api.post(
        ORDERS, {"symbol": "ETH/USDT", "side": "buy", "type": "market", "amount": "0.1"}
    )
    assert answer.status_code == 503, answer.json()
    assert answer.json()["code"] == "exchange_unavailable"
    assert not Order.objects.exists()


def _queries(api, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_queries_for_few_or_many_orders(trader):
    # given
    _user, api = trader
    urls = [ORDERS, "/api/v1/paper-trading/trades", "/api/v1/paper-trading/portfolio"]
    api.post(ORDERS, {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": "0.001"})
    few = [_queries(api, url) for url in urls]
    # when
    for symbol in ("BTC/USDT", "ETH/USDT", "BTC/USDT", "ETH/USDT"):
        api.post(ORDERS, {"symbol": symbol, "side": "buy", "type": "market", "amount": "0.01"})
    # then
    assert [_queries(api, url) for url in urls] == few
