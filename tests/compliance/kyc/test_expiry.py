"""The daily KYC job: lapsed approvals expire and lower the level; users are told 30 days
before, exactly once; a second run does nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from compliance.kyc import expiry
from compliance.kyc.expiry import expire_kyc
from compliance.kyc.tasks import expire_kyc_task
from compliance.models import AuditEvent, ComplianceProfile, KycStatus, KycSubmission
from monitoring.periodic import PERIODIC_TASKS
from tests.compliance.kyc.helpers import approve, expires, queued_tasks

pytestmark = pytest.mark.django_db


def _pushed(user) -> int:
    """KYC notifications queued for the user's open pages."""
    return [(task, args[:2]) for task, args in queued_tasks("default")].count(
        ("monitoring.notify_user", [user.pk, "kyc"])
    )


def _level(user) -> int:
    return ComplianceProfile.objects.get(user=user).kyc_level


def test_a_lapsed_approval_expires_and_takes_the_levels_above_with_it(user, settings):
    # given: levels 1 and 2 approved; level 1 lapses first
    settings.KYC_REVIEW_DAYS = {1: 365, 2: 730, 3: 365}
    one = approve(user, 1)
    two = approve(user, 2)
    assert _level(user) == 2
    after = expires(one) + timedelta(minutes=1)
    # when
    run = expire_kyc(now=after)
    # then
    assert (run.expired, run.notified) == (1, 0)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (KycStatus.EXPIRED, KycStatus.APPROVED)
    assert _level(user) == 0
    (event,) = AuditEvent.objects.filter(action="compliance.kyc.expired")
    assert event.actor_kind == "system"
    assert event.target_id == str(one.pk)
    assert event.data["kyc_level"] == {"old": 2, "new": 0}


def test_an_approval_not_yet_lapsed_is_left_alone(user):
    one = approve(user, 1)
    run = expire_kyc(now=expires(one) - timedelta(seconds=1) - timedelta(days=31))
    one.refresh_from_db()
    assert run.expired == 0
    assert one.status == KycStatus.APPROVED


def test_running_twice_expires_once(user):
    one = approve(user, 1)
    after = expires(one) + timedelta(minutes=1)
    first, second = expire_kyc(now=after), expire_kyc(now=after)
    assert (first.expired, second.expired) == (1, 0)
    assert AuditEvent.objects.filter(action="compliance.kyc.expired").count() == 1


def test_the_user_is_told_thirty_days_before_exactly_once(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    one = approve(user, 1)
    thirty_one_days_before = expires(one) - timedelta(days=31)
    thirty_days_before = expires(one) - timedelta(days=30)
    pushed_before = _pushed(user)
    # when: 31 days before, nothing; 30 days before, one notice; again, none
    with django_capture_on_commit_callbacks(execute=True):
        early = expire_kyc(now=thirty_one_days_before)
        due = expire_kyc(now=thirty_days_before)
        again = expire_kyc(now=thirty_days_before + timedelta(days=1))
    # then
    assert (early.notified, due.notified, again.notified) == (0, 1, 0)
    (message,) = mailoutbox
    assert message.to == [user.email]
    expires_on = expires(one).date().isoformat()
    assert message.subject == f"Your KYC level 1 approval expires on {expires_on}"
    assert "/kyc/" in message.body
    one.refresh_from_db()
    assert one.expiry_notified_at == thirty_days_before
    # the open pages of the user hear it too
    assert _pushed(user) == pushed_before + 1


def test_a_renewed_approval_is_not_announced(user, django_capture_on_commit_callbacks):
    old = approve(user, 1)
    # renewed 300 days later: a newer approval of the same level, lasting longer
    approve(user, 1, now=timezone.now() + timedelta(days=300))
    with django_capture_on_commit_callbacks(execute=True):
        run = expire_kyc(now=expires(old) - timedelta(days=10))
    assert run.notified == 0


def test_a_notice_that_cannot_be_mailed_is_tried_again_next_run(
    user, settings, django_capture_on_commit_callbacks, mailoutbox
):
    one = approve(user, 1)
    when = expires(one) - timedelta(days=20)
    settings.EMAIL_BACKEND = "tests.compliance.kyc.test_expiry.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_kyc(now=when).notified == 1
    one.refresh_from_db()
    assert one.expiry_notified_at is None  # taken back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_kyc(now=when + timedelta(days=1)).notified == 1
    assert len(mail.outbox) == 1


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("no mail server")


def test_the_task_runs_the_job_and_is_scheduled_daily(user):
    one = approve(user, 1)
    KycSubmission.objects.filter(pk=one.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert expire_kyc_task.apply().get() == {"expired": 1, "notified": 0}
    (spec,) = [spec for spec in PERIODIC_TASKS if spec.task == "compliance.expire_kyc"]
    assert spec.every_seconds == 24 * 3600
    assert expiry.KYC_NOTIFICATION == "kyc"
