"""The monitoring rules: one function each, registered with its parameters and defaults.

A rule gets a `RuleContext` (the user, the rule's parsed parameters, which trading modes
count, the time the evaluation is about and, for per-order rules, the order just filled) and
returns its `Firing`s. A firing names its `window`: the part of the alert's dedup key
(`<rule>:<user>:<window>`) that says which facts it is about, so the same facts never alert
twice however often the rule runs (after each fill and again hourly).

Trades are live fills only; a rule with `include_paper` also counts paper and testnet fills
(practice money). Dollar values and unpriced assets: see `compliance.monitoring.trades`.
Calendar windows (day, month) are UTC.

The rows (`MonitoringRule`) are created with these defaults by migration 0003 and edited by
officers in the admin; `ensure_default_rules()` makes missing rows (tests, a fresh demo).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max

from compliance.models import Alert, ComplianceProfile, MonitoringRule, Severity
from compliance.monitoring.funds import FundMovement, fund_movements
from compliance.monitoring.jurisdictions import high_risk_countries, high_risk_matches
from compliance.monitoring.params import (
    InvalidParams,
    Param,
    count,
    duration,
    factor,
    parse_params,
    percent,
    switch,
    usd,
)
from compliance.monitoring.trades import (
    Trade,
    count_trades,
    dollars,
    total_of,
    trades_between,
)
from trading.models import Fill, TradingMode

logger = logging.getLogger(__name__)

LIVE_MODES: tuple[str, ...] = (TradingMode.LIVE,)
PRACTICE_MODES: tuple[str, ...] = (TradingMode.PAPER, TradingMode.TESTNET)
# Lists of order ids in an alert's facts stop here (the count is always given in full).
MAX_LISTED = 100


@dataclass(frozen=True)
class Firing:
    window: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class RuleContext:
    user_id: int
    rule: MonitoringRule
    params: Mapping[str, Any]
    modes: tuple[str, ...]
    at: datetime  # the time the evaluation is about: the order's last fill, or the schedule's
    trade: Trade | None = None  # per-order rules: the order just filled, all its fills added up


RuleCheck = Callable[[RuleContext], list[Firing]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    schema: Mapping[str, Param]
    defaults: Mapping[str, Any]
    score: int
    severity: Severity
    per_order: bool  # True: judges one filled order; False: a window ending at `at`
    check: RuleCheck = field(repr=False)

    @property
    def description(self) -> str:
        return " ".join((self.check.__doc__ or "").split())

    def parse(self, params: Any) -> dict[str, Any]:
        return parse_params(self.schema, params)


RULES: dict[str, RuleSpec] = {}


def register(
    *,
    code: str,
    name: str,
    schema: Mapping[str, Param],
    defaults: Mapping[str, Any],
    score: int,
    severity: Severity,
    per_order: bool,
) -> Callable[[RuleCheck], RuleCheck]:
    def add(check: RuleCheck) -> RuleCheck:
        spec = RuleSpec(code, name, schema, defaults, score, severity, per_order, check)
        spec.parse(defaults)  # the defaults must pass their own schema
        RULES[code] = spec
        return check

    return add


def modes_for(rule: MonitoringRule) -> tuple[str, ...]:
    return LIVE_MODES + PRACTICE_MODES if rule.include_paper else LIVE_MODES


def parsed_params(rule: MonitoringRule) -> dict[str, Any] | None:
    """The rule's parameters checked against its schema, or None (logged) when they fail."""
    spec = RULES.get(rule.code)
    if spec is None:
        logger.error("monitoring rule %s has no implementation; skipped", rule.code)
        return None
    try:
        return spec.parse(rule.params)
    except InvalidParams as error:
        logger.error("monitoring rule %s has invalid params (%s); skipped", rule.code, error)
        return None


def ensure_default_rules() -> list[MonitoringRule]:
    """A row for every registered rule that has none, with the defaults (existing rows, and
    what officers set on them, are left alone). Returns the rows it created."""
    existing = set(MonitoringRule.objects.values_list("code", flat=True))
    created = [
        MonitoringRule(
            code=spec.code,
            name=spec.name,
            description=spec.description,
            params=dict(spec.defaults),
            score=spec.score,
            severity=spec.severity,
        )
        for spec in RULES.values()
        if spec.code not in existing
    ]
    return MonitoringRule.objects.bulk_create(created, ignore_conflicts=True)


def _day(at: datetime) -> tuple[datetime, datetime]:
    start = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1) - timedelta(microseconds=1)


