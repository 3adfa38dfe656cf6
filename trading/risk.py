"""The risk policy on bot entries: platform caps from settings, which a bot may only tighten.

Before a bot enters a trade, `entry_refusal` checks, in this order: the signal's confidence
(when the strategy grades it), the bot's open trades and its entries today, the trade's risk
at its stoploss as a share of equity, the position it would make as a share of equity, and
the account's loss today and drawdown from its peak (equity snapshots). The first rule
broken is the reason; the tick records it as a refused decision. Exits are never refused.

Equity-based rules need the account's value, which a paper account has (its portfolio and
equity curve); on an exchange connection they are skipped until balances are valued there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max

from cryptopulse.errors import ApplicationError

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
    if _pct(position, equity) > limits.max_position_pct:
        return (
            f"the position would be {_pct(position, equity):.1f} % of equity, more than "
            f"{limits.max_position_pct:g} %"
        )
    if context.day_start_equity and _loss_pct(equity, context.day_start_equity) >= (
        limits.max_daily_loss_pct
    ):
        return (
            f"the account lost {_loss_pct(equity, context.day_start_equity):.2f} % today, the "
            f"limit is {limits.max_daily_loss_pct:g} %"
        )
    if context.peak_equity and _loss_pct(equity, context.peak_equity) >= limits.max_drawdown_pct:
        return (
            f"the account is {_loss_pct(equity, context.peak_equity):.2f} % below its peak, the "
            f"limit is {limits.max_drawdown_pct:g} %"
        )
    return None


def _pct(part: Decimal, whole: Decimal) -> float:
    return float(part / whole * 100)


def _loss_pct(now: Decimal, then: Decimal) -> float:
    return float((then - now) / then * 100) if then > 0 else 0.0


def paper_equity_figures(
    *, account: Any, asset: str, now: datetime
) -> tuple[Decimal, Decimal, Decimal | None, Decimal | None]:
    """(equity, value held of `asset`, equity at the day's first snapshot, peak equity)."""
    from papertrading.models import EquitySnapshot
    from papertrading.portfolio import portfolio_of

    portfolio = portfolio_of(account=account)
    held = sum(
        (h.value for h in portfolio.holdings if h.asset == asset and h.value is not None),
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
    start_of_day = first_today if first_today is not None else portfolio.equity
    return portfolio.equity, held, start_of_day, max(peak or Decimal(0), account.starting_balance)
