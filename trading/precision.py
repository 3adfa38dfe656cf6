"""Quantization of amounts, prices and fees to a market's precision: the only place that rounds.

Every function names its rounding mode. Values are `Decimal` in and out, never `float`. Steps
come from the venue's `MarketInfo` (`amount_step`, `price_tick`) and may be written either way
a venue reports them, e.g. `Decimal("0.00001000")` or `Decimal("1E-5")`; both mean the same step,
and results are written with the step's significant exponent (`0.00123`, not `0.00123000`).

Steps need not be powers of ten (a tick of `0.05` or `0.5` works): a value is rounded to a whole
number of steps, exactly, for every `decimal` rounding mode.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_UP,
    Decimal,
    localcontext,
)

from cryptopulse.errors import ApplicationError
from trading.exchanges.base import MarketInfo, OrderSide

# Enough digits for any price x amount we trade (38 digits, 18 decimals in the DB) plus room,
# so that dividing by a step never rounds before we choose how to round.
_PRECISION = 60
_HALF = Decimal("0.5")
_BELOW_HALF = Decimal("0.25")
_ABOVE_HALF = Decimal("0.75")


class PrecisionError(ApplicationError):
    """An amount or price the market does not accept; `code` says which rule, `field` which input.

    Codes: `invalid_amount`, `invalid_price`, `amount_not_on_step`, `price_not_on_tick`,
    `amount_below_minimum`, `amount_above_maximum`, `cost_below_minimum`.
    """

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(code, message, field)


def quantize_to_step(value: Decimal, *, step: Decimal, rounding: str) -> Decimal:
    """Round `value` to a whole multiple of `step` with the `decimal` rounding mode `rounding`.

    Exact for every mode: the remainder of `value / step` is computed exactly (`divmod`), and
    only its position relative to half a step decides, as in `Decimal.quantize`.
    """
    if not step.is_finite() or step <= 0:
        raise ValueError(f"step must be a positive number, not {step!r}")
    if not value.is_finite():
        raise ValueError(f"value must be a finite number, not {value!r}")
    with localcontext() as context:
        context.prec = _PRECISION
        whole, remainder = divmod(value, step)  # whole truncated toward zero; remainder exact
        if remainder:
            twice = abs(remainder) * 2
            fraction = _HALF if twice == step else _BELOW_HALF if twice < step else _ABOVE_HALF
            # A stand-in with the same integer part, sign and side of one half as the true
            # quotient: `to_integral_value` then rounds it exactly as it would the quotient.
            sign = -1 if value < 0 else 1
            whole = (whole + sign * fraction).to_integral_value(rounding=rounding)
        exponent = step.normalize().as_tuple().exponent
        if not isinstance(exponent, int):  # only NaN and infinities have a letter here
            raise ValueError(f"step must be finite, not {step!r}")
        # Written with the step's significant exponent (and never in E+ notation).
        return (whole * step).quantize(Decimal(1).scaleb(min(0, exponent)))


def quantize_amount(value: Decimal, *, market: MarketInfo) -> Decimal:
    """Round an order amount `ROUND_DOWN` to the market's `amount_step`.

    Down, so that an order never asks for more than the caller meant (or holds).
    """
    return quantize_to_step(value, step=market.amount_step, rounding=ROUND_DOWN)


def quantize_price(
    value: Decimal, *, market: MarketInfo, rounding: str = ROUND_HALF_EVEN
) -> Decimal:
    """Round a price to the market's `price_tick`; by default `ROUND_HALF_EVEN` (nearest tick).

    The nearest tick suits prices derived from data (a stop at "last - 2 %", a displayed value).
    A limit price the user typed is passed with `limit_price_rounding(side)`: buy limits round
    down (`ROUND_FLOOR`) and sell limits up (`ROUND_CEILING`), so rounding never makes an order
    pay more or accept less than asked.
    """
    return quantize_to_step(value, step=market.price_tick, rounding=rounding)


def limit_price_rounding(side: OrderSide) -> str:
    """The rounding mode for a limit price on `side`: never worse for the trader than asked."""
    return ROUND_FLOOR if side == OrderSide.BUY else ROUND_CEILING


def quantize_fee(value: Decimal, *, step: Decimal) -> Decimal:
    """Round a fee `ROUND_UP` to `step`: a fee we book is never less than the venue charges."""
    return quantize_to_step(value, step=step, rounding=ROUND_UP)


def check_limits(*, market: MarketInfo, amount: Decimal, price: Decimal | None) -> None:
    """Raise `PrecisionError` unless an already quantized order fits the market's limits.

    Checks, in order: amount positive and on the step; price (when given) positive and on the
    tick; amount within `min_amount`..`max_amount`; notional `amount * price` at least
    `min_cost`. `price` is the limit price, or for a market order an estimate (the last price);
    with `price=None` the notional is not checked.
    """
    if amount <= 0:
        raise PrecisionError("invalid_amount", "The amount must be positive.", "amount")
    if quantize_amount(amount, market=market) != amount:
        raise PrecisionError(
            "amount_not_on_step",
            f"The amount {amount} is not a multiple of the step {_plain(market.amount_step)}.",
            "amount",
        )
    if price is not None:
        if price <= 0:
            raise PrecisionError("invalid_price", "The price must be positive.", "price")
        if quantize_to_step(price, step=market.price_tick, rounding=ROUND_DOWN) != price:
            raise PrecisionError(
                "price_not_on_tick",
                f"The price {price} is not a multiple of the tick {_plain(market.price_tick)}.",
                "price",
            )
    if market.min_amount is not None and amount < market.min_amount:
        raise PrecisionError(
            "amount_below_minimum",
            f"The amount {amount} {market.base} is below the minimum "
            f"{_plain(market.min_amount)} {market.base}.",
            "amount",
        )
    if market.max_amount is not None and amount > market.max_amount:
        raise PrecisionError(
            "amount_above_maximum",
            f"The amount {amount} {market.base} is above the maximum "
            f"{_plain(market.max_amount)} {market.base}.",
            "amount",
        )
    if price is not None and market.min_cost is not None:
        cost = amount * price
        if cost < market.min_cost:
            raise PrecisionError(
                "cost_below_minimum",
                f"The order is worth {_plain(cost)} {market.quote}, below the minimum "
                f"{_plain(market.min_cost)} {market.quote}.",
                "amount",
            )


def _plain(value: Decimal) -> str:
    """`1E-5` as `0.00001` and `5.00000000` as `5`, for messages people read."""
    return format(value.normalize(), "f")
