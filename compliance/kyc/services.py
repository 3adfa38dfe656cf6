"""A KYC submission's lifecycle, and the user's effective level.

    draft --submit--> pending --decide--> approved | rejected | resubmission_requested
    resubmission_requested --save_draft/upload--> (edited) --submit--> pending
    approved --expire_kyc (compliance.kyc.expiry)--> expired

One open submission (draft, pending or resubmission requested) per user and level, by a
unique constraint. A rejected, approved or expired one is closed: the user starts a new draft
for that level (to renew an approval too). Each step is one transaction; submit and decide
write one audit event each (KYC_SUBMITTED, KYC_APPROVED, KYC_REJECTED,
KYC_RESUBMISSION_REQUESTED); a draft's edits are not audited (nothing is decided on them).

The effective level is the highest level L with levels 1..L all approved and unexpired; it is
kept in `ComplianceProfile.kyc_level` by decide and the expiry job, and computed afresh by the
pre-trade checks (`effective_level`), so an approval lapses to the second, not at the next run
of the daily job.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.countries import country_code
from compliance.kyc.errors import KycInvalid, NotAnOfficer, SubmissionClosed, invalid
from compliance.kyc.levels import (
    LEVELS,
    MIN_DECLARATION_CHARS,
    MINIMUM_AGE_YEARS,
    SUBMISSION_FIELDS,
    level_rule,
)
from compliance.kyc.limits import review_days
from compliance.kyc.officers import is_compliance_officer
from compliance.models import (
    ComplianceProfile,
    IdDocumentType,
    KycDocument,
    KycStatus,
    KycSubmission,
    ScreeningTrigger,
)

EDITABLE = (KycStatus.DRAFT, KycStatus.RESUBMISSION_REQUESTED)
_DATE_FIELDS = frozenset({"date_of_birth", "id_document_expiry"})
_COUNTRY_FIELDS = frozenset({"nationality", "residence_country"})
_TEXT_LIMIT = 5000  # source of funds / wealth


class KycDecision(TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_RESUBMISSION = "request_resubmission", "Request resubmission"


_DECIDED = {
    KycDecision.APPROVE: (KycStatus.APPROVED, AuditAction.KYC_APPROVED),
    KycDecision.REJECT: (KycStatus.REJECTED, AuditAction.KYC_REJECTED),
    KycDecision.REQUEST_RESUBMISSION: (
        KycStatus.RESUBMISSION_REQUESTED,
        AuditAction.KYC_RESUBMISSION_REQUESTED,
    ),
}


def _checked_level(level: int | str) -> int:
    try:
        number = int(level)
    except (TypeError, ValueError):
        number = -1
    if number not in LEVELS:
        raise invalid("level", "The KYC level is 1, 2 or 3.")
    return number


@transaction.atomic(durable=True)
def save_draft(*, user: User, level: int, **fields: Any) -> KycSubmission:
    """Create or update the user's open submission for `level` with `fields` (only the
    level's own fields; "" or None clears one). Formats are checked here (every bad field is
    named, and nothing is written); completeness is checked by `submit`. A pending submission
    cannot be edited (409)."""
    number = _checked_level(level)
    values = _clean_fields(number, fields)
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .filter(user=user, level=number, status__in=[*EDITABLE, KycStatus.PENDING])
        .first()
    )
    if submission is None:
        return KycSubmission.objects.create(user=user, level=number, **values)
    if submission.status == KycStatus.PENDING:
        raise SubmissionClosed(
            "submission_pending", f"Your level {number} submission is being reviewed."
        )
    for name, value in values.items():
        setattr(submission, name, value)
    submission.save(update_fields=[*values, "updated_at"])
    return submission


def _clean_fields(level: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    allowed = level_rule(level).all_fields
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        if name not in SUBMISSION_FIELDS:
            errors[name] = [f"There is no KYC field {name!r}."]
        elif name not in allowed:
            errors[name] = [f"Level {level} does not take this field."]
        else:
            try:
                values[name] = _clean_value(name, raw)
            except ValueError as error:
                errors[name] = [str(error)]
    if errors:
        raise KycInvalid(errors)
    return values


def _clean_value(name: str, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None if name in _DATE_FIELDS else ""
    if name in _DATE_FIELDS:
        return _date(raw)
    if not isinstance(raw, str):
        raise ValueError("Enter text.")
    value = " ".join(raw.split()) if name not in ("source_of_funds", "source_of_wealth") else raw
    value = value.strip()
    if name in _COUNTRY_FIELDS:
        code = country_code(value)
        if code is None:
            raise ValueError(f"{value!r} is not a country (use its name or ISO 3166 code).")
        return code
    if name == "id_document_type":
        if value not in IdDocumentType.values:
            accepted = ", ".join(IdDocumentType.values)
            raise ValueError(f"{value!r} is not one of {accepted}.")
        return value
    limit = _TEXT_LIMIT if name in ("source_of_funds", "source_of_wealth") else _max_length(name)
    if len(value) > limit:
        raise ValueError(f"At most {limit} characters.")
    return value


def _max_length(name: str) -> int:
    field = KycSubmission._meta.get_field(name)
    return int(field.max_length or _TEXT_LIMIT)  # type: ignore[union-attr]


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        raise ValueError("Enter a date, not a time.")
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD.") from None


@transaction.atomic(durable=True)
def submit(*, user: User, submission_id: int, now: datetime | None = None) -> KycSubmission:
    """Send an open submission for review: every required field and document of its level
    must be there (each missing one is named), the ID document valid, the levels below it
    approved and the email address verified. Queues screening of the user on commit.

    On any error nothing changes: the submission stays as it was."""
    now = now or timezone.now()
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .filter(pk=submission_id, user=user)
        .first()
    )
    if submission is None:
        raise KycSubmission.DoesNotExist
    if submission.status not in EDITABLE:
        raise SubmissionClosed(
            "submission_closed",
            f"This submission is {submission.get_status_display().lower()}; it cannot be sent.",
        )
    documents = latest_documents(submission)
    errors = _missing(submission, documents, user, now)
    if errors:
        raise KycInvalid(errors, code="kyc_incomplete")
    resubmitted = submission.status == KycStatus.RESUBMISSION_REQUESTED
    submission.status = KycStatus.PENDING
    submission.submitted_at = now
    submission.reviewer = None
    submission.decided_at = None
    submission.save(
        update_fields=["status", "submitted_at", "reviewer", "decided_at", "updated_at"]
    )
    record(
        action=AuditAction.KYC_SUBMITTED,
        actor=user,
        target=submission,
        data={
            "level": submission.level,
            "resubmission": resubmitted,
            "documents": {kind: doc.sha256 for kind, doc in sorted(documents.items())},
        },
    )
    from compliance.screening.services import request_screening

    request_screening(user=user, trigger=ScreeningTrigger.KYC)
    return submission


def latest_documents(submission: KycSubmission) -> dict[str, KycDocument]:
    """The newest document of each kind: the one the review looks at."""
    latest: dict[str, KycDocument] = {}
    for document in submission.documents.order_by("uploaded_at", "pk"):
        latest[document.kind] = document
    return latest


def _missing(
    submission: KycSubmission, documents: Mapping[str, KycDocument], user: User, now: datetime
) -> dict[str, list[str]]:
    rule = level_rule(submission.level)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        general.append("Verify your email address first.")
    if submission.level > 1 and effective_level(user=user, now=now) < submission.level - 1:
        general.append(
            f"Level {submission.level} needs level {submission.level - 1} approved first."
        )
    for name in rule.fields:
        if getattr(submission, name) in ("", None):
            errors[name] = ["This field is required."]
    for kind in rule.documents:
        if kind not in documents:
            errors[kind.value] = [f"Upload your {kind.label[:1].lower()}{kind.label[1:]}."]
    today = now.astimezone(UTC).date()
    born = submission.date_of_birth
    if submission.level == 1 and born is not None and "date_of_birth" not in errors:
        if born >= today:
            errors["date_of_birth"] = ["The date of birth must be in the past."]
        elif _age(born, today) < MINIMUM_AGE_YEARS:
            errors["date_of_birth"] = [f"You must be at least {MINIMUM_AGE_YEARS} years old."]
    expiry = submission.id_document_expiry
    if submission.level == 1 and expiry is not None and expiry < today:
        errors["id_document_expiry"] = [f"The ID document expired on {expiry.isoformat()}."]
    for name in ("source_of_funds", "source_of_wealth"):
        text = getattr(submission, name)
        if name in rule.fields and text and len(text) < MIN_DECLARATION_CHARS:
            errors[name] = [f"Say a little more (at least {MIN_DECLARATION_CHARS} characters)."]
    if general:
        errors = {"__all__": general, **errors}
    return errors


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic(durable=True)
def decide(
    *,
    officer: User,
    submission_id: int,
    decision: str,
    reasons: str = "",
    now: datetime | None = None,
) -> KycSubmission:
    """An officer's decision on a pending submission: approve, reject or request a
    resubmission (the last two need reasons, which the user sees).

    An approval expires after the level's review period (`KYC_REVIEW_DAYS`), or at the end
    of the ID document's expiry date if that is sooner. The user's effective level is
    recomputed. Officers do not decide on their own submissions.
    """
    now = now or timezone.now()
    if not is_compliance_officer(officer):
        raise NotAnOfficer
    try:
        choice = KycDecision(decision)
    except ValueError:
        raise invalid(
            "decision", f"{decision!r} is not approve, reject or request_resubmission."
        ) from None
    reasons = reasons.strip()
    if choice != KycDecision.APPROVE and not reasons:
        raise invalid("reasons", "Tell the user why: the reasons are shown to them.", "required")
    submission = (
        KycSubmission.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise KycSubmission.DoesNotExist
    if submission.user_id == officer.pk:
        raise NotAnOfficer("Officers do not decide on their own KYC.")
    if submission.status != KycStatus.PENDING:
        raise SubmissionClosed(
            "not_pending",
            f"This submission is {submission.get_status_display().lower()}, not pending review.",
        )
    status, action = _DECIDED[choice]
    submission.status = status
    submission.reviewer = officer
    submission.reasons = reasons
    submission.decided_at = now
    submission.expires_at = (
        approval_expiry(submission, now) if status == KycStatus.APPROVED else None
    )
    submission.expiry_notified_at = None
    submission.save(
        update_fields=[
            "status",
            "reviewer",
            "reasons",
            "decided_at",
            "expires_at",
            "expiry_notified_at",
            "updated_at",
        ]
    )
    old_level, new_level = recompute_level(user=submission.user, now=now)
    record(
        action=action,
        actor=officer,
        subject=submission.user,
        target=submission,
        data={
            "level": submission.level,
            "decision": choice.value,
            "reasons": reasons,
            "expires_at": submission.expires_at,
            "kyc_level": {"old": old_level, "new": new_level},
        },
    )
    return submission


def approval_expiry(submission: KycSubmission, now: datetime) -> datetime:
    """When an approval given `now` lapses (see `decide`); an ID document that has expired
    already cannot be approved (400: ask for a resubmission)."""
    expires = now + timedelta(days=review_days(submission.level))
    if submission.level == 1 and submission.id_document_expiry is not None:
        # The document is valid through its expiry date (UTC).
        document_end = datetime.combine(
            submission.id_document_expiry + timedelta(days=1), time(0), tzinfo=UTC
        )
        if document_end <= now:
            raise invalid(
                "id_document_expiry",
                "The ID document has expired since it was sent: ask for a resubmission.",
                "id_document_expired",
            )
        expires = min(expires, document_end)
    return expires


def effective_level(*, user: User, now: datetime | None = None) -> int:
    """The highest level whose chain 1..L is approved and unexpired at `now` (0 if none)."""
    now = now or timezone.now()
    approved = set(
        KycSubmission.objects.filter(
            user=user, status=KycStatus.APPROVED, expires_at__gt=now
        ).values_list("level", flat=True)
    )
    level = 0
    while level + 1 in approved:
        level += 1
    return level


def recompute_level(*, user: User, now: datetime) -> tuple[int, int]:
    """Store the effective level in the user's profile (locked); (old, new)."""
    with transaction.atomic():
        profile, _ = ComplianceProfile.objects.select_for_update().get_or_create(user=user)
        old, new = profile.kyc_level, effective_level(user=user, now=now)
        if old != new:
            profile.kyc_level = new
            profile.save(update_fields=["kyc_level", "updated_at"])
    return old, new
