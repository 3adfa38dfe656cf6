"""GET /api/v1/kyc and the submissions endpoints: the same services as the page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKeyScope
from compliance.models import KycSubmission
from tests.compliance.helpers import make_api_key
from tests.compliance.kyc.helpers import approved_row, identity, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_status_shows_the_level_limits_usage_and_submissions(api, user):
    approved_row(user, 1, expires_at=timezone.now() + timedelta(days=10), legal_name="Ada")
    body = api.get("/api/v1/kyc").json()
    assert (body["level"], body["trading_frozen"]) == (1, False)
    assert body["limits"] == {"level": 1, "daily_usd": "10000.00", "monthly_usd": "50000.00"}
    assert body["usage"] == {"today_usd": "0.00", "month_usd": "0.00"}
    (submission,) = body["submissions"]
    assert (submission["status"], submission["legal_name"]) == ("approved", "Ada")


def test_level_zero_has_no_limits(api):
    body = api.get("/api/v1/kyc").json()
    assert (body["level"], body["limits"], body["submissions"]) == (0, None, [])


def test_a_draft_with_a_document_is_saved_then_submitted(api, user):
    # when
    saved = api.post(
        "/api/v1/kyc/submissions",
        {"level": "1", **identity(), "id_document": upload(png_bytes(), "id.png")},
        format="multipart",
    )
    # then
    assert saved.status_code == 200, saved.json()
    body = saved.json()
    assert (body["status"], body["nationality"], body["residence_country"]) == ("draft", "GB", "GB")
    assert [doc["content_type"] for doc in body["documents"]] == ["image/png"]
    sent = api.post(f"/api/v1/kyc/submissions/{body['id']}/submit")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "pending"
    again = api.post(f"/api/v1/kyc/submissions/{body['id']}/submit")
    assert (again.status_code, again.json()["code"]) == (409, "submission_closed")


def test_errors_name_every_field(api, user):
    bad = api.post(
        "/api/v1/kyc/submissions",
        {"level": 1, "nationality": "Narnia", "date_of_birth": "yesterday"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"nationality", "date_of_birth"}
    draft = api.post("/api/v1/kyc/submissions", {"level": 1, "legal_name": "Ada"}, format="json")
    incomplete = api.post(f"/api/v1/kyc/submissions/{draft.json()['id']}/submit")
    body = incomplete.json()
    assert (incomplete.status_code, body["code"]) == (400, "kyc_incomplete")
    assert {"date_of_birth", "id_document"} <= set(body["fields"])


def test_a_spoofed_document_is_a_400_on_its_kind(api):
    fake = upload(b"MZ\x90\x00" + b"\x00" * 100, "id.pdf", "application/pdf")
    answer = api.post(
        "/api/v1/kyc/submissions", {"level": 1, "id_document": fake}, format="multipart"
    )
    assert answer.status_code == 400
    assert "not a PDF, JPEG or PNG" in answer.json()["fields"]["id_document"][0]


def test_another_users_submission_is_404(api, other_user):
    theirs = KycSubmission.objects.create(user=other_user, level=1)
    assert api.post(f"/api/v1/kyc/submissions/{theirs.pk}/submit").status_code == 404


def test_api_keys_read_but_do_not_send_identity_data(user):
    key = make_api_key(user)
    key.scopes = [ApiKeyScope.READ, ApiKeyScope.TRADE]
    key.save(update_fields=["scopes"])
    client = APIClient()
    client.force_authenticate(user, token=key)  # type: ignore[arg-type]  # any auth works
    assert client.get("/api/v1/kyc").status_code == 200
    refused = client.post("/api/v1/kyc/submissions", {"level": 1}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "api_key_not_allowed")


def test_the_api_needs_authentication():
    assert APIClient().get("/api/v1/kyc").status_code == 401