def _month(at: datetime) -> tuple[datetime, datetime]:
    start = at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(microseconds=1)


def _listed(order_ids: Sequence[int]) -> list[int]:
    return list(order_ids[:MAX_LISTED])


# --- Single trade, daily and monthly totals -----------------------------------------------


@register(
    code="large_trade",
    name="Single trade of 5,000 USD or more",
    schema={"threshold_usd": usd("A trade worth at least this many dollars alerts.")},
    defaults={"threshold_usd": "5000"},
    score=15,
    severity=Severity.MEDIUM,
    per_order=True,
)
def large_trade(ctx: RuleContext) -> list[Firing]:
    """One order's fills, added up, are worth at least `threshold_usd` dollars (default
    "5000"). Fires once per order, however many partial fills it takes to get there; an
    order whose quote asset has no dollar price is not judged."""
    trade, threshold = ctx.trade, ctx.params["threshold_usd"]
    if trade is None or trade.usd is None or trade.usd < threshold:
        return []
    return [
        Firing(
            window=f"order:{trade.order_id}",
            facts={
                "trade": trade.facts(),
                "usd": dollars(trade.usd),
                "threshold_usd": str(threshold),
            },
        )
    ]


def _calendar_total(
    ctx: RuleContext, *, start: datetime, end: datetime, label: str
) -> list[Firing]:
    threshold = ctx.params["threshold_usd"]
    trades = trades_between(user_id=ctx.user_id, modes=ctx.modes, since=start, until=end)
    total = total_of(trades)
    if total.usd < threshold:
        return []
    return [
        Firing(
            window=label,
            facts={
                "period": label,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "total_usd": dollars(total.usd),
                "threshold_usd": str(threshold),
                "order_count": len(total.order_ids),
                "order_ids": _listed(total.order_ids),
                "unpriced": total.unpriced,
            },
        )
    ]


@register(
    code="daily_total",
    name="Daily total of 10,000 USD or more",
    schema={"threshold_usd": usd("The UTC day's trades adding up to this many dollars alert.")},
    defaults={"threshold_usd": "10000"},
    score=15,
    severity=Severity.MEDIUM,
    per_order=False,
)
def daily_total(ctx: RuleContext) -> list[Firing]:
    """The user's trades on one UTC calendar day add up to at least `threshold_usd` dollars
    (default "10000"). One alert per user and day."""
    start, end = _day(ctx.at)
    return _calendar_total(ctx, start=start, end=end, label=f"day:{start:%Y-%m-%d}")


@register(
    code="monthly_total",
    name="Monthly total of 50,000 USD or more",
    schema={"threshold_usd": usd("The UTC month's trades adding up to this many dollars alert.")},
    defaults={"threshold_usd": "50000"},
    score=20,
    severity=Severity.MEDIUM,
    per_order=False,
)
def monthly_total(ctx: RuleContext) -> list[Firing]:
    """The user's trades in one UTC calendar month add up to at least `threshold_usd`
    dollars (default "50000"). One alert per user and month."""
    start, end = _month(ctx.at)
    return _calendar_total(ctx, start=start, end=end, label=f"month:{start:%Y-%m}")


# --- Structuring and velocity ---------------------------------------------------------------


def _already_cited(ctx: RuleContext) -> set[int]:
    """Order ids this rule's earlier alerts for the user were about."""
    cited: set[int] = set()
    for facts in Alert.objects.filter(rule=ctx.rule, user_id=ctx.user_id).values_list(
        "facts", flat=True
    ):
        cited.update(facts.get("order_ids", []))
    return cited


