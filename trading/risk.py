"""The risk policy: platform caps from settings, which users and bots may only tighten.

Every buy order, by hand or by a bot, is judged by `order_refusal` (trading.order_risk
gathers its figures inside `place_order`): the account's buy orders today, the position it
would make as a share of equity, and the account's loss today and drawdown from its peak.
Sells are never refused: they reduce risk. `check_leverage` refuses leverage on spot markets.

Before a bot enters a trade, `entry_refusal` also checks, in this order: the signal's
confidence (when the strategy grades it), the bot's open trades and its entries today, the
protections, the trade's risk at its stoploss as a share of equity, the position and the
loss rules above. The first rule broken is the reason; the tick records it as a refused
decision. Exits are never refused.

The limits an order is judged by are `effective_limits_for(user, overrides)`: the platform's
(settings `RISK_*`), tightened by the user's own (`trading.RiskProfile`) and a bot's. Equity
rules need the account's value: a paper account's portfolio and equity curve; an exchange
connection's balances valued at the venue's tickers (no equity history there yet, so no
daily-loss or drawdown rule). See docs/risk.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Max

from cryptopulse.errors import ApplicationError

if TYPE_CHECKING:
    from accounts.models import User

# Each limit, and whether a tighter value is smaller (a cap) or larger (a floor).
_FLOORS = frozenset({"min_confidence", "cooldown_candles"})


@dataclass(frozen=True)
class RiskLimits:
    max_trade_risk_pct: float
    max_daily_loss_pct: float
    max_drawdown_pct: float
    max_open_trades: int
    max_trades_per_day: int
    min_confidence: float
    max_position_pct: float
    # Protections: candles to wait after an exit before entering the same symbol again, and
    # the most stop-loss exits in 24 hours before entries pause (the stoploss guard).
    cooldown_candles: int
    max_stoplosses_per_day: int

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def platform_limits() -> RiskLimits:
    return RiskLimits(
        max_trade_risk_pct=settings.RISK_MAX_TRADE_RISK_PCT,
        max_daily_loss_pct=settings.RISK_MAX_DAILY_LOSS_PCT,
        max_drawdown_pct=settings.RISK_MAX_DRAWDOWN_PCT,
        max_open_trades=settings.RISK_MAX_OPEN_TRADES,
        max_trades_per_day=settings.RISK_MAX_TRADES_PER_DAY,
        min_confidence=settings.RISK_MIN_CONFIDENCE,
        max_position_pct=settings.RISK_MAX_POSITION_PCT,
        cooldown_candles=settings.RISK_COOLDOWN_CANDLES,
        max_stoplosses_per_day=settings.RISK_MAX_STOPLOSSES_PER_DAY,
    )


def clean_overrides(overrides: dict[str, Any]) -> dict[str, float]:
    """A bot's own limits, each at most as loose as the platform's; else 400 naming it."""
    platform = platform_limits()
    known = {field.name for field in fields(RiskLimits)}
    cleaned: dict[str, float] = {}
    for name, raw in overrides.items():
        if name not in known:
            raise ApplicationError("unknown_limit", f"There is no risk limit {name!r}.", name)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ApplicationError("invalid_limit", f"{name} must be a number.", name) from None
        cap = getattr(platform, name)
        looser = value < cap if name in _FLOORS else value > cap
        if looser or value < 0:
            bound = "at least" if name in _FLOORS else "at most"
            raise ApplicationError(
                "limit_too_loose",
                f"{name} must be {bound} the platform's {cap:g} (limits can only be tightened).",
                name,
            )
        cleaned[name] = value
    return cleaned


def effective_limits(overrides: dict[str, Any]) -> RiskLimits:
    """The platform's limits with a bot's tighter ones applied."""
    limits = platform_limits()
    tighter = {
        name: type(getattr(limits, name))(value)
        for name, value in clean_overrides(overrides).items()
    }
    return replace(limits, **tighter)


def tighten(limits: RiskLimits, values: Mapping[str, Any]) -> RiskLimits:
    """`limits` with those of `values` that are tighter; looser and unknown names are ignored.

    Stored limits (a user's, a bot's) were checked against the platform's when they were set;
    if the platform's were tightened since, the tighter one wins instead of the order failing.
    """
    tighter: dict[str, Any] = {}
    for limit in fields(RiskLimits):
        if values.get(limit.name) is None:
            continue
        current = getattr(limits, limit.name)
        value = type(current)(values[limit.name])
        if (value > current) if limit.name in _FLOORS else (value < current):
            tighter[limit.name] = value
    return replace(limits, **tighter)


def effective_limits_for(user: User, overrides: Mapping[str, Any] | None = None) -> RiskLimits:
    """The limits `user`'s orders are judged by: the platform's ∩ the user's own ∩ `overrides`
    (a bot's `risk_limits`), each the tightest of the three."""
    from trading.services.risk_limits import user_limits  # the service reads RiskProfile

    return tighten(user_limits(user), overrides or {})


def check_leverage(leverage: Decimal, *, spot: bool) -> None:
    """Refuse (400 on `leverage`) leverage below 1, above `RISK_MAX_LEVERAGE`, or on spot.

    Every market today is spot (the venues load spot markets only); the platform cap is there
    for margin markets later.
    """
    if not leverage.is_finite() or leverage < 1:
        raise ApplicationError("invalid_leverage", "Leverage must be at least 1.", "leverage")
    cap = Decimal(str(settings.RISK_MAX_LEVERAGE))
    if leverage > cap:
        raise ApplicationError(
            "leverage_too_high",
            f"Leverage {leverage.normalize():f} is more than the platform's maximum of "
            f"{cap.normalize():f}.",
            "leverage",
        )
    if spot and leverage != 1:
        raise ApplicationError(
            "leverage_not_allowed", "Spot markets trade without leverage.", "leverage"
        )


@dataclass(frozen=True)
class Refusal:
    """A broken rule: the limit's name, why (a lower-case clause) and the figures judged."""

    rule: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason as a sentence, e.g. "The position would be 62.5 % of equity, …"."""
        return f"{self.reason[:1].upper()}{self.reason[1:]}."


@dataclass(frozen=True)
class EntryContext:
    """What the policy needs to judge one entry; equity fields are None when unknown."""

    limits: RiskLimits
    stake: Decimal
    stoploss: float | None  # ratio, e.g. -0.05
    confidence: Decimal | None
    open_trades: int
    entries_today: int
    candles_since_exit: int | None = None  # in this symbol; None: never exited
    stoplosses_24h: int = 0
    equity: Decimal | None = None
    position_value: Decimal | None = None  # what the account already holds of the asset
    day_start_equity: Decimal | None = None
    peak_equity: Decimal | None = None


def entry_refusal(context: EntryContext) -> str | None:
    """Why this entry breaks the policy, or None when it may go ahead."""
    limits = context.limits
    if context.confidence is not None and context.confidence < Decimal(str(limits.min_confidence)):
        return f"confidence {context.confidence} is below the minimum {limits.min_confidence:g}"
    if context.open_trades >= limits.max_open_trades:
        return (
            f"{context.open_trades} trades are open, the most allowed is {limits.max_open_trades}"
        )
    if context.entries_today >= limits.max_trades_per_day:
        most = limits.max_trades_per_day
        return f"{context.entries_today} entries today, the most allowed is {most}"
    since = context.candles_since_exit
    if since is not None and since < limits.cooldown_candles:
        return f"cooling down: {since} of {limits.cooldown_candles} candles since the last exit"
    if context.stoplosses_24h >= limits.max_stoplosses_per_day:
        return (
            f"stoploss guard: {context.stoplosses_24h} stop-losses in 24 hours, entries pause "
            f"at {limits.max_stoplosses_per_day}"
        )
    equity = context.equity
    if equity is None or equity <= 0:
        return None
    risk = (
        context.stake * Decimal(str(abs(context.stoploss))) if context.stoploss else context.stake
    )
    if _pct(risk, equity) > limits.max_trade_risk_pct:
        at = "at its stoploss" if context.stoploss else "without a stoploss (all of the stake)"
        return (
            f"the trade risks {_pct(risk, equity):.2f} % of equity {at}, more than "
            f"{limits.max_trade_risk_pct:g} %"
        )
    position = (context.position_value or Decimal(0)) + context.stake
    refusal = _position_refusal(limits, position, equity) or _loss_refusal(
        limits, equity, context.day_start_equity, context.peak_equity
    )
    return refusal.reason if refusal is not None else None


@dataclass(frozen=True)
class OrderFigures:
    """What the policy needs to judge one buy order; equity fields are None when unknown."""

    limits: RiskLimits
    buys_today: int  # buy orders on the account since 00:00 UTC
    notional: Decimal | None = None  # what the order spends, in the quote currency
    equity: Decimal | None = None
    position_value: Decimal | None = None  # held of the asset, and its open buy orders
    day_start_equity: Decimal | None = None
    peak_equity: Decimal | None = None


def order_refusal(figures: OrderFigures) -> Refusal | None:
    """Why this buy order breaks the policy, or None when it may go ahead.

    Per-trade risk (`max_trade_risk_pct`) needs a stoploss, which a manual spot order does
    not carry: it is judged for bot entries only (`entry_refusal`).
    """
    limits = figures.limits
    if figures.buys_today >= limits.max_trades_per_day:
        return Refusal(
            "max_trades_per_day",
            f"{figures.buys_today} buy orders on this account today (UTC), the most allowed "
            f"is {limits.max_trades_per_day}",
            {"buys_today": figures.buys_today, "limit": limits.max_trades_per_day},
        )
    equity = figures.equity
    if equity is None or equity <= 0:
        return None
    if figures.notional is not None:
        position = (figures.position_value or Decimal(0)) + figures.notional
        refusal = _position_refusal(limits, position, equity)
        if refusal is not None:
            refusal.figures["notional"] = figures.notional
            return refusal
    return _loss_refusal(limits, equity, figures.day_start_equity, figures.peak_equity)


def _position_refusal(limits: RiskLimits, position: Decimal, equity: Decimal) -> Refusal | None:
    share = _pct(position, equity)
    if share <= limits.max_position_pct:
        return None
    return Refusal(
        "max_position_pct",
        f"the position would be {share:.1f} % of equity, more than {limits.max_position_pct:g} %",
        {
            "position": position,
            "equity": equity,
            "position_pct": round(share, 2),
            "limit_pct": limits.max_position_pct,
        },
    )


def _loss_refusal(
    limits: RiskLimits, equity: Decimal, day_start: Decimal | None, peak: Decimal | None
) -> Refusal | None:
    """The daily-loss rule, then the drawdown rule (both in percent of the earlier equity)."""
    if day_start and _loss_pct(equity, day_start) >= limits.max_daily_loss_pct:
        lost = _loss_pct(equity, day_start)
        return Refusal(
            "max_daily_loss_pct",
            f"the account lost {lost:.2f} % today, the limit is {limits.max_daily_loss_pct:g} %",
            {
                "equity": equity,
                "day_start_equity": day_start,
                "loss_pct": round(lost, 2),
                "limit_pct": limits.max_daily_loss_pct,
            },
        )
    if peak and _loss_pct(equity, peak) >= limits.max_drawdown_pct:
        below = _loss_pct(equity, peak)
        return Refusal(
            "max_drawdown_pct",
            f"the account is {below:.2f} % below its peak, the limit is "
            f"{limits.max_drawdown_pct:g} %",
            {
                "equity": equity,
                "peak_equity": peak,
                "drawdown_pct": round(below, 2),
                "limit_pct": limits.max_drawdown_pct,
            },
        )
    return None


def _pct(part: Decimal, whole: Decimal) -> float:
    return float(part / whole * 100)


def _loss_pct(now: Decimal, then: Decimal) -> float:
    return float((then - now) / then * 100) if then > 0 else 0.0


def paper_equity_figures(
    *,
    account: Any,
    asset: str,
    now: datetime,
    prices: Mapping[str, Decimal] | None = None,
    fallback_prices: Mapping[str, Decimal] | None = None,
) -> tuple[Decimal, Decimal, Decimal | None, Decimal | None]:
    """(equity, value held of `asset`, equity at the day's first snapshot, peak equity).

    Assets are valued at the cached last prices (papertrading.portfolio), at `prices` where
    given (the order service passes the price the order would fill at), and else at
    `fallback_prices`; an asset with none of them counts for nothing.
    """
    from papertrading.models import EquitySnapshot, PaperBalance
    from papertrading.portfolio import current_prices, value_balances

    balances = list(PaperBalance.objects.filter(account=account))
    known = {
        **(fallback_prices or {}),
        **current_prices(account=account, assets=[b.asset for b in balances if b.total]),
        **(prices or {}),
    }
    cash, positions_value, _unpriced = value_balances(
        account=account, balances=balances, prices=known
    )
    equity = cash + positions_value
    held = sum(
        (b.total * known[asset] for b in balances if b.asset == asset and asset in known),
        Decimal(0),
    )
    snapshots = EquitySnapshot.objects.filter(account=account, epoch=account.epoch)
    day_start = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    first_today = (
        snapshots.filter(taken_at__gte=day_start)
        .order_by("taken_at", "pk")
        .values_list("equity", flat=True)
        .first()
    )
    peak = snapshots.aggregate(peak=Max("equity"))["peak"]
    start_of_day = first_today if first_today is not None else equity
    return equity, held, start_of_day, max(peak or Decimal(0), account.starting_balance)
