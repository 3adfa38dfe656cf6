"""Booking a paper order's fills: Fill rows and ledger entries, in the order's transaction.

A buy spends locked quote and receives base minus the fee; a sell spends locked base and
receives quote minus the fee (fees are in the received asset, see fill_model). When the order
is done, whatever it still has locked goes back to free.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from papertrading.fill_model import FillPlan, FundsLock
from papertrading.locks import lock_balances
from papertrading.models import LedgerBucket, LedgerKind, PaperAccount
from papertrading.services import post_entry
from trading.exchanges.base import MarketInfo, OrderSide
from trading.models import Fill, Order


def book_fills(
    *,
    account: PaperAccount,
    order: Order,
    market: MarketInfo,
    plan: FillPlan,
    now: datetime,
) -> Decimal:
    """Write the plan's fills and their ledger rows; return what they took from the lock."""
    if not plan.fills:
        return Decimal(0)
    buy = order.side == OrderSide.BUY
    spent_asset, received_asset = (
        (market.quote, market.base) if buy else (market.base, market.quote)
    )
    balances = lock_balances(account, [market.base, market.quote])
    spent_total = Decimal(0)
    ref = str(order.pk)
    booked = order.fills.count()  # once: trade ids continue after the fills already booked
    for number, fill in enumerate(plan.fills, start=booked + 1):
        spent = fill.notional if buy else fill.amount
        received = fill.amount if buy else fill.notional
        trade_id = f"{order.pk}-{number}"
        Fill.objects.create(
            order=order,
            trade_id=trade_id,
            price=fill.price,
            amount=fill.amount,
            fee=fill.fee,
            fee_asset=fill.fee_asset,
            is_maker=fill.is_maker,
            executed_at=now,
        )
        entries = [(spent_asset, LedgerBucket.LOCKED, -spent, LedgerKind.TRADE)]
        entries.append((received_asset, LedgerBucket.FREE, received, LedgerKind.TRADE))
        if fill.fee:
            entries.append((fill.fee_asset, LedgerBucket.FREE, -fill.fee, LedgerKind.FEE))
        for asset, bucket, delta, kind in entries:
            post_entry(
                balances[asset],
                bucket=bucket,
                delta=delta,
                kind=kind,
                epoch=account.epoch,
                order_ref=ref,
                fill_ref=trade_id,
            )
        spent_total += spent
    return spent_total


def release_lock(*, account: PaperAccount, order: Order, lock: FundsLock, used: Decimal) -> None:
    """Give back what a finished order locked but did not use."""
    leftover = lock.amount - used
    if leftover > 0:
        balance = lock_balances(account, [lock.asset])[lock.asset]
        for bucket, delta in ((LedgerBucket.LOCKED, -leftover), (LedgerBucket.FREE, leftover)):
            post_entry(
                balance,
                bucket=bucket,
                delta=delta,
                kind=LedgerKind.UNLOCK,
                epoch=account.epoch,
                order_ref=str(order.pk),
            )
