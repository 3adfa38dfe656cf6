"""KYC documents: checked by their content, kept in private storage, shown through a check.

A document is accepted when its bytes are a PDF, JPEG or PNG, whatever its name or the content
type the browser sent: a PDF starts with `%PDF-` and ends with `%%EOF`; an image has its magic
bytes, and Pillow must open, verify and fully decode it (so a PNG header followed by garbage
is refused). At most `KYC_MAX_DOCUMENT_BYTES` (10 MiB). The SHA-256 of the bytes is kept.

Files are stored under a random name in `compliance.storage.private_storage` (outside the
public media path) and are served only by `compliance.views.kyc_document` to the owner and to
compliance officers; an officer's view is audited.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.kyc.errors import SubmissionClosed, invalid
from compliance.kyc.levels import level_rule
from compliance.kyc.officers import is_compliance_officer
from compliance.models import DocumentKind, KycDocument, KycStatus, KycSubmission

logger = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
# A photo of a document needs far fewer pixels; more is a decompression bomb.
MAX_IMAGE_PIXELS = 40_000_000
# Where a PDF's last `%%EOF` may sit: writers add a line end or a little padding after it.
PDF_TAIL_BYTES = 1024
ACCEPTED = "PDF, JPEG or PNG"


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def sniff(content: bytes) -> str | None:
    """The content type the magic bytes claim (not yet proof that the file is sound)."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def check_content(content: bytes) -> CheckedFile:
    """The file's detected type and hash; a KycInvalid (400, field `file`) when it is not a
    sound PDF, JPEG or PNG of at most KYC_MAX_DOCUMENT_BYTES."""
    limit = settings.KYC_MAX_DOCUMENT_BYTES
    if len(content) > limit:
        raise invalid(
            "file",
            f"The file is {len(content):,} bytes; the most is {limit:,} bytes "
            f"({limit / 1024 / 1024:g} MiB).",
            "file_too_large",
        )
    if not content:
        raise invalid("file", "The file is empty.", "file_empty")
    content_type = sniff(content)
    if content_type is None:
        raise invalid(
            "file",
            f"This file is not a {ACCEPTED} document (its content says so, whatever its name).",
            "file_type",
        )
    if content_type == PDF:
        if b"%%EOF" not in content[-PDF_TAIL_BYTES:]:
            raise invalid("file", "This PDF is incomplete or damaged (no end marker).", "file_type")
    else:
        _check_image(content, content_type)
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest())


def _check_image(content: bytes, content_type: str) -> None:
    name = "JPEG" if content_type == JPEG else "PNG"
    damaged = invalid("file", f"This {name} image is damaged or not really a {name}.", "file_type")
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != _PILLOW_FORMATS[content_type]:
                raise damaged
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise invalid(
                    "file", f"The image is {width}x{height} pixels; that is too large.", "file_type"
                )
            image.verify()  # checksums and structure, without decoding
        with Image.open(io.BytesIO(content)) as image:
            image.load()  # decode every pixel: truncated or garbage data fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise damaged from None


def read_upload(upload: UploadedFile) -> bytes:
    """The uploaded bytes, refusing an oversized file before reading it all."""
    limit = settings.KYC_MAX_DOCUMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise invalid(
            "file",
            f"The file is {upload.size:,} bytes; the most is {limit:,} bytes "
            f"({limit / 1024 / 1024:g} MiB).",
            "file_too_large",
        )
    upload.seek(0)
    return upload.read(limit + 1)


def upload_document(
    *, user: User, submission_id: int, kind: str, upload: UploadedFile
) -> KycDocument:
    """Add a document to one of the user's open submissions (draft or resubmission asked).

    The content is checked before any lock is taken. A later document of the same kind
    replaces the earlier one for the review; both are kept as evidence. Writes one
    KYC_DOCUMENT_UPLOADED event.
    """
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise invalid("kind", f"{kind!r} is not a kind of KYC document.") from None
    checked = check_content(read_upload(upload))
    name = f"{uuid.uuid4().hex}.{checked.extension}"
    with transaction.atomic(durable=True):
        submission = _own_open_submission(user, submission_id)
        if document_kind not in level_rule(submission.level).accepted_documents:
            raise invalid(
                "kind", f"Level {submission.level} does not take a {document_kind.label.lower()}."
            )
        document = KycDocument(
            submission=submission,
            kind=document_kind,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            original_name=(upload.name or "")[-200:],
        )
        document.file.save(name, ContentFile(checked.content), save=False)
        try:
            document.save(force_insert=True)
            record(
                action=AuditAction.KYC_DOCUMENT_UPLOADED,
                actor=user,
                target=submission,
                data={
                    "document": document.pk,
                    "kind": document_kind.value,
                    "content_type": checked.content_type,
                    "size": document.size,
                    "sha256": checked.sha256,
                },
            )
        except BaseException:
            if document.file.name:  # no row, so no file either
                document.file.storage.delete(document.file.name)
            raise
    return document


def _own_open_submission(user: User, submission_id: int) -> KycSubmission:
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .filter(pk=submission_id, user=user)
        .first()
    )
    if submission is None:
        raise KycSubmission.DoesNotExist
    if submission.status not in (KycStatus.DRAFT, KycStatus.RESUBMISSION_REQUESTED):
        raise SubmissionClosed(
            "submission_closed",
            f"This submission is {submission.get_status_display().lower()}; "
            "documents can no longer be added.",
        )
    return submission


def open_document(*, viewer: User, document_id: int, second_factor: bool) -> KycDocument:
    """The document, when `viewer` may see it: its owner, or a compliance officer whose
    session passed the second factor (as the admin requires). Anyone else gets the same
    DoesNotExist as for a missing id. An officer's view writes one KYC_DOCUMENT_VIEWED."""
    document = KycDocument.objects.select_related("submission__user").filter(pk=document_id).first()
    if document is None:
        raise KycDocument.DoesNotExist
    owner = document.submission.user
    if owner.pk == viewer.pk:
        return document
    if not (second_factor and is_compliance_officer(viewer)):
        raise KycDocument.DoesNotExist
    with transaction.atomic(durable=True):
        record(
            action=AuditAction.KYC_DOCUMENT_VIEWED,
            actor=viewer,
            subject=owner,
            target=document.submission,
            data={"document": document.pk, "kind": document.kind, "sha256": document.sha256},
        )
    return document


def download_name(document: KycDocument) -> str:
    """A safe file name for the download: never the uploader's own."""
    extension = EXTENSIONS.get(document.content_type, "bin")
    return f"kyc-{document.submission_id}-{document.kind}-{document.pk}.{extension}"
