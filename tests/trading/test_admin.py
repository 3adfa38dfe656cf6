"""Officers review orders, fills, positions and connections in the admin, read-only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from papertrading.services import open_account
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory
from trading.services.connections import add_connection
from trading.services.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return login_with_second_factor(client, UserFactory.create(is_staff=True, is_superuser=True))


def test_orders_with_fills_positions_and_connections_are_viewable_not_editable(
    admin_client, simulated_markets
):
    # given
    trader = UserFactory.create(email="trader-7@example.com")
    account = open_account(user=trader)
    order = place_order(
        user=trader,
        account=account,
        symbol="BTC/USDT",
        side="buy",
        type="market",
        amount=Decimal("0.01"),
    ).order
    connection = add_connection(
        user=trader, exchange="simulated", label="sim", api_key="key-abcd", secret="s3cret-value"
    )
    # when
    pages = {
        name: admin_client.get(reverse(name, args=args))
        for name, args in [
            ("admin:trading_order_changelist", []),
            ("admin:trading_order_change", [order.pk]),
            ("admin:trading_market_changelist", []),
            ("admin:trading_exchangeconnection_change", [connection.pk]),
            ("admin:papertrading_paperposition_changelist", []),
            ("admin:papertrading_equitysnapshot_changelist", []),
        ]
    }
    # then
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert b"trader-7@example.com" in pages["admin:trading_order_changelist"].content
    detail = pages["admin:trading_order_change"].content
    assert order.fills.get().trade_id.encode() in detail
    assert b'name="_save"' not in detail
    connection_page = pages["admin:trading_exchangeconnection_change"].content
    assert b"s3cret-value" not in connection_page
    assert connection.secret_encrypted.encode() not in connection_page
    assert (
        admin_client.post(reverse("admin:trading_order_delete", args=[order.pk])).status_code == 403
    )


def test_staff_halt_all_bots_from_the_admin_and_lift_the_halt(admin_client):
    from trading.models import BotHalt

    # when
    added = admin_client.post(reverse("admin:trading_bothalt_add"), {"reason": "incident 42"})
    # then
    assert added.status_code == 302
    halt = BotHalt.objects.get(active=True)
    assert halt.reason == "incident 42"
    # when: lifted with the admin action
    lifted = admin_client.post(
        reverse("admin:trading_bothalt_changelist"),
        {"action": "lift", "_selected_action": [halt.pk]},
    )
    assert lifted.status_code == 302
    halt.refresh_from_db()
    assert (halt.active, halt.lifted_at is not None) == (False, True)
