"""What a user's KYC page and `GET /api/v1/kyc` show: the level, its limits and their use,
and each level's step with its latest submission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from compliance.kyc.levels import LEVEL_RULES, LEVELS, Level
from compliance.kyc.limits import LevelLimits, UnvaluedVolume, Usage, limits_for, live_usage
from compliance.kyc.services import EDITABLE, effective_level
from compliance.models import KycDocument, KycStatus, KycSubmission
from compliance.profiles import trading_frozen


@dataclass(frozen=True)
class Step:
    """One level on the page: its rules, the approval in force and the latest submission."""

    rule: Level
    approved: KycSubmission | None  # the approval in force (the one lasting longest)
    latest: KycSubmission | None  # the newest submission of any status
    reachable: bool  # the levels below are approved, so this one can be sent

    @property
    def open(self) -> KycSubmission | None:
        """The submission the user works on (draft or resubmission asked), if any."""
        if self.latest is not None and self.latest.status in EDITABLE:
            return self.latest
        return None

    @property
    def pending(self) -> bool:
        return self.latest is not None and self.latest.status == KycStatus.PENDING

    @property
    def renewable(self) -> bool:
        """An approval in force ends within the notice period: a new submission may start."""
        if self.approved is None or self.approved.expires_at is None:
            return False
        notice = timedelta(days=settings.KYC_EXPIRY_NOTICE_DAYS)
        return self.approved.expires_at - timezone.now() <= notice

    @property
    def editable(self) -> bool:
        """The page offers this level's form."""
        if not self.reachable or self.pending:
            return False
        return self.open is not None or self.approved is None or self.renewable


@dataclass(frozen=True)
class Overview:
    level: int
    frozen: bool
    limits: LevelLimits | None
    usage: Usage | None  # None when a volume's asset has no dollar price right now
    steps: list[Step]
    submissions: list[KycSubmission]

    @property
    def today_left_usd(self) -> Decimal | None:
        if self.limits is None or self.usage is None:
            return None
        return max(self.limits.daily_usd - self.usage.today_usd, Decimal(0))

    @property
    def month_left_usd(self) -> Decimal | None:
        if self.limits is None or self.usage is None:
            return None
        return max(self.limits.monthly_usd - self.usage.month_usd, Decimal(0))

    @property
    def reviewing(self) -> bool:
        """A submission is waiting for an officer: the page refreshes its steps."""
        return any(step.pending for step in self.steps)


def submissions_of(user: User) -> QuerySet[KycSubmission]:
    documents = KycDocument.objects.order_by("uploaded_at", "pk")
    return (
        KycSubmission.objects.filter(user=user)
        .select_related("reviewer")
        .prefetch_related(Prefetch("documents", queryset=documents))
        .order_by("-created_at", "-pk")
    )


def kyc_overview(*, user: User, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    submissions = list(submissions_of(user))
    level = effective_level(user=user, now=now)
    try:
        usage: Usage | None = live_usage(user=user, now=now)
    except UnvaluedVolume:
        usage = None
    steps = []
    for number in LEVELS:
        of_level = [row for row in submissions if row.level == number]
        approvals = [
            row
            for row in of_level
            if row.status == KycStatus.APPROVED and row.expires_at and row.expires_at > now
        ]
        approved = max(approvals, key=lambda row: row.expires_at or now, default=None)
        steps.append(
            Step(
                rule=LEVEL_RULES[number],
                approved=approved,
                latest=of_level[0] if of_level else None,
                reachable=level >= number - 1,
            )
        )
    return Overview(
        level=level,
        frozen=trading_frozen(user),
        limits=limits_for(level),
        usage=usage,
        steps=steps,
        submissions=submissions,
    )
