"""The paper trading page through the test client, on the loopback exchange's markets."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papertrading.models import EquitySnapshot, PaperAccount, PaperBalance
from papertrading.services import check_ledgers, default_account, open_account
from papertrading.templatetags import paper_format
from tests.factories import UserFactory
from trading.exchanges.registry import get_venue
from trading.models import ExchangeConnection, Order
from trading.services.markets import store_tickers, ticker_key
from trading.services.orders import place_order

pytestmark = pytest.mark.django_db

PAGE = "/paper-trading/"


@pytest.fixture
def priced(simulated_markets):
    """The loopback exchange's markets, with last prices in the ticker cache (as the feed does)."""
    venue = get_venue(exchange="simulated")
    store_tickers(exchange="simulated", tickers=venue.fetch_tickers(["BTC/USDT", "ETH/USDT"]))
    return simulated_markets


@pytest.fixture
def signed_in(client, priced):
    user = UserFactory.create()
    client.force_login(user)
    return client, user


def _ticket(**fields: str) -> dict[str, str]:
    """A 0.01 BTC market buy as the ticket posts it, changed by `fields`."""
    return {
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "market",
        "size": "amount",
        "amount": "0.01",
        "quote_amount": "",
        "price": "",
        "stop_price": "",
        "time_in_force": "GTC",
        **fields,
    }


def _balance(account: PaperAccount, asset: str) -> Decimal:
    row = PaperBalance.objects.filter(account=account, asset=asset).first()
    return row.total if row else Decimal(0)


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_a_new_user_gets_a_default_account_with_10000_usdt(signed_in):
    # given
    client, user = signed_in
    # when
    response = client.get(PAGE)
    # then
    assert response.status_code == 200
    page = response.content.decode()
    account = PaperAccount.objects.get(user=user)
    assert _balance(account, "USDT") == Decimal("10000")
    assert "PAPER" in page
    assert 'id="cash"' in page
    assert "10,000.00" in page
    assert "Trade ticket" in page
    assert "How fills work" in page
    assert "5 %" in page
    assert "0.1 %" in page
    assert 'id="equity-data"' in page
    assert 'aria-current="page">Paper trading' in page  # the nav link, marked current


def test_a_market_buy_from_the_ticket_fills_and_shows_in_the_portfolio(signed_in):
    # given
    client, user = signed_in
    account = default_account(user=user)
    # when
    response = client.post(PAGE, _ticket(), follow=True)
    # then
    order = Order.objects.get(paper_account=account)
    assert (order.status, order.mode, order.filled_amount) == ("filled", "paper", Decimal("0.01"))
    assert _balance(account, "USDT") < Decimal("10000")
    assert Decimal("0.0099") < _balance(account, "BTC") < Decimal("0.01")  # fee paid in BTC
    assert check_ledgers() == []
    page = response.content.decode()
    assert "Market buy BTC/USDT: filled" in page
    assert 'data-asset="BTC"' in page
    assert f'data-order-id="{order.pk}"' in page
    assert EquitySnapshot.objects.filter(account=account, epoch=account.epoch).exists()


def test_a_market_buy_can_spend_a_quote_amount(signed_in):
    client, user = signed_in
    account = default_account(user=user)
    client.post(PAGE, _ticket(size="quote", amount="", quote_amount="250"))
    order = Order.objects.get(paper_account=account)
    assert (order.status, order.amount, order.quote_amount) == ("filled", None, Decimal("250"))
    assert Decimal("9750") <= _balance(account, "USDT") < Decimal("9751")


@pytest.mark.parametrize(
    ("amount", "message", "_case"),
    [
        ("lots", "Enter a number.", "not a number"),
        ("-1", "The amount must be positive.", "negative"),
        ("0.0000001", "0.00001", "off the amount step"),
        ("", "Give an amount.", "missing"),
    ],
)
def test_a_bad_amount_shows_the_field_error_and_writes_no_order(signed_in, amount, message, _case):
    client, _ = signed_in
    response = client.post(PAGE, _ticket(amount=amount))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-amount"' in page
    assert message in page
    assert not Order.objects.exists()


def test_an_order_too_big_for_the_balance_shows_the_409_message(signed_in, settings):
    client, user = signed_in
    settings.RISK_MAX_POSITION_PCT = 1e9  # else the position cap (200 % here) refuses it first
    response = client.post(PAGE, _ticket(size="quote", amount="", quote_amount="20000"))
    assert response.status_code == 409
    assert "Not enough USDT" in response.content.decode()
    assert not Order.objects.exists()
    assert _balance(default_account(user=user), "USDT") == Decimal("10000")


def test_an_unreachable_market_data_source_is_a_message_not_a_500(signed_in, settings):
    client, _ = signed_in
    client.get(PAGE)
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"
    settings.VENUE_MAX_RETRIES = 1
    response = client.post(PAGE, _ticket())
    assert response.status_code == 503
    assert "Market prices are not available right now" in response.content.decode()
    assert not Order.objects.exists()


