"""A submission's lifecycle through the services: draft -> pending -> decided, the level
chain, field-level errors that change nothing, and one audit event per step."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from compliance.kyc import services
from compliance.kyc.errors import KycInvalid, NotAnOfficer, SubmissionClosed
from compliance.models import AuditEvent, ComplianceProfile, KycStatus, KycSubmission
from tests.compliance.kyc.helpers import (
    approve,
    complete_draft,
    expires,
    identity,
    make_officer,
    queued_tasks,
    today,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kyc_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_a_draft_keeps_what_it_is_given_and_normalises_countries(user):
    # when
    draft = services.save_draft(
        user=user, level=1, legal_name="  Ada   Lovelace ", nationality="united kingdom"
    )
    again = services.save_draft(user=user, level=1, city="London", nationality="")
    # then: one open draft per level, updated in place
    assert again.pk == draft.pk
    draft.refresh_from_db()
    assert (draft.status, draft.legal_name, draft.city) == ("draft", "Ada Lovelace", "London")
    assert draft.nationality == ""  # "" clears a field
    assert services.save_draft(user=user, level=1, nationality="Germany").nationality == "DE"
    assert not AuditEvent.objects.filter(action__startswith="compliance.kyc").exists()


def test_bad_fields_are_each_named_and_nothing_is_written(user):
    # when
    with pytest.raises(KycInvalid) as refused:
        services.save_draft(
            user=user,
            level=1,
            legal_name="Ada Lovelace",
            nationality="Atlantis",
            date_of_birth="10/12/1990",
            id_document_type="library_card",
            source_of_funds="Salary",  # a level 3 field
            shoe_size="42",
        )
    # then
    assert refused.value.status == 400
    assert set(refused.value.errors) == {
        "nationality",
        "date_of_birth",
        "id_document_type",
        "source_of_funds",
        "shoe_size",
    }
    assert "Atlantis" in refused.value.errors["nationality"][0]
    assert "YYYY-MM-DD" in refused.value.errors["date_of_birth"][0]
    assert not KycSubmission.objects.exists()  # not even the good legal name


@pytest.mark.parametrize(
    ("field", "value", "message", "_case"),
    [
        ("legal_name", "A" * 201, "At most 200 characters.", "too long"),
        ("source_of_funds", "x" * 5001, "At most 5000 characters.", "declaration too long"),
        ("legal_name", 42, "Enter text.", "not text"),
        ("date_of_birth", timezone.now(), "Enter a date, not a time.", "a time"),
    ],
)
def test_values_of_the_wrong_shape_are_refused(user, field, value, message, _case):
    level = 3 if field == "source_of_funds" else 1
    with pytest.raises(KycInvalid) as refused:
        services.save_draft(user=user, level=level, **{field: value})
    assert refused.value.errors == {field: [message]}


def test_an_unknown_level_is_refused(user):
    for level in (4, "one", None):
        with pytest.raises(KycInvalid) as refused:
            services.save_draft(user=user, level=level)  # type: ignore[arg-type]
        assert refused.value.field == "level"


def test_submit_names_every_missing_field_and_document_and_changes_nothing(user):
    # given: a draft with only a name
    draft = services.save_draft(user=user, level=1, legal_name="Ada Lovelace")
    # when
    with pytest.raises(KycInvalid) as refused:
        services.submit(user=user, submission_id=draft.pk)
    # then
    errors = refused.value.errors
    assert refused.value.code == "kyc_incomplete"
    assert "legal_name" not in errors
    assert {"date_of_birth", "nationality", "id_document_expiry", "id_document"} <= set(errors)
    assert "postal_code" not in errors  # optional
    assert errors["id_document"] == ["Upload your government ID document."]
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == ("draft", None)
    assert not _kyc_events("compliance.kyc.submitted")


def test_a_complete_level_one_is_sent_audited_and_screened_on_commit(
    user, django_capture_on_commit_callbacks
):
    # given
    draft = complete_draft(user, 1)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        submitted = services.submit(user=user, submission_id=draft.pk)
    # then
    assert submitted.status == KycStatus.PENDING
    assert submitted.submitted_at is not None
    (event,) = _kyc_events("compliance.kyc.submitted")
    assert event.target_id == str(draft.pk)
    assert event.data["level"] == 1
    assert set(event.data["documents"]) == {"id_document"}
    # the screening of the user is queued (for the worker) once the submission commits
    assert len(callbacks) == 1
    expected = ("compliance.screen_user", [user.pk, "kyc"])
    before = queued_tasks("screening").count(expected)
    callbacks[0]()
    assert queued_tasks("screening").count(expected) == before + 1


def test_a_pending_submission_can_be_neither_edited_nor_sent_again(user):
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    with pytest.raises(SubmissionClosed) as edit:
        services.save_draft(user=user, level=1, city="Paris")
    with pytest.raises(SubmissionClosed) as resend:
        services.submit(user=user, submission_id=draft.pk)
    assert (edit.value.status, resend.value.status) == (409, 409)


@pytest.mark.parametrize(
    ("changes", "field", "_case"),
    [
        ({"id_document_expiry": "2001-01-01"}, "id_document_expiry", "expired ID document"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth", "born in the future"),
    ],
)
def test_an_expired_id_or_an_impossible_birth_date_is_refused(user, changes, field, _case):
    draft = complete_draft(user, 1)
    services.save_draft(user=user, level=1, **changes)
    with pytest.raises(KycInvalid) as refused:
        services.submit(user=user, submission_id=draft.pk)
    assert set(refused.value.errors) == {field}


def test_minors_are_refused_and_an_eighteenth_birthday_passes(user):
    draft = complete_draft(user, 1)
    now = timezone.now()
    eighteen = now.date().replace(year=now.year - 18)
    services.save_draft(user=user, level=1, date_of_birth=eighteen + timedelta(days=1))
    with pytest.raises(KycInvalid) as refused:
        services.submit(user=user, submission_id=draft.pk, now=now)
    assert "at least 18" in refused.value.errors["date_of_birth"][0]
    services.save_draft(user=user, level=1, date_of_birth=eighteen)
    assert services.submit(user=user, submission_id=draft.pk, now=now).status == "pending"


def test_an_unverified_email_cannot_submit():
    user = UserFactory.create(email_verified=False)
    draft = complete_draft(user, 1)
    with pytest.raises(KycInvalid) as refused:
        services.submit(user=user, submission_id=draft.pk)
    assert refused.value.errors == {"__all__": ["Verify your email address first."]}


def test_levels_go_in_order(user):
    # given: level 2 complete, level 1 not approved
    level_two = complete_draft(user, 2)
    # when / then
    with pytest.raises(KycInvalid) as refused:
        services.submit(user=user, submission_id=level_two.pk)
    assert refused.value.errors["__all__"] == ["Level 2 needs level 1 approved first."]
    # once level 1 is approved, the same draft goes through
    approve(user, 1)
    assert services.submit(user=user, submission_id=level_two.pk).status == "pending"


def test_approval_sets_the_expiry_the_level_and_one_audit_event(user, settings):
    # given: a passport valid for 5 years, a review period of 2 years
    settings.KYC_REVIEW_DAYS = {1: 730, 2: 730, 3: 365}
    officer = make_officer()
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    now = timezone.now()
    # when
    approved = services.decide(officer=officer, submission_id=draft.pk, decision="approve", now=now)
    # then
    assert approved.status == KycStatus.APPROVED
    assert (approved.reviewer, approved.decided_at) == (officer, now)
    assert approved.expires_at == now + timedelta(days=730)
    assert ComplianceProfile.objects.get(user=user).kyc_level == 1
    (event,) = _kyc_events("compliance.kyc.approved")
    assert event.actor_user_id == officer.pk
    assert event.stream == f"user:{user.pk}"
    assert event.data["kyc_level"] == {"old": 0, "new": 1}


def test_an_id_document_expiring_sooner_ends_the_approval_with_it(user):
    # given: the passport expires in 100 days, before the 730-day review
    expiry = today() + timedelta(days=100)
    draft = complete_draft(user, 1)
    services.save_draft(user=user, level=1, id_document_expiry=expiry)
    services.submit(user=user, submission_id=draft.pk)
    # when
    approved = services.decide(officer=make_officer(), submission_id=draft.pk, decision="approve")
    # then: valid through its expiry day (UTC)
    assert approved.expires_at == datetime.combine(expiry + timedelta(days=1), time(0), tzinfo=UTC)


def test_an_id_document_that_expired_while_waiting_cannot_be_approved(user):
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    expiry = KycSubmission.objects.get(pk=draft.pk).id_document_expiry
    assert expiry is not None
    later = datetime.combine(expiry + timedelta(days=1), time(0), tzinfo=UTC)
    with pytest.raises(KycInvalid) as refused:
        services.decide(
            officer=make_officer(), submission_id=draft.pk, decision="approve", now=later
        )
    assert refused.value.code == "id_document_expired"
    assert KycSubmission.objects.get(pk=draft.pk).status == KycStatus.PENDING


@pytest.mark.parametrize(
    ("decision", "status", "action"),
    [
        ("reject", "rejected", "compliance.kyc.rejected"),
        ("request_resubmission", "resubmission_requested", "compliance.kyc.resubmission_requested"),
    ],
)
def test_refusals_need_reasons_that_the_user_sees(user, decision, status, action):
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    officer = make_officer()
    with pytest.raises(KycInvalid) as missing:
        services.decide(officer=officer, submission_id=draft.pk, decision=decision, reasons=" ")
    assert missing.value.field == "reasons"
    decided = services.decide(
        officer=officer, submission_id=draft.pk, decision=decision, reasons="The photo is blurred."
    )
    assert (decided.status, decided.reasons) == (status, "The photo is blurred.")
    assert decided.expires_at is None
    (event,) = _kyc_events(action)
    assert event.data["reasons"] == "The photo is blurred."
    assert ComplianceProfile.objects.get(user=user).kyc_level == 0


def test_a_resubmission_is_corrected_and_sent_again(user):
    # given
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    services.decide(
        officer=make_officer(),
        submission_id=draft.pk,
        decision="request_resubmission",
        reasons="The name does not match the passport.",
    )
    # when: the user corrects the same submission and sends it again
    corrected = services.save_draft(user=user, level=1, legal_name="Augusta Ada King")
    resent = services.submit(user=user, submission_id=draft.pk)
    # then
    assert corrected.pk == draft.pk
    assert resent.status == KycStatus.PENDING
    assert _kyc_events("compliance.kyc.submitted")[-1].data["resubmission"] is True


def test_a_rejected_level_starts_over_with_a_new_draft(user):
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    services.decide(
        officer=make_officer(), submission_id=draft.pk, decision="reject", reasons="Forged."
    )
    with pytest.raises(SubmissionClosed):
        services.submit(user=user, submission_id=draft.pk)
    fresh = services.save_draft(user=user, level=1, **identity())
    assert fresh.pk != draft.pk


def test_only_officers_decide_and_never_on_their_own_submission(user):
    draft = complete_draft(user, 1)
    services.submit(user=user, submission_id=draft.pk)
    staff_not_officer = UserFactory.create(is_staff=True)
    with pytest.raises(NotAnOfficer):
        services.decide(officer=user, submission_id=draft.pk, decision="approve")
    with pytest.raises(NotAnOfficer):
        services.decide(officer=staff_not_officer, submission_id=draft.pk, decision="approve")
    officer = make_officer()
    own = complete_draft(officer, 1)
    services.submit(user=officer, submission_id=own.pk)
    with pytest.raises(NotAnOfficer) as self_review:
        services.decide(officer=officer, submission_id=own.pk, decision="approve")
    assert self_review.value.status == 403
    assert KycSubmission.objects.filter(status="pending").count() == 2


def test_only_pending_submissions_are_decided(user):
    draft = complete_draft(user, 1)
    with pytest.raises(SubmissionClosed):
        services.decide(officer=make_officer(), submission_id=draft.pk, decision="approve")
    with pytest.raises(KycInvalid):
        services.decide(officer=make_officer(), submission_id=draft.pk, decision="maybe")


def test_the_level_is_the_unbroken_chain_of_approvals(user):
    # given: levels 1 and 2 approved, then level 1 lapses
    one = approve(user, 1)
    approve(user, 2)
    assert services.effective_level(user=user) == 2
    # when
    later = expires(one) + timedelta(seconds=1)
    # then: level 2 alone counts for nothing
    assert services.effective_level(user=user, now=later) == 0
    assert services.effective_level(user=user, now=expires(one)) == 0  # expires_at excluded
    assert services.effective_level(user=user, now=expires(one) - timedelta(seconds=1)) == 2
