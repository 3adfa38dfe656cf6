"""The periodic compliance report: what compliance saw and decided in a period.

Every figure is one aggregate query over the period's rows (about a dozen queries whatever the
volume); no row is loaded into Python. The period is half-open, `start <= t < end`, in UTC.
Which timestamp puts a row in the period, per section:

- KYC outcomes: submissions *submitted* in the period, by level and their status now (so
  `submitted = pending + approved + rejected + resubmission_requested + expired`);
- screening hits: matches *created* in the period, by list and by status now;
- alerts: alerts *raised* in the period, by rule, open/closed now, and the status of the case
  each one joined (`no_case` when none);
- cases: *opened* in the period by kind; *closed* in the period by kind and outcome;
- time to decision: decisions *made* in the period (KYC `decided_at`, case `closed_at`),
  whenever the submission was submitted or the case opened; median, 90th percentile
  (interpolated) and maximum in hours;
- freezes: trading freezes and unfreezes *applied* in the period (their audit events), and the
  four-eyes freeze requests *raised* in the period by action and status now.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, QuerySet

from compliance.audit import AuditAction
from compliance.models import (
    Alert,
    AlertStatus,
    AuditEvent,
    Case,
    CaseKind,
    CaseStatus,
    FreezeAction,
    FreezeRequest,
    FreezeRequestStatus,
    KycStatus,
    KycSubmission,
    MatchStatus,
    ScreeningMatch,
    WatchlistSource,
)
from compliance.models.cases import OPEN_CASE_STATUSES
from compliance.reports.aggregates import PercentileCont, hours

KYC_LEVELS = (1, 2, 3)
KYC_OUTCOMES = (
    KycStatus.PENDING,
    KycStatus.APPROVED,
    KycStatus.REJECTED,
    KycStatus.RESUBMISSION_REQUESTED,
    KycStatus.EXPIRED,
)
CLOSED_CASE_STATUSES = tuple(status for status in CaseStatus if status not in OPEN_CASE_STATUSES)
NO_CASE = "no_case"
CASE_OUTCOMES = (*(status.value for status in CaseStatus), NO_CASE)


def build_periodic_report(*, start: datetime, end: datetime) -> dict[str, Any]:
    """The report's data for `[start, end)`, as plain JSON (counts, hours as text)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the period's bounds must be timezone-aware")
    if start >= end:
        raise ValueError("the period must end after it starts")
    return {
        "type": "periodic",
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "kyc": _kyc(start, end),
        "screening": _screening(start, end),
        "alerts": _alerts(start, end),
        "cases": _cases(start, end),
        "time_to_decision": {
            "kyc": _kyc_decision_times(start, end),
            "cases": _case_decision_times(start, end),
        },
        "freezes": _freezes(start, end),
    }


