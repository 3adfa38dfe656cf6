"""Orders on an exchange connection through the same order service, via real ccxt against
the loopback exchange: labelled testnet, acknowledged, refused, cancelled, isolated."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from tests.factories import UserFactory
from trading.models import Order
from trading.services.connections import add_connection

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def connected(simulated_markets, settings):
    # The loopback account holds 0.1 BTC, 56 % of its equity: over the platform's 50 %
    # position cap, so every BTC buy would be refused. These tests are about the order path;
    # the risk rules on exchange accounts are in tests/trading/test_order_risk.py.
    settings.RISK_MAX_POSITION_PCT = 100.0
    user = UserFactory.create()
    account = simulated_markets.accounts.create(balances={"USDT": "5000", "BTC": "0.1"})
    connection = add_connection(
        user=user, exchange="simulated", label="sim", api_key=account.api_key, secret=account.secret
    )
    api = APIClient()
    api.force_authenticate(user)
    return user, connection, api


def _order(connection, **fields):
    return {
        "connection": connection.pk,
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "market",
        "amount": "0.01",
        **fields,
    }


def test_a_market_order_on_the_simulator_is_filled_and_labelled_testnet(connected):
    _user, connection, api = connected
    answer = api.post("/api/v1/orders", _order(connection))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["mode"], body["status"], body["connection"]) == (
        "testnet",
        "filled",
        connection.pk,
    )
    assert body["exchange_order_id"]
    assert D(body["filled_amount"]) == D("0.01")
    assert body["fills"], "the exchange's trades are recorded as fills"
    assert AuditEvent.objects.filter(action="trading.order.placed").count() == 1
    listed = api.get("/api/v1/orders").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert api.get("/api/v1/paper-trading/orders").json()["count"] == 0


def test_a_repeated_client_order_id_does_not_send_a_second_order(connected):
    _user, connection, api = connected
    payload = _order(connection, client_order_id="cp-once-1")
    first = api.post("/api/v1/orders", payload)
    again = api.post("/api/v1/orders", payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Order.objects.count() == 1


def test_a_limit_order_rests_and_is_cancelled_on_the_exchange(connected):
    _user, connection, api = connected
    placed = api.post("/api/v1/orders", _order(connection, type="limit", price="1000.00"))
    assert placed.status_code == 201, placed.json()
    assert placed.json()["status"] == "open"
    cancelled = api.delete(f"/api/v1/orders/{placed.json()['id']}")
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "canceled"
    assert AuditEvent.objects.filter(action="trading.order.cancelled").count() == 1


def test_an_order_the_exchange_refuses_is_422_and_kept_as_rejected(connected, settings):
    _user, connection, api = connected
    settings.RISK_MAX_POSITION_PCT = 1e9  # else the position cap refuses it before the exchange
    answer = api.post("/api/v1/orders", _order(connection, amount="10"))  # 10 BTC > 5000 USDT
    assert answer.status_code == 422, answer.json()
    order = Order.objects.get()
    assert order.status == "rejected"
    assert order.reject_reason
    assert AuditEvent.objects.filter(action="trading.order.rejected").count() == 1


def test_quote_amounts_and_bad_input_are_400_before_anything_is_sent(connected):
    _user, connection, api = connected
    quote = api.post("/api/v1/orders", _order(connection, amount=None, quote_amount="100"))
    assert quote.status_code == 400
    assert "quote_amount" in quote.json()["fields"]
    off_step = api.post("/api/v1/orders", _order(connection, amount="0.0000001"))
    assert off_step.status_code == 400
    assert "amount" in off_step.json()["fields"]
    assert not Order.objects.exists()


def test_an_unreachable_exchange_is_503_and_writes_nothing(connected, settings):
    _user, connection, api = connected
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    answer = api.post("/api/v1/orders", _order(connection))
    assert answer.status_code == 503, answer.json()
    assert answer.json()["code"] == "exchange_unavailable"
    assert not Order.objects.exists()


def test_another_users_connection_and_orders_are_404(connected):
    _user, connection, api = connected
    placed = api.post("/api/v1/orders", _order(connection, type="limit", price="1000.00")).json()
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert other.post("/api/v1/orders", _order(connection)).status_code == 404
    assert other.get(f"/api/v1/orders/{placed['id']}").status_code == 404
    assert other.delete(f"/api/v1/orders/{placed['id']}").status_code == 404
    assert other.get("/api/v1/orders", {"connection": connection.pk}).json()["count"] == 0


def test_a_connection_with_orders_is_removed_without_losing_its_history(connected):
    # given: an open order through the connection
    _user, connection, api = connected
    placed = api.post("/api/v1/orders", _order(connection, type="limit", price="1000.00")).json()
    url = f"/api/v1/exchange-connections/{connection.pk}"
    # when / then: refused while the order is open
    refused = api.delete(url)
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "open_orders"
    # when: cancelled, then removed
    api.delete(f"/api/v1/orders/{placed['id']}")
    assert api.delete(url).status_code == 204
    # then: the secrets are gone, the order keeps its account, the label is free again
    connection.refresh_from_db()
    assert connection.removed_at is not None
    assert (connection.api_key_encrypted, connection.secret_encrypted) == ("", "")
    assert api.get(url).status_code == 404
    assert api.get("/api/v1/exchange-connections").json() == []
    assert api.get(f"/api/v1/orders/{placed['id']}").json()["status"] == "canceled"
    assert api.post("/api/v1/orders", _order(connection)).status_code == 404
    again = add_connection(
        user=connection.user, exchange="simulated", label="sim", api_key="k-new", secret="s-new"
    )
    assert again.pk != connection.pk


def test_an_order_whose_answer_was_lost_is_found_on_the_exchange_by_the_sync(
    connected, simulated_markets, settings
):
    from trading.services.orders import sync_exchange_order
    from trading.tasks import sync_exchange_orders

    # given: the exchange takes the order, then the connection drops (no retry allowed)
    _user, connection, api = connected
    settings.VENUE_MAX_RETRIES = 1
    simulated_markets.faults.drop_after_accept()
    answer = api.post("/api/v1/orders", _order(connection))
    assert answer.status_code == 503, answer.json()
    order = Order.objects.get()
    assert order.status == "new"
    # when: the scheduled sync asks the exchange about it
    assert sync_exchange_orders() == 1
    # then: it was filled there, and now here too; a second run changes nothing
    order.refresh_from_db()
    assert (order.status, order.filled_amount) == ("filled", D("0.01"))
    assert order.exchange_order_id
    assert order.fills.exists()
    assert AuditEvent.objects.filter(action="trading.order.filled").count() == 1
    assert sync_exchange_order(order_id=order.pk) is False


def test_an_order_that_never_reached_the_exchange_is_rejected_after_a_while(
    connected, simulated_markets, settings
):
    from datetime import timedelta

    from trading.services.orders import LOST_ORDER_AFTER, sync_exchange_order

    # given: the exchange fails before taking the order
    _user, connection, api = connected
    settings.VENUE_MAX_RETRIES = 1
    simulated_markets.faults.http_error("/api/v3/order", method="POST")
    assert api.post("/api/v1/orders", _order(connection)).status_code == 503
    order = Order.objects.get()
    # when / then: not yet given up on, then rejected
    assert sync_exchange_order(order_id=order.pk) is False
    later = order.created_at + LOST_ORDER_AFTER + timedelta(seconds=1)
    assert sync_exchange_order(order_id=order.pk, now=later) is True
    order.refresh_from_db()
    assert (order.status, order.reject_reason) == (
        "rejected",
        "The order never reached the exchange.",
    )


def test_three_failures_in_a_row_open_the_circuit_breaker_for_an_hour(
    connected, simulated_markets, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from trading.circuit import check_breaker

    # given: the exchange fails every order three times over
    _user, connection, api = connected
    settings.VENUE_MAX_RETRIES = 1
    simulated_markets.faults.http_error("/api/v3/order", method="POST", times=3)
    codes = [api.post("/api/v1/orders", _order(connection)).json()["code"] for _ in range(3)]
    assert codes == ["exchange_unavailable"] * 3
    # when: a fourth order
    answer = api.post("/api/v1/orders", _order(connection))
    # then: refused at once, nothing saved or sent, until the hour has passed
    assert answer.status_code == 503
    assert answer.json()["code"] == "circuit_open"
    assert Order.objects.count() == 3
    check_breaker(connection_id=connection.pk, now=timezone.now() + timedelta(minutes=61))
