"""The one place an order's status changes: allowed moves are listed, others refused."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from cryptopulse.errors import ApplicationError
from trading.models import Order, OrderStatus

S = OrderStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}),
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
    S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}
FINAL = frozenset(status for status, moves in ALLOWED.items() if not moves)


class IllegalTransition(ApplicationError):
    """A status move the map does not allow (HTTP 409: the order is in another state)."""

    status = 409


def transition(order: Order, to: OrderStatus, *, also: Sequence[str] = ()) -> tuple[str, str]:
    """Move `order` to `to` and save it with the fields in `also`; returns (old, new).

    Raises IllegalTransition. Callers hold the order's row lock; a final status also stamps
    `closed_at`. Staying in the same non-final status (an open order whose stop triggered, a
    partly filled one filling more) saves `also` without a move when the map allows it, or
    when the status is open.
    """
    old = order.status
    if to not in ALLOWED[old] and not (to == old == S.OPEN):
        raise IllegalTransition(
            "illegal_transition", f"An order that is {old} cannot become {to}.", "status"
        )
    order.status = to
    fields = ["status", "updated_at", *also]
    if to in FINAL:
        order.closed_at = timezone.now()
        fields.append("closed_at")
    order.save(update_fields=fields)
    return old, to
