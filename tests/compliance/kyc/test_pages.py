"""The trader's KYC page, the document view's permissions, and the officers' KYC admin."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from compliance.kyc import services
from compliance.models import AuditEvent, KycDocument, KycStatus, KycSubmission
from tests.compliance.helpers import login_with_second_factor
from tests.compliance.kyc.helpers import (
    approve,
    approved_row,
    complete_draft,
    identity,
    make_officer,
    png_bytes,
    upload,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KYC = "/kyc/"
CHANGELIST = "admin:compliance_kycsubmission_changelist"
CHANGELIST_URL = "/admin/compliance/kycsubmission/"


@pytest.fixture
def trader(client, user):
    client.force_login(user)
    return client, user


@pytest.fixture
def officer_client():
    officer = make_officer()
    return login_with_second_factor(Client(), officer), officer


def _text(response) -> str:
    return response.content.decode()


def test_the_page_needs_a_sign_in(client):
    response = client.get(KYC)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_user_sees_level_zero_and_the_level_one_form(trader):
    client, _user = trader
    page = _text(client.get(KYC))
    assert '<span id="kyc-current-level">0</span>' in page
    assert 'id="kyc-level-zero"' in page
    assert 'id="kyc-form-1"' in page
    assert 'id="kyc-form-2"' not in page  # level 2 waits for level 1
    assert "Available once level 1 is approved." in page
    assert 'enctype="multipart/form-data"' in page
    assert 'href="/kyc/"' in _text(client.get("/accounts/security/"))  # linked from the account


def test_the_nav_links_the_kyc_page(trader):
    client, _user = trader
    assert re.search(r'<a href="/kyc/"\s+aria-current="page">KYC</a>', _text(client.get(KYC)))


def test_a_level_shows_its_limits_and_their_use(trader):
    client, user = trader
    approved_row(user, 1, expires_at=timezone.now() + timedelta(days=300))
    page = _text(client.get(KYC))
    assert '<span id="kyc-current-level">1</span>' in page
    limits = page.split('id="kyc-limits"')[1].split("</table>")[0]
    assert "10,000.00" in limits
    assert "50,000.00" in limits
    assert "Level 1 approved" in page
    assert 'id="kyc-form-1"' not in page  # approved, not due for renewal
    assert 'id="kyc-form-2"' in page


def _post_level_one(client, action="submit", **changes):
    data = {**identity(), "action": action, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post("/kyc/level/1/", data)


def test_a_complete_form_with_a_real_png_is_sent_for_review(trader):
    client, user = trader
    response = _post_level_one(client, id_document=upload(png_bytes(), "passport.png"))
    assert response.status_code == 302
    submission = KycSubmission.objects.get(user=user)
    assert submission.status == KycStatus.PENDING
    assert submission.documents.get().content_type == "image/png"
    page = _text(client.get(KYC))
    assert "Pending review" in page
    assert 'hx-get="/kyc/steps/"' in page  # the steps refresh while it is reviewed
    assert "Pending review" in _text(client.get("/kyc/steps/"))


def test_field_errors_are_shown_on_their_fields_and_the_draft_is_kept(trader):
    client, user = trader
    response = _post_level_one(
        client, nationality="", id_document_expiry="2001-01-01", id_document=None
    )
    assert response.status_code == 400
    page = _text(response)
    assert 'id="error-nationality"' in page
    assert "The ID document expired on 2001-01-01." in page
    assert 'id="error-id_document"' in page
    assert 'value="Ada Lovelace"' in page  # what was typed stays
    assert KycSubmission.objects.get(user=user).status == KycStatus.DRAFT


def test_a_spoofed_upload_is_refused_on_its_field(trader):
    client, _user = trader
    fake = upload(b"<html><script>alert(1)</script></html>", "passport.pdf", "application/pdf")
    response = _post_level_one(client, id_document=fake)
    assert response.status_code == 400
    error = _text(response).split('id="error-id_document"')[1].split("</small>")[0]
    assert "not a PDF, JPEG or PNG document" in error
    assert not KycDocument.objects.exists()


def test_a_draft_is_saved_without_being_sent(trader):
    client, user = trader
    response = _post_level_one(client, action="save", legal_name="Ada King")
    assert response.status_code == 302
    assert KycSubmission.objects.get(user=user).status == KycStatus.DRAFT
    assert 'value="Ada King"' in _text(client.get(KYC))


def test_a_pending_level_cannot_be_posted_again(trader):
    client, _user = trader
    _post_level_one(client, id_document=upload(png_bytes(), "passport.png"))
    again = _post_level_one(client, legal_name="Someone Else")
    assert again.status_code == 409
    assert "Your level 1 submission is being reviewed." in _text(again)
    assert 'id="kyc-form-1"' in _text(again)  # the posted form, with its error


def test_an_unknown_level_is_404(trader):
    client, _user = trader
    assert client.post("/kyc/level/7/", {}).status_code == 404


def test_the_officers_reasons_are_shown_and_the_form_comes_back(trader):
    client, user = trader
    submission = complete_draft(user, 1)
    services.submit(user=user, submission_id=submission.pk)
    services.decide(
        officer=make_officer(),
        submission_id=submission.pk,
        decision="request_resubmission",
        reasons="The passport photo is cut off.",
    )
    page = _text(client.get(KYC))
    assert "Resubmission requested" in page
    assert "The passport photo is cut off." in page
    assert 'id="kyc-form-1"' in page


def _document(user) -> KycDocument:
    return complete_draft(user, 1).documents.get()


def test_the_owner_downloads_a_document_as_an_attachment(trader):
    client, user = trader
    document = _document(user)
    response = client.get(f"/kyc/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == png_bytes()
    assert not AuditEvent.objects.filter(action="compliance.kyc.document_viewed").exists()


def test_another_trader_gets_404_for_a_document(client, user, other_user):
    document = _document(user)
    client.force_login(other_user)
    assert client.get(f"/kyc/documents/{document.pk}/").status_code == 404
    assert client.get(f"/kyc/documents/{document.pk + 1000}/").status_code == 404


def test_an_officer_with_a_verified_second_factor_views_it_and_is_audited(user, officer_client):
    client, officer = officer_client
    document = _document(user)
    response = client.get(f"/kyc/documents/{document.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="compliance.kyc.document_viewed")
    assert (event.actor_user_id, event.stream) == (officer.pk, f"user:{user.pk}")
    assert event.data["sha256"] == document.sha256


def test_an_officer_without_the_second_factor_or_a_staff_member_not_officer_gets_404(client, user):
    document = _document(user)
    client.force_login(make_officer())  # no verified second factor in this session
    assert client.get(f"/kyc/documents/{document.pk}/").status_code == 404
    staff = login_with_second_factor(Client(), UserFactory.create(is_staff=True))
    assert staff.get(f"/kyc/documents/{document.pk}/").status_code == 404


def test_a_trader_cannot_reach_the_kyc_admin(trader):
    client, _user = trader
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_officer_sees_the_queue_with_filters_search_and_age(user, officer_client):
    client, _officer = officer_client
    submission = complete_draft(user, 1)
    services.submit(user=user, submission_id=submission.pk)
    KycSubmission.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now() - timedelta(days=2, hours=3)
    )
    listing = client.get(reverse(CHANGELIST), {"status__exact": "pending", "q": "lovelace"})
    assert listing.status_code == 200
    page = _text(listing)
    assert user.email in page
    assert "2\xa0days, 3\xa0hours" in page
    assert "approve_selected" in page
    assert client.get(reverse(CHANGELIST), {"q": "nobody"}).context["cl"].result_count == 0


def test_the_submission_page_is_read_only_evidence_with_checked_document_links(
    user, officer_client
):
    client, _officer = officer_client
    submission = complete_draft(user, 1)
    services.submit(user=user, submission_id=submission.pk)
    document = submission.documents.get()
    page = client.get(reverse("admin:compliance_kycsubmission_change", args=[submission.pk]))
    assert page.status_code == 200
    text = _text(page)
    assert f'href="/kyc/documents/{document.pk}/"' in text
    assert document.sha256 in text
    assert "Ada Lovelace" in text
    assert 'name="_save"' not in text
    assert f"/admin/compliance/kycsubmission/{submission.pk}/decide/" in text


def test_an_officer_approves_through_the_decision_page(user, officer_client):
    client, officer = officer_client
    submission = complete_draft(user, 1)
    services.submit(user=user, submission_id=submission.pk)
    url = reverse("admin:compliance_kycsubmission_decide", args=[submission.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "approve", "reasons": ""})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.reviewer) == (KycStatus.APPROVED, officer)


def test_the_bulk_action_asks_for_reasons_first(user, other_user, officer_client):
    # given: two pending submissions
    client, _officer = officer_client
    ids = []
    for person in (user, other_user):
        submission = complete_draft(person, 1)
        services.submit(user=person, submission_id=submission.pk)
        ids.append(submission.pk)
    action = {"action": "reject_selected", "_selected_action": ids}
    # when: the action is chosen, the reasons page is shown; without reasons it comes back
    intermediate = client.post(reverse(CHANGELIST), action)
    without = client.post(reverse(CHANGELIST), {**action, "apply": "1", "decision": "reject"})
    done = client.post(
        reverse(CHANGELIST),
        {**action, "apply": "1", "decision": "reject", "reasons": "Documents unreadable."},
    )
    # then
    assert intermediate.status_code == 200
    assert 'id="kyc-decision"' in _text(intermediate)
    assert "Tell the user why" in _text(without)
    assert done.status_code == 302
    assert set(KycSubmission.objects.filter(pk__in=ids).values_list("status", "reasons")) == {
        ("rejected", "Documents unreadable.")
    }


def test_a_superuser_outside_the_officer_group_may_look_but_not_decide(user):
    admin_user = UserFactory.create(is_staff=True, is_superuser=True)
    client = login_with_second_factor(Client(), admin_user)
    submission = complete_draft(user, 1)
    services.submit(user=user, submission_id=submission.pk)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    url = reverse("admin:compliance_kycsubmission_decide", args=[submission.pk])
    assert client.get(url).status_code == 403
    admin_user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    assert client.get(url).status_code == 200


def test_profiles_are_read_only_for_officers(user, officer_client):
    client, _officer = officer_client
    approve(user, 1)
    listing = client.get(reverse("admin:compliance_complianceprofile_changelist"))
    assert listing.status_code == 200
    assert user.email in _text(listing)
    profile = user.compliance_profile
    detail = client.get(reverse("admin:compliance_complianceprofile_change", args=[profile.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in _text(detail)


def test_a_bulk_approval_reports_the_submissions_it_could_not_decide(
    user, other_user, officer_client
):
    client, _officer = officer_client
    pending = complete_draft(user, 1)
    services.submit(user=user, submission_id=pending.pk)
    draft = complete_draft(other_user, 1)
    action = {"action": "approve_selected", "_selected_action": [pending.pk, draft.pk]}
    chosen = re.search(
        r'<input[^>]*value="approve"[^>]*>', _text(client.post(CHANGELIST_URL, action))
    )
    assert chosen is not None
    assert "checked" in chosen.group(0)
    done = client.post(CHANGELIST_URL, {**action, "apply": "1", "decision": "approve"}, follow=True)
    text = _text(done)
    assert "Approve: 1 submission(s)." in text
    assert f"Submission {draft.pk}: This submission is draft, not pending review." in text
    assert KycSubmission.objects.get(pk=pending.pk).status == KycStatus.APPROVED
    assert KycSubmission.objects.get(pk=draft.pk).status == KycStatus.DRAFT