def test_a_resting_limit_is_listed_open_and_cancelled_from_the_page(signed_in):
    # given
    client, user = signed_in
    account = default_account(user=user)
    client.post(PAGE, _ticket(type="limit", price="1000.00", time_in_force="GTC"))
    order = Order.objects.get(paper_account=account)
    assert order.status == "open"
    page = client.get(PAGE).content.decode()
    open_part = page.split('id="open-orders"')[1].split('id="order-history"')[0]
    assert f'data-order-id="{order.pk}"' in open_part
    assert f"/paper-trading/orders/{order.pk}/cancel/" in open_part
    # when
    response = client.post(f"/paper-trading/orders/{order.pk}/cancel/", follow=True)
    # then
    order.refresh_from_db()
    assert order.status == "canceled"
    assert "cancelled" in response.content.decode()
    assert PaperBalance.objects.get(account=account, asset="USDT").locked == 0
    assert "No open orders." in response.content.decode()
    # and a second cancel says why instead of failing
    again = client.post(f"/paper-trading/orders/{order.pk}/cancel/", follow=True)
    assert "The order is canceled." in again.content.decode()


@pytest.mark.parametrize(
    ("fields", "status", "_case"),
    [
        ({"type": "stop_loss", "stop_price": "up"}, "open", "stop-loss buy above the market"),
        (
            {"type": "stop_limit", "stop_price": "up", "price": "up", "time_in_force": "IOC"},
            "open",
            "stop-limit buy above the market",
        ),
        ({"type": "take_profit", "stop_price": "down"}, "open", "take-profit buy below it"),
        (
            {"type": "limit", "price": "down", "time_in_force": "IOC"},
            "expired",
            "an IOC limit below the market does not rest",
        ),
    ],
)
def test_the_ticket_places_every_order_type(signed_in, fields, status, _case):
    # given: prices well away from the last one
    client, user = signed_in
    last = Decimal(cache.get(ticker_key("simulated", "BTC/USDT"))["last"])
    away = {"up": f"{last * Decimal('1.5'):.2f}", "down": f"{last / 2:.2f}"}
    # when
    client.post(PAGE, _ticket(**{name: away.get(value, value) for name, value in fields.items()}))
    # then
    order = Order.objects.get(paper_account=default_account(user=user))
    assert (order.type, order.status) == (fields["type"], status)
    assert order.time_in_force == fields.get("time_in_force", "GTC")


def test_hidden_fields_of_another_type_do_not_refuse_the_order(signed_in):
    # a price typed for a limit, then the type switched to market: the page hides the price
    client, user = signed_in
    client.post(PAGE, _ticket(price="1000", stop_price="900"))
    assert Order.objects.get(paper_account=default_account(user=user)).status == "filled"


def test_another_users_account_and_order_are_404(signed_in, client):
    # given: someone else's account with a resting order
    client, _ = signed_in
    stranger = open_account(user=UserFactory.create())
    theirs = place_order(
        user=stranger.user,
        account=stranger,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000.00"),
    ).order
    # then
    assert client.get(f"{PAGE}?account={stranger.pk}").status_code == 404
    assert client.get(f"{PAGE}live/?account={stranger.pk}").status_code == 404
    assert client.post(f"{PAGE}?account={stranger.pk}", _ticket()).status_code == 404
    assert client.get(f"{PAGE}accounts/{stranger.pk}/reset/").status_code == 404
    assert client.post(f"{PAGE}accounts/{stranger.pk}/reset/").status_code == 404
    assert client.post(f"{PAGE}orders/{theirs.pk}/cancel/").status_code == 404
    assert client.get(f"{PAGE}?account=nope").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"
    assert not Order.objects.exclude(pk=theirs.pk).exists()


def test_another_of_the_users_accounts_is_shown_with_account(signed_in):
    client, user = signed_in
    default_account(user=user)
    client.post(f"{PAGE}accounts/new/", {"name": "Swing"})
    second = PaperAccount.objects.get(user=user, name="Swing")
    client.post(f"{PAGE}?account={second.pk}", _ticket())
    assert Order.objects.get().paper_account_id == second.pk
    page = client.get(f"{PAGE}?account={second.pk}").content.decode()
    assert '<h2 id="summary-heading">Swing</h2>' in page
    duplicate = client.post(f"{PAGE}accounts/new/", {"name": "Swing"}, follow=True)
    assert "You already have an account with this name." in duplicate.content.decode()


