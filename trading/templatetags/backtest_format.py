"""How the backtest pages show a report's figures.

A report carries money as 8-decimal strings and percentages and ratios as JSON numbers
(`trading/backtest/report.py`); `null` is an undefined statistic, shown as a dash. Money
goes through paper_format's Decimal formats (never float).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django import template

from papertrading.templatetags.paper_format import pnl_class, price

register = template.Library()

_DASH = "—"
_MINUS = "\N{MINUS SIGN}"
_HUNDREDTH = Decimal("0.01")


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _with_sign(text: str, number: Decimal) -> str:
    """`text` (the magnitude, formatted) with a + or a minus sign; none when it shows 0."""
    if Decimal(text.replace(",", "")) == 0:
        return text
    return f"+{text}" if number > 0 else f"{_MINUS}{text}"


@register.filter
def percent(value: Any) -> str:
    """54.55 %: 2 decimals, half-even."""
    text = ratio(value)
    return text if text == _DASH else f"{text} %"


@register.filter
def signed_percent(value: Any) -> str:
    """+12.34 % or -5.00 % (with a minus sign): a change, with its sign."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    magnitude = abs(number).quantize(_HUNDREDTH, rounding=ROUND_HALF_EVEN)
    return _with_sign(f"{magnitude:,}", number) + " %"


@register.filter
def ratio(value: Any) -> str:
    """A ratio (Sharpe, profit factor, …): 2 decimals, half-even."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    magnitude = abs(number).quantize(_HUNDREDTH, rounding=ROUND_HALF_EVEN)
    return f"{magnitude:,}" if number >= 0 else _with_sign(f"{magnitude:,}", number)


@register.filter
def amount(value: Any) -> str:
    """Money or a rate: 2 decimals from 1 up, else up to 8 (paper_format's `price`)."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    text = price(abs(number))
    return text if number >= 0 else _with_sign(text, number)


@register.filter
def signed_amount(value: Any) -> str:
    """A profit or loss: +12.35, or -0.00012345 with a minus sign."""
    number = _as_decimal(value)
    if number is None:
        return _DASH
    return _with_sign(price(abs(number)), number)


@register.filter
def sign_class(value: Any) -> str:
    """`gain`, `loss` or nothing (paper_format's `pnl_class`, for percentages too)."""
    return pnl_class(value)


@register.filter
def duration(seconds: Any) -> str:
    """2 d 3 h, 3 h 05 min, 12 min; — when unknown."""
    if seconds is None or seconds == "":
        return _DASH
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.filter
def moment(value: Any) -> str:
    """An ISO time of the report as 2026-01-01 00:00 (UTC)."""
    if not value:
        return _DASH
    moment_ = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment_.strftime("%Y-%m-%d %H:%M")


@register.filter
def count(value: Any) -> str:
    """1,234; — when unknown."""
    return _DASH if value is None or value == "" else f"{int(value):,}"


@register.filter
def plain(value: Any) -> str:
    """A setting as typed: 0.001, 3, fixed; — when not set."""
    if value is None or value == "":
        return _DASH
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@register.filter
def item(mapping: dict[str, Any], key: str) -> Any:
    """`mapping[key]` (a report row's field named by a variable)."""
    return mapping.get(key)


FORMATS = {
    "percent": percent,
    "signed_percent": signed_percent,
    "ratio": ratio,
    "amount": amount,
    "signed_amount": signed_amount,
    "duration": duration,
    "moment": moment,
    "count": count,
    "plain": plain,
}


@register.filter
def figure(value: Any, kind: str) -> str:
    """`value` in the format `kind` names (one of FORMATS)."""
    return FORMATS[kind](value)


@register.filter
def figure_class(value: Any, kind: str) -> str:
    """The colour of a signed figure; nothing for the others."""
    return sign_class(value) if kind.startswith("signed") else ""
