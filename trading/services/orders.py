"""Placing and cancelling orders: one service for paper accounts and exchange connections.

`place_order` validates the order's shape and symbol, runs the pre-trade checks
(trading.pretrade, with the risk policy of trading.order_risk), persists the order and hands
it to the account's venue:

- paper: the `PaperVenue` books funds, fills, ledger, position and snapshot inside the same
  transaction as the order row and its audit event, so a paper order is all or nothing. The
  order book is read before that transaction opens: a slow exchange never holds a row lock.
- exchange (testnet or live): the order row and its audit event commit first, the venue is
  called outside any transaction, then its acknowledgement is applied. An order the venue
  refuses is kept as rejected; one whose answer is lost stays `new` with its client order id,
  which the venue looks up before any resend.

A repeated `client_order_id` on the same account or connection returns the first order
(`created=False`), never a second one; the database's unique constraint decides races.

An order the risk policy refuses (422 `risk_limit`) writes no order row, only one audit event
`trading.order.refused`; a paper order's risk limits are judged under the account lock, so
concurrent orders cannot all pass the position cap on the same figures (the event is written
after that transaction rolled back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone

from accounts.models import ApiKey, User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.models import PaperAccount
from trading.circuit import check_breaker, record_failure, record_success
from trading.exchanges.base import (
    MarketInfo,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    Venue,
)
from trading.exchanges.errors import OrderNotFound, OrderRejected, UnknownSymbol, VenueError
from trading.exchanges.registry import paper_venue
from trading.models import ExchangeConnection, Order, OrderStatus, TradingMode
from trading.order_risk import RiskRefused, judge_order
from trading.order_spec import OrderSpec, check_shape, require_decimal
from trading.order_status import IllegalTransition, transition
from trading.pretrade import PreTradeContext, run_pre_trade_checks
from trading.services.connections import venue_for
from trading.services.order_updates import OPEN_STATUSES, apply_ack, push_order_update_on_commit
from trading.symbols import normalise_symbol

StrEnumChoices = TypeVar("StrEnumChoices", bound=TextChoices)
TradingAccount = PaperAccount | ExchangeConnection


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool


@dataclass(frozen=True)
class _Placing:
    """The order being placed, as the two paths take it."""

    spec: OrderSpec
    client_order_id: str
    leverage: Decimal
    actor: User | ApiKey | None


def _choice(enum: type[StrEnumChoices], value: str, field: str) -> StrEnumChoices:
    """The enum member for `value`, or a 400 naming the field and the accepted values."""
    try:
        return enum(value)
    except ValueError:
        accepted = ", ".join(str(member) for member in enum)
        raise ApplicationError(
            f"invalid_{field}", f"{value!r} is not one of {accepted}.", field
        ) from None


def _existing(account: TradingAccount, client_order_id: str) -> Order | None:
    if isinstance(account, PaperAccount):
        return Order.objects.filter(paper_account=account, client_order_id=client_order_id).first()
    return Order.objects.filter(connection=account, client_order_id=client_order_id).first()


def _require_owner(user: User, account: TradingAccount) -> None:
    if account.user_id != user.pk:
        raise type(account).DoesNotExist  # the same 404 as an id that does not exist


def mode_of(account: TradingAccount) -> TradingMode:
    """Paper, testnet (an exchange's sandbox, or our simulator) or live: shown everywhere."""
    if isinstance(account, PaperAccount):
        return TradingMode.PAPER
    if account.testnet or account.exchange == "simulated":
        return TradingMode.TESTNET
    return TradingMode.LIVE


def place_order(
    *,
    user: User,
    account: TradingAccount,
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
    actor: User | ApiKey | None = None,
    leverage: Decimal = Decimal(1),
) -> PlacedOrder:
    """Validate, check, persist and execute an order on `account` (see the module docstring).

    Raises ApplicationError (400) for bad input (leverage on a spot market too),
    InsufficientBalance (409) when a paper balance cannot cover the order, RiskRefused (422)
    when it breaks the user's risk limits, OrderRefused (422) when an exchange refuses it and
    503 when it cannot be reached; `account` not the user's raises its DoesNotExist (404).
    `leverage` is judged and audited, not stored: spot orders take none.
    """
    _require_owner(user, account)
    if client_order_id is None:
        client_order_id = uuid.uuid4().hex  # new, so there is no first order to look up
    elif (first := _existing(account, client_order_id)) is not None:
        return PlacedOrder(first, created=False)
    spec = OrderSpec(
        side=_choice(OrderSide, side, "side"),
        type=_choice(OrderType, type, "type"),
        amount=amount,
        quote_amount=quote_amount,
        price=price,
        stop_price=stop_price,
        time_in_force=_choice(TimeInForce, time_in_force, "time_in_force"),
    )
    check_shape(spec)
    require_decimal(leverage, "leverage")
    placing = _Placing(spec, client_order_id, leverage, actor)
    try:
        if isinstance(account, PaperAccount):
            return _place_paper(user, account, symbol, placing, venue)
        return _place_on_exchange(user, account, symbol, placing, venue)
    except IntegrityError:
        # The same client order id was placed concurrently: the first one stands.
        if (first := _existing(account, client_order_id)) is not None:
            return PlacedOrder(first, created=False)
        raise


def _new_order(
    user: User,
    account: TradingAccount,
    market: MarketInfo,
    exchange: str,
    spec: OrderSpec,
    client_order_id: str,
) -> Order:
    if isinstance(account, PaperAccount):
        owner: dict[str, object] = {"paper_account": account, "epoch": account.epoch}
    else:
        owner = {"connection": account}
    return Order.objects.create(
        user=user,
        **owner,
        mode=mode_of(account),
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
    )


def _request(order: Order) -> OrderRequest:
    return OrderRequest(
        symbol=order.symbol,
        side=OrderSide(order.side),
        type=OrderType(order.type),
        amount=order.amount,
        quote_amount=order.quote_amount,
        client_order_id=order.client_order_id,
        price=order.price,
        stop_price=order.stop_price,
        time_in_force=TimeInForce(order.time_in_force),
    )


def _audit_placed(order: Order, user: User, placing: _Placing) -> None:
    record(
        action=AuditAction.ORDER_PLACED,
        actor=placing.actor or user,
        subject=user,
        target=order,
        data={
            "mode": order.mode,
            "symbol": order.symbol,
            "side": order.side,
            "type": order.type,
            "amount": order.amount,
            "quote_amount": order.quote_amount,
            "price": order.price,
            "stop_price": order.stop_price,
            "status": order.status,
            "filled": order.filled_amount,
            "client_order_id": order.client_order_id,
            "leverage": placing.leverage,
        },
    )


def _checked(context: PreTradeContext, actor: User | ApiKey | None) -> None:
    """The pre-trade checks; a risk refusal is audited (nothing else is written) and raised."""
    try:
        run_pre_trade_checks(context)
    except RiskRefused as refused:
        _audit_refused(context, refused, actor)
        raise


@transaction.atomic(durable=True)
def _audit_refused(
    context: PreTradeContext, refused: RiskRefused, actor: User | ApiKey | None
) -> None:
    spec = context.spec
    record(
        action=AuditAction.ORDER_REFUSED,
        actor=actor or context.user,
        subject=context.user,
        target=context.account,
        data={
            "rule": refused.refusal.rule,
            "reason": refused.message,
            "mode": context.mode,
            "symbol": context.market.symbol,
            "side": spec.side,
            "type": spec.type,
            "amount": spec.amount,
            "quote_amount": spec.quote_amount,
            "price": spec.price,
            "figures": refused.refusal.figures,
        },
    )


def _place_paper(
    user: User,
    account: PaperAccount,
    symbol: str,
    placing: _Placing,
    prices: Venue | None,
) -> PlacedOrder:
    venue = paper_venue(account, prices=prices)
    try:
        market = venue.market(normalise_symbol(symbol))
    except (UnknownSymbol, ValueError) as error:
        raise ApplicationError(
            "unknown_symbol", f"No market {symbol!r} on {venue.exchange}.", "symbol"
        ) from error
    try:
        # Before any lock (see the module docstring); the risk checks value the buy with it.
        book = venue.fetch_order_book(market.symbol)
    except VenueError as error:
        raise ApplicationError(
            "exchange_unavailable",
            f"Market prices are not available right now; try again. ({error})",
            status=503,
        ) from error
    spec = placing.spec
    context = PreTradeContext(
        user,
        TradingMode.PAPER,
        market,
        spec,
        account.base_currency,
        account=account,
        leverage=placing.leverage,
        price=book.asks[0][0] if book.asks else None,
        venue=venue,
        now=venue.now(),
    )
    _checked(replace(context, risk_judged_under_lock=True), placing.actor)
    try:
        with transaction.atomic(durable=True):
            # The account lock comes before the order row: the row's foreign key share-locks
            # the account, and two orders holding that while both waiting to lock it would
            # deadlock.
            locked = venue.lock_account()
            judge_order(replace(context, account=locked))  # the risk limits, under the lock
            order = _new_order(user, locked, market, venue.exchange, spec, placing.client_order_id)
            apply_ack(order=order, ack=venue.book_order(order))
            _audit_placed(order, user, placing)
            push_order_update_on_commit(order)
    except RiskRefused as refused:
        _audit_refused(context, refused, placing.actor)
        raise
    return PlacedOrder(order, created=True)


class OrderRefused(ApplicationError):
    """The exchange refused the order (HTTP 422); the order is kept as rejected."""

    status = 422


def _place_on_exchange(
    user: User,
    connection: ExchangeConnection,
    symbol: str,
    placing: _Placing,
    venue: Venue | None,
) -> PlacedOrder:
    spec = placing.spec
    if spec.quote_amount is not None:
        raise ApplicationError(
            "quote_amount_not_supported",
            "Exchange orders take the amount in the base asset.",
            "quote_amount",
        )
    check_breaker(connection_id=connection.pk)  # before anything is sent to a failing venue
    venue = venue or venue_for(connection)
    try:
        market = venue.market(normalise_symbol(symbol))
    except (UnknownSymbol, ValueError) as error:
        raise ApplicationError(
            "unknown_symbol", f"No market {symbol!r} on {connection.exchange}.", "symbol"
        ) from error
    except VenueError as error:
        raise _unavailable(connection, error) from error
    context = PreTradeContext(
        user,
        mode_of(connection),
        market,
        spec,
        account=connection,
        leverage=placing.leverage,
        venue=venue,
    )
    from trading.precision import check_limits

    check_limits(market=market, amount=spec.amount or Decimal(0), price=spec.price)
    _checked(context, placing.actor)  # after the local checks: it may ask for balances
    with transaction.atomic(durable=True):
        order = _new_order(
            user, connection, market, connection.exchange, spec, placing.client_order_id
        )
        _audit_placed(order, user, placing)
    try:
        ack = venue.create_order(_request(order))
    except OrderRejected as error:
        record_success(connection_id=connection.pk)  # it answered: the venue works
        _reject(order, error.reason)
        raise OrderRefused(
            error.code, f"{connection.exchange} refused the order: {error.reason}"
        ) from error
    except VenueError as error:
        record_failure(connection_id=connection.pk)
        raise ApplicationError(
            "exchange_unavailable",
            f"{connection.exchange} did not answer ({error}). Order #{order.pk} is saved; "
            "it is checked against the exchange within a minute.",
            status=503,
        ) from error
    record_success(connection_id=connection.pk)
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        apply_ack(order=order, ack=ack)
        push_order_update_on_commit(order)
    return PlacedOrder(order, created=True)


def _unavailable(connection: ExchangeConnection, error: Exception) -> ApplicationError:
    return ApplicationError(
        "exchange_unavailable", f"{connection.exchange} did not answer: {error}", status=503
    )


@transaction.atomic(durable=True)
def _reject(order: Order, reason: str) -> None:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    order.reject_reason = reason[:500]
    transition(order, OrderStatus.REJECTED, also=["reject_reason"])
    record(
        action=AuditAction.ORDER_REJECTED,
        actor=None,
        subject=order.user,
        target=order,
        data={"reason": order.reject_reason},
    )
    push_order_update_on_commit(order)


def own_order(*, user: User, order_id: int) -> Order:
    order = Order.objects.filter(user=user, pk=order_id).first()
    if order is None:
        raise Order.DoesNotExist
    return order


def cancel_order(*, user: User, order_id: int, actor: User | ApiKey | None = None) -> Order:
    """Cancel an open order of the user's; a finished one is 409, another user's 404.

    Paper: the funds it still holds go back to free in the same transaction. Exchange: the
    venue cancels first (outside any transaction), then its answer is applied.
    """
    order = own_order(user=user, order_id=order_id)
    if order.paper_account_id is not None:
        return _cancel_paper(order, user, actor)
    _refuse_finished(order)
    assert order.connection is not None  # noqa: S101 - an order has one of the two accounts
    venue = venue_for(order.connection)
    try:
        ack = venue.cancel_order(
            symbol=order.symbol,
            exchange_order_id=order.exchange_order_id or None,
            client_order_id=order.client_order_id,
        )
    except OrderNotFound as error:
        raise IllegalTransition(
            "not_open", "The exchange no longer has this order open.", "status"
        ) from error
    except VenueError as error:
        raise _unavailable(order.connection, error) from error
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        apply_ack(order=order, ack=ack)
        _audit_cancelled(order, user, actor)
        push_order_update_on_commit(order)
    return order


def _refuse_finished(order: Order) -> None:
    if order.status not in OPEN_STATUSES:
        raise IllegalTransition(
            "not_open", f"The order is {order.get_status_display().lower()}.", "status"
        )


@transaction.atomic(durable=True)
def _cancel_paper(order: Order, user: User, actor: User | ApiKey | None) -> Order:
    assert order.paper_account is not None  # noqa: S101 - checked by the caller
    venue = paper_venue(order.paper_account)
    venue.lock_account()
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    _refuse_finished(order)
    apply_ack(
        order=order, ack=venue.cancel_order(symbol=order.symbol, exchange_order_id=str(order.pk))
    )
    _audit_cancelled(order, user, actor)
    push_order_update_on_commit(order)
    return order


def _audit_cancelled(order: Order, user: User, actor: User | ApiKey | None) -> None:
    record(
        action=AuditAction.ORDER_CANCELLED,
        actor=actor or user,
        subject=user,
        target=order,
        data={"mode": order.mode, "symbol": order.symbol, "filled": order.filled_amount},
    )


# A new exchange order the venue still does not know this long after it was saved never
# reached it (the request was lost before the exchange accepted it).
LOST_ORDER_AFTER = timedelta(minutes=2)


def sync_exchange_order(*, order_id: int, now: datetime | None = None) -> bool:
    """Bring one exchange order up to date with the venue; True when it changed.

    Exchange fills happen away from us: this is how a resting live order learns of them, and
    how an order whose answer was lost (still `new`) learns that the exchange has it (or,
    after `LOST_ORDER_AFTER`, that it never arrived: then it is rejected).
    """
    now = now or timezone.now()
    order = Order.objects.select_related("connection").get(pk=order_id)
    connection = order.connection
    if connection is None or connection.removed_at is not None:
        return False
    if order.status not in (OrderStatus.NEW, *OPEN_STATUSES):
        return False
    try:
        ack = venue_for(connection).fetch_order(
            symbol=order.symbol,
            exchange_order_id=order.exchange_order_id or None,
            client_order_id=order.client_order_id,
        )
    except OrderNotFound:
        if order.status == OrderStatus.NEW and now - order.created_at >= LOST_ORDER_AFTER:
            _reject(order, "The order never reached the exchange.")
            return True
        return False
    with transaction.atomic(durable=True):
        order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        before = (order.status, order.filled_amount)
        new_fills = apply_ack(order=order, ack=ack)
        if (order.status, order.filled_amount) == before:
            return False
        record(
            action=AuditAction.ORDER_FILLED,
            actor=None,
            subject=order.user,
            target=order,
            data={
                "mode": order.mode,
                "symbol": order.symbol,
                "status": order.status,
                "filled": order.filled_amount,
                "fills": [{"price": f.price, "amount": f.amount, "fee": f.fee} for f in new_fills],
                "source": "exchange",
            },
        )
        push_order_update_on_commit(order)
    return True


def exchange_orders_to_sync() -> list[int]:
    """Ids of exchange orders that may still change: new, open or partly filled."""
    return list(
        Order.objects.filter(
            connection__isnull=False,
            connection__removed_at__isnull=True,
            status__in=[OrderStatus.NEW, *OPEN_STATUSES],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
