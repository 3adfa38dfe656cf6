from datetime import timedelta

import pytest

from compliance.audit import AuditAction, stream_for_user
from compliance.models import AuditEvent, ComplianceReport
from compliance.reports.services import ReportError, generate_report, runs_in_background
from compliance.reports.tasks import generate_report_task
from tests.compliance.reports import builders as b
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_periodic_report_is_stored_with_its_period_and_audited(periodic_scenario):
    # given
    officer = periodic_scenario.officer
    # when
    report = generate_report(
        officer=officer, type="periodic", start=b.PERIOD_START, end=b.PERIOD_END
    )
    # then
    report.refresh_from_db()
    assert (report.type, report.period_start, report.period_end) == (
        "periodic",
        b.PERIOD_START,
        b.PERIOD_END,
    )
    assert report.generated_by == officer
    assert report.data["kyc"]["total"]["submitted"] == 7
    (event,) = AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED)
    assert event.stream == stream_for_user(officer.pk)
    assert event.data == {
        "type": "periodic",
        "period_start": "2025-03-01T00:00:00+00:00",
        "period_end": "2025-04-01T00:00:00+00:00",
        "case_id": None,
    }


def test_a_sar_is_audited_on_the_officers_stream_never_the_subjects(db):
    # given
    subject = UserFactory.create()
    case = b.case(subject, kind="monitoring", opened_at=b.at(10))
    officer = b.officer()
    # when
    report = generate_report(officer=officer, type="sar", case_id=case.pk, narrative="Why.")
    # then
    (event,) = AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED)
    assert event.stream == stream_for_user(officer.pk)
    assert event.target_id == str(report.pk)
    assert event.data["case_id"] == case.pk
    assert not AuditEvent.objects.filter(
        stream=stream_for_user(subject.pk), action=AuditAction.REPORT_GENERATED
    ).exists()


@pytest.mark.parametrize(
    ("kwargs", "code", "field", "status", "_case"),
    [
        ({"type": "annual"}, "unknown_type", "type", 400, "unknown type"),
        ({"type": "periodic", "end": b.at(2)}, "start_required", "start", 400, "no start"),
        ({"type": "periodic", "start": b.at(2)}, "end_required", "end", 400, "no end"),
        (
            {"type": "periodic", "start": b.at(2).replace(tzinfo=None), "end": b.at(3)},
            "naive_period",
            "start",
            400,
            "naive bounds",
        ),
        (
            {"type": "periodic", "start": b.at(3), "end": b.at(3)},
            "empty_period",
            "end",
            400,
            "empty",
        ),
        ({"type": "sar", "narrative": "x"}, "case_not_found", "case_id", 404, "no case id"),
        (
            {"type": "sar", "case_id": 999999, "narrative": "x"},
            "case_not_found",
            "case_id",
            404,
            "unknown case",
        ),
    ],
)
def test_reports_that_cannot_be_generated_are_refused(kwargs, code, field, status, _case):
    # given
    officer = b.officer()
    # when
    with pytest.raises(ReportError) as raised:
        generate_report(officer=officer, **kwargs)
    # then
    assert (raised.value.code, raised.value.field, raised.value.status) == (code, field, status)
    assert not ComplianceReport.objects.exists()


@pytest.mark.parametrize(
    ("is_staff", "in_group", "active", "_case"),
    [
        (False, False, True, "a trader"),
        (True, False, True, "staff outside the group"),
        (True, True, False, "a deactivated officer"),
    ],
)
def test_only_active_officers_generate_reports(is_staff, in_group, active, _case):
    # given
    user = b.officer(is_active=active) if in_group else UserFactory.create(is_staff=is_staff)
    # when
    with pytest.raises(ReportError) as raised:
        generate_report(officer=user, type="periodic", start=b.at(1), end=b.at(2))
    # then
    assert (raised.value.code, raised.value.status) == ("not_an_officer", 403)
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED).exists()


@pytest.mark.parametrize(
    ("days", "background", "_case"),
    [(31, False, "31 days: now"), (32, True, "32 days: on the queue")],
)
def test_periods_longer_than_31_days_run_in_the_background(days, background, _case):
    assert runs_in_background(start=b.at(1), end=b.at(1) + timedelta(days=days)) is background


def test_the_task_generates_the_report_it_is_given(periodic_scenario):
    # when: the task body, as a worker runs it
    result = generate_report_task.apply(
        kwargs={
            "officer_id": periodic_scenario.officer.pk,
            "type": "periodic",
            "start": b.PERIOD_START.isoformat(),
            "end": b.PERIOD_END.isoformat(),
        }
    ).get()
    # then
    report = ComplianceReport.objects.get(pk=result["report_id"])
    assert report.period_end == b.PERIOD_END
    assert report.data["alerts"]["total"] == 4
