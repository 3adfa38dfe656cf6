"""The shape of an order, checked before any venue sees it (paper or exchange).

`OrderSpec` is an order as placed, all Decimals; `check_shape` refuses one that lacks the
prices and amounts its type needs or carries ones it must not (`InvalidOrder`, HTTP 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cryptopulse.errors import ApplicationError
from trading.exchanges.base import OrderSide, OrderType, TimeInForce
from trading.precision import PrecisionError

STOP_TYPES = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT})


class InvalidOrder(ApplicationError):
    """An order whose shape the paper exchange refuses; `code` says why, `field` which input.

    Codes: `missing_amount`, `missing_price`, `missing_stop_price`, `unexpected_price`,
    `unexpected_stop_price`, `quote_amount_not_allowed`, `stop_would_trigger`, `no_liquidity`,
    `market_inactive`, `not_resting`.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field)


@dataclass(frozen=True)
class OrderSpec:
    """An order as placed: already quantized by the caller (amount on the step, prices on tick).

    Exactly one of `amount` (base) and `quote_amount` is set; `quote_amount` only on a market
    buy. `price` is the limit price (limit, stop-limit); `stop_price` the trigger (stop-loss,
    stop-limit, take-profit). Every number must be a finite `Decimal`: a float or int raises
    `TypeError` here, so no float ever reaches a computation.
    """

    side: OrderSide
    type: OrderType
    amount: Decimal | None = None
    quote_amount: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC

    def __post_init__(self) -> None:
        for name in ("amount", "quote_amount", "price", "stop_price"):
            value = getattr(self, name)
            if value is not None:
                require_decimal(value, name)


def require_decimal(value: object, name: str) -> Decimal:
    """`value` if it is a finite Decimal; floats (and ints) are refused with `TypeError`."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be finite, not {value}")
    return value


def check_shape(spec: OrderSpec) -> None:
    """Raise `InvalidOrder` unless `spec` has exactly the prices and amounts its type needs,
    each of them positive."""
    for name in ("amount", "quote_amount", "price", "stop_price"):
        value = getattr(spec, name)
        if value is not None and value <= 0:
            raise PrecisionError(
                "invalid_amount" if name.endswith("amount") else "invalid_price",
                f"The {name.replace('_', ' ')} must be positive.",
                name,
            )
    wants_price = spec.type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    wants_stop = spec.type in STOP_TYPES
    if wants_price and spec.price is None:
        raise InvalidOrder("missing_price", "This order type needs a limit price.", "price")
    if not wants_price and spec.price is not None:
        raise InvalidOrder("unexpected_price", "This order type takes no limit price.", "price")
    if wants_stop and spec.stop_price is None:
        raise InvalidOrder("missing_stop_price", "This order needs a stop price.", "stop_price")
    if not wants_stop and spec.stop_price is not None:
        raise InvalidOrder(
            "unexpected_stop_price", "This order type takes no stop price.", "stop_price"
        )
    if spec.quote_amount is not None and (
        spec.type != OrderType.MARKET or spec.side != OrderSide.BUY or spec.amount is not None
    ):
        raise InvalidOrder(
            "quote_amount_not_allowed",
            "Only a market buy may be given as a quote amount, and then without an amount.",
            "quote_amount",
        )
    if spec.amount is None and spec.quote_amount is None:
        raise InvalidOrder("missing_amount", "The order needs an amount.", "amount")