@register(
    code="structuring",
    name="Structuring: several trades just under a threshold",
    schema={
        "threshold_usd": usd("The threshold being avoided (the single-trade rule's)."),
        "band_pct": percent("How far under it, in percent, a trade counts as 'just under'."),
        "min_count": count("How many such trades alert.", minimum=2),
        "window_hours": duration("Within how many hours."),
    },
    defaults={"threshold_usd": "5000", "band_pct": "10", "min_count": 3, "window_hours": 24},
    score=30,
    severity=Severity.HIGH,
    per_order=False,
)
def structuring(ctx: RuleContext) -> list[Firing]:
    """At least `min_count` trades (default 3) within `window_hours` (24), each worth between
    `band_pct` percent (10) under `threshold_usd` ("5000") and the threshold itself (4,500 to
    4,999.99 dollars by default). A trade counts towards one alert only: once cited, later
    runs look for a new set of such trades."""
    params = ctx.params
    threshold: Decimal = params["threshold_usd"]
    floor = threshold * (1 - params["band_pct"] / 100)
    since = ctx.at - timedelta(hours=params["window_hours"])
    trades = trades_between(user_id=ctx.user_id, modes=ctx.modes, since=since, until=ctx.at)
    just_under = [t for t in trades if t.usd is not None and floor <= t.usd < threshold]
    if len(just_under) < params["min_count"]:
        return []
    cited = _already_cited(ctx)
    fresh = [t for t in just_under if t.order_id not in cited]
    if len(fresh) < params["min_count"]:
        return []
    order_ids = [t.order_id for t in fresh]
    return [
        Firing(
            window=f"orders:{min(order_ids)}",
            facts={
                "order_ids": order_ids,
                "trades": [t.facts() for t in fresh[:MAX_LISTED]],
                "threshold_usd": str(threshold),
                "floor_usd": dollars(floor),
                "window_hours": params["window_hours"],
            },
        )
    ]


@register(
    code="velocity",
    name="Velocity: trades per hour far above the user's norm",
    schema={
        "factor": factor("How many times the user's hourly norm alerts."),
        "min_count": count("Fewer trades in the hour than this never alert."),
        "baseline_days": duration("The days the hourly norm is measured over."),
    },
    defaults={"factor": "5", "min_count": 10, "baseline_days": 30},
    score=20,
    severity=Severity.MEDIUM,
    per_order=False,
)
def velocity(ctx: RuleContext) -> list[Firing]:
    """Trades in the hour up to now reach `factor` (default "5") times the user's hourly norm
    and at least `min_count` (10). The norm is the user's trades in the `baseline_days` (30)
    before that hour divided by the hours in them (so a user who never traded has a norm of
    0 and only `min_count` applies). One alert per user and UTC clock hour."""
    params = ctx.params
    hour_ago = ctx.at - timedelta(hours=1)
    recent = trades_between(
        user_id=ctx.user_id,
        modes=ctx.modes,
        since=hour_ago + timedelta(microseconds=1),
        until=ctx.at,
    )
    if len(recent) < params["min_count"]:
        return []
    baseline_hours = params["baseline_days"] * 24
    before = count_trades(
        user_id=ctx.user_id,
        modes=ctx.modes,
        since=hour_ago - timedelta(hours=baseline_hours),
        until=hour_ago,
    )
    norm = Decimal(before) / baseline_hours
    needed = max(Decimal(params["min_count"]), params["factor"] * norm)
    if len(recent) < needed:
        return []
    order_ids = [t.order_id for t in recent]
    return [
        Firing(
            window=f"hour:{ctx.at.astimezone(UTC):%Y-%m-%dT%H}",
            facts={
                "trades_last_hour": len(recent),
                "hourly_norm": str(norm.quantize(Decimal("0.0001"))),
                "baseline_trades": before,
                "baseline_days": params["baseline_days"],
                "needed": str(needed.quantize(Decimal("0.0001"))),
                "order_ids": _listed(order_ids),
            },
        )
    ]


# --- Deposit, trade, withdraw ---------------------------------------------------------------


def detect_rapid_in_out(
    movements: Sequence[FundMovement],
    trades: Sequence[Trade],
    *,
    window: timedelta,
    min_deposit_usd: Decimal,
    min_turnover_pct: Decimal,
    min_withdrawal_pct: Decimal,
) -> list[Firing]:
    """The pattern itself, over given movements and trades (pure, so it is testable before
    any ledger of real deposits exists): a deposit of at least `min_deposit_usd`, trades
    worth at least `min_turnover_pct` percent of it and a withdrawal of at least
    `min_withdrawal_pct` percent of it, both within `window` after the deposit."""
    firings = []
    priced = [(m, m.usd) for m in movements if m.usd is not None]
    withdrawals = [(m, value) for m, value in priced if m.kind == "withdrawal"]
    for deposit, deposit_usd in priced:
        if deposit.kind != "deposit" or deposit_usd < min_deposit_usd:
            continue
        end = deposit.at + window
        out = [(w, value) for w, value in withdrawals if deposit.at < w.at <= end]
        if not out:
            continue
        withdrawal, withdrawal_usd = out[0]
        between = [t for t in trades if deposit.at <= t.first_fill_at <= withdrawal.at]
        turnover = total_of(between)
        if turnover.usd * 100 < min_turnover_pct * deposit_usd:
            continue
        if withdrawal_usd * 100 < min_withdrawal_pct * deposit_usd:
            continue
        firings.append(
            Firing(
                window=f"deposit:{deposit.ref}",
                facts={
                    "deposit": {
                        "ref": deposit.ref,
                        "at": deposit.at.isoformat(),
                        "usd": dollars(deposit_usd),
                    },
                    "withdrawal": {
                        "ref": withdrawal.ref,
                        "at": withdrawal.at.isoformat(),
                        "usd": dollars(withdrawal_usd),
                    },
                    "traded_usd": dollars(turnover.usd),
                    "order_ids": _listed(turnover.order_ids),
                },
            )
        )
    return firings


