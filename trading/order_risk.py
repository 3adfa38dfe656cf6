"""The risk policy on every order: pre-trade checks `place_order` runs, by hand or by a bot.

Two checks register here (trading.pretrade): `leverage` (spot markets take none, no market
more than `RISK_MAX_LEVERAGE`) and `risk_limits`, which judges a buy with the user's
effective limits (trading.risk.order_refusal): buy orders on the account today, the position
it would make as a share of equity, the loss today and the drawdown from the peak. Sells pass.

The figures come from the account: a paper account's balances and equity snapshots, or an
exchange connection's balances valued at its venue's tickers (trading.exchange_equity; no
equity history there, so no daily-loss or drawdown rule). A refusal is `RiskRefused` (422
`risk_limit`); the order service records its audit event once nothing else is written.

A paper order is judged again under the account lock (`judge_order` inside `_place_paper`),
so concurrent orders cannot all pass on the same figures.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from cryptopulse.errors import ApplicationError
from papertrading.models import PaperAccount, PaperPosition, PriceSource
from trading.exchange_equity import connection_equity
from trading.exchanges.base import OrderSide
from trading.exchanges.errors import VenueError
from trading.models import ExchangeConnection, Order, OrderStatus
from trading.order_spec import OrderSpec
from trading.pretrade import PreTradeContext, pre_trade_check
from trading.risk import (
    OrderFigures,
    Refusal,
    check_leverage,
    effective_limits_for,
    order_refusal,
    paper_equity_figures,
)

logger = logging.getLogger(__name__)

_RESTING = (OrderStatus.NEW, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
Account = PaperAccount | ExchangeConnection


class RiskRefused(ApplicationError):
    """The risk policy refused the order (HTTP 422 `risk_limit`); nothing was written."""

    status = 422

    def __init__(self, refusal: Refusal) -> None:
        super().__init__("risk_limit", refusal.message)
        self.refusal = refusal


@pre_trade_check("leverage")
def leverage_allowed(context: PreTradeContext) -> None:
    # Every market is spot today: the venues load spot markets only, and MarketInfo has no
    # market type yet. A margin market would pass `spot=False` here.
    check_leverage(context.leverage, spot=True)


@pre_trade_check("risk_limits")
def within_risk_limits(context: PreTradeContext) -> None:
    if not context.risk_judged_under_lock:
        judge_order(context)


def judge_order(context: PreTradeContext) -> None:
    """Raise RiskRefused when the order breaks the user's effective limits; sells pass.

    Days are UTC days of the account's clock: a replay account's are its candles' days.
    """
    if context.spec.side != OrderSide.BUY or context.account is None:
        return
    refusal = order_refusal(order_figures(context, now=context.now or timezone.now()))
    if refusal is not None:
        raise RiskRefused(refusal)


def order_figures(context: PreTradeContext, *, now: datetime) -> OrderFigures:
    """The account's figures for one buy; equity ones stay None where they are unknown."""
    account = context.account
    assert account is not None  # noqa: S101 - judge_order checked it
    limits = effective_limits_for(context.user)
    figures = OrderFigures(limits=limits, buys_today=_buys_today(account, now))
    if figures.buys_today >= limits.max_trades_per_day:
        return figures  # refused already: no need to value the account
    if isinstance(account, PaperAccount):
        return _paper_figures(context, account, figures, now)
    return _exchange_figures(context, figures)


def _orders_of(account: Account) -> QuerySet[Order]:
    if isinstance(account, PaperAccount):
        return Order.objects.filter(paper_account=account, epoch=account.epoch)
    return Order.objects.filter(connection=account)


def _buys_today(account: Account, now: datetime) -> int:
    """Buy orders placed on the account since 00:00 UTC; ones the exchange rejected are not
    entries, so they do not count. A replay account's orders carry the wall-clock time they
    were placed at, but their fills the replay's: there, its buys that filled today count."""
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    buys = _orders_of(account).filter(side=OrderSide.BUY).exclude(status=OrderStatus.REJECTED)
    if isinstance(account, PaperAccount) and account.price_source == PriceSource.REPLAY:
        return buys.filter(fills__executed_at__gte=day_start).distinct().count()
    return buys.filter(created_at__gte=day_start).count()


def _open_buys_value(account: Account, symbol: str) -> Decimal:
    """What the account's resting buys in `symbol` will spend: they add to the position when
    they fill, so they count as held (else many limit buys would sidestep the cap)."""
    rows = (
        _orders_of(account)
        .filter(symbol=symbol, side=OrderSide.BUY, status__in=_RESTING)
        .values_list("amount", "filled_amount", "price", "stop_price", "quote_amount")
    )
    total = Decimal(0)
    for amount, filled, price, stop_price, quote_amount in rows:
        if amount is not None and (price or stop_price):
            total += (amount - filled) * (price or stop_price)
        elif quote_amount is not None:
            total += quote_amount
    return total


def notional_of(spec: OrderSpec, market_price: Decimal | None) -> Decimal | None:
    """What a buy spends in the quote currency: its quote amount, or its amount at its limit
    price, its stop price or else the market price; None when no price is known."""
    if spec.quote_amount is not None:
        return spec.quote_amount
    price = spec.price or spec.stop_price or market_price
    if spec.amount is None or price is None:
        return None
    return spec.amount * price


def _paper_figures(
    context: PreTradeContext, account: PaperAccount, figures: OrderFigures, now: datetime
) -> OrderFigures:
    base = context.market.base
    # The asset bought is valued at the price this order would fill at, the freshest one at
    # hand; one without a cached ticker at what it cost, rather than at nothing (which would
    # look like a loss). No venue is asked: this also runs under the account lock.
    prices = {base: context.price} if context.price is not None else None
    equity, held, day_start, peak = paper_equity_figures(
        account=account, asset=base, now=now, prices=prices, fallback_prices=_costs(account)
    )
    return OrderFigures(
        limits=figures.limits,
        buys_today=figures.buys_today,
        notional=notional_of(context.spec, context.price),
        equity=equity,
        position_value=held + _open_buys_value(account, context.market.symbol),
        day_start_equity=day_start,
        peak_equity=peak,
    )


def _costs(account: PaperAccount) -> dict[str, Decimal]:
    """Each position's average entry price (cost basis / quantity), by asset."""
    rows = PaperPosition.objects.filter(
        account=account, epoch=account.epoch, quantity__gt=0
    ).values_list("asset", "cost_basis", "quantity")
    return {asset: cost / quantity for asset, cost, quantity in rows}


def _exchange_figures(context: PreTradeContext, figures: OrderFigures) -> OrderFigures:
    """Equity and position from the connection's balances; no daily loss or drawdown (there
    is no equity history of exchange accounts yet)."""
    connection, venue, market = context.account, context.venue, context.market
    if venue is None or connection is None:
        return figures
    valued = connection_equity(
        connection_id=connection.pk, venue=venue, quote=market.quote, also=(market.base,)
    )
    if valued is None:
        return figures  # logged; the venue's own failure handling decides about the order
    price = context.price or valued.asks.get(market.base)
    if price is None and notional_of(context.spec, None) is None:
        try:
            ticker = venue.fetch_ticker(market.symbol)
        except VenueError as error:
            logger.warning("no price for %s, position rule skipped: %s", market.symbol, error)
        else:
            price = ticker.ask or ticker.last
    return OrderFigures(
        limits=figures.limits,
        buys_today=figures.buys_today,
        notional=notional_of(context.spec, price),
        equity=valued.equity,
        position_value=valued.values.get(market.base, Decimal(0))
        + _open_buys_value(connection, market.symbol),
    )
