"""What the rules read: a user's trades (orders with fills) in a time window, in US dollars.

A trade is an order with at least one fill. Its value is its fills' price times amount (the same
figures the order service adds up into `Order.filled_quote`), in the market's quote asset,
turned into dollars by `compliance.valuation.usd_value`. A quote asset without a known price
cannot be compared with a dollar threshold: such trades are left out of sums and counted
under `unpriced` in the facts, so an officer sees that something was not valued.

Times are the fills' `executed_at` (when the market traded), not when the order was placed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Max, Min, Sum

from compliance.valuation import usd_value
from trading.models import Fill, Order

_QUOTE = ExpressionWrapper(F("price") * F("amount"), output_field=DecimalField())


CENT = Decimal("0.01")


def plain(value: Decimal) -> str:
    """An amount without trailing zeros or exponent: 0.100000 -> "0.1", 5E+3 -> "5000"."""
    return format(value.normalize(), "f")


def dollars(value: Decimal) -> str:
    """A dollar figure to the cent, for facts: 4999.999 -> "5000.00"."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def quote_asset(symbol: str) -> str:
    """`USDT` for `BTC/USDT` (and for a derivative's `BTC/USDT:USDT`)."""
    return symbol.split("/", 1)[-1].split(":", 1)[0].upper()


@dataclass(frozen=True)
class Trade:
    """One order's fills inside a window."""

    order_id: int
    symbol: str
    side: str
    mode: str
    account: str  # "paper:<id>" or "connection:<id>": which of the user's accounts
    amount: Decimal  # base asset filled in the window
    quote: Decimal  # quote asset traded in the window
    usd: Decimal | None  # None when the quote asset has no price
    first_fill_at: datetime
    last_fill_at: datetime

    @property
    def price(self) -> Decimal:
        return self.quote / self.amount

    def facts(self) -> dict[str, str | int | None]:
        return {
            "order_id": self.order_id,
            "symbol": self.symbol,
            "side": self.side,
            "mode": self.mode,
            "account": self.account,
            "amount": plain(self.amount),
            "quote": plain(self.quote),
            "quote_asset": quote_asset(self.symbol),
            "usd": None if self.usd is None else dollars(self.usd),
            "first_fill_at": self.first_fill_at.isoformat(),
            "last_fill_at": self.last_fill_at.isoformat(),
        }


def account_of(paper_account_id: int | None, connection_id: int | None) -> str:
    return (
        f"paper:{paper_account_id}"
        if paper_account_id is not None
        else f"connection:{connection_id}"
    )


def trades_between(
    *,
    user_id: int,
    modes: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
    symbol: str | None = None,
    order_ids: Iterable[int] | None = None,
) -> list[Trade]:
    """The user's trades with fills executed in [since, until] (either end open when None),
    per order, oldest first; only those orders with `order_ids`.

    One aggregate query over the user's fills (through the order's user index).
    """
    fills = Fill.objects.filter(order__user_id=user_id, order__mode__in=list(modes))
    if since is not None:
        fills = fills.filter(executed_at__gte=since)
    if until is not None:
        fills = fills.filter(executed_at__lte=until)
    if symbol is not None:
        fills = fills.filter(order__symbol=symbol)
    if order_ids is not None:
        fills = fills.filter(order_id__in=list(order_ids))
    rows = (
        fills.values(
            "order_id",
            "order__symbol",
            "order__side",
            "order__mode",
            "order__paper_account_id",
            "order__connection_id",
        )
        .annotate(
            filled=Sum("amount"),
            traded=Sum(_QUOTE),
            first=Min("executed_at"),
            last=Max("executed_at"),
        )
        .order_by("first", "order_id")
    )
    return [
        Trade(
            order_id=row["order_id"],
            symbol=row["order__symbol"],
            side=row["order__side"],
            mode=row["order__mode"],
            account=account_of(row["order__paper_account_id"], row["order__connection_id"]),
            amount=row["filled"],
            quote=row["traded"],
            usd=usd_value(quote_asset(row["order__symbol"]), row["traded"]),
            first_fill_at=row["first"],
            last_fill_at=row["last"],
        )
        for row in rows
    ]


def count_trades(*, user_id: int, modes: Sequence[str], since: datetime, until: datetime) -> int:
    """How many of the user's orders had a fill executed in [since, until]."""
    return (
        Fill.objects.filter(
            order__user_id=user_id,
            order__mode__in=list(modes),
            executed_at__gte=since,
            executed_at__lte=until,
        )
        .values("order_id")
        .distinct()
        .count()
    )


def whole_trade(order: Order) -> Trade | None:
    """The order's trade over all its fills (None when it has none)."""
    span = order.fills.aggregate(first=Min("executed_at"), last=Max("executed_at"))
    if span["first"] is None or order.filled_amount <= 0:
        return None
    return Trade(
        order_id=order.pk,
        symbol=order.symbol,
        side=order.side,
        mode=order.mode,
        account=account_of(order.paper_account_id, order.connection_id),
        amount=order.filled_amount,
        quote=order.filled_quote,
        usd=usd_value(quote_asset(order.symbol), order.filled_quote),
        first_fill_at=span["first"],
        last_fill_at=span["last"],
    )


@dataclass(frozen=True)
class Total:
    usd: Decimal
    order_ids: list[int]
    unpriced: dict[str, str]  # quote asset -> amount that could not be valued


def total_of(trades: Iterable[Trade]) -> Total:
    usd_sum = Decimal(0)
    order_ids: list[int] = []
    unpriced: dict[str, Decimal] = {}
    for trade in trades:
        order_ids.append(trade.order_id)
        if trade.usd is None:
            asset = quote_asset(trade.symbol)
            unpriced[asset] = unpriced.get(asset, Decimal(0)) + trade.quote
        else:
            usd_sum += trade.usd
    return Total(
        usd=usd_sum,
        order_ids=order_ids,
        unpriced={asset: plain(amount) for asset, amount in unpriced.items()},
    )
