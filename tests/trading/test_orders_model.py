"""Orders and their status map (the order service builds on these)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from papertrading.services import open_account
from tests.factories import UserFactory
from trading.models import Order, OrderStatus
from trading.order_status import ALLOWED, FINAL, IllegalTransition, transition

pytestmark = pytest.mark.django_db


def _order(account, **fields) -> Order:
    values = {
        "user": account.user,
        "paper_account": account,
        "mode": "paper",
        "exchange": "simulated",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "amount": Decimal("0.01"),
        "price": Decimal("50000"),
        "client_order_id": "c-1",
        **fields,
    }
    return Order.objects.create(**values)


@pytest.fixture
def account():
    return open_account(user=UserFactory.create())


@pytest.mark.parametrize(
    "path",
    [
        ["open", "partially_filled", "partially_filled", "filled"],
        ["open", "canceled"],
        ["partially_filled", "canceled"],
        ["rejected"],
        ["filled"],
        ["open", "expired"],
    ],
)
def test_allowed_paths(account, path):
    order = _order(account)
    for status in path:
        transition(order, OrderStatus(status))
    order.refresh_from_db()
    assert order.status == path[-1]
    assert (order.closed_at is not None) == (path[-1] in FINAL)


@pytest.mark.parametrize(
    ("start", "to"),
    [("filled", "open"), ("canceled", "filled"), ("open", "new"), ("rejected", "open")],
)
def test_illegal_moves_are_refused_with_409(account, start, to):
    order = _order(account, status=start)
    with pytest.raises(IllegalTransition, match=f"An order that is {start} cannot become {to}"):
        transition(order, OrderStatus(to))
    order.refresh_from_db()
    assert order.status == start
    assert IllegalTransition.status == 409


def test_every_status_has_its_moves_declared():
    assert set(ALLOWED) == set(OrderStatus.values)
    assert {"filled", "canceled", "rejected", "expired"} == FINAL


def test_a_client_order_id_is_unique_per_account_only(account):
    _order(account, client_order_id="same")
    other = open_account(user=UserFactory.create())
    _order(other, client_order_id="same")  # another account: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _order(account, client_order_id="same")


@pytest.mark.parametrize(
    ("fields", "_case"),
    [
        ({"paper_account": None}, "no account at all"),
        ({"amount": None}, "no size"),
        ({"amount": Decimal("-1")}, "negative size"),
        ({"quote_amount": Decimal("100")}, "both an amount and a quote amount"),
    ],
)
def test_the_database_refuses_impossible_orders(account, fields, _case):
    with pytest.raises(IntegrityError), transaction.atomic():
        _order(account, **fields)
