"""The matcher: resting paper orders against each new price, one transaction per fill.

`match_open_orders` runs in the worker for every new set of live prices (the market feed
sends them, beat is the fallback). It first judges every open order of those symbols without
any lock, with the pure fill model; only the orders the price reaches are then locked
(account first, then the order: the order service's and the reset's order too) and judged
again under the lock before anything is booked, so a cancel or a second matcher run in
between is seen and nothing fills twice.

`step_replay` moves a replay account one candle on and matches its orders against that
candle's low, high and close, all in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.fill_model import RestingOrder, evaluate_resting
from papertrading.locks import lock_account, lock_own_account
from papertrading.models import PaperAccount, PriceSource, SnapshotReason
from papertrading.portfolio import take_snapshot
from papertrading.replay import next_cursor
from papertrading.venue import PaperVenue, spec_of
from trading.exchanges.base import MarketInfo
from trading.exchanges.errors import UnknownSymbol
from trading.models import Market, Order, TradingMode
from trading.selectors import market_info_of
from trading.services.order_updates import OPEN_STATUSES, apply_ack, push_order_update_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PricePoint:
    """What traded since the last look: the last price, and the range when known (a candle)."""

    last: Decimal
    high: Decimal | None = None
    low: Decimal | None = None


def fill_resting(*, venue: PaperVenue, order: Order, price: PricePoint) -> bool:
    """Book what `price` does to one locked open order; True when something happened.

    Writes the fills (or the trigger), the order's new status, one audit event and, after
    commit, a push to the owner's pages. Call with the account and the order locked.
    """
    ack = venue.match_resting(order, last_price=price.last, high=price.high, low=price.low)
    if ack is None:
        return False
    was_triggered = order.triggered
    new_fills = apply_ack(order=order, ack=ack)
    action = AuditAction.ORDER_FILLED if new_fills else AuditAction.ORDER_TRIGGERED
    record(
        action=action,
        actor=None,
        subject=order.user,
        target=order,
        data={
            "mode": order.mode,
            "symbol": order.symbol,
            "status": order.status,
            "filled": order.filled_amount,
            "fills": [{"price": f.price, "amount": f.amount, "fee": f.fee} for f in new_fills],
            "triggered": order.triggered and not was_triggered,
            "last_price": price.last,
        },
    )
    push_order_update_on_commit(order)
    return True


def _reached(order: Order, market: MarketInfo, price: PricePoint) -> bool:
    """The pure model's verdict on an unlocked row: would this price fill or trigger it?"""
    try:
        plan = evaluate_resting(
            RestingOrder(
                spec_of(order),
                (order.amount or Decimal(0)) - order.filled_amount,
                triggered=order.triggered,
            ),
            market=market,
            last_price=price.last,
            high=price.high,
            low=price.low,
            book=None,
        )
    except ApplicationError:
        logger.exception("matcher: paper order %s cannot be judged", order.pk)
        return False
    return bool(plan.fills) or plan.triggered != order.triggered


def match_open_orders(*, exchange: str, prices: dict[str, PricePoint]) -> int:
    """Match the open orders of live-priced paper accounts; returns how many changed."""
    if not prices:
        return 0
    candidates = list(
        Order.objects.filter(
            mode=TradingMode.PAPER,
            exchange=exchange,
            symbol__in=list(prices),
            status__in=OPEN_STATUSES,
            paper_account__price_source=PriceSource.LIVE,
        ).order_by("pk")
    )
    if not candidates:
        return 0
    markets = {
        m.symbol: market_info_of(m)
        for m in Market.objects.filter(exchange=exchange, symbol__in=list(prices))
    }
    changed = 0
    for order in candidates:
        price = prices[order.symbol]
        if _reached(order, markets[order.symbol], price) and _match_one(order.pk, price):
            changed += 1
    return changed


@transaction.atomic(durable=True)
def _match_one(order_id: int, price: PricePoint) -> bool:
    account_id = (
        Order.objects.filter(pk=order_id).values_list("paper_account_id", flat=True).first()
    )
    if account_id is None:
        return False
    account = lock_account(account_id)
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.status not in OPEN_STATUSES or order.epoch != account.epoch:
        return False  # cancelled, filled or reset since it was judged
    return fill_resting(venue=PaperVenue(account), order=order, price=price)


@dataclass(frozen=True)
class ReplayStep:
    account: PaperAccount
    moved: int
    changed_orders: int
    finished: bool


@transaction.atomic(durable=True)
def step_replay(*, user: User, account_id: int, steps: int = 1) -> ReplayStep:
    """Move a replay account up to `steps` candles on, matching its orders at each one."""
    if not 1 <= steps <= 1000:
        raise ApplicationError("invalid_steps", "Step 1 to 1,000 candles at a time.", "steps")
    account = lock_own_account(user=user, account_id=account_id)
    if account.price_source != PriceSource.REPLAY:
        raise ApplicationError("not_replay", "This account trades on live prices.")
    moved = changed = 0
    for _ in range(steps):
        if account.replay_at_open:  # complete the candle that has only opened
            account.replay_at_open = False
            account.save(update_fields=["replay_at_open"])
        else:
            cursor = next_cursor(account)
            if cursor is None:
                break
            account.replay_cursor = cursor
            account.save(update_fields=["replay_cursor"])
        moved += 1
        changed += _match_replay_orders(account)
    if moved:
        now = PaperVenue(account).now()
        take_snapshot(account=account, reason=SnapshotReason.REPLAY, now=now, prices={})
    return ReplayStep(account, moved, changed, finished=next_cursor(account) is None)


@transaction.atomic(durable=True)
def open_next_candle(*, user: User, account_id: int) -> bool:
    """Move a replay account to the open of its next candle (papertrading.replay): orders
    placed now fill at that open; `step_replay` completes the candle. False at the end."""
    account = lock_own_account(user=user, account_id=account_id)
    if account.price_source != PriceSource.REPLAY:
        raise ApplicationError("not_replay", "This account trades on live prices.")
    if account.replay_at_open:
        return True  # already there
    cursor = next_cursor(account)
    if cursor is None:
        return False
    account.replay_cursor, account.replay_at_open = cursor, True
    account.save(update_fields=["replay_cursor", "replay_at_open"])
    return True


def _match_replay_orders(account: PaperAccount) -> int:
    venue = PaperVenue(account)
    assert venue.replay is not None  # noqa: S101 - step_replay checked the price source
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .filter(paper_account=account, epoch=account.epoch, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    changed = 0
    for order in orders:
        try:
            candle = venue.replay.candle(order.symbol)
        except UnknownSymbol:
            continue  # no candle of this symbol at this step: nothing traded
        price = PricePoint(last=candle.close, high=candle.high, low=candle.low)
        if fill_resting(venue=venue, order=order, price=price):
            changed += 1
    return changed
