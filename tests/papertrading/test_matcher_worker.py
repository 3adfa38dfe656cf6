"""The matcher in a real Celery worker: a resting limit filled end to end."""

import time
from decimal import Decimal

import pytest

from papertrading.services import check_ledgers, open_account
from papertrading.tasks import match_orders
from tests.factories import UserFactory
from trading.exchanges.registry import get_venue
from trading.models import Order
from trading.services.feed import publish_once
from trading.services.orders import place_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
D = Decimal


def _wait_for_status(order: Order, status: str, timeout_s: float = 30) -> Order:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status == status:
            return order
        time.sleep(0.2)
    pytest.fail(f"order {order.pk} is {order.status}, not {status}, after {timeout_s}s")


def test_the_worker_fills_a_resting_limit_when_the_price_trades_through(
    celery_worker_process, simulated_markets
):
    # given
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    order = place_order(
        user=account.user,
        account=account,
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=D("0.01"),
        price=D("1000.00"),
    ).order
    assert order.status == "open"
    # when: the task the market feed sends for each new set of prices
    changed = match_orders.delay("simulated", {"BTC/USDT": "999.00"}).get(timeout=30)
    # then
    assert changed == 1
    order.refresh_from_db()
    assert (order.status, order.filled_amount, order.average_price) == (
        "filled",
        D("0.01"),
        D("1000.00"),
    )
    assert check_ledgers() == []


def test_the_market_feed_hands_its_prices_to_the_worker(celery_worker_process, simulated_markets):
    # given: 0.01 BTC bought, and a limit sell for it resting far above the market
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    place_order(
        user=account.user,
        account=account,
        symbol="BTC/USDT",
        side="buy",
        type="market",
        amount=D("0.01"),
    )
    sell = place_order(
        user=account.user,
        account=account,
        symbol="BTC/USDT",
        side="sell",
        type="limit",
        amount=D("0.005"),
        price=D("9999999.00"),
    ).order
    assert sell.status == "open"
    # The market "rallies" past the limit: lower it under the live price instead (a sell locks
    # its base amount, so the funds it holds do not depend on the price).
    Order.objects.filter(pk=sell.pk).update(price=D("1.00"))
    # when: one publish of the live feed
    publish_once(venue=get_venue(exchange="simulated"), exchange="simulated", symbols=["BTC/USDT"])
    # then: the worker fills it at its limit price, as maker
    sell = _wait_for_status(sell, "filled")
    (fill,) = sell.fills.all()
    assert (fill.price, fill.is_maker) == (D("1.00"), True)
    assert check_ledgers() == []
