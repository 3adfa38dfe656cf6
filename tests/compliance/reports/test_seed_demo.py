from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from compliance.demo import APPLICANT_EMAIL, SECOND_OFFICER_EMAIL
from compliance.models import (
    Alert,
    AuditEvent,
    Case,
    CaseNote,
    ComplianceProfile,
    ComplianceReport,
    KycDocument,
    KycSubmission,
    ScreeningMatch,
)
from compliance.reports.services import generate_report
from tests.compliance.helpers import login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("CRYPTOPULSE_RUN_DIR", str(tmp_path))
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("seed_demo")


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            KycSubmission,
            KycDocument,
            ScreeningMatch,
            Alert,
            Case,
            CaseNote,
            AuditEvent,
        )
    }


def test_the_seed_makes_the_demo_officers_applicant_and_cases(seeded, settings):
    # then: a second officer for four eyes
    second = User.objects.get(email=SECOND_OFFICER_EMAIL)
    assert second.is_staff
    assert second.check_password("demo-password-for-tests")
    assert list(second.groups.values_list("name", flat=True)) == [Role.COMPLIANCE_OFFICER]
    # a trader whose level-1 KYC waits for review, with its ID document
    applicant = User.objects.get(email=APPLICANT_EMAIL)
    assert list(applicant.groups.values_list("name", flat=True)) == [Role.TRADER]
    (submission,) = KycSubmission.objects.filter(user=applicant)
    assert (submission.level, submission.status) == (1, "pending")
    assert submission.legal_name == "Viktor Ivanovich Demidov"
    assert submission.documents.get().content_type == "image/png"
    # a screening case and a monitoring case, both with the demo officer
    officer = User.objects.get(email="officer@example.com")
    cases = {case.kind: case for case in Case.objects.filter(user=applicant)}
    assert set(cases) == {"screening", "monitoring"}
    for case in cases.values():
        assert (case.assigned_to, case.status) == (officer, "in_review")
        assert case.notes.count() == 1
    # the screening match is the engine's own, against the imported demo PEP list
    match = cases["screening"].screening_matches.get()
    assert (match.entry.source, match.entry.first_version.version) == ("pep", "demo")
    assert match.score >= settings.SCREENING_THRESHOLD
    assert match.explanation["query"]["date_of_birth"] == "1971-04-12"
    assert match.explanation["date_of_birth"] == "year matches 1971"
    assert cases["monitoring"].alerts.get().rule.code == "large_trade"
    assert ComplianceProfile.objects.get(user=applicant).risk_score > 0


def test_seeding_twice_adds_nothing(seeded):
    # given
    before = _counts()
    # when
    call_command("seed_demo")
    # then
    assert _counts() == before


def test_the_demo_officer_drafts_a_sar_of_the_demo_case(seeded, client):
    # given: the demo officer, signed in with a second factor
    officer = User.objects.get(email="officer@example.com")
    login_with_second_factor(client, officer)
    case = Case.objects.get(user__email=APPLICANT_EMAIL, kind="monitoring")
    url = reverse("admin:compliance_compliancereport_draft_sar", args=[case.pk])
    # when
    page = client.get(url)
    drafted = client.post(url, {"narrative": "Demo narrative."})
    # then
    assert page.status_code == 200
    assert case.title.encode() in page.content
    assert drafted.status_code == 302
    report = ComplianceReport.objects.get(case=case)
    assert report.data["subject"]["identity"]["legal_name"] == "Viktor Ivanovich Demidov"
    assert report.data["alerts"][0]["facts"]["demo"] is True


def test_the_demo_officer_sees_the_demo_cases_in_the_case_admin(seeded, client):
    login_with_second_factor(client, User.objects.get(email="officer@example.com"))
    response = client.get(reverse("admin:compliance_case_changelist"))
    assert response.status_code == 200
    for case in Case.objects.filter(user__email=APPLICANT_EMAIL):
        assert case.title.encode() in response.content


def test_the_demo_periodic_report_counts_the_demo_cases(seeded):
    # given
    officer = User.objects.get(email="officer@example.com")
    first = Case.objects.earliest("opened_at").opened_at
    # when
    report = generate_report(
        officer=officer,
        type="periodic",
        start=first - timedelta(minutes=1),
        end=timezone.now() + timedelta(minutes=1),
    )
    # then
    assert report.data["cases"]["opened_total"] == 2
    assert report.data["kyc"]["total"]["pending"] == 1
    assert report.data["screening"]["by_status"]["open"] == 1
