"""Working a case: every step through compliance.case_services, each audited exactly once."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from compliance import case_services
from compliance.audit import AuditAction
from compliance.case_services import CaseStateError, NotAllowed
from compliance.kyc.errors import KycInvalid
from compliance.models import Alert, AuditEvent, CaseAttachment, CaseNote, ComplianceProfile
from cryptopulse.errors import ApplicationError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def only_event(action: str) -> AuditEvent:
    [event] = AuditEvent.objects.filter(action=action)
    return event


def test_assigning_a_case_puts_it_in_review_and_is_audited(case, officer, trader):
    updated = case_services.assign_case(case_id=case.pk, officer=officer, assignee=officer)
    assert (updated.status, updated.assigned_to) == ("in_review", officer)
    event = only_event(AuditAction.CASE_ASSIGNED)
    assert (event.actor_user, event.target_id, event.stream) == (
        officer,
        str(case.pk),
        f"user:{trader.pk}",
    )
    assert event.data == {
        "old": {"assigned_to": None, "status": "open"},
        "new": {"assigned_to": officer.email, "status": "in_review"},
    }


def test_a_case_goes_to_officers_only_and_only_officers_work_cases(case, officer, trader):
    with pytest.raises(ApplicationError) as not_an_officer:
        case_services.assign_case(case_id=case.pk, officer=officer, assignee=trader)
    assert not_an_officer.value.field == "assignee"
    for step in (
        lambda: case_services.assign_case(case_id=case.pk, officer=trader, assignee=officer),
        lambda: case_services.add_case_note(case_id=case.pk, author=trader, text="mine"),
        lambda: case_services.escalate_case(case_id=case.pk, officer=trader, reason="x"),
        lambda: case_services.close_case(
            case_id=case.pk, officer=trader, outcome="closed_no_action", reason="x"
        ),
        lambda: case_services.file_report(case_id=case.pk, officer=trader, reason="x"),
        lambda: case_services.request_freeze(
            case_id=case.pk, officer=trader, action="freeze", reason="x"
        ),
    ):
        with pytest.raises(NotAllowed) as refused:
            step()
        assert refused.value.status == 403
    assert (
        not AuditEvent.objects.filter(action__startswith="compliance.case.")
        .exclude(action=AuditAction.CASE_OPENED)
        .exists()
    )


def test_staff_outside_the_group_are_not_officers(case, officer):
    from tests.factories import UserFactory

    admin_staff = UserFactory.create(is_staff=True)
    with pytest.raises(NotAllowed):
        case_services.add_case_note(case_id=case.pk, author=admin_staff, text="hello")


def test_a_note_is_kept_with_its_text_audited(case, officer):
    note = case_services.add_case_note(case_id=case.pk, author=officer, text="  Called the user.  ")
    assert (note.text, note.author, note.case_id) == ("Called the user.", officer, case.pk)
    event = only_event(AuditAction.CASE_NOTE_ADDED)
    assert event.data == {"note": note.pk, "text": "Called the user."}
    with pytest.raises(ApplicationError) as blank:
        case_services.add_case_note(case_id=case.pk, author=officer, text="   ")
    assert blank.value.field == "text"
    assert CaseNote.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(PDF, "application/pdf", id="pdf_case"),
        pytest.param(png_bytes(), "image/png", id="png_case"),
    ],
)
def test_an_attachment_is_checked_stored_privately_and_audited(
    case, officer, content, content_type
):
    upload = SimpleUploadedFile("bank statement.bin", content, content_type="text/plain")
    attachment = case_services.add_case_attachment(
        case_id=case.pk, uploaded_by=officer, upload=upload
    )
    # the type comes from the content, not the name or the browser's claim
    assert attachment.content_type == content_type
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert stored.read_bytes() == content
    assert "bank statement" not in stored.name  # a random name, never the uploader's
    event = only_event(AuditAction.CASE_ATTACHMENT_ADDED)
    assert (event.data["sha256"], event.data["content_type"], event.data["size"]) == (
        attachment.sha256,
        content_type,
        len(content),
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(
            "evidence.pdf", b"just some text pretending to be a PDF", id="spoofed_pdf_case"
        ),
        pytest.param("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, id="broken_png_case"),
        pytest.param("script.pdf", b"<script>alert(1)</script>", id="html_case"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(case, officer, name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(KycInvalid) as refused:
        case_services.add_case_attachment(case_id=case.pk, uploaded_by=officer, upload=upload)
    assert refused.value.field == "file"
    assert not CaseAttachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_ATTACHMENT_ADDED).exists()


def test_a_file_over_10_mib_is_refused(case, officer, settings):
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    with pytest.raises(KycInvalid) as refused:
        case_services.add_case_attachment(case_id=case.pk, uploaded_by=officer, upload=upload)
    assert "the most is 10,485,760 bytes" in refused.value.message


def test_escalating_moves_an_open_case_up_once(case, officer):
    escalated = case_services.escalate_case(case_id=case.pk, officer=officer, reason="Large sums")
    assert escalated.status == "escalated"
    assert only_event(AuditAction.CASE_ESCALATED).data == {
        "old": {"status": "open"},
        "new": {"status": "escalated"},
        "reason": "Large sums",
    }
    with pytest.raises(CaseStateError) as again:
        case_services.escalate_case(case_id=case.pk, officer=officer, reason="Again")
    assert again.value.status == 409


def test_closing_as_false_positive_closes_the_alerts_and_lowers_the_risk(case, officer, trader):
    before = ComplianceProfile.objects.get(user=trader).risk_score
    closed = case_services.close_case(
        case_id=case.pk, officer=officer, outcome="closed_false_positive", reason="Salary"
    )
    assert (closed.status, closed.decided_by, closed.decision_reason) == (
        "closed_false_positive",
        officer,
        "Salary",
    )
    assert closed.closed_at is not None
    assert set(Alert.objects.values_list("status", flat=True)) == {"closed"}
    after = ComplianceProfile.objects.get(user=trader).risk_score
    assert (before, after) == (30, 15)  # the alert's 15 points are gone
    assert only_event(AuditAction.CASE_CLOSED).data == {
        "old": {"status": "open"},
        "new": {"status": "closed_false_positive"},
        "reason": "Salary",
        "alerts_closed": 1,
    }


def test_closing_with_no_action_keeps_the_alerts_in_the_risk_score(case, officer, trader):
    case_services.close_case(
        case_id=case.pk, officer=officer, outcome="closed_no_action", reason="Known customer"
    )
    assert ComplianceProfile.objects.get(user=trader).risk_score == 30


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [
        pytest.param("closed_true_match", "x", "outcome", id="screenings_own_outcome_case"),
        pytest.param("reported", "x", "outcome", id="report_has_its_own_step_case"),
        pytest.param("closed_no_action", " ", "reason", id="no_reason_case"),
    ],
)
def test_a_close_needs_an_outcome_of_this_step_and_a_reason(case, officer, outcome, reason, field):
    with pytest.raises(ApplicationError) as refused:
        case_services.close_case(case_id=case.pk, officer=officer, outcome=outcome, reason=reason)
    assert refused.value.field == field
    case.refresh_from_db()
    assert case.status == "open"


def test_filing_a_report_closes_the_case_as_reported(case, officer):
    reported = case_services.file_report(case_id=case.pk, officer=officer, reason="SAR 2026-17")
    assert reported.status == "reported"
    event = only_event(AuditAction.CASE_CLOSED)
    assert event.data["new"] == {"status": "reported"}
    assert event.data["reason"] == "SAR 2026-17"


def test_a_closed_case_takes_no_decision_but_still_takes_notes(case, officer):
    case_services.close_case(
        case_id=case.pk, officer=officer, outcome="closed_no_action", reason="x"
    )
    for step in (
        lambda: case_services.assign_case(case_id=case.pk, officer=officer, assignee=officer),
        lambda: case_services.escalate_case(case_id=case.pk, officer=officer, reason="x"),
        lambda: case_services.file_report(case_id=case.pk, officer=officer, reason="x"),
        lambda: case_services.close_case(
            case_id=case.pk, officer=officer, outcome="closed_false_positive", reason="x"
        ),
    ):
        with pytest.raises(CaseStateError):
            step()
    case_services.add_case_note(case_id=case.pk, author=officer, text="Late evidence arrived.")
    assert CaseNote.objects.count() == 1


def test_every_step_writes_one_audit_event(case, officer, second_officer, trader):
    # when: a case is worked from start to end
    case_services.assign_case(case_id=case.pk, officer=officer, assignee=officer)
    case_services.add_case_note(case_id=case.pk, author=officer, text="Looking")
    case_services.add_case_attachment(
        case_id=case.pk, uploaded_by=officer, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    case_services.escalate_case(case_id=case.pk, officer=officer, reason="Big")
    request = case_services.request_freeze(
        case_id=case.pk, officer=officer, action="freeze", reason="Hold funds"
    )
    case_services.approve_freeze(request_id=request.pk, officer=second_officer)
    case_services.file_report(case_id=case.pk, officer=second_officer, reason="SAR filed")
    # then: the user's stream tells it, step by step, with who did each
    events = AuditEvent.objects.filter(stream=f"user:{trader.pk}").order_by("seq")
    steps = [
        (event.action, event.actor_user.email if event.actor_user else "system")
        for event in events
        if event.action.startswith("compliance.")
    ]
    assert steps == [
        (AuditAction.CASE_OPENED, "system"),
        (AuditAction.ALERT_RAISED, "system"),
        (AuditAction.CASE_ASSIGNED, officer.email),
        (AuditAction.CASE_NOTE_ADDED, officer.email),
        (AuditAction.CASE_ATTACHMENT_ADDED, officer.email),
        (AuditAction.CASE_ESCALATED, officer.email),
        (AuditAction.FREEZE_REQUESTED, officer.email),
        (AuditAction.FREEZE_APPROVED, second_officer.email),
        (AuditAction.USER_FROZEN, second_officer.email),
        (AuditAction.CASE_CLOSED, second_officer.email),
    ]