def test_reset_asks_for_confirmation_then_resets_and_keeps_the_old_epoch(signed_in):
    # given: a filled buy and a resting limit
    client, user = signed_in
    account = default_account(user=user)
    client.post(PAGE, _ticket())
    client.post(PAGE, _ticket(type="limit", price="1000.00"))
    # when: the reset link is followed
    confirm = client.get(f"{PAGE}accounts/{account.pk}/reset/")
    # then: nothing happened yet, the page asks
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Reset Main?" in text
    assert "1 open order will be cancelled" in text
    account.refresh_from_db()
    assert account.epoch == 1
    # when: confirmed
    done = client.post(f"{PAGE}accounts/{account.pk}/reset/", follow=True)
    # then
    account.refresh_from_db()
    assert account.epoch == 2
    assert _balance(account, "USDT") == Decimal("10000")
    assert _balance(account, "BTC") == 0
    assert set(Order.objects.values_list("status", flat=True)) == {"filled", "canceled"}
    page = done.content.decode()
    assert "starts over with 10,000" in page
    assert "No orders in this epoch yet." in page
    assert f"?account={account.pk}&amp;epoch=1" in page
    # and the old epoch's history is still there
    old = client.get(f"{PAGE}?account={account.pk}&epoch=1").content.decode()
    assert old.count('data-status="filled"') == 1
    assert old.count('data-status="canceled"') == 1
    assert check_ledgers() == []


def test_only_paper_orders_of_this_account_are_listed(signed_in):
    # given: the user's exchange order on a connection, and an order on another paper account
    client, user = signed_in
    account = default_account(user=user)
    other = open_account(user=user, name="Other")
    connection_row = ExchangeConnection.objects.create(
        user=user,
        exchange="simulated",
        label="demo",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
    )
    live = Order.objects.create(
        user=user,
        connection=connection_row,
        mode="testnet",
        exchange="simulated",
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000"),
        status="open",
        client_order_id="live-1",
    )
    elsewhere = place_order(
        user=user,
        account=other,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=Decimal("0.01"),
        price=Decimal("1000.00"),
    ).order
    # when
    page = client.get(f"{PAGE}?account={account.pk}").content.decode()
    # then
    assert f'data-order-id="{live.pk}"' not in page
    assert f'data-order-id="{elsewhere.pk}"' not in page
    assert "TESTNET" not in page
    # and an exchange order cannot be cancelled from here
    assert client.post(f"{PAGE}orders/{live.pk}/cancel/").status_code == 404


def test_the_live_part_renders_orders_and_portfolio_alone(signed_in):
    client, user = signed_in
    account = default_account(user=user)
    client.post(PAGE, _ticket())
    part = client.get(f"{PAGE}live/?account={account.pk}").content.decode()
    for part_id in ("portfolio-summary", "holdings", "open-orders", "order-history"):
        assert f'id="{part_id}"' in part
    assert "<html" not in part
    assert 'data-asset="BTC"' in part


def test_the_fill_rules_are_served_from_the_docs(client):
    response = client.get(f"{PAGE}how-fills-work.md")
    assert response.status_code == 200
    assert "# Paper trading" in response.content.decode()


def _queries_for_page(client, account: PaperAccount) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{PAGE}?account={account.pk}").status_code == 200
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    # given: one order of each kind
    client, user = signed_in
    account = default_account(user=user)
    client.post(PAGE, _ticket())
    client.post(PAGE, _ticket(type="limit", price="1000.00"))
    few = _queries_for_page(client, account)
    # when: many more orders, fills and snapshots
    for n in range(8):
        client.post(PAGE, _ticket(symbol="ETH/USDT", amount="0.01", client_order_id=f"m{n}"))
        client.post(PAGE, _ticket(type="limit", price=f"{1000 + n}.00", client_order_id=f"l{n}"))
    assert Order.objects.filter(paper_account=account).count() == 18
    # then: the same number of queries, and few of them
    assert _queries_for_page(client, account) == few
    with django_assert_max_num_queries(12):
        client.get(f"{PAGE}?account={account.pk}")


@pytest.mark.parametrize(
    ("filter_name", "value", "shown", "_case"),
    [
        ("money", Decimal("9505.555"), "9,505.56", "money rounds half-even to cents"),
        ("money", None, "—", "unknown money"),
        ("coin", Decimal("0.009990000000000000"), "0.00999", "coin without trailing zeros"),
        ("coin", Decimal("0.123456789"), "0.12345678", "coin rounds down to 8 decimals"),
        ("price", Decimal("49493.11311311"), "49,493.11", "a price from 1 up has cents"),
        ("price", Decimal("0.55120000"), "0.5512", "a small price keeps its digits"),
        ("pnl", Decimal("12.344"), "+12.34", "a gain is signed"),
        ("pnl", Decimal("-0.44"), "\N{MINUS SIGN}0.44", "a loss is signed"),
        ("pnl_class", Decimal("-0.004"), "", "a loss under a cent is not coloured"),
        ("pnl_class", Decimal("3"), "gain", "a gain is coloured"),
    ],
)
def test_number_formats(filter_name, value, shown, _case):
    assert getattr(paper_format, filter_name)(value) == shown
