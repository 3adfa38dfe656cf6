"""Applying what a venue says about an order: fills, progress and status, then a push.

Every venue (paper or exchange) answers with an `OrderAck`; `apply_ack` turns it into Fill
rows and the order's new figures and status (through `trading.order_status.transition`), in
the caller's transaction. The owner's browser hears of it after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from compliance.monitoring.hooks import monitor_order_on_commit
from monitoring.tasks import notify_user
from trading.exchange_equity import forget_connection_equity_on_commit
from trading.exchanges.base import Fill as VenueFill
from trading.exchanges.base import OrderAck, VenueOrderStatus
from trading.models import Fill, Order, OrderStatus
from trading.order_status import transition

ORDER_NOTIFICATION = "order"
OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)

_STATUS_OF_ACK = {
    VenueOrderStatus.OPEN: OrderStatus.OPEN,
    VenueOrderStatus.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
    VenueOrderStatus.FILLED: OrderStatus.FILLED,
    VenueOrderStatus.CANCELED: OrderStatus.CANCELED,
    VenueOrderStatus.REJECTED: OrderStatus.REJECTED,
    VenueOrderStatus.EXPIRED: OrderStatus.EXPIRED,
}


def record_fills(*, order: Order, fills: Sequence[VenueFill]) -> list[Fill]:
    """Fill rows for the venue's fills this order does not have yet (by trade id)."""
    if not fills:
        return []
    known: set[str] = set()
    if order.filled_amount:
        known = set(order.fills.values_list("trade_id", flat=True))
    rows = [
        Fill(
            order=order,
            trade_id=fill.trade_id,
            price=fill.price,
            amount=fill.amount,
            fee=fill.fee,
            fee_asset=fill.fee_asset,
            is_maker=fill.is_maker,
            executed_at=fill.timestamp,
        )
        for fill in fills
        if fill.trade_id not in known
    ]
    return Fill.objects.bulk_create(rows)


def apply_ack(*, order: Order, ack: OrderAck) -> list[Fill]:
    """Record the ack's new fills and move the order to the ack's status, in one save.

    The filled figures are the order's own fills added up, so a repeated or partial ack never
    counts a fill twice. Returns the new Fill rows.
    """
    new_fills = record_fills(order=order, fills=ack.fills)
    fields = []
    if new_fills:
        order.filled_amount += sum((fill.amount for fill in new_fills), Decimal(0))
        order.filled_quote += sum((fill.price * fill.amount for fill in new_fills), Decimal(0))
        order.average_price = ack.average_price or (
            order.filled_quote / order.filled_amount if order.filled_amount else None
        )
        fields += ["filled_amount", "filled_quote", "average_price"]
    if ack.exchange_order_id and ack.exchange_order_id != order.exchange_order_id:
        order.exchange_order_id = ack.exchange_order_id
        fields.append("exchange_order_id")
    if ack.triggered and not order.triggered:
        order.triggered = True
        fields.append("triggered")
    status = _STATUS_OF_ACK[VenueOrderStatus(ack.status)]
    if status != order.status or fields:
        transition(order, status, also=fields)
    if new_fills:
        monitor_order_on_commit(order)  # compliance's transaction monitoring, after commit
    return new_fills


def order_payload(order: Order) -> dict[str, Any]:
    """The small JSON the browser gets when one of its orders changes."""
    return {
        "id": order.pk,
        "mode": order.mode,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "status": order.status,
        "filled_amount": str(order.filled_amount),
        "average_price": None if order.average_price is None else str(order.average_price),
        "paper_account": order.paper_account_id,
        "text": f"{order.side.title()} {order.symbol}: {order.get_status_display().lower()}",
    }


def push_order_update_on_commit(order: Order) -> None:
    """After commit, tell the owner's open pages about the order (nothing on rollback).

    A worker sends it: queueing a task costs the order a Redis push, where sending to the
    channel layer from this thread would cost it an event loop hop (~3 ms a call). Every
    change of an order passes here, so an exchange connection's cached equity (the risk
    policy's, trading.exchange_equity) is dropped here too.
    """
    user_id, payload = order.user_id, order_payload(order)
    transaction.on_commit(lambda: notify_user.delay(user_id, ORDER_NOTIFICATION, payload))
    if order.connection_id is not None:
        forget_connection_equity_on_commit(order.connection_id)


def cancel_open_orders_for_reset(*, account: Any) -> int:
    """Cancel a paper account's open orders as its reset empties the balances.

    The reset itself zeroes the locked funds, so nothing is unlocked here; the orders are
    marked cancelled through the status map and keep the epoch they were placed in.
    """
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .filter(paper_account=account, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    for order in orders:
        order.reject_reason = "Cancelled by the account reset."
        transition(order, OrderStatus.CANCELED, also=["reject_reason"])
        push_order_update_on_commit(order)
    return len(orders)
