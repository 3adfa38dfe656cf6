"""KYC documents: the type comes from the content, spoofs and oversized files are refused,
files live in private storage, uploads are audited."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings

from compliance.kyc import documents, services
from compliance.kyc.errors import KycInvalid, SubmissionClosed
from compliance.models import AuditEvent, KycDocument, KycSubmission
from tests.compliance.kyc.helpers import complete_draft, jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(user):
    return services.save_draft(user=user, level=1, legal_name="Ada Lovelace")


def _upload(
    user, draft, content, name="scan.pdf", content_type="application/pdf", kind="id_document"
):
    return documents.upload_document(
        user=user,
        submission_id=draft.pk,
        kind=kind,
        upload=upload(content, name=name, content_type=content_type),
    )


@pytest.mark.parametrize(
    ("content", "name", "claimed", "detected", "_case"),
    [
        (png_bytes(), "passport.png", "image/png", "image/png", "png"),
        (jpeg_bytes(), "passport.jpg", "image/jpeg", "image/jpeg", "jpeg"),
        (pdf_bytes(), "passport.pdf", "application/pdf", "application/pdf", "pdf"),
        # the name and the browser's type do not matter, the content does
        (png_bytes(), "passport.pdf", "application/pdf", "image/png", "png named .pdf"),
        (pdf_bytes(), "scan", "application/octet-stream", "application/pdf", "pdf without a name"),
    ],
)
def test_documents_are_typed_by_their_content(user, draft, content, name, claimed, detected, _case):
    # when
    document = _upload(user, draft, content, name=name, content_type=claimed)
    # then
    assert document.content_type == detected
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == name
    with document.file.open("rb") as stored:
        assert stored.read() == content
    (event,) = AuditEvent.objects.filter(action="compliance.kyc.document_uploaded")
    assert event.data["sha256"] == document.sha256
    assert event.data["content_type"] == detected


SPOOFS = [
    (b"<!doctype html><script>alert(1)</script>", "a web page renamed .pdf"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "a Windows program renamed .pdf"),
    (b"%PDF-1.7\n1 0 obj << >> endobj\n", "a PDF without its end marker"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "a PNG header followed by garbage"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "a JPEG header followed by zeros"),
    (png_bytes()[:-30], "a truncated PNG"),
    (jpeg_bytes()[: len(jpeg_bytes()) // 2], "a truncated JPEG"),
    (b"", "an empty file"),
]


@pytest.mark.parametrize(("content", "_case"), SPOOFS)
def test_spoofed_and_damaged_files_are_refused_with_a_clear_400(user, draft, content, _case):
    # when
    with pytest.raises(KycInvalid) as refused:
        _upload(user, draft, content, name="passport.pdf", content_type="application/pdf")
    # then
    assert refused.value.status == 400
    assert refused.value.field == "file"
    assert refused.value.code in ("file_type", "file_empty")
    assert not KycDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="compliance.kyc.document_uploaded").exists()


def test_the_size_limit_is_inclusive(user, draft, settings):
    content = pdf_bytes()
    settings.KYC_MAX_DOCUMENT_BYTES = len(content)
    assert _upload(user, draft, content).size == len(content)
    settings.KYC_MAX_DOCUMENT_BYTES = len(content) - 1
    with pytest.raises(KycInvalid) as refused:
        _upload(user, draft, content)
    assert refused.value.code == "file_too_large"
    assert KycDocument.objects.count() == 1


def test_the_default_limit_is_ten_mebibytes_and_checked_before_reading(user, draft):
    assert settings.KYC_MAX_DOCUMENT_BYTES == 10 * 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(KycInvalid) as refused:
        _upload(user, draft, big)
    assert "the most is 10,485,760 bytes" in refused.value.message


def test_an_oversized_image_is_refused_as_a_decompression_bomb(user, draft, monkeypatch):
    monkeypatch.setattr(documents, "MAX_IMAGE_PIXELS", 64 * 40 - 1)
    with pytest.raises(KycInvalid) as refused:
        _upload(user, draft, png_bytes((64, 40)), name="p.png", content_type="image/png")
    assert "too large" in refused.value.message


def test_files_are_stored_privately_under_a_random_name(user, draft):
    document = _upload(user, draft, pdf_bytes(), name="../../etc/passport.pdf")
    path = Path(document.file.path)
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert "passport" not in path.name
    assert path.suffix == ".pdf"
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert documents.download_name(document).startswith(f"kyc-{draft.pk}-id_document-")


def test_a_document_kind_the_level_does_not_take_is_refused(user, draft):
    with pytest.raises(KycInvalid) as refused:
        _upload(user, draft, png_bytes(), kind="selfie")
    assert refused.value.field == "kind"
    with pytest.raises(KycInvalid):
        _upload(user, draft, png_bytes(), kind="tax_return")


def test_a_pending_or_someone_elses_submission_takes_no_documents(user, other_user):
    submission = complete_draft(user, 1)
    with pytest.raises(KycSubmission.DoesNotExist):
        _upload(other_user, submission, png_bytes())
    services.submit(user=user, submission_id=submission.pk)
    with pytest.raises(SubmissionClosed):
        _upload(user, submission, png_bytes())


def test_the_latest_document_of_a_kind_is_the_one_reviewed(user, draft):
    first = _upload(user, draft, png_bytes())
    second = _upload(user, draft, pdf_bytes())
    latest = services.latest_documents(draft)
    assert latest["id_document"] == second
    assert KycDocument.objects.filter(pk=first.pk).exists()  # kept as evidence
