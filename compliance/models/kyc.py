"""KYC: a user's submissions per level, their documents, and the user's compliance profile."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from compliance.storage import private_storage


class KycStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RESUBMISSION_REQUESTED = "resubmission_requested", "Resubmission requested"
    EXPIRED = "expired", "Expired"


class IdDocumentType(models.TextChoices):
    PASSPORT = "passport", "Passport"
    NATIONAL_ID = "national_id", "National identity card"
    DRIVING_LICENCE = "driving_licence", "Driving licence"
    RESIDENCE_PERMIT = "residence_permit", "Residence permit"


class DocumentKind(models.TextChoices):
    ID_DOCUMENT = "id_document", "Government ID document"
    ID_DOCUMENT_BACK = "id_document_back", "Government ID document (back)"
    PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
    SELFIE = "selfie", "Selfie"
    SOURCE_OF_FUNDS = "source_of_funds", "Source of funds or wealth evidence"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


OPEN_KYC_STATUSES = (KycStatus.DRAFT, KycStatus.PENDING, KycStatus.RESUBMISSION_REQUESTED)


class KycSubmission(models.Model):
    """One attempt at one KYC level (1 identity, 2 address and selfie, 3 enhanced due
    diligence). Level 1 fields are the identity the screening engine checks; level 3 keeps the
    declared source of funds and wealth. `expires_at` is when an approval lapses (per-level
    review period, or the ID document's own expiry if sooner)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kyc_submissions"
    )
    level = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=24, choices=KycStatus.choices, default=KycStatus.DRAFT)
    # level 1: identity
    legal_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    nationality = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    residence_country = models.CharField(max_length=2, blank=True)
    address_line = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    id_document_type = models.CharField(max_length=20, choices=IdDocumentType.choices, blank=True)
    id_document_number = models.CharField(max_length=50, blank=True)
    id_document_expiry = models.DateField(null=True, blank=True)
    # level 3: enhanced due diligence
    source_of_funds = models.TextField(blank=True)
    source_of_wealth = models.TextField(blank=True)
    # review
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kyc_reviews",
    )
    reasons = models.TextField(blank=True)  # why rejected / what to resubmit, shown to the user
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "KYC submission"
        verbose_name_plural = "KYC submissions"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="kyc_level_1_3"),
            models.UniqueConstraint(
                fields=["user", "level"],
                condition=Q(status__in=["draft", "pending", "resubmission_requested"]),
                name="kyc_one_open_submission_per_level",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="kyc_queue"),
            models.Index(fields=["user", "level", "status"], name="kyc_user_level"),
            models.Index(fields=["status", "expires_at"], name="kyc_expiry"),
        ]

    def __str__(self) -> str:
        return f"KYC level {self.level} of {self.user_id} ({self.status})"


class KycDocument(models.Model):
    """An uploaded document, kept outside the public media path (private storage) and served
    only through a permission-checked view. Its type is detected from the content."""

    submission = models.ForeignKey(
        KycSubmission, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(storage=private_storage, upload_to="kyc/%Y/%m/")
    content_type = models.CharField(max_length=40)  # detected: application/pdf, image/jpeg|png
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "KYC document"
        verbose_name_plural = "KYC documents"
        ordering = ("uploaded_at",)

    def __str__(self) -> str:
        return f"{self.kind} of submission {self.submission_id}"


class ComplianceProfile(models.Model):
    """A user's compliance state in one row: the effective KYC level (kept in step with the
    approvals by the KYC services), the trading freeze, and the risk score with its reasons."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compliance_profile"
    )
    kyc_level = models.PositiveSmallIntegerField(default=0)
    trading_frozen = models.BooleanField(default=False)
    frozen_reason = models.CharField(max_length=500, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    risk_reasons = models.JSONField(default=list, blank=True)
    risk_computed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)  # for the dormancy rule
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["risk_level", "risk_score"], name="profile_risk")]

    def __str__(self) -> str:
        return f"Compliance profile of {self.user_id}"
