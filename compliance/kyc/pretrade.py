"""Compliance's pre-trade checks on live orders (trading.pretrade's registry).

Registered from `ComplianceConfig.ready()`, ahead of the risk policy's checks: compliance
depends on trading (it plugs into trading's registry), trading does not import compliance
beyond the audit trail. Only live orders are judged: paper and testnet orders move no real
money, so they are neither frozen nor limited.

- `trading_frozen` (403): an officer froze the user's trading (four-eyes, compliance.cases).
- `kyc_required` (403): live orders need KYC level 1 approved and unexpired.
- `kyc_limit` (422): the order's US dollar value plus the user's live volume today (this
  month) may not exceed the level's daily (monthly) limit (compliance.kyc.limits). Both sides
  count: the limits are on how much a user trades.

A refusal is a `KycRefused`, a kind of the order service's `RiskRefused`, so the service
writes the same one `trading.order.refused` audit event (rule, reason, figures) and no order.
An order that cannot be valued in dollars right now is a 503 `valuation_unavailable`.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from compliance.kyc.limits import LevelLimits, UnvaluedVolume, limits_for, live_usage
from compliance.kyc.services import effective_level
from compliance.profiles import trading_frozen
from compliance.valuation import usd_value
from cryptopulse.errors import ApplicationError
from trading.exchanges.base import OrderSide
from trading.exchanges.errors import VenueError
from trading.models import TradingMode
from trading.order_risk import RiskRefused
from trading.pretrade import PreTradeContext, pre_trade_check
from trading.risk import Refusal

logger = logging.getLogger(__name__)

# The first of the risk policy's checks (trading.order_risk): compliance's run before it.
RISK_POLICY_FIRST_CHECK = "leverage"
CENT = Decimal("0.01")


class KycRefused(RiskRefused):
    """A live order compliance refuses: 403 frozen / KYC missing, 422 over a KYC limit."""

    def __init__(self, refusal: Refusal, *, status: int) -> None:
        super().__init__(refusal)
        self.code = refusal.rule
        self.status = status


def usd(amount: Decimal) -> str:
    """12345.6 -> "12,345.60 USD"."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,} USD"


@pre_trade_check("trading_frozen", before=RISK_POLICY_FIRST_CHECK)
def not_frozen(context: PreTradeContext) -> None:
    if context.mode != TradingMode.LIVE or not trading_frozen(context.user):
        return
    reason = (
        "live trading is frozen on your account by compliance; paper and testnet trading still work"
    )
    raise KycRefused(Refusal("trading_frozen", reason), status=403)


@pre_trade_check("kyc_level", before=RISK_POLICY_FIRST_CHECK)
def kyc_level_one(context: PreTradeContext) -> None:
    if context.mode != TradingMode.LIVE:
        return
    level = effective_level(user=context.user, now=context.now or timezone.now())
    if level >= 1:
        return
    reason = (
        "live orders need KYC level 1 (identity) approved, and your KYC level is 0: complete "
        "level 1 on your KYC page; paper and testnet trading need none"
    )
    raise KycRefused(Refusal("kyc_required", reason, {"kyc_level": level}), status=403)


@pre_trade_check("kyc_limits", before=RISK_POLICY_FIRST_CHECK)
def within_kyc_limits(context: PreTradeContext) -> None:
    if context.mode != TradingMode.LIVE:
        return
    now = context.now or timezone.now()
    limits = limits_for(effective_level(user=context.user, now=now))
    if limits is None:
        return  # level 0: refused by kyc_level already
    order_usd = order_value_usd(context)
    try:
        usage = live_usage(user=context.user, now=now)
    except UnvaluedVolume as error:
        raise _unvalued(error.asset) from error
    for period, used, limit in (
        ("daily", usage.today_usd, limits.daily_usd),
        ("monthly", usage.month_usd, limits.monthly_usd),
    ):
        if order_usd + used > limit:
            raise _over_limit(limits, period, order_usd=order_usd, used=used, limit=limit)


def _over_limit(
    limits: LevelLimits, period: str, *, order_usd: Decimal, used: Decimal, limit: Decimal
) -> KycRefused:
    when = "today" if period == "daily" else "this month"
    left = max(limit - used, Decimal(0))
    reason = (
        f"this order of {usd(order_usd)} and your {usd(used)} of live trading {when} would "
        f"exceed your KYC level {limits.level} {period} limit of {usd(limit)} "
        f"({usd(left)} left); a higher KYC level raises it"
    )
    figures = {
        "kyc_level": limits.level,
        "limit": period,
        "limit_usd": limit,
        "used_usd": used,
        "order_usd": order_usd,
    }
    return KycRefused(Refusal("kyc_limit", reason, figures), status=422)


def order_value_usd(context: PreTradeContext) -> Decimal:
    """The order's worth in US dollars: its quote amount, or its amount at its limit price,
    its stop price, the price the service has at hand or else the venue's ticker."""
    spec, market = context.spec, context.market
    if spec.quote_amount is not None:
        notional = spec.quote_amount
    else:
        assert spec.amount is not None  # noqa: S101 - check_shape: an amount or a quote amount
        notional = spec.amount * (spec.price or spec.stop_price or _market_price(context))
    value = usd_value(market.quote, notional)
    if value is None:
        raise _unvalued(market.quote)
    return value


def _market_price(context: PreTradeContext) -> Decimal:
    if context.price is not None:
        return context.price
    if context.venue is not None:
        try:
            ticker = context.venue.fetch_ticker(context.market.symbol)
        except VenueError as error:
            logger.warning("no price for the KYC limit of %s: %s", context.market.symbol, error)
        else:
            side = ticker.ask if context.spec.side == OrderSide.BUY else ticker.bid
            return side or ticker.last
    raise _unvalued(context.market.symbol)


def _unvalued(what: str) -> ApplicationError:
    return ApplicationError(
        "valuation_unavailable",
        f"The order cannot be checked against your KYC limits right now: there is no US "
        f"dollar price for {what}. Try again in a minute.",
        status=503,
    )
