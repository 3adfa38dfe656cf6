"""The daily KYC job (`compliance.expire_kyc`): lapse approvals and warn users before.

- An approval whose `expires_at` has passed becomes `expired` (one KYC_EXPIRED event), and
  the user's effective level is recomputed (a lapsed level 1 takes levels 2 and 3 with it).
- An approval lapsing within `KYC_EXPIRY_NOTICE_DAYS` (30) is announced to the user once, by
  email and on the page's notification socket; `expiry_notified_at` makes it once. If the mail
  cannot be sent, the mark is taken back so the next run tries again. An approval already
  renewed (a newer approval of the same level lasting longer) is not announced.

Each submission is its own transaction, so a run that stops half-way loses nothing, and a
second run finds nothing left to do. The pre-trade checks do not wait for this job: they
compute the level at the moment of the order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from compliance.audit import AuditAction, record
from compliance.kyc.services import recompute_level
from compliance.models import KycStatus, KycSubmission

logger = logging.getLogger(__name__)

KYC_NOTIFICATION = "kyc"


@dataclass(frozen=True)
class ExpiryRun:
    expired: int
    notified: int


def expire_kyc(*, now: datetime | None = None) -> ExpiryRun:
    """Lapse every approval past its expiry and announce the ones about to lapse."""
    now = now or timezone.now()
    lapsed = KycSubmission.objects.filter(status=KycStatus.APPROVED, expires_at__lte=now)
    expired = sum(_expire(pk, now) for pk in lapsed.order_by("pk").values_list("pk", flat=True))
    notified = sum(_announce(pk, now) for pk in _to_announce(now))
    return ExpiryRun(expired=expired, notified=notified)


@transaction.atomic(durable=True)
def _expire(submission_id: int, now: datetime) -> bool:
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=submission_id, status=KycStatus.APPROVED, expires_at__lte=now)
        .first()
    )
    if submission is None:
        return False  # renewed or expired by a concurrent run meanwhile
    submission.status = KycStatus.EXPIRED
    submission.save(update_fields=["status", "updated_at"])
    old_level, new_level = recompute_level(user=submission.user, now=now)
    record(
        action=AuditAction.KYC_EXPIRED,
        actor=None,
        subject=submission.user,
        target=submission,
        data={
            "level": submission.level,
            "expires_at": submission.expires_at,
            "kyc_level": {"old": old_level, "new": new_level},
        },
    )
    return True


def _to_announce(now: datetime) -> list[int]:
    horizon = now + timedelta(days=settings.KYC_EXPIRY_NOTICE_DAYS)
    renewed = KycSubmission.objects.filter(
        user=OuterRef("user"),
        level=OuterRef("level"),
        status=KycStatus.APPROVED,
        expires_at__gt=OuterRef("expires_at"),
    )
    return list(
        KycSubmission.objects.filter(
            status=KycStatus.APPROVED,
            expires_at__gt=now,
            expires_at__lte=horizon,
            expiry_notified_at__isnull=True,
        )
        .exclude(Exists(renewed))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic(durable=True)
def _announce(submission_id: int, now: datetime) -> bool:
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .filter(pk=submission_id, status=KycStatus.APPROVED, expiry_notified_at__isnull=True)
        .first()
    )
    if submission is None:
        return False
    submission.expiry_notified_at = now
    submission.save(update_fields=["expiry_notified_at", "updated_at"])
    transaction.on_commit(lambda: send_expiry_notice(submission_id=submission_id))
    return True


def send_expiry_notice(*, submission_id: int) -> bool:
    """Mail the user that the approval lapses soon and push it to their open pages; a mail
    that fails clears the mark, so the next run announces it again."""
    submission = KycSubmission.objects.select_related("user").get(pk=submission_id)
    assert submission.expires_at is not None  # noqa: S101 - only approvals are announced
    context = {
        "submission": submission,
        "expires_on": submission.expires_at.date().isoformat(),
        "kyc_path": reverse("compliance:kyc"),
    }
    subject = render_to_string("compliance/email/kyc_expiring_subject.txt", context).strip()
    body = render_to_string("compliance/email/kyc_expiring.txt", context)
    try:
        send_mail(subject, body, None, [submission.user.email])
    except Exception:
        logger.exception("KYC expiry notice not sent", extra={"submission": submission_id})
        KycSubmission.objects.filter(pk=submission_id).update(expiry_notified_at=None)
        return False
    from monitoring.tasks import notify_user

    notify_user.delay(
        submission.user_id,
        KYC_NOTIFICATION,
        {
            "level": submission.level,
            "expires_at": submission.expires_at.isoformat(),
            "text": subject,
        },
    )
    return True
