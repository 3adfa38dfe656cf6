"""Builders for the KYC tests: real small documents, officers, and submissions in a state."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from reportlab.pdfgen import canvas

from accounts.models import User
from accounts.roles import Role
from compliance.kyc import documents, services
from compliance.models import KycStatus, KycSubmission
from tests.factories import UserFactory


def png_bytes(size: tuple[int, int] = (64, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (20, 120, 240)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def pdf_bytes(text: str = "Utility bill, 1 Main Street") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def upload(content: bytes, name: str = "document.png", content_type: str = "image/png") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


IDENTITY = {
    "legal_name": "Ada Lovelace",
    "date_of_birth": "1990-12-10",
    "nationality": "GB",
    "residence_country": "United Kingdom",
    "address_line": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "id_document_type": "passport",
    "id_document_number": "123456789",
}


def identity(**changes: Any) -> dict[str, Any]:
    expiry = (timezone.now().date() + timedelta(days=5 * 365)).isoformat()
    return {**IDENTITY, "id_document_expiry": expiry, **changes}


def make_officer(**fields: Any) -> User:
    officer = UserFactory.create(is_staff=True, **fields)
    officer.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return officer


def complete_draft(user: User, level: int) -> KycSubmission:
    """A draft of `level` with every field and document it needs."""
    fields: dict[str, Any] = {}
    if level == 1:
        fields = identity()
    elif level == 3:
        fields = {
            "source_of_funds": "Salary from my employer, paid monthly into my bank account.",
            "source_of_wealth": "Savings from ten years of salary and an inherited flat.",
        }
    submission = services.save_draft(user=user, level=level, **fields)
    kinds = {1: ["id_document"], 2: ["proof_of_address", "selfie"], 3: ["source_of_funds"]}
    for kind in kinds[level]:
        documents.upload_document(
            user=user, submission_id=submission.pk, kind=kind, upload=upload(png_bytes())
        )
    return submission


def approve(
    user: User, level: int, *, officer: User | None = None, now: datetime | None = None
) -> KycSubmission:
    """Take `level` through draft, submit and approval by an officer."""
    submission = complete_draft(user, level)
    services.submit(user=user, submission_id=submission.pk, now=now)
    return services.decide(
        officer=officer or make_officer(),
        submission_id=submission.pk,
        decision="approve",
        now=now,
    )


def approved_row(user: User, level: int, *, expires_at: datetime, **fields: Any) -> KycSubmission:
    """An approval written directly (for tests about what an approval allows)."""
    return KycSubmission.objects.create(
        user=user,
        level=level,
        status=KycStatus.APPROVED,
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        expires_at=expires_at,
        **fields,
    )


def today() -> date:
    return timezone.now().date()


def queued_tasks(queue: str) -> list[tuple[str, list[Any]]]:
    """(task name, args) of each message waiting in a queue of the test broker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], body[0]))
    return found


def expires(submission: KycSubmission) -> datetime:
    """An approval's expiry (approvals always have one)."""
    assert submission.expires_at is not None
    return submission.expires_at
