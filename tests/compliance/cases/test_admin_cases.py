"""The case queue and case page in the admin, as an officer with a verified second factor."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.audit import AuditAction
from compliance.models import AuditEvent, Case, CaseKind, FreezeRequest
from compliance.profiles import trading_frozen
from tests.compliance.cases.test_workflow import PDF
from tests.factories import UserFactory
from tests.factories.monitoring import screening_match

pytestmark = pytest.mark.django_db
QUEUE = "/admin/compliance/case/"


def page_of(case: Case) -> str:
    return f"/admin/compliance/case/{case.pk}/change/"


def step(case: Case, name: str) -> str:
    return f"/admin/compliance/case/{case.pk}/step/{name}/"


def make_case(*, email: str, severity: str = "medium", hours_old: float = 1, **fields) -> Case:
    case = Case.objects.create(
        user=UserFactory.create(email=email),
        kind=CaseKind.MONITORING,
        title="t",
        severity=severity,
        **fields,
    )
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=hours_old))
    case.refresh_from_db()
    return case


def listed(response) -> set[str]:
    page = response.content.decode()
    return {
        email
        for email in ("fresh@example.com", "late@example.com", "old@example.com")
        if email in page
    }


@pytest.fixture
def queue(officer):
    return {
        "fresh": make_case(email="fresh@example.com", severity="low", hours_old=2),
        # critical, opened 5 h ago: past its 4 h SLA
        "late": make_case(
            email="late@example.com", severity="critical", hours_old=5, assigned_to=officer
        ),
        "old": make_case(email="old@example.com", hours_old=24 * 10, status="closed_no_action"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", {"fresh", "late", "old"}, id="everything_case"),
        pytest.param("?state=open", {"fresh", "late"}, id="open_case"),
        pytest.param("?state=closed", {"old"}, id="closed_case"),
        pytest.param("?status__exact=closed_no_action", {"old"}, id="status_case"),
        pytest.param("?severity__exact=critical", {"late"}, id="severity_case"),
        pytest.param("?kind__exact=screening", set(), id="kind_case"),
        pytest.param("?assignee=me", {"late"}, id="assigned_to_me_case"),
        pytest.param("?assignee=none", {"fresh", "old"}, id="unassigned_case"),
        pytest.param("?age=lt1d", {"fresh", "late"}, id="under_a_day_case"),
        pytest.param("?age=gt7d", {"old"}, id="over_a_week_case"),
        pytest.param("?sla=breached", {"late"}, id="sla_breached_case"),
        pytest.param("?sla=within", {"fresh"}, id="sla_within_case"),
        pytest.param("?q=late%40example", {"late"}, id="search_by_email_case"),
    ],
)
def test_the_queue_filters_and_searches(officer_client, queue, query, expected):
    response = officer_client.get(QUEUE + query)
    assert response.status_code == 200
    assert listed(response) == {f"{name}@example.com" for name in expected}


def test_the_queue_shows_age_and_the_sla_flag(officer_client, queue):
    page = officer_client.get(QUEUE).content.decode()
    assert "Breached 1 h " in page  # the critical case, 5 h old against 4 h
    assert "Due in 6 d 21 h" in page  # the low one: 168 h less its age of 2 h (and seconds)
    assert "10 d 0 h" in page  # the closed case's age


def test_the_queue_runs_a_fixed_number_of_queries(officer_client, officer):
    for n in range(3):
        make_case(email=f"few{n}@example.com", assigned_to=officer)
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(QUEUE).status_code == 200
    for n in range(15):
        make_case(email=f"many{n}@example.com", assigned_to=officer)
    with CaptureQueriesContext(connection) as many:
        assert officer_client.get(QUEUE).status_code == 200
    assert len(many) == len(few)


def test_the_case_page_shows_the_evidence(officer_client, case, trader):
    match = screening_match(
        trader,
        case=case,
        explanation={  # the engine's shape (tests/compliance/screening makes real ones)
            "score": 81.5,
            "summary": 'Tina Trader was compared with the alias "Tina Trader".',
            "tokens": [
                {"query": "tina", "listed": "tina", "how": "exact", "similarity": 1.0, "bits": 9.1}
            ],
            "components": {"name": 96.5, "date_of_birth": -15.0},
            "date_of_birth": "differs by 15 years",
        },
    )
    page = officer_client.get(page_of(case)).content.decode()
    # the alert and its facts
    assert "Single trade of 5,000 USD or more" in page
    assert "6000.00" in page
    # the screening match, linked to its decision page, with the officer's explanation
    assert f'href="/admin/compliance/screeningmatch/{match.pk}/change/">Ivan Petrov</a>' in page
    assert "Why this scored 81.5:" in page
    assert "Tina Trader was compared with the alias &quot;Tina Trader&quot;." in page
    assert "<th scope='row'>Date of birth</th><td>-15.0</td><td>differs by 15 years</td>" in page
    # KYC and the risk score with its reasons
    assert "Effective KYC level: <strong>0</strong>" in page
    assert "30 / 100, Medium" in page
    assert "KYC not verified (level 0)" in page
    # the steps
    for button in ("assign_me", "escalate", "close", "report", "freeze", "note", "attach"):
        assert f'name="{button}"' in page
    assert "Draft SAR" in page


def test_assign_escalate_note_attach_and_close_from_the_page(officer_client, officer, case):
    assert officer_client.post(step(case, "assign_me")).status_code == 302
    officer_client.post(step(case, "escalate"), {"reason": "Large amounts"})
    officer_client.post(step(case, "note"), {"text": "Asked for source of funds."})
    officer_client.post(step(case, "attach"), {"file": SimpleUploadedFile("proof.pdf", PDF)})
    response = officer_client.post(
        step(case, "close"), {"outcome": "closed_false_positive", "reason": "Salary"}, follow=True
    )
    assert "Case closed." in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.assigned_to, case.decided_by) == (
        "closed_false_positive",
        officer,
        officer,
    )
    page = officer_client.get(page_of(case)).content.decode()
    assert "Asked for source of funds." in page  # the notes inline
    assert "proof.pdf" in page  # the attachments inline
    assert 'name="escalate"' not in page  # a closed case offers no decision
    events = AuditEvent.objects.filter(actor_user=officer, action__startswith="compliance.")
    assert [event.action for event in events.order_by("id")] == [
        AuditAction.CASE_ASSIGNED,
        AuditAction.CASE_ESCALATED,
        AuditAction.CASE_NOTE_ADDED,
        AuditAction.CASE_ATTACHMENT_ADDED,
        AuditAction.CASE_CLOSED,
    ]


def test_a_refused_step_shows_why_and_changes_nothing(officer_client, case):
    response = officer_client.post(
        step(case, "attach"),
        {"file": SimpleUploadedFile("fake.pdf", b"not a pdf at all")},
        follow=True,
    )
    assert "not a PDF, JPEG or PNG document" in response.content.decode()
    response = officer_client.post(step(case, "escalate"), {"reason": ""}, follow=True)
    assert "Write why the case is escalated." in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"


def test_an_attachment_downloads_for_officers_only(officer_client, officer, case, client, trader):
    officer_client.post(step(case, "attach"), {"file": SimpleUploadedFile("proof.pdf", PDF)})
    attachment = case.attachments.get()
    url = f"/admin/compliance/case/{case.pk}/attachments/{attachment.pk}/"
    response = officer_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == (
        f'attachment; filename="case-{case.pk}-attachment-{attachment.pk}.pdf"'
    )
    client.force_login(trader)
    assert client.get(url, follow=True).status_code == 403


def test_freeze_from_the_page_needs_a_second_officer(officer_client, second_client, case, trader):
    # when: the first officer asks, then tries to approve their own request
    officer_client.post(step(case, "freeze"), {"action": "freeze", "reason": "Hold"})
    request = FreezeRequest.objects.get()
    own = officer_client.post(
        f"/admin/compliance/case/freeze-requests/{request.pk}/approve/", follow=True
    )
    # then
    assert "A second officer must decide" in own.content.decode()
    assert not trading_frozen(trader)
    # when: the second officer approves
    page = second_client.get(page_of(case)).content.decode()
    assert "Approve and apply" in page
    second_client.post(f"/admin/compliance/case/freeze-requests/{request.pk}/approve/")
    # then
    assert trading_frozen(trader)
    assert 'value="unfreeze"' in officer_client.get(page_of(case)).content.decode()


def test_a_freeze_request_can_be_rejected_from_the_page(
    officer_client, second_client, case, trader
):
    officer_client.post(step(case, "freeze"), {"action": "freeze", "reason": "Hold"})
    request = FreezeRequest.objects.get()
    second_client.post(
        f"/admin/compliance/case/freeze-requests/{request.pk}/reject/", {"reason": "No basis"}
    )
    request.refresh_from_db()
    assert request.status == "rejected"
    assert not trading_frozen(trader)


def test_assign_to_me_as_a_bulk_action(officer_client, officer, queue):
    response = officer_client.post(
        QUEUE,
        {
            "action": "assign_to_me",
            "_selected_action": [queue["fresh"].pk, queue["old"].pk],
        },
        follow=True,
    )
    assert "1 case(s) assigned to you." in response.content.decode()
    queue["fresh"].refresh_from_db()
    assert queue["fresh"].assigned_to == officer


def test_the_case_cannot_be_edited_added_or_deleted_as_a_form(officer_client, case):
    assert officer_client.get("/admin/compliance/case/add/").status_code == 403
    assert officer_client.post(f"/admin/compliance/case/{case.pk}/delete/").status_code == 403
    page = officer_client.get(page_of(case)).content.decode()
    assert 'name="_save"' not in page


def test_the_freeze_request_list_links_to_the_case(officer_client, officer, case):
    officer_client.post(step(case, "freeze"), {"action": "freeze", "reason": "Hold"})
    page = officer_client.get("/admin/compliance/freezerequest/").content.decode()
    assert f"Case #{case.pk} (decide there)" in page
