"""Trading on an exchange connection from its page, through the client: the ticket, open
orders with cancel and the history, labelled TESTNET (the loopback exchange) or LIVE."""

from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from papertrading.services import default_account
from tests.factories import UserFactory
from trading.models import ExchangeConnection, Market, Order
from trading.services.connections import add_connection, check_connection
from trading.services.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, simulated_markets):
    user = UserFactory.create()
    client.force_login(user)
    return client, user


def _simulated_connection(simulator, user, label="sim"):
    """A tested (valid) connection to a fresh loopback account with 5000 USDT and 0.1 BTC."""
    account = simulator.accounts.create(balances={"USDT": "5000", "BTC": "0.1"})
    row = add_connection(
        user=user, exchange="simulated", label=label, api_key=account.api_key, secret=account.secret
    )
    return check_connection(user=user, connection_id=row.pk).connection


@pytest.fixture
def sim(signed_in, simulated_markets, settings):
    # The loopback account holds 0.1 BTC, 56 % of its equity: over the platform's 50 %
    # position cap, so every BTC buy would be refused. These tests are about the page; the
    # risk rules are in tests/trading/test_order_risk.py.
    settings.RISK_MAX_POSITION_PCT = 100.0
    client, user = signed_in
    row = _simulated_connection(simulated_markets, user)
    assert row.status == "valid"
    return client, user, row


def _page(row: ExchangeConnection) -> str:
    return f"/connections/{row.pk}/"


def _ticket(**fields: str) -> dict[str, str]:
    """A 0.01 BTC market buy as the ticket posts it, changed by `fields`."""
    return {
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "market",
        "amount": "0.01",
        "price": "",
        "stop_price": "",
        "time_in_force": "GTC",
        **fields,
    }


def _part(page: str, part_id: str) -> str:
    """The HTML of the section with this id (up to the next section)."""
    return page.split(f'id="{part_id}"')[1].split("</section>")[0]


def test_the_pages_need_a_signed_in_user(client, sim):
    _, _, row = sim
    client.logout()
    assert client.get(_page(row))["Location"].startswith("/accounts/login/")
    assert client.post(_page(row), _ticket())["Location"].startswith("/accounts/login/")
    assert client.post(f"{_page(row)}orders/1/cancel/")["Location"].startswith("/accounts/login/")
    assert not Order.objects.exists()


def test_a_simulated_connection_is_badged_testnet_with_a_ticket_without_spend(sim):
    # given
    client, _, row = sim
    # when
    response = client.get(_page(row))
    listed = client.get("/connections/").content.decode()
    # then
    assert response.status_code == 200
    page = response.content.decode()
    heading = page.split("<h1>")[1].split("</h1>")[0]
    assert 'class="testnet-badge"' in heading
    assert "TESTNET" in heading
    assert "no real money" in heading
    assert "LIVE" not in page
    assert "Trade ticket" in page
    assert "Buy BTC (testnet)" in page
    assert 'name="quote_amount"' not in page
    assert 'name="size"' not in page
    assert 'name="confirm_live"' not in page
    assert 'class="testnet-badge"' in listed
    assert "no real money" in listed


def test_a_market_buy_from_the_ticket_fills_on_the_simulator_and_shows_in_history(sim):
    # given
    client, _, row = sim
    # when
    response = client.post(_page(row), _ticket(), follow=True)
    # then
    assert response.redirect_chain == [(_page(row), 302)]
    order = Order.objects.get(connection=row)
    assert (order.status, order.mode, order.exchange) == ("filled", "testnet", "simulated")
    assert order.filled_amount == Decimal("0.01")
    assert order.average_price is not None
    assert order.exchange_order_id
    page = response.content.decode()
    assert "Testnet market buy BTC/USDT: filled, 0.01 at an average" in page
    history = _part(page, "order-history")
    assert f'data-order-id="{order.pk}" data-status="filled"' in history
    assert '<mark class="mode-testnet">TESTNET</mark>' in history
    assert "No open orders." in _part(page, "open-orders")


