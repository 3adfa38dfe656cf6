"""The paper exchange's books for an order: locked funds, fills, ledger, position, snapshot.

Runs inside the order's transaction, with the account locked. A buy spends locked quote and
receives base minus the fee; a sell spends locked base and receives quote minus the fee (fees
are in the received asset, see fill_model). When an order is done, whatever it still holds
goes back to free. What an order holds is read from the ledger itself: the sum of its
locked-bucket rows, so a cancel or a later fill never trusts a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from papertrading.fill_model import FillPlan, FundsLock, PlannedFill
from papertrading.ledger import Postings
from papertrading.locks import lock_balances
from papertrading.models import (
    LedgerBucket,
    LedgerEntry,
    LedgerKind,
    PaperAccount,
    PaperBalance,
    SnapshotReason,
)
from papertrading.portfolio import FillChange, apply_fills, take_snapshot
from trading.exchanges.base import Fill, MarketInfo, OrderSide


def held_by(*, account: PaperAccount, order_ref: str, asset: str) -> Decimal:
    """What the order still has locked: the sum of its locked-bucket ledger rows."""
    total = LedgerEntry.objects.filter(
        account=account,
        epoch=account.epoch,
        order_ref=order_ref,
        asset=asset,
        bucket=LedgerBucket.LOCKED,
    ).aggregate(total=Sum("delta", default=Decimal(0)))["total"]
    return Decimal(total)


def book_entry(
    *,
    account: PaperAccount,
    order_ref: str,
    side: OrderSide,
    market: MarketInfo,
    plan: FillPlan,
    lock: FundsLock,
    now: datetime,
) -> tuple[Fill, ...]:
    """A new order: lock its funds, book the fills it gets at once, release what it is done with.

    Raises InsufficientBalance (nothing written) when the free balance cannot cover the lock.
    """
    postings = Postings(
        account, lock_balances(account, [market.base, market.quote], whole_account=True)
    )
    postings.move(
        lock.asset, lock.amount, to=LedgerBucket.LOCKED, kind=LedgerKind.LOCK, order_ref=order_ref
    )
    fills, spent = _post_fills(postings, order_ref, side, market, plan.fills, first=1, now=now)
    if plan.outcome in ("filled", "cancelled_remainder"):
        postings.move(
            lock.asset,
            lock.amount - spent,
            to=LedgerBucket.FREE,
            kind=LedgerKind.UNLOCK,
            order_ref=order_ref,
        )
    postings.flush()
    _after_fills(account, market, side, fills, now, list(postings.balances.values()))
    return fills


def book_resting(
    *,
    account: PaperAccount,
    order_ref: str,
    side: OrderSide,
    market: MarketInfo,
    plan: FillPlan,
    first_number: int,
    now: datetime,
) -> tuple[Fill, ...]:
    """A resting order the market reached: book its fills from the funds it holds."""
    lock_asset = market.quote if side == OrderSide.BUY else market.base
    postings = Postings(
        account, lock_balances(account, [market.base, market.quote], whole_account=True)
    )
    held = held_by(account=account, order_ref=order_ref, asset=lock_asset)
    fills, spent = _post_fills(
        postings, order_ref, side, market, plan.fills, first=first_number, now=now
    )
    if plan.outcome in ("filled", "cancelled_remainder"):
        postings.move(
            lock_asset,
            held - spent,
            to=LedgerBucket.FREE,
            kind=LedgerKind.UNLOCK,
            order_ref=order_ref,
        )
    postings.flush()
    _after_fills(account, market, side, fills, now, list(postings.balances.values()))
    return fills


def release_held(*, account: PaperAccount, order_ref: str, asset: str) -> Decimal:
    """A cancelled order gives back everything it still holds; returns the amount."""
    postings = Postings(account, lock_balances(account, [asset]))
    held = held_by(account=account, order_ref=order_ref, asset=asset)
    postings.move(asset, held, to=LedgerBucket.FREE, kind=LedgerKind.UNLOCK, order_ref=order_ref)
    postings.flush()
    return held


def _post_fills(
    postings: Postings,
    order_ref: str,
    side: OrderSide,
    market: MarketInfo,
    planned: Sequence[PlannedFill],
    *,
    first: int,
    now: datetime,
) -> tuple[tuple[Fill, ...], Decimal]:
    """Ledger rows of each fill; returns the fills (with trade ids) and what they spent."""
    buy = side == OrderSide.BUY
    spent_asset, received_asset = (
        (market.quote, market.base) if buy else (market.base, market.quote)
    )
    fills = []
    spent_total = Decimal(0)
    for number, fill in enumerate(planned, start=first):
        trade_id = f"P{order_ref}-{number}"
        spent = fill.notional if buy else fill.amount
        received = fill.amount if buy else fill.notional
        postings.post(
            spent_asset,
            LedgerBucket.LOCKED,
            -spent,
            LedgerKind.TRADE,
            order_ref=order_ref,
            fill_ref=trade_id,
        )
        postings.post(
            received_asset,
            LedgerBucket.FREE,
            received,
            LedgerKind.TRADE,
            order_ref=order_ref,
            fill_ref=trade_id,
        )
        postings.post(
            fill.fee_asset,
            LedgerBucket.FREE,
            -fill.fee,
            LedgerKind.FEE,
            order_ref=order_ref,
            fill_ref=trade_id,
        )
        spent_total += spent
        fills.append(
            Fill(
                trade_id=trade_id,
                price=fill.price,
                amount=fill.amount,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                is_maker=fill.is_maker,
                timestamp=now,
            )
        )
    return tuple(fills), spent_total


def _after_fills(
    account: PaperAccount,
    market: MarketInfo,
    side: OrderSide,
    fills: Sequence[Fill],
    now: datetime,
    balances: list[PaperBalance],
) -> None:
    """The position and a point of the equity curve, at the last fill's price."""
    if not fills:
        return
    apply_fills(
        account=account,
        asset=market.base,
        fills=[FillChange(str(side), f.amount, f.price, f.fee, f.fee_asset) for f in fills],
    )
    take_snapshot(
        account=account,
        reason=SnapshotReason.FILL,
        now=now,
        prices={market.base: fills[-1].price},
        balances=balances,
    )
