"""Running the monitoring rules: after each fill, and hourly over recent activity.

`evaluate_order` runs every enabled rule that counts the order's mode (live; paper and
testnet only for rules with `include_paper`) once the order has fills: per-order rules on the
order, window rules on the window ending at its last fill. `run_scheduled_rules` (beat,
hourly) does the same for every user with fills in the last MONITORING_LOOKBACK_HOURS, which
catches any fill whose task was lost, and refreshes risk scores that may have decayed.

Each firing whose dedup key (`<rule>:<user>:<window>`) is new becomes an `Alert` in the
user's open monitoring case (`compliance.cases.open_case`) with one ALERT_RAISED event; then
the user's risk score is recomputed. A user's evaluations queue on their ComplianceProfile
row, so two workers never judge the same user's facts at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.cases import open_case
from compliance.kyc.officers import is_compliance_officer
from compliance.models import Alert, CaseKind, ComplianceProfile, MonitoringRule, Severity
from compliance.monitoring.hooks import forget_practice_monitored
from compliance.monitoring.params import InvalidParams
from compliance.monitoring.risk import recompute_risk
from compliance.monitoring.rules import RULES, Firing, RuleContext, modes_for, parsed_params
from compliance.monitoring.trades import Trade, trades_between, whole_trade
from cryptopulse.errors import ApplicationError
from trading.models import Fill, Order, TradingMode

logger = logging.getLogger(__name__)

# How many stale risk scores one scheduled run refreshes at most (the rest wait an hour).
RISK_REFRESH_BATCH = 1000


@dataclass(frozen=True)
class ScheduledRun:
    users: int
    alerts: int
    risk_refreshed: int


def enabled_rules() -> list[MonitoringRule]:
    return [rule for rule in MonitoringRule.objects.filter(enabled=True) if rule.code in RULES]


def dedup_key(rule: MonitoringRule, user_id: int, window: str) -> str:
    return f"{rule.code}:{user_id}:{window}"[:200]


def _lock_profile(user: User) -> ComplianceProfile:
    ComplianceProfile.objects.get_or_create(user=user)
    return ComplianceProfile.objects.select_for_update().get(user=user)


def _raise_alert(rule: MonitoringRule, user: User, firing: Firing) -> Alert | None:
    """The alert for a firing, in the user's open monitoring case; None when those facts
    already alerted."""
    key = dedup_key(rule, user.pk, firing.window)
    if Alert.objects.filter(dedup_key=key).exists():
        return None
    case = open_case(
        user=user,
        kind=CaseKind.MONITORING,
        title=f"Transaction monitoring: {rule.name}",
        severity=Severity(rule.severity),
    )
    alert = Alert.objects.create(
        rule=rule, user=user, score=rule.score, facts=firing.facts, dedup_key=key, case=case
    )
    record(
        action=AuditAction.ALERT_RAISED,
        actor=None,
        subject=user,
        target=alert,
        data={
            "rule": rule.code,
            "score": rule.score,
            "severity": rule.severity,
            "case": case.pk,
            "dedup": key,
            "facts": firing.facts,
        },
    )
    return alert


def _run_rule(
    rule: MonitoringRule, *, user: User, at: datetime, trade: Trade | None = None
) -> list[Alert]:
    params = parsed_params(rule)
    if params is None:
        return []
    context = RuleContext(
        user_id=user.pk, rule=rule, params=params, modes=modes_for(rule), at=at, trade=trade
    )
    raised = (_raise_alert(rule, user, firing) for firing in RULES[rule.code].check(context))
    return [alert for alert in raised if alert is not None]


def _touch_activity(profile: ComplianceProfile, at: datetime) -> None:
    """Keep `last_activity_at` (the dormancy rule's memory) at the latest live fill."""
    if profile.last_activity_at is None or profile.last_activity_at < at:
        profile.last_activity_at = at
        profile.save(update_fields=["last_activity_at", "updated_at"])


def evaluate_order(*, order_id: int, now: datetime | None = None) -> list[Alert]:
    """Run the enabled rules on an order that has fills (see the module docstring).

    Returns the alerts raised (none when every firing was already known). An order without
    fills, or one that no enabled rule counts, raises nothing.
    """
    with transaction.atomic(durable=True):
        order = Order.objects.select_related("user").filter(pk=order_id).first()
        if order is None:
            return []
        trade = whole_trade(order)
        if trade is None:
            return []
        user = order.user
        profile = _lock_profile(user)
        alerts: list[Alert] = []
        for rule in enabled_rules():
            if order.mode not in modes_for(rule):
                continue
            spec = RULES[rule.code]
            alerts += _run_rule(
                rule, user=user, at=trade.last_fill_at, trade=trade if spec.per_order else None
            )
        if order.mode == TradingMode.LIVE:
            _touch_activity(profile, trade.last_fill_at)
        if alerts:
            recompute_risk(user, now=now)
        return alerts


def evaluate_user(*, user_id: int, since: datetime, now: datetime) -> list[Alert]:
    """Run the enabled rules over one user's trades with fills in (since, now]: per-order
    rules on each such order, window rules on the window ending at their latest fill."""
    with transaction.atomic(durable=True):
        user = User.objects.get(pk=user_id)
        profile = _lock_profile(user)
        alerts: list[Alert] = []
        live_fills: list[datetime] = []
        for rule in enabled_rules():
            modes = modes_for(rule)
            recent = trades_between(user_id=user_id, modes=modes, since=since, until=now)
            if not recent:
                continue
            live_fills += [trade.last_fill_at for trade in recent if trade.mode == TradingMode.LIVE]
            if not RULES[rule.code].per_order:
                at = max(trade.last_fill_at for trade in recent)
                alerts += _run_rule(rule, user=user, at=at)
                continue
            # Judge each order on all its fills, as evaluate_order did (or should have).
            ids = [trade.order_id for trade in recent]
            for trade in trades_between(user_id=user_id, modes=modes, order_ids=ids):
                alerts += _run_rule(rule, user=user, at=trade.last_fill_at, trade=trade)
        if live_fills:
            _touch_activity(profile, max(live_fills))
        if alerts:
            recompute_risk(user, now=now)
        return alerts


def _active_users(*, since: datetime, now: datetime, modes: Iterable[str]) -> list[int]:
    return list(
        Fill.objects.filter(
            executed_at__gt=since, executed_at__lte=now, order__mode__in=list(modes)
        )
        .values_list("order__user_id", flat=True)
        .distinct()
        .order_by("order__user_id")
    )


def refresh_stale_risk(*, now: datetime, limit: int = RISK_REFRESH_BATCH) -> int:
    """Recompute scores older than a day that are above 0 (alerts decay with age)."""
    stale = list(
        ComplianceProfile.objects.filter(
            risk_score__gt=0, risk_computed_at__lt=now - timedelta(days=1)
        )
        .select_related("user")
        .order_by("risk_computed_at")[:limit]
    )
    for profile in stale:
        with transaction.atomic(durable=True):
            recompute_risk(profile.user, now=now)
    return len(stale)


def run_scheduled_rules(*, now: datetime | None = None) -> ScheduledRun:
    """The hourly pass (see the module docstring); each user in a transaction of their own,
    so one user's failure (logged) does not undo the others' alerts."""
    now = timezone.now() if now is None else now
    since = now - timedelta(hours=settings.MONITORING_LOOKBACK_HOURS)
    rules = enabled_rules()
    modes = {mode for rule in rules for mode in modes_for(rule)}
    users = _active_users(since=since, now=now, modes=modes) if rules else []
    alerts = 0
    for user_id in users:
        try:
            alerts += len(evaluate_user(user_id=user_id, since=since, now=now))
        except Exception:
            logger.exception("monitoring of user %s failed; the next run tries again", user_id)
    refreshed = refresh_stale_risk(now=now)
    return ScheduledRun(users=len(users), alerts=alerts, risk_refreshed=refreshed)


RULE_FIELDS = ("enabled", "params", "score", "severity", "include_paper")


def change_rule(*, rule_id: int, officer: User, changes: Mapping[str, Any]) -> MonitoringRule:
    """An officer changes a rule's settings (any of RULE_FIELDS); the parameters must pass the
    rule's schema. Writes one MONITORING_RULE_CHANGED event with the old and new values of
    what changed (nothing, and no event, when nothing did).

    Plain `atomic`, not durable: the admin's change form already runs in a transaction.
    """
    if not is_compliance_officer(officer):
        raise ApplicationError("not_officer", "Only compliance officers change rules.", status=403)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ApplicationError("invalid_field", f"Not a rule setting: {sorted(unknown)}.")
    with transaction.atomic():
        rule = MonitoringRule.objects.select_for_update().get(pk=rule_id)
        spec = RULES.get(rule.code)
        if "params" in changes:
            if spec is None:
                raise ApplicationError("unknown_rule", f"{rule.code} has no implementation.")
            try:
                spec.parse(changes["params"])
            except InvalidParams as error:
                raise ApplicationError("invalid_params", str(error), "params") from None
        if "severity" in changes and changes["severity"] not in Severity.values:
            raise ApplicationError(
                "invalid_severity", f"Severity is one of {', '.join(Severity.values)}.", "severity"
            )
        changed = [
            name for name in RULE_FIELDS if name in changes and getattr(rule, name) != changes[name]
        ]
        if not changed:
            return rule
        old = {name: getattr(rule, name) for name in changed}
        for name in changed:
            setattr(rule, name, changes[name])
        rule.save(update_fields=[*changed, "updated_at"])
        record(
            action=AuditAction.MONITORING_RULE_CHANGED,
            actor=officer,
            target=rule,
            data={"rule": rule.code, "old": old, "new": {name: changes[name] for name in changed}},
        )
        transaction.on_commit(forget_practice_monitored)
    return rule