@register(
    code="rapid_in_out",
    name="Deposit, trade and withdraw in quick succession",
    schema={
        "window_hours": duration("Hours from the deposit within which trades and withdrawal fall."),
        "min_deposit_usd": usd("Smaller deposits are ignored."),
        "min_turnover_pct": percent("Trades worth at least this share of the deposit."),
        "min_withdrawal_pct": percent("A withdrawal of at least this share of the deposit."),
    },
    defaults={
        "window_hours": 24,
        "min_deposit_usd": "1000",
        "min_turnover_pct": "80",
        "min_withdrawal_pct": "80",
    },
    score=30,
    severity=Severity.HIGH,
    per_order=False,
)
def rapid_in_out(ctx: RuleContext) -> list[Firing]:
    """A deposit of at least `min_deposit_usd` (default "1000") followed within
    `window_hours` (24) by trades worth `min_turnover_pct` ("80") percent of it and a
    withdrawal of `min_withdrawal_pct` ("80") percent of it. Reads the deposits and
    withdrawals that exist (compliance.monitoring.funds): today there is no ledger of live
    deposits or withdrawals, so this rule fires on nothing until there is."""
    params = ctx.params
    window = timedelta(hours=params["window_hours"])
    since = ctx.at - 2 * window
    movements = fund_movements(user_id=ctx.user_id, modes=ctx.modes, since=since, until=ctx.at)
    if not any(m.kind == "withdrawal" for m in movements):
        return []
    trades = trades_between(user_id=ctx.user_id, modes=ctx.modes, since=since, until=ctx.at)
    return detect_rapid_in_out(
        movements,
        trades,
        window=window,
        min_deposit_usd=params["min_deposit_usd"],
        min_turnover_pct=params["min_turnover_pct"],
        min_withdrawal_pct=params["min_withdrawal_pct"],
    )


# --- Self-matching ----------------------------------------------------------------------------


def _pct_apart(a: Decimal, b: Decimal) -> Decimal:
    return abs(a - b) / b * 100


@register(
    code="wash_trading",
    name="Self-matching: buy and sell of the same amount at the same price",
    schema={
        "window_minutes": duration("How close in time the buy and the sell are."),
        "price_tolerance_pct": percent("How far apart their average prices may be."),
        "amount_tolerance_pct": percent("How far apart their amounts may be."),
    },
    defaults={"window_minutes": 10, "price_tolerance_pct": "0.5", "amount_tolerance_pct": "5"},
    score=30,
    severity=Severity.HIGH,
    per_order=True,
)
def wash_trading(ctx: RuleContext) -> list[Firing]:
    """The order just filled and an opposite-side order of the same user and symbol, on any
    of the user's accounts or connections (the same one too), whose last fills are at most
    `window_minutes` (default 10) apart, with average prices within `price_tolerance_pct`
    ("0.5") percent and amounts within `amount_tolerance_pct` ("5") percent of each other:
    the user trading with themselves. One alert per pair of orders."""
    trade, params = ctx.trade, ctx.params
    if trade is None:
        return []
    window = timedelta(minutes=params["window_minutes"])
    near = trades_between(
        user_id=ctx.user_id,
        modes=ctx.modes,
        since=trade.last_fill_at - window,
        until=trade.last_fill_at + window,
        symbol=trade.symbol,
    )
    candidate_ids = [t.order_id for t in near if t.side != trade.side]
    if not candidate_ids:
        return []
    # Judge each candidate on all its fills, not only those inside the window.
    others = trades_between(user_id=ctx.user_id, modes=ctx.modes, order_ids=candidate_ids)
    firings = []
    for other in others:
        if abs(other.last_fill_at - trade.last_fill_at) > window:
            continue
        price_gap = _pct_apart(other.price, trade.price)
        amount_gap = _pct_apart(other.amount, trade.amount)
        if price_gap > params["price_tolerance_pct"] or amount_gap > params["amount_tolerance_pct"]:
            continue
        buy, sell = (trade, other) if trade.side == "buy" else (other, trade)
        low, high = sorted((trade.order_id, other.order_id))
        firings.append(
            Firing(
                window=f"pair:{low}-{high}",
                facts={
                    "order_ids": [low, high],
                    "buy": buy.facts(),
                    "sell": sell.facts(),
                    "same_account": buy.account == sell.account,
                    "price_gap_pct": str(price_gap.quantize(Decimal("0.0001"))),
                    "amount_gap_pct": str(amount_gap.quantize(Decimal("0.0001"))),
                    "minutes_apart": str(
                        Decimal(
                            abs(other.last_fill_at - trade.last_fill_at).total_seconds() / 60
                        ).quantize(Decimal("0.01"))
                    ),
                },
            )
        )
    return firings