def test_a_limit_buy_far_below_the_market_rests_is_listed_open_and_is_cancelled(sim):
    # given
    client, _, row = sim
    client.post(_page(row), _ticket(type="limit", price="1000.00"))
    order = Order.objects.get(connection=row)
    assert order.status == "open"
    page = client.get(_page(row)).content.decode()
    open_part = _part(page, "open-orders")
    assert f'data-order-id="{order.pk}"' in open_part
    assert '<mark class="mode-testnet">TESTNET</mark>' in open_part
    cancel_url = f"/connections/{row.pk}/orders/{order.pk}/cancel/"
    assert cancel_url in open_part
    # when
    response = client.post(cancel_url, follow=True)
    # then
    order.refresh_from_db()
    assert order.status == "canceled"
    page = response.content.decode()
    assert f"Order #{order.pk} cancelled on simulated." in page
    assert "No open orders." in _part(page, "open-orders")
    assert f'data-order-id="{order.pk}" data-status="canceled"' in _part(page, "order-history")
    # and a second cancel says why instead of failing
    again = client.post(cancel_url, follow=True).content.decode()
    assert "The order is canceled." in again


def test_an_order_the_exchange_refuses_shows_the_reason_and_a_rejected_row(sim, settings):
    # given: 10 BTC at market, far more than 5000 USDT pays for
    client, _, row = sim
    settings.RISK_MAX_POSITION_PCT = 1e9  # else the position cap refuses it before the exchange
    # when
    response = client.post(_page(row), _ticket(amount="10", client_order_id="cp-refused-1"))
    # then
    assert response.status_code == 422
    order = Order.objects.get(connection=row)
    assert (order.status, order.client_order_id) == ("rejected", "cp-refused-1")
    assert order.reject_reason
    page = response.content.decode()
    errors = page.split('id="ticket-errors"')[1].split("</p>")[0]
    assert "simulated refused the order" in errors
    history = _part(page, "order-history")
    assert f'data-order-id="{order.pk}" data-status="rejected"' in history
    assert order.reject_reason in history
    # and the corrected ticket goes out as a new order, not as the rejected one again
    renewed = response.context["form"]["client_order_id"].value()
    assert renewed not in ("", None, "cp-refused-1")
    assert f'name="client_order_id" value="{renewed}"' in page
    client.post(_page(row), _ticket(amount="0.01", client_order_id=renewed))
    assert Order.objects.get(client_order_id=renewed).status == "filled"


def test_an_unreachable_exchange_is_a_503_on_the_ticket_and_writes_nothing(sim, settings):
    client, _, row = sim
    client.get(_page(row))
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    response = client.post(_page(row), _ticket())
    assert response.status_code == 503
    errors = response.content.decode().split('id="ticket-errors"')[1].split("</p>")[0]
    assert "simulated did not answer" in errors
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message", "_case"),
    [
        ({"amount": "lots"}, "amount", "Enter a number.", "not a number"),
        ({"amount": ""}, "amount", "Give an amount.", "missing amount"),
        (
            {"amount": "", "size": "quote", "quote_amount": "100"},
            "amount",
            "Give an amount.",
            "no spend sum on an exchange",
        ),
        ({"amount": "-1"}, "amount", "The amount must be positive.", "negative"),
        ({"amount": "0.0000001"}, "amount", "is not a multiple of the step", "off the step"),
        ({"type": "limit"}, "price", "This order type needs a limit price.", "limit no price"),
        ({"symbol": "DOGE/USDT"}, "symbol", "Select a valid choice.", "unknown market"),
    ],
)
def test_bad_input_shows_the_field_error_and_writes_no_order(sim, fields, field, message, _case):
    client, _, row = sim
    response = client.post(_page(row), _ticket(**fields))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="error-{field}"' in page
    assert message in page.split(f'id="error-{field}"')[1].split("</small>")[0]
    assert not Order.objects.exists()


def test_an_untested_connection_has_no_ticket_and_refuses_orders(signed_in, simulated_markets):
    client, user = signed_in
    account = simulated_markets.accounts.create(balances={"USDT": "5000"})
    row = add_connection(
        user=user, exchange="simulated", label="new", api_key=account.api_key, secret=account.secret
    )
    assert 'id="exchange-ticket-form"' not in client.get(_page(row)).content.decode()
    response = client.post(_page(row), _ticket())
    assert response.status_code == 409
    assert "Test the connection before placing orders" in response.content.decode()
    assert not Order.objects.exists()


