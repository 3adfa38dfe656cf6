"""PostgreSQL aggregates the reports need and Django does not ship."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Aggregate, DurationField, Expression

HOUR_QUANTUM = Decimal("0.01")


class PercentileCont(Aggregate):
    """`percentile_cont(fraction) WITHIN GROUP (ORDER BY expr)`: the interpolated percentile
    of a duration (PostgreSQL computes it on intervals directly, to the microsecond)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Expression | str, *, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile fraction is between 0 and 1")
        # A float we choose, formatted into the SQL: never user input.
        super().__init__(
            expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra
        )


def hours(value: timedelta | None) -> str | None:
    """A duration in hours with two decimals (half up), as text; None stays None."""
    if value is None:
        return None
    seconds = Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 10**6
    return str((seconds / 3600).quantize(HOUR_QUANTUM, rounding=ROUND_HALF_UP))