def _kyc(start: datetime, end: datetime) -> dict[str, Any]:
    rows = (
        KycSubmission.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values("level", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {level: defaultdict(int) for level in KYC_LEVELS}
    for row in rows:
        counts.setdefault(row["level"], defaultdict(int))[row["status"]] += row["n"]
    levels = []
    for level in sorted(counts):
        by_status = counts[level]
        line: dict[str, Any] = {"level": level, "submitted": sum(by_status.values())}
        line.update({outcome.value: by_status[outcome] for outcome in KYC_OUTCOMES})
        levels.append(line)
    total = {
        key: sum(line[key] for line in levels)
        for key in ("submitted", *(outcome.value for outcome in KYC_OUTCOMES))
    }
    return {"levels": levels, "total": total}


def _screening(start: datetime, end: datetime) -> dict[str, Any]:
    matches = ScreeningMatch.objects.filter(created_at__gte=start, created_at__lt=end)
    rows = matches.values("entry__source", "status").annotate(n=Count("id")).order_by()
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        by_source[row["entry__source"]][row["status"]] += row["n"]
    sources = []
    for source in WatchlistSource:
        by_status = by_source[source.value]
        line: dict[str, Any] = {
            "source": source.value,
            "label": source.label,
            "total": sum(by_status.values()),
        }
        line.update({status.value: by_status[status] for status in MatchStatus})
        sources.append(line)
    users = matches.aggregate(users=Count("user_id", distinct=True))["users"]
    return {
        "total": sum(line["total"] for line in sources),
        "users": users,
        "by_source": sources,
        "by_status": {
            status.value: sum(line[status.value] for line in sources) for status in MatchStatus
        },
    }


def _alerts(start: datetime, end: datetime) -> dict[str, Any]:
    rows = (
        Alert.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("rule__code", "rule__name", "status", "case__status")
        .annotate(n=Count("id"))
        .order_by()
    )
    rules: dict[str, dict[str, Any]] = {}
    for row in rows:
        line = rules.setdefault(
            row["rule__code"],
            {
                "rule": row["rule__code"],
                "name": row["rule__name"],
                "total": 0,
                **{status.value: 0 for status in AlertStatus},
                "case_outcomes": dict.fromkeys(CASE_OUTCOMES, 0),
            },
        )
        line["total"] += row["n"]
        line[row["status"]] += row["n"]
        line["case_outcomes"][row["case__status"] or NO_CASE] += row["n"]
    by_rule = [rules[code] for code in sorted(rules)]
    return {
        "total": sum(line["total"] for line in by_rule),
        **{status.value: sum(line[status.value] for line in by_rule) for status in AlertStatus},
        "by_rule": by_rule,
    }


def _cases(start: datetime, end: datetime) -> dict[str, Any]:
    opened_rows = (
        Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    opened_by_kind = {row["kind"]: row["n"] for row in opened_rows}
    closed_rows = (
        Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    closed_by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in closed_rows:
        closed_by_kind[row["kind"]][row["status"]] += row["n"]
    opened = [
        {"kind": kind.value, "label": kind.label, "count": opened_by_kind.get(kind.value, 0)}
        for kind in CaseKind
    ]
    closed = []
    for kind in CaseKind:
        by_status = closed_by_kind[kind.value]
        line: dict[str, Any] = {
            "kind": kind.value,
            "label": kind.label,
            "total": sum(by_status.values()),
        }
        # A case closed in the period may have been reopened since (it then counts as open).
        line.update({status.value: by_status[status] for status in CaseStatus})
        closed.append(line)
    return {
        "opened_total": sum(line["count"] for line in opened),
        "opened": opened,
        "closed_total": sum(line["total"] for line in closed),
        "closed": closed,
    }


def _decision_aggregates(*, begin: str, finish: str) -> dict[str, Any]:
    waiting = F(finish) - F(begin)
    return {
        "decisions": Count("id"),
        "median": PercentileCont(waiting, fraction=0.5),
        "p90": PercentileCont(waiting, fraction=0.9),
        "max": Max(waiting),
    }


def _figures_line(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "decisions": values["decisions"],
        "median_hours": hours(values["median"]),
        "p90_hours": hours(values["p90"]),
        "max_hours": hours(values["max"]),
    }


def _decision_times(
    queryset: QuerySet[Any], *, begin: str, finish: str, group: str, groups: list[Any]
) -> dict[str, Any]:
    aggregates = _decision_aggregates(begin=begin, finish=finish)
    overall = queryset.aggregate(**aggregates)
    grouped = {row[group]: row for row in queryset.values(group).annotate(**aggregates).order_by()}
    empty = {"decisions": 0, "median": None, "p90": None, "max": None}
    return {
        "overall": _figures_line(overall),
        f"by_{group}": [{group: key, **_figures_line(grouped.get(key, empty))} for key in groups],
    }


def _kyc_decision_times(start: datetime, end: datetime) -> dict[str, Any]:
    decided = KycSubmission.objects.filter(
        decided_at__gte=start, decided_at__lt=end, submitted_at__isnull=False
    )
    return _decision_times(
        decided,
        begin="submitted_at",
        finish="decided_at",
        group="level",
        groups=list(KYC_LEVELS),
    )


def _case_decision_times(start: datetime, end: datetime) -> dict[str, Any]:
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
    return _decision_times(
        closed,
        begin="opened_at",
        finish="closed_at",
        group="kind",
        groups=[kind.value for kind in CaseKind],
    )


def _freezes(start: datetime, end: datetime) -> dict[str, Any]:
    applied_rows = (
        AuditEvent.objects.filter(
            action__in=[AuditAction.USER_FROZEN, AuditAction.USER_UNFROZEN],
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .values("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    applied = {row["action"]: row["n"] for row in applied_rows}
    request_rows = (
        FreezeRequest.objects.filter(requested_at__gte=start, requested_at__lt=end)
        .values("action", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    requests: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in request_rows:
        requests[row["action"]][row["status"]] += row["n"]
    return {
        "frozen": applied.get(AuditAction.USER_FROZEN.value, 0),
        "unfrozen": applied.get(AuditAction.USER_UNFROZEN.value, 0),
        "requests": [
            {
                "action": action.value,
                "label": action.label,
                "total": sum(requests[action.value].values()),
                **{status.value: requests[action.value][status] for status in FreezeRequestStatus},
            }
            for action in FreezeAction
        ],
    }
