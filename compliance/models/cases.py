"""Cases: what officers work on. Screening hits, monitoring alerts and wallet hits open them;
notes, attachments and decisions (four-eyes for freezing) are kept on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from compliance.storage import private_storage


class CaseKind(models.TextChoices):
    SCREENING = "screening", "Sanctions / PEP screening"
    MONITORING = "monitoring", "Transaction monitoring"
    WALLET = "wallet", "Listed wallet address"
    KYC = "kyc", "KYC"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    ESCALATED = "escalated", "Escalated"
    CLOSED_FALSE_POSITIVE = "closed_false_positive", "Closed: false positive"
    CLOSED_TRUE_MATCH = "closed_true_match", "Closed: true match"
    CLOSED_NO_ACTION = "closed_no_action", "Closed: no action"
    REPORTED = "reported", "Closed: report filed"


OPEN_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)


class Case(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="compliance_cases"
    )
    kind = models.CharField(max_length=12, choices=CaseKind.choices)
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_cases",
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-opened_at",)
        indexes = [
            models.Index(fields=["status", "severity", "opened_at"], name="case_queue"),
            models.Index(fields=["user", "status"], name="case_user_status"),
            models.Index(fields=["assigned_to", "status"], name="case_assignee"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}: {self.title}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return f"Note on case {self.case_id}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Attachment of case {self.case_id}"


class FreezeAction(models.TextChoices):
    FREEZE = "freeze", "Freeze trading"
    UNFREEZE = "unfreeze", "Unfreeze trading"


class FreezeRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second officer"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"


class FreezeRequest(models.Model):
    """Four eyes: one officer asks to freeze (or unfreeze) a user, another approves it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="freeze_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=FreezeAction.choices)
    reason = models.TextField()
    status = models.CharField(
        max_length=8, choices=FreezeRequestStatus.choices, default=FreezeRequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="freeze_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="freeze_one_pending_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.user_id} ({self.status})"
