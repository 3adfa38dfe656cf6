"""Number formats of the paper trading pages, computed on Decimals (never through float)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from django import template

from trading.models import Order

register = template.Library()

_CENT = Decimal("0.01")
_COIN_UNIT = Decimal("1E-8")
_DASH = "—"
_MINUS = "\N{MINUS SIGN}"  # typographic, the width of a plus sign in tabular figures


def _as_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@register.filter
def money(value: object) -> str:
    """A quote-currency sum: 2 decimals (half-even), thousands grouped; — when unknown."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    return f"{number.quantize(_CENT, rounding=ROUND_HALF_EVEN):,}"


@register.filter
def coin(value: object) -> str:
    """An amount of coin: up to 8 decimals (rounded down), without trailing zeros."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    shown = number.quantize(_COIN_UNIT, rounding=ROUND_DOWN).normalize()
    return f"{shown:,f}"


@register.filter
def price(value: object) -> str:
    """A price, half-even: 2 decimals from 1 up (65,000.12), else up to 8 (0.5512)."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    if abs(number) >= 1:
        return f"{number.quantize(_CENT, rounding=ROUND_HALF_EVEN):,}"
    shown = number.quantize(_COIN_UNIT, rounding=ROUND_HALF_EVEN).normalize()
    return f"{shown:f}" if shown else "0.00"


@register.filter
def pnl(value: object) -> str:
    """A profit or loss in the quote currency, signed: +12.34, or -5.00 with a minus sign."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    rounded = number.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if rounded > 0:
        return f"+{rounded:,}"
    if rounded < 0:
        return f"{_MINUS}{-rounded:,}"
    return f"{abs(rounded):,}"


@register.filter
def pnl_class(value: object) -> str:
    """`gain`, `loss` or nothing, for colouring a P&L cell."""
    number = _as_decimal(value)
    if number is None or number.quantize(_CENT, rounding=ROUND_HALF_EVEN) == 0:
        return ""
    return "gain" if number > 0 else "loss"


@register.filter
def base_asset(symbol: str) -> str:
    """BTC of BTC/USDT."""
    return symbol.partition("/")[0]


@register.filter
def quote_asset(symbol: str) -> str:
    """USDT of BTC/USDT."""
    return symbol.partition("/")[2]


@register.filter
def fees(order: Order) -> str:
    """The fees an order paid, from its (prefetched) fills: `0.00001 BTC`, or —."""
    fills = list(order.fills.all())
    if not fills:
        return _DASH
    total = sum((fill.fee for fill in fills), Decimal(0))
    return f"{coin(total)} {fills[0].fee_asset}"
