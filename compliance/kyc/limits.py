"""The live trading limits a KYC level sets, and how much of them a user has used.

Limits come from `settings.KYC_LIMITS_USD` (USD per UTC day and per calendar month, per level).
Usage is the user's live orders placed since the start of the day / month: what they filled
(`filled_quote`) plus what their resting orders may still fill at their limit or stop price,
valued in US dollars (compliance.valuation). Resting orders count so that many limit orders,
each within the limit, cannot fill together past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import User
from compliance.valuation import usd_value
from trading.models import Order, OrderStatus, TradingMode

_RESTING = (OrderStatus.NEW, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
_AMOUNT = DecimalField(max_digits=38, decimal_places=18)


@dataclass(frozen=True)
class LevelLimits:
    level: int
    daily_usd: Decimal
    monthly_usd: Decimal


@dataclass(frozen=True)
class Usage:
    """USD volume of live orders since 00:00 UTC today and since the 1st of the month."""

    today_usd: Decimal
    month_usd: Decimal


class UnvaluedVolume(Exception):
    """An asset the volume is in has no US dollar price right now."""

    def __init__(self, asset: str) -> None:
        super().__init__(asset)
        self.asset = asset


def limits_for(level: int) -> LevelLimits | None:
    """The level's limits; None for level 0, which trades no live orders at all."""
    row = settings.KYC_LIMITS_USD.get(level)
    if row is None:
        return None
    return LevelLimits(level, Decimal(row["daily"]), Decimal(row["monthly"]))


def review_days(level: int) -> int:
    return int(settings.KYC_REVIEW_DAYS[level])


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """00:00 UTC of today and of the 1st of this month."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def quote_of(symbol: str) -> str:
    """The quote asset of a symbol: `BTC/USDT` and `BTC/USDT:USDT` are quoted in USDT."""
    return symbol.split("/", 1)[-1].split(":", 1)[0]


def live_usage(*, user: User, now: datetime) -> Usage:
    """The user's live volume today and this month, in USD (see the module docstring).

    One query over the user's orders of this month (the `order_user_recent` index on
    user, created_at), summed per symbol in the database. Raises UnvaluedVolume when a quote
    asset cannot be valued.
    """
    day_start, month_start = period_starts(now)
    remaining = ExpressionWrapper(
        (F("amount") - F("filled_amount")) * Coalesce(F("price"), F("stop_price")),
        output_field=_AMOUNT,
    )
    # Market orders still `new` have no price to value; they settle within a minute.
    committed = Case(
        When(
            Q(status__in=_RESTING, amount__isnull=False)
            & (Q(price__isnull=False) | Q(stop_price__isnull=False)),
            then=remaining,
        ),
        default=Value(Decimal(0)),
        output_field=_AMOUNT,
    )
    volume = ExpressionWrapper(F("filled_quote") + committed, output_field=_AMOUNT)
    zero = Value(Decimal(0), output_field=_AMOUNT)
    rows = (
        Order.objects.filter(user=user, mode=TradingMode.LIVE, created_at__gte=month_start)
        .exclude(status=OrderStatus.REJECTED)
        .values("symbol")
        .annotate(
            month=Coalesce(Sum(volume), zero),
            today=Coalesce(Sum(volume, filter=Q(created_at__gte=day_start)), zero),
        )
        .order_by()
    )
    today = month = Decimal(0)
    for row in rows:
        quote = quote_of(row["symbol"])
        month_value = usd_value(quote, row["month"])
        today_value = usd_value(quote, row["today"])
        if month_value is None or today_value is None:
            raise UnvaluedVolume(quote)
        month += month_value
        today += today_value
    return Usage(today_usd=today, month_usd=month)
