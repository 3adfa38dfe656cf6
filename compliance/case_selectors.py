"""Read queries over cases for the officers' queue (admin) and dashboard: age buckets, SLA,
and the dashboard's figures, each a fixed number of aggregate queries whatever the volume.

SLA: an open case (open, in review, escalated) must be decided within
settings.CASE_SLA_HOURS[severity] hours of being opened; past that it is in breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from compliance.models import (
    Alert,
    Case,
    FreezeRequest,
    FreezeRequestStatus,
    ScreeningMatch,
    Severity,
)
from compliance.models.cases import OPEN_CASE_STATUSES


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    min_hours: int
    max_hours: int | None  # None: no upper bound


AGE_BUCKETS = (
    AgeBucket("lt1d", "Under 1 day", 0, 24),
    AgeBucket("1to3d", "1-3 days", 24, 72),
    AgeBucket("3to7d", "3-7 days", 72, 168),
    AgeBucket("gt7d", "Over 7 days", 168, None),
)
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def sla_hours(severity: str) -> int:
    return int(settings.CASE_SLA_HOURS[severity])


def sla_deadline(case: Case) -> datetime:
    return case.opened_at + timedelta(hours=sla_hours(case.severity))


def is_open(case: Case) -> bool:
    return case.status in OPEN_CASE_STATUSES


def sla_breached(case: Case, *, now: datetime) -> bool:
    return is_open(case) and now > sla_deadline(case)


def open_cases() -> QuerySet[Case]:
    return Case.objects.filter(status__in=OPEN_CASE_STATUSES)


def breached_q(now: datetime) -> Q:
    """Open cases past their severity's SLA."""
    late = Q()
    for severity in SEVERITIES:
        late |= Q(severity=severity, opened_at__lt=now - timedelta(hours=sla_hours(severity)))
    return Q(status__in=OPEN_CASE_STATUSES) & late


def age_q(bucket: AgeBucket, now: datetime) -> Q:
    """Cases opened between the bucket's bounds ago."""
    query = Q(opened_at__lte=now - timedelta(hours=bucket.min_hours))
    if bucket.max_hours is not None:
        query &= Q(opened_at__gt=now - timedelta(hours=bucket.max_hours))
    return query


def age_bucket_of(opened_at: datetime, now: datetime) -> AgeBucket:
    hours = (now - opened_at).total_seconds() / 3600
    for bucket in AGE_BUCKETS:
        if bucket.max_hours is None or hours < bucket.max_hours:
            return bucket
    return AGE_BUCKETS[-1]  # pragma: no cover - the last bucket has no upper bound


def start_of_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    open_by_age: list[dict[str, Any]]  # one row per age bucket: label, counts per severity, total
    open_total: int
    open_by_severity: dict[str, int]
    breached_total: int
    breached: list[Case]  # the longest-overdue first, at most BREACHED_LISTED
    screening_hits_today: int
    screening_hits_open: int
    alerts_today: list[dict[str, Any]]  # rule id, code, name and count, most first
    alerts_today_total: int
    pending_freezes: list[FreezeRequest]


BREACHED_LISTED = 20


def dashboard(*, now: datetime) -> Dashboard:
    """The officer dashboard's figures in six queries, whatever the number of cases."""
    cells = {
        f"{bucket.key}__{severity}": Count("pk", filter=age_q(bucket, now) & Q(severity=severity))
        for bucket in AGE_BUCKETS
        for severity in SEVERITIES
    }
    counts = open_cases().aggregate(breached=Count("pk", filter=breached_q(now)), **cells)
    rows = []
    for bucket in AGE_BUCKETS:
        row = {severity.value: counts[f"{bucket.key}__{severity}"] for severity in SEVERITIES}
        rows.append(
            {
                "key": bucket.key,
                "label": bucket.label,
                "counts": row,
                "cells": [{"severity": key, "count": count} for key, count in row.items()],
                "total": sum(row.values()),
            }
        )
    by_severity = {
        severity.value: sum(row["counts"][severity.value] for row in rows)
        for severity in SEVERITIES
    }
    breached = list(
        Case.objects.filter(breached_q(now))
        .select_related("user", "assigned_to")
        .order_by("opened_at")[:BREACHED_LISTED]
    )
    today = start_of_day(now)
    hits = ScreeningMatch.objects.aggregate(
        today=Count("pk", filter=Q(created_at__gte=today)),
        open=Count("pk", filter=Q(status="open")),
    )
    per_rule = (
        Alert.objects.filter(created_at__gte=today)
        .values("rule_id", "rule__code", "rule__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "rule__code")
    )
    alerts: list[dict[str, Any]] = [dict(row) for row in per_rule]
    pending = list(
        FreezeRequest.objects.filter(status=FreezeRequestStatus.PENDING)
        .select_related("user", "requested_by", "case")
        .order_by("requested_at")
    )
    return Dashboard(
        now=now,
        open_by_age=rows,
        open_total=sum(row["total"] for row in rows),
        open_by_severity=by_severity,
        breached_total=counts["breached"],
        breached=breached,
        screening_hits_today=hits["today"],
        screening_hits_open=hits["open"],
        alerts_today=alerts,
        alerts_today_total=sum(row["count"] for row in alerts),
        pending_freezes=pending,
    )