# --- Jurisdiction and dormancy --------------------------------------------------------------


@register(
    code="high_risk_jurisdiction",
    name="Activity from a high-risk jurisdiction",
    schema={
        "check_nationality": switch("Count the nationality declared in KYC."),
        "check_residence": switch("Count the residence country declared in KYC."),
    },
    defaults={"check_nationality": True, "check_residence": True},
    score=25,
    severity=Severity.HIGH,
    per_order=True,
)
def high_risk_jurisdiction(ctx: RuleContext) -> list[Firing]:
    """A trade by a user whose KYC nationality (`check_nationality`, default true) or
    residence country (`check_residence`, true) is in settings.HIGH_RISK_COUNTRIES (ISO
    3166-1 alpha-2 codes). What is used is described in compliance.monitoring.jurisdictions
    (the request's country is not known to the platform). One alert per user and UTC month
    with such activity."""
    if ctx.trade is None:
        return []
    matches = high_risk_matches(
        ctx.user_id,
        nationality=ctx.params["check_nationality"],
        residence=ctx.params["check_residence"],
    )
    if not matches:
        return []
    return [
        Firing(
            window=f"month:{ctx.at.astimezone(UTC):%Y-%m}",
            facts={
                "countries": matches,
                "source": "kyc level 1",
                "high_risk_countries": sorted(high_risk_countries()),
                "order_ids": [ctx.trade.order_id],
                "trade": ctx.trade.facts(),
            },
        )
    ]


def previous_activity(ctx: RuleContext, trade: Trade) -> datetime | None:
    """The user's latest activity before the trade's first fill: their latest earlier fill
    of another order (of the modes that count), or `ComplianceProfile.last_activity_at` when
    that is earlier than the trade and later than that fill (activity the fills do not show,
    such as history from before the platform)."""
    before = trade.first_fill_at
    latest = (
        Fill.objects.filter(
            order__user_id=ctx.user_id, order__mode__in=list(ctx.modes), executed_at__lt=before
        )
        .exclude(order_id=trade.order_id)
        .aggregate(latest=Max("executed_at"))["latest"]
    )
    recorded = (
        ComplianceProfile.objects.filter(user_id=ctx.user_id)
        .values_list("last_activity_at", flat=True)
        .first()
    )
    candidates = [t for t in (latest, recorded) if t is not None and t < before]
    return max(candidates, default=None)


@register(
    code="dormant_reactivated",
    name="Dormant account suddenly active",
    schema={"dormant_days": duration("Days without a live trade that make an account dormant.")},
    defaults={"dormant_days": 180},
    score=15,
    severity=Severity.MEDIUM,
    per_order=True,
)
def dormant_reactivated(ctx: RuleContext) -> list[Firing]:
    """A trade after at least `dormant_days` (default 180) without one. The previous activity
    is the user's latest earlier fill, or ComplianceProfile.last_activity_at (kept by
    `evaluate_order`) when that is later; an account that never traded before has no
    previous activity, so its first trade is not dormancy. One alert per dormant spell."""
    trade = ctx.trade
    if trade is None:
        return []
    previous = previous_activity(ctx, trade)
    if previous is None:
        return []
    gap = trade.first_fill_at - previous
    if gap < timedelta(days=ctx.params["dormant_days"]):
        return []
    return [
        Firing(
            window=f"after:{previous.astimezone(UTC).isoformat()}",
            facts={
                "previous_activity_at": previous.isoformat(),
                "gap_days": gap.days,
                "dormant_days": ctx.params["dormant_days"],
                "order_ids": [trade.order_id],
                "trade": trade.facts(),
            },
        )
    ]
