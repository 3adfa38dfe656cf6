"""A user's risk score, 0-100, with the reasons that make it up (shown to officers).

    score = clamp(kyc + screening + alerts + jurisdiction, 0, 100)

- kyc: effective level 0 (not verified) +15, level 1 +5, level 2 0, level 3 (enhanced due
  diligence approved) -10.
- screening: a confirmed true match +80; each open match +25, at most +50 for open matches.
  Matches closed as false positives count nothing.
- alerts: each alert adds its rule's score (copied onto the alert when raised), weighed by
  age: full up to 30 days, half up to 90 days, a quarter up to 365 days, nothing after.
  Alerts whose case was closed as a false positive count nothing. At most +60 from alerts.
- jurisdiction: a KYC nationality or residence in settings.HIGH_RISK_COUNTRIES +25.

Levels: low below 25, medium from 25, high from 50, critical from 75. The score is derived
data, recomputed after every alert and case decision and hourly for scores that may have
decayed; it is not audited itself (the events that change it are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from compliance.models import (
    Alert,
    CaseStatus,
    ComplianceProfile,
    MatchStatus,
    RiskLevel,
    ScreeningMatch,
)
from compliance.monitoring.jurisdictions import high_risk_matches

KYC_POINTS = {0: 15, 1: 5, 2: 0, 3: -10}
KYC_LABELS = {
    0: "KYC not verified (level 0)",
    1: "KYC level 1 (identity only)",
    2: "KYC level 2",
    3: "Enhanced due diligence approved (KYC level 3)",
}
CONFIRMED_MATCH_POINTS = 80
OPEN_MATCH_POINTS = 25
OPEN_MATCHES_CAP = 50
ALERTS_CAP = 60
JURISDICTION_POINTS = 25
# (age limit in days, weight) from the youngest; older alerts weigh nothing.
ALERT_DECAY = ((30, Decimal(1)), (90, Decimal("0.5")), (365, Decimal("0.25")))
LEVELS = ((75, RiskLevel.CRITICAL), (50, RiskLevel.HIGH), (25, RiskLevel.MEDIUM))


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    level: RiskLevel
    reasons: list[dict[str, Any]]  # [{"reason": "...", "points": 15}], largest first


def level_for(score: int) -> RiskLevel:
    for floor, level in LEVELS:
        if score >= floor:
            return level
    return RiskLevel.LOW


def _points(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _kyc(profile: ComplianceProfile) -> list[dict[str, Any]]:
    level = profile.kyc_level
    return [
        {"reason": KYC_LABELS.get(level, f"KYC level {level}"), "points": KYC_POINTS.get(level, 0)}
    ]


def _screening(user: User) -> list[dict[str, Any]]:
    counts = ScreeningMatch.objects.filter(user=user).aggregate(
        confirmed=Count("pk", filter=Q(status=MatchStatus.CONFIRMED)),
        open=Count("pk", filter=Q(status=MatchStatus.OPEN)),
    )
    reasons = []
    if counts["confirmed"]:
        reasons.append(
            {
                "reason": f"Confirmed sanctions/PEP match ({counts['confirmed']})",
                "points": CONFIRMED_MATCH_POINTS,
            }
        )
    if counts["open"]:
        points = min(OPEN_MATCHES_CAP, OPEN_MATCH_POINTS * counts["open"])
        reasons.append(
            {"reason": f"Open screening matches under review ({counts['open']})", "points": points}
        )
    return reasons


def _weight(age: timedelta) -> Decimal:
    for days, weight in ALERT_DECAY:
        if age <= timedelta(days=days):
            return weight
    return Decimal(0)


def _alerts(user: User, now: datetime) -> list[dict[str, Any]]:
    oldest = now - timedelta(days=ALERT_DECAY[-1][0])
    alerts = (
        Alert.objects.filter(user=user, created_at__gte=oldest)
        .exclude(case__status=CaseStatus.CLOSED_FALSE_POSITIVE)
        .values("rule__name", "score", "created_at")
    )
    per_rule: dict[str, tuple[int, Decimal]] = {}
    for alert in alerts:
        seen, points = per_rule.get(alert["rule__name"], (0, Decimal(0)))
        weighted = Decimal(alert["score"]) * _weight(now - alert["created_at"])
        per_rule[alert["rule__name"]] = (seen + 1, points + weighted)
    reasons: list[dict[str, Any]] = [
        {"reason": f"Monitoring alerts: {name} ({seen})", "points": _points(points)}
        for name, (seen, points) in per_rule.items()
        if _points(points) > 0
    ]
    total = sum(reason["points"] for reason in reasons)
    if total > ALERTS_CAP:
        reasons.append(
            {"reason": f"Alerts capped at {ALERTS_CAP} points", "points": ALERTS_CAP - total}
        )
    return reasons


def _jurisdiction(user: User) -> list[dict[str, Any]]:
    matches = high_risk_matches(user.pk)
    if not matches:
        return []
    described = ", ".join(f"{kind} {code}" for kind, code in sorted(matches.items()))
    return [{"reason": f"High-risk jurisdiction ({described})", "points": JURISDICTION_POINTS}]


def assess_risk(user: User, *, now: datetime | None = None) -> RiskAssessment:
    """The user's score, level and reasons as of `now`, without storing them."""
    now = timezone.now() if now is None else now
    profile, _ = ComplianceProfile.objects.get_or_create(user=user)
    reasons = _kyc(profile) + _screening(user) + _alerts(user, now) + _jurisdiction(user)
    score = max(0, min(100, sum(reason["points"] for reason in reasons)))
    reasons.sort(key=lambda reason: -abs(reason["points"]))
    return RiskAssessment(score=score, level=level_for(score), reasons=reasons)


def recompute_risk(user: User, *, now: datetime | None = None) -> ComplianceProfile:
    """Assess the user's risk and store it on their ComplianceProfile (score, level, reasons,
    computed at). Runs inside the caller's transaction when there is one."""
    now = timezone.now() if now is None else now
    assessment = assess_risk(user, now=now)
    with transaction.atomic():
        profile = ComplianceProfile.objects.select_for_update().get(user=user)
        profile.risk_score = assessment.score
        profile.risk_level = assessment.level
        profile.risk_reasons = assessment.reasons
        profile.risk_computed_at = now
        profile.save(
            update_fields=[
                "risk_score",
                "risk_level",
                "risk_reasons",
                "risk_computed_at",
                "updated_at",
            ]
        )
    return profile
