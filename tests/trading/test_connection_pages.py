"""Connection pages through the client, against the loopback exchange."""

import pytest

from tests.factories import UserFactory
from trading.models import ExchangeConnection
from trading.services.connections import add_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = UserFactory.create()
    client.force_login(user)
    return client, user


def test_pages_need_a_signed_in_user(client):
    assert client.get("/connections/")["Location"].startswith("/accounts/login/")


def test_adding_from_the_form_then_testing_shows_balances(signed_in, simulator):
    client, user = signed_in
    account = simulator.accounts.create(balances={"USDT": "250", "ETH": "1.5"})
    form = {
        "exchange": "simulated",
        "label": "demo",
        "api_key": account.api_key,
        "secret": account.secret,
    }
    added = client.post("/connections/", form, follow=True)
    assert "Connection demo added" in added.content.decode()
    connection = ExchangeConnection.objects.get(user=user)
    assert account.secret not in added.content.decode()
    tested = client.post(f"/connections/{connection.pk}/test/", follow=True)
    page = tested.content.decode()
    assert "The connection works." in page
    assert "USDT" in page
    assert "ETH" in page
    assert account.api_key not in page
    assert f"…{account.api_key[-4:]}" in page


def test_a_bad_form_says_why(signed_in, simulator):
    client, _ = signed_in
    response = client.post(
        "/connections/",
        {"exchange": "wazirx", "label": "w", "api_key": "k", "secret": "s", "testnet": "on"},
    )
    assert "wazirx has no testnet." in response.content.decode()
    assert not ExchangeConnection.objects.exists()


def test_a_refused_key_shows_the_reason(signed_in, simulator):
    client, user = signed_in
    account = simulator.accounts.create()
    connection = add_connection(
        user=user, exchange="simulated", label="bad", api_key=account.api_key, secret="wrong"
    )
    tested = client.post(f"/connections/{connection.pk}/test/", follow=True)
    assert "The exchange refused the key" in tested.content.decode()


def test_an_unreachable_exchange_is_reported_not_marked(signed_in, simulator, settings):
    client, user = signed_in
    account = simulator.accounts.create()
    connection = add_connection(
        user=user, exchange="simulated", label="x", api_key=account.api_key, secret=account.secret
    )
    client.post(f"/connections/{connection.pk}/test/")
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    page = client.get(f"/connections/{connection.pk}/").content.decode()
    assert "The exchange did not answer" in page
    again = client.post(f"/connections/{connection.pk}/test/", follow=True).content.decode()
    assert "did not answer" in again


def test_removing_from_the_page(signed_in, simulator):
    client, user = signed_in
    account = simulator.accounts.create()
    connection = add_connection(
        user=user, exchange="simulated", label="x", api_key=account.api_key, secret=account.secret
    )
    done = client.post(f"/connections/{connection.pk}/delete/", follow=True)
    assert "Connection x removed." in done.content.decode()
    assert not ExchangeConnection.objects.exists()


def test_another_users_connection_pages_are_404(signed_in, simulator):
    client, _ = signed_in
    account = simulator.accounts.create()
    theirs = add_connection(
        user=UserFactory.create(),
        exchange="simulated",
        label="theirs",
        api_key=account.api_key,
        secret=account.secret,
    )
    assert client.get(f"/connections/{theirs.pk}/").status_code == 404
    assert client.post(f"/connections/{theirs.pk}/test/").status_code == 404
    assert client.post(f"/connections/{theirs.pk}/delete/").status_code == 404
    assert ExchangeConnection.objects.filter(pk=theirs.pk).exists()


def test_market_pages(client, simulated_markets):
    assert client.get("/markets/").status_code == 200
    page = client.get("/markets/ETHUSDT/?timeframe=7y")
    assert page.status_code == 200
    assert page.context["timeframe"] == "1h"
    assert client.get("/markets/DOGEUSDT/").status_code == 404


def test_removing_a_connection_with_open_orders_asks_to_cancel_them(signed_in, simulated_markets):
    from decimal import Decimal

    from trading.services.orders import place_order

    client, user = signed_in
    account = simulated_markets.accounts.create(balances={"USDT": "5000"})
    connection = add_connection(
        user=user, exchange="simulated", label="x", api_key=account.api_key, secret=account.secret
    )
    place_order(
        user=user,
        account=connection,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000.00"),
    )
    answer = client.post(f"/connections/{connection.pk}/delete/", follow=True)
    assert "cancel them before removing it" in answer.content.decode()
    assert ExchangeConnection.objects.filter(pk=connection.pk, removed_at__isnull=True).exists()
