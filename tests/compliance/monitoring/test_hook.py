"""The order service's hook: `apply_ack` queues monitoring after commit when an order gets
fills: always for live orders, for paper and testnet orders only while a rule includes them."""

from decimal import Decimal

import pytest
from django.utils import timezone

from compliance.monitoring.hooks import PRACTICE_MONITORED_KEY
from tests.factories.monitoring import live_connection, paper_account
from trading.exchanges.base import Fill, OrderAck, OrderSide, OrderType, VenueOrderStatus
from trading.models import Order, OrderStatus
from trading.services.order_updates import apply_ack

pytestmark = pytest.mark.django_db
D = Decimal


def _open_order(account, *, paper: bool) -> Order:
    return Order.objects.create(
        user=account.user,
        paper_account=account if paper else None,
        connection=None if paper else account,
        mode="paper" if paper else "live",
        exchange="paper" if paper else "binance",
        symbol="BTC/USDT",
        side="buy",
        type="limit",
        amount=D("0.2"),
        price=D("50000"),
        status=OrderStatus.OPEN,
        client_order_id="hook-1",
    )


def _ack(order: Order, *, fills: int, status=VenueOrderStatus.PARTIALLY_FILLED) -> OrderAck:
    return OrderAck(
        exchange_order_id="x1",
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=OrderSide.BUY,
        type=OrderType.LIMIT,
        status=status,
        amount=D("0.2"),
        filled=D("0.1") * fills,
        price=D("50000"),
        average_price=None,
        timestamp=timezone.now(),
        fills=tuple(
            Fill(f"f{n}", D("50000"), D("0.1"), D(0), "BTC", False, timezone.now())
            for n in range(fills)
        ),
    )


def _queued(callbacks) -> list[str]:
    return [getattr(callback, "__qualname__", "") for callback in callbacks]


def test_a_live_partial_fill_queues_monitoring_and_a_status_change_alone_does_not(
    user, django_capture_on_commit_callbacks
):
    order = _open_order(live_connection(user), paper=False)
    with django_capture_on_commit_callbacks() as partly:
        apply_ack(order=order, ack=_ack(order, fills=1))
    with django_capture_on_commit_callbacks() as nothing_new:
        apply_ack(order=order, ack=_ack(order, fills=1, status=VenueOrderStatus.CANCELED))
    assert any("monitor_order_on_commit" in name for name in _queued(partly))
    assert not any("monitor_order_on_commit" in name for name in _queued(nothing_new))


def test_a_paper_fill_is_monitored_only_while_a_rule_includes_paper(
    user, rules, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    order = _open_order(paper_account(user), paper=True)
    with django_capture_on_commit_callbacks() as by_default:
        apply_ack(order=order, ack=_ack(order, fills=1))
    assert not any("monitor_order_on_commit" in name for name in _queued(by_default))
    # when: a rule includes paper (the admin drops the cached answer on save)
    rules["velocity"].include_paper = True
    rules["velocity"].save(update_fields=["include_paper"])
    cache.delete(PRACTICE_MONITORED_KEY)
    with django_capture_on_commit_callbacks() as included:
        apply_ack(order=order, ack=_ack(order, fills=2))
    assert any("monitor_order_on_commit" in name for name in _queued(included))
