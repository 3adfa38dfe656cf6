"""Placing orders. This first slice serves paper accounts: market, limit and stop orders are
validated against the market, planned by the paper fill model against the simulated (or
live) order book, and booked with their funds, fills and ledger rows in one transaction.

A repeated `client_order_id` on the same account returns the first order (never a second).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.execution import book_fills, release_lock
from papertrading.fill_model import FillPlan, FundsLock, OrderSpec, funds_to_lock, plan_order
from papertrading.locks import lock_account
from papertrading.services import lock_funds, own_account
from trading.exchanges.base import MarketInfo, OrderSide, OrderType, TimeInForce, Venue
from trading.exchanges.registry import public_venue
from trading.models import Market, Order, OrderStatus, TradingMode
from trading.order_status import transition
from trading.selectors import UnknownSymbolError, default_exchange, resolve_market

StrEnumChoices = TypeVar("StrEnumChoices", bound=TextChoices)

OUTCOME_STATUS = {
    "filled": OrderStatus.FILLED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "resting": OrderStatus.OPEN,
    "cancelled_remainder": OrderStatus.EXPIRED,  # as Binance reports an IOC's unfilled rest
}


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool


def market_info(market: Market) -> MarketInfo:
    return MarketInfo(
        symbol=market.symbol,
        exchange_symbol=market.exchange_symbol,
        base=market.base,
        quote=market.quote,
        price_tick=market.price_tick,
        amount_step=market.amount_step,
        min_amount=market.min_amount,
        max_amount=market.max_amount,
        min_cost=market.min_cost,
        maker_fee=market.maker_fee,
        taker_fee=market.taker_fee,
        active=market.active,
    )


def _choice(enum: type[StrEnumChoices], value: str, field: str) -> StrEnumChoices:
    """The enum member for `value`, or a 400 naming the field and the accepted values."""
    try:
        return enum(value)
    except ValueError:
        accepted = ", ".join(str(member) for member in enum)
        raise ApplicationError(
            f"invalid_{field}", f"{value!r} is not one of {accepted}.", field
        ) from None


def _existing(account_id: int, client_order_id: str) -> Order | None:
    return Order.objects.filter(
        paper_account_id=account_id, client_order_id=client_order_id
    ).first()


def place_paper_order(
    *,
    user: User,
    account_id: int,
    symbol: str,
    side: str,
    type: str,
    amount: Decimal | None = None,
    quote_amount: Decimal | None = None,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    time_in_force: str = TimeInForce.GTC,
    client_order_id: str | None = None,
    venue: Venue | None = None,
    now: datetime | None = None,
) -> PlacedOrder:
    """Validate, plan against the current book, then book it all in one transaction.

    Raises ApplicationError (400) for bad input, InsufficientBalance (409) when the free
    balance does not cover the funds the order needs; nothing is written then.
    """
    account = own_account(user=user, account_id=account_id)
    client_order_id = client_order_id or uuid.uuid4().hex
    if (first := _existing(account.pk, client_order_id)) is not None:
        return PlacedOrder(first, created=False)
    exchange = default_exchange()
    try:
        market_row = resolve_market(exchange=exchange, text=symbol)
    except UnknownSymbolError as error:
        raise ApplicationError(
            "unknown_symbol", f"No market {symbol!r} on {exchange}.", "symbol"
        ) from error
    market = market_info(market_row)
    spec = OrderSpec(
        side=_choice(OrderSide, side, "side"),
        type=_choice(OrderType, type, "type"),
        amount=amount,
        quote_amount=quote_amount,
        price=price,
        stop_price=stop_price,
        time_in_force=_choice(TimeInForce, time_in_force, "time_in_force"),
    )
    # The book is read before any lock is taken: a slow exchange never holds a row lock.
    book = (venue or public_venue(exchange)).fetch_order_book(market.symbol)
    last_price = (book.bids[0][0] + book.asks[0][0]) / 2 if book.bids and book.asks else None
    plan = plan_order(spec, market=market, book=book, last_price=last_price)
    lock = funds_to_lock(spec, market=market, book=book)
    now = now or timezone.now()
    try:
        with transaction.atomic(durable=True):
            order = _book(
                account.pk, user, spec, market, exchange, client_order_id, plan, lock, now
            )
    except IntegrityError:
        # The same client order id was placed concurrently: the first one stands.
        if (first := _existing(account.pk, client_order_id)) is not None:
            return PlacedOrder(first, created=False)
        raise
    return PlacedOrder(order, created=True)


def _book(
    account_id: int,
    user: User,
    spec: OrderSpec,
    market: MarketInfo,
    exchange: str,
    client_order_id: str,
    plan: FillPlan,
    lock: FundsLock,
    now: datetime,
) -> Order:
    account = lock_account(account_id)
    order = Order.objects.create(
        user=user,
        paper_account=account,
        mode=TradingMode.PAPER,
        epoch=account.epoch,
        exchange=exchange,
        symbol=market.symbol,
        side=spec.side,
        type=spec.type,
        time_in_force=spec.time_in_force,
        amount=spec.amount,
        quote_amount=spec.quote_amount,
        price=spec.price,
        stop_price=spec.stop_price,
        client_order_id=client_order_id,
        triggered=plan.triggered,
    )
    lock_funds(account=account, asset=lock.asset, amount=lock.amount, order_ref=str(order.pk))
    used = book_fills(account=account, order=order, market=market, plan=plan, now=now)
    order.filled_amount = plan.filled_amount
    order.filled_quote = plan.gross_quote
    order.average_price = plan.average_price
    order.save(update_fields=["filled_amount", "filled_quote", "average_price", "updated_at"])
    status = OUTCOME_STATUS[plan.outcome]
    transition(order, status)
    if status in (OrderStatus.FILLED, OrderStatus.EXPIRED):
        release_lock(account=account, order=order, lock=lock, used=used)
    record(
        action=AuditAction.ORDER_PLACED,
        actor=user,
        target=order,
        data={
            "mode": "paper",
            "symbol": market.symbol,
            "side": spec.side,
            "type": spec.type,
            "amount": spec.amount,
            "quote_amount": spec.quote_amount,
            "price": spec.price,
            "status": status,
            "filled": plan.filled_amount,
        },
    )
    return order