def test_another_users_connection_and_orders_are_404(sim, simulated_markets):
    # given: a stranger's connection with a resting order, and the user's own paper order
    client, user, mine = sim
    stranger = UserFactory.create()
    theirs = _simulated_connection(simulated_markets, stranger, label="theirs")
    their_order = place_order(
        user=stranger,
        account=theirs,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000.00"),
    ).order
    paper_order = place_order(
        user=user,
        account=default_account(user=user),
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000.00"),
    ).order
    # then
    assert client.get(_page(theirs)).status_code == 404
    assert client.post(_page(theirs), _ticket()).status_code == 404
    assert (
        client.post(f"/connections/{theirs.pk}/orders/{their_order.pk}/cancel/").status_code == 404
    )
    assert client.post(f"/connections/{mine.pk}/orders/{their_order.pk}/cancel/").status_code == 404
    assert client.post(f"/connections/{mine.pk}/orders/{paper_order.pk}/cancel/").status_code == 404
    assert client.post(f"/connections/{mine.pk}/orders/999999/cancel/").status_code == 404
    assert f'data-order-id="{their_order.pk}"' not in client.get(_page(mine)).content.decode()
    their_order.refresh_from_db()
    paper_order.refresh_from_db()
    assert (their_order.status, paper_order.status) == ("open", "open")
    assert not Order.objects.filter(connection=mine).exists()


def test_a_live_connection_says_real_money_and_needs_the_confirmation(
    signed_in, simulated_markets, settings
):
    # given: a Binance connection marked valid; real ccxt, with Binance's API sent to the
    # loopback exchange, so nothing leaves the machine
    settings.EXCHANGE_API_URLS = {"binance": simulated_markets.url}
    client, user = signed_in
    keys = simulated_markets.accounts.create(balances={"USDT": "100"})
    row = add_connection(
        user=user, exchange="binance", label="real", api_key=keys.api_key, secret=keys.secret
    )
    ExchangeConnection.objects.filter(pk=row.pk).update(status="valid")
    # then: without Binance's markets the page says they must be synced first
    unsynced = client.get(_page(row)).content.decode()
    assert 'id="markets-missing"' in unsynced
    assert "have not been synced yet" in unsynced
    # given: Binance's BTC/USDT market, as sync_markets would store it
    market = Market.objects.get(exchange="simulated", symbol="BTC/USDT")
    market.pk, market.exchange = None, "binance"
    market.save()
    # when
    response = client.get(_page(row))
    listed = client.get("/connections/").content.decode()
    # then
    assert response.status_code == 200
    page = response.content.decode()
    heading = page.split("<h1>")[1].split("</h1>")[0]
    assert 'class="live-badge"' in heading
    assert "LIVE" in heading
    assert "real money" in heading
    assert "TESTNET" not in page
    assert "Buy BTC — live, real money" in page
    assert 'name="confirm_live"' in page
    assert 'class="live-badge"' in listed
    # when: the order is posted without ticking the confirmation
    refused = client.post(_page(row), _ticket())
    # then: the form refuses it before the order service sees it
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="error-confirm_live"' in text
    assert "Tick the box to confirm a live order" in text
    assert not Order.objects.exists()
    assert simulated_markets.exchange.orders(keys) == []  # nothing reached the exchange


def _queries_for_page(client, row: ExchangeConnection) -> int:
    with CaptureQueriesContext(db_connection) as queries:
        assert client.get(_page(row)).status_code == 200
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries(sim, django_assert_max_num_queries):
    # given: a filled and a resting order
    client, _, row = sim
    client.post(_page(row), _ticket(amount="0.001"))
    client.post(_page(row), _ticket(type="limit", price="1000.00"))
    few = _queries_for_page(client, row)
    # when: many more of both
    for n in range(6):
        client.post(_page(row), _ticket(amount="0.001", client_order_id=f"m{n}"))
        client.post(
            _page(row), _ticket(type="limit", price=f"{1000 + n}.00", client_order_id=f"l{n}")
        )
    assert Order.objects.filter(connection=row).count() == 14
    assert Order.objects.filter(connection=row, status="filled").count() == 7
    # then: the same number of queries, and few of them
    assert _queries_for_page(client, row) == few
    with django_assert_max_num_queries(12):
        client.get(_page(row))
