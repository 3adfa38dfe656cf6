"""Read queries of the paper trading pages: accounts, orders, markets, the equity curve."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from papertrading.models import EquitySnapshot, LedgerEntry, PaperAccount
from trading.models import Market, Order, OrderStatus, TradingMode
from trading.selectors import default_exchange

OPEN_ORDER_STATUSES = (OrderStatus.NEW, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
HISTORY_LIMIT = 100
EQUITY_POINTS_LIMIT = 5000


def accounts_of(*, user: User) -> QuerySet[PaperAccount]:
    """The user's paper accounts, oldest first (the first one is the default)."""
    return PaperAccount.objects.filter(user=user).order_by("pk")


def paper_orders(*, account: PaperAccount) -> QuerySet[Order]:
    """The account's paper orders with their fills (one extra query for all of them).

    Filters on `mode` too: only paper orders are ever listed on the paper trading page.
    """
    return (
        Order.objects.filter(paper_account=account, mode=TradingMode.PAPER)
        .prefetch_related("fills")
        .order_by("-created_at", "-pk")
    )


def open_orders(*, account: PaperAccount) -> list[Order]:
    return list(paper_orders(account=account).filter(status__in=OPEN_ORDER_STATUSES))


def order_history(*, account: PaperAccount, epoch: int, limit: int = HISTORY_LIMIT) -> list[Order]:
    """The newest `limit` orders of one epoch, open ones included."""
    return list(paper_orders(account=account).filter(epoch=epoch)[:limit])


def own_paper_order(*, user: User, order_id: int) -> Order:
    """One of the user's paper orders; anything else (another user's, an exchange order) 404s."""
    order = (
        Order.objects.filter(
            user=user, pk=order_id, mode=TradingMode.PAPER, paper_account__user=user
        )
        .only("pk", "paper_account_id")
        .first()
    )
    if order is None:
        raise Order.DoesNotExist
    return order


def tradable_markets(*, account: PaperAccount) -> list[Market]:
    """Active markets quoted in the account's currency (the only ones it can trade)."""
    return list(
        Market.objects.filter(
            exchange=default_exchange(), active=True, quote=account.base_currency
        ).order_by("symbol")
    )


@dataclass(frozen=True)
class EquityPoint:
    time: int  # unix seconds, as lightweight-charts takes them
    value: str  # a decimal string: no float leaves the server


def equity_curve(
    *, account: PaperAccount, epoch: int, limit: int = EQUITY_POINTS_LIMIT
) -> list[EquityPoint]:
    """The epoch's equity snapshots, oldest first, one point per second (the last one wins).

    Several snapshots in one second (fills of one order) would be refused by the chart, which
    needs strictly increasing times.
    """
    rows = (
        EquitySnapshot.objects.filter(account=account, epoch=epoch)
        .order_by("-taken_at", "-pk")
        .values_list("taken_at", "equity")[:limit]
    )
    points: dict[int, str] = {}
    for taken_at, equity in reversed(list(rows)):
        points[int(taken_at.timestamp())] = f"{equity:.2f}"
    return [EquityPoint(time, value) for time, value in points.items()]


def ledger_of(*, account: PaperAccount, epoch: int | None = None) -> QuerySet[LedgerEntry]:
    """The account's ledger rows of one epoch (default: the current one), newest first."""
    return LedgerEntry.objects.filter(account=account, epoch=epoch or account.epoch).order_by("-id")


def snapshots_of(
    *, account: PaperAccount, epoch: int | None = None, limit: int = EQUITY_POINTS_LIMIT
) -> list[EquitySnapshot]:
    """The newest `limit` snapshots of one epoch (default: current), oldest first."""
    rows = EquitySnapshot.objects.filter(account=account, epoch=epoch or account.epoch)
    return list(reversed(list(rows.order_by("-taken_at", "-id")[:limit])))
