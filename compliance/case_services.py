"""Working a case: assignment, notes, attachments, decisions and the four-eyes freeze.

Cases are opened by `compliance.cases.open_case` (screening hits, monitoring alerts, listed
wallets); officers then move them here. Every function is one transaction that writes one
audit event per state change (CASE_*, FREEZE_*, USER_FROZEN/UNFROZEN), done by compliance
officers only (`compliance.kyc.officers.is_compliance_officer`: staff in the group).

Statuses: open -> in_review (assigned) -> escalated; from any of those a case is closed as
false positive or no action, or closed by filing a report (`reported`). A closed case takes
no further decision (notes and attachments are still welcome: evidence may come late).

Freezing and unfreezing a user's trading take two officers: `request_freeze` (pending) ->
`approve_freeze` by a *different* officer applies it (ComplianceProfile.trading_frozen) or
`reject_freeze` ends it. The requester cannot decide their own request: refused here (403)
and by the database's check constraint. One pending request per user at a time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.kyc.documents import check_content, read_upload
from compliance.kyc.officers import is_compliance_officer
from compliance.models import (
    AlertStatus,
    Case,
    CaseAttachment,
    CaseNote,
    CaseStatus,
    ComplianceProfile,
    FreezeAction,
    FreezeRequest,
    FreezeRequestStatus,
)
from compliance.models.cases import OPEN_CASE_STATUSES
from compliance.monitoring.risk import recompute_risk
from cryptopulse.errors import ApplicationError

# The decisions that close a case here; `closed_true_match` belongs to screening's decision.
CLOSING_OUTCOMES = (CaseStatus.CLOSED_FALSE_POSITIVE, CaseStatus.CLOSED_NO_ACTION)
NOTE_MAX = 10_000
REASON_MAX = 2_000


class CaseStateError(ApplicationError):
    """The case or request is not in a state that allows this (409)."""

    status = 409


class NotAllowed(ApplicationError):
    """Only compliance officers work cases; nobody approves their own freeze request (403)."""

    status = 403


def _officer(user: User, what: str = "work cases") -> None:
    if not is_compliance_officer(user):
        raise NotAllowed("not_officer", f"Only compliance officers {what}.")


def _text(value: str, *, field: str, limit: int, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(f"{field}_required", f"Write {what}.", field)
    if len(text) > limit:
        raise ApplicationError(f"{field}_too_long", f"At most {limit:,} characters.", field)
    return text


def _lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("user").get(pk=case_id)


def _require_open(case: Case) -> None:
    if case.status not in OPEN_CASE_STATUSES:
        raise CaseStateError(
            "case_closed", f"Case #{case.pk} is {case.get_status_display().lower()}."
        )


def assign_case(*, case_id: int, officer: User, assignee: User) -> Case:
    """Give an open case to an officer (`officer` may assign it to themselves); an open case
    moves to in review. Writes CASE_ASSIGNED with the old and new assignee."""
    _officer(officer)
    if not is_compliance_officer(assignee):
        raise ApplicationError("not_officer", "Cases go to compliance officers only.", "assignee")
    with transaction.atomic(durable=True):
        case = _lock_case(case_id)
        _require_open(case)
        old_assignee = case.assigned_to.email if case.assigned_to else None
        old_status = case.status
        case.assigned_to = assignee
        if case.status == CaseStatus.OPEN:
            case.status = CaseStatus.IN_REVIEW
        case.save(update_fields=["assigned_to", "status"])
        record(
            action=AuditAction.CASE_ASSIGNED,
            actor=officer,
            subject=case.user,
            target=case,
            data={
                "old": {"assigned_to": old_assignee, "status": old_status},
                "new": {"assigned_to": assignee.email, "status": case.status},
            },
        )
    return case


def add_case_note(*, case_id: int, author: User, text: str) -> CaseNote:
    """An officer's note on a case (any status). Writes CASE_NOTE_ADDED with the text."""
    _officer(author)
    body = _text(text, field="text", limit=NOTE_MAX, what="the note")
    with transaction.atomic(durable=True):
        case = _lock_case(case_id)
        note = CaseNote.objects.create(case=case, author=author, text=body)
        record(
            action=AuditAction.CASE_NOTE_ADDED,
            actor=author,
            subject=case.user,
            target=case,
            data={"note": note.pk, "text": body},
        )
    return note


def add_case_attachment(*, case_id: int, uploaded_by: User, upload: UploadedFile) -> CaseAttachment:
    """Attach a file to a case: a PDF, JPEG or PNG checked by its content, at most
    KYC_MAX_DOCUMENT_BYTES (the KYC documents' check, compliance.kyc.documents), kept in
    private storage under a random name. Writes CASE_ATTACHMENT_ADDED with its SHA-256."""
    _officer(uploaded_by)
    checked = check_content(read_upload(upload))  # before any lock: it may take a while
    with transaction.atomic(durable=True):
        case = _lock_case(case_id)
        attachment = CaseAttachment(
            case=case,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            original_name=(upload.name or "")[-200:],
            uploaded_by=uploaded_by,
        )
        name = f"{uuid.uuid4().hex}.{checked.extension}"
        attachment.file.save(name, ContentFile(checked.content), save=False)
        try:
            attachment.save(force_insert=True)
            record(
                action=AuditAction.CASE_ATTACHMENT_ADDED,
                actor=uploaded_by,
                subject=case.user,
                target=case,
                data={
                    "attachment": attachment.pk,
                    "content_type": checked.content_type,
                    "size": attachment.size,
                    "sha256": checked.sha256,
                    "name": attachment.original_name,
                },
            )
        except BaseException:
            if attachment.file.name:  # no row, so no file either
                attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def escalate_case(*, case_id: int, officer: User, reason: str) -> Case:
    """Send an open case up (to a senior officer or the MLRO). Writes CASE_ESCALATED."""
    _officer(officer)
    why = _text(reason, field="reason", limit=REASON_MAX, what="why the case is escalated")
    with transaction.atomic(durable=True):
        case = _lock_case(case_id)
        _require_open(case)
        if case.status == CaseStatus.ESCALATED:
            raise CaseStateError("already_escalated", f"Case #{case.pk} is already escalated.")
        old = case.status
        case.status = CaseStatus.ESCALATED
        case.save(update_fields=["status"])
        record(
            action=AuditAction.CASE_ESCALATED,
            actor=officer,
            subject=case.user,
            target=case,
            data={"old": {"status": old}, "new": {"status": case.status}, "reason": why},
        )
    return case


def _close(case_id: int, *, officer: User, outcome: CaseStatus, reason: str) -> Case:
    case = _lock_case(case_id)
    _require_open(case)
    old = case.status
    now = timezone.now()
    case.status = outcome
    case.closed_at = now
    case.decided_by = officer
    case.decision_reason = reason
    case.save(update_fields=["status", "closed_at", "decided_by", "decision_reason"])
    alerts = case.alerts.filter(status=AlertStatus.OPEN).update(status=AlertStatus.CLOSED)
    record(
        action=AuditAction.CASE_CLOSED,
        actor=officer,
        subject=case.user,
        target=case,
        data={
            "old": {"status": old},
            "new": {"status": outcome.value},
            "reason": reason,
            "alerts_closed": alerts,
        },
    )
    # A false positive takes its alerts out of the user's risk score (risk.py).
    recompute_risk(case.user, now=now)
    return case


def close_case(*, case_id: int, officer: User, outcome: str, reason: str) -> Case:
    """Close an open case as a false positive or with no action, with the officer's reason;
    its open alerts close with it. Writes CASE_CLOSED (old/new status, reason)."""
    _officer(officer)
    if outcome not in CLOSING_OUTCOMES:
        accepted = ", ".join(CLOSING_OUTCOMES)
        raise ApplicationError("invalid_outcome", f"Close as one of {accepted}.", "outcome")
    why = _text(reason, field="reason", limit=REASON_MAX, what="why the case is closed")
    with transaction.atomic(durable=True):
        return _close(case_id, officer=officer, outcome=CaseStatus(outcome), reason=why)


def file_report(*, case_id: int, officer: User, reason: str) -> Case:
    """Close an open case as reported to the authorities (`reported`). Only the status: the
    SAR itself is drafted from the case by compliance.reports. Writes CASE_CLOSED."""
    _officer(officer)
    why = _text(reason, field="reason", limit=REASON_MAX, what="what was reported")
    with transaction.atomic(durable=True):
        return _close(case_id, officer=officer, outcome=CaseStatus.REPORTED, reason=why)


# --- Four eyes: freezing and unfreezing a user's trading -----------------------------------


@dataclass(frozen=True)
class FreezeDecision:
    request: FreezeRequest
    changed: bool  # False when the user was already in the requested state


def request_freeze(*, case_id: int, officer: User, action: str, reason: str) -> FreezeRequest:
    """Ask for the case's user to be frozen (or unfrozen); a second officer decides.
    Refused when the user is already in that state or has a request pending. Writes
    FREEZE_REQUESTED."""
    _officer(officer, "ask for a freeze")
    try:
        wanted = FreezeAction(action)
    except ValueError:
        raise ApplicationError(
            "invalid_action", "Ask to freeze or to unfreeze.", "action"
        ) from None
    why = _text(reason, field="reason", limit=REASON_MAX, what="why")
    with transaction.atomic(durable=True):
        case = _lock_case(case_id)
        frozen = ComplianceProfile.objects.filter(user=case.user, trading_frozen=True).exists()
        if frozen == (wanted == FreezeAction.FREEZE):
            state = "frozen" if frozen else "not frozen"
            raise CaseStateError("no_change", f"{case.user.email} is already {state}.")
        try:
            with transaction.atomic():
                request = FreezeRequest.objects.create(
                    case=case, user=case.user, action=wanted, reason=why, requested_by=officer
                )
        except IntegrityError:
            raise CaseStateError(
                "freeze_pending",
                f"{case.user.email} already has a freeze request waiting for a decision.",
            ) from None
        record(
            action=AuditAction.FREEZE_REQUESTED,
            actor=officer,
            subject=case.user,
            target=request,
            data={"action": wanted.value, "case": case.pk, "reason": why},
        )
    return request


def _lock_pending(request_id: int, officer: User) -> FreezeRequest:
    request = (
        FreezeRequest.objects.select_for_update(of=("self",))
        .select_related("user", "requested_by")
        .get(pk=request_id)
    )
    if request.status != FreezeRequestStatus.PENDING:
        raise CaseStateError(
            "not_pending", f"This request is already {request.get_status_display().lower()}."
        )
    if request.requested_by_id == officer.pk:
        raise NotAllowed(
            "four_eyes", "A second officer must decide: you cannot decide your own request."
        )
    return request


def approve_freeze(*, request_id: int, officer: User) -> FreezeDecision:
    """A second officer approves a pending request, which applies it: the user's trading is
    frozen (or unfrozen). Writes FREEZE_APPROVED and, when the state changes, USER_FROZEN or
    USER_UNFROZEN."""
    _officer(officer, "decide freeze requests")
    with transaction.atomic(durable=True):
        request = _lock_pending(request_id, officer)
        now = timezone.now()
        request.status = FreezeRequestStatus.APPROVED
        request.decided_by = officer
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_at"])
        ComplianceProfile.objects.get_or_create(user=request.user)
        profile = ComplianceProfile.objects.select_for_update().get(user=request.user)
        freeze = request.action == FreezeAction.FREEZE
        changed = profile.trading_frozen != freeze
        record(
            action=AuditAction.FREEZE_APPROVED,
            actor=officer,
            subject=request.user,
            target=request,
            data={
                "action": request.action,
                "case": request.case_id,
                "requested_by": request.requested_by.email,
            },
        )
        if changed:
            old = {"trading_frozen": profile.trading_frozen, "frozen_reason": profile.frozen_reason}
            profile.trading_frozen = freeze
            profile.frozen_reason = request.reason[:500] if freeze else ""
            profile.frozen_at = now if freeze else None
            profile.save(
                update_fields=["trading_frozen", "frozen_reason", "frozen_at", "updated_at"]
            )
            record(
                action=AuditAction.USER_FROZEN if freeze else AuditAction.USER_UNFROZEN,
                actor=officer,
                subject=request.user,
                target=request.user,
                data={
                    "old": old,
                    "new": {"trading_frozen": freeze, "frozen_reason": profile.frozen_reason},
                    "request": request.pk,
                    "requested_by": request.requested_by.email,
                    "approved_by": officer.email,
                },
            )
    return FreezeDecision(request=request, changed=changed)


def reject_freeze(*, request_id: int, officer: User, reason: str) -> FreezeRequest:
    """A second officer turns a pending request down; nothing changes for the user. Writes
    FREEZE_REJECTED with the reason."""
    _officer(officer, "decide freeze requests")
    why = _text(reason, field="reason", limit=REASON_MAX, what="why the request is rejected")
    with transaction.atomic(durable=True):
        request = _lock_pending(request_id, officer)
        request.status = FreezeRequestStatus.REJECTED
        request.decided_by = officer
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        record(
            action=AuditAction.FREEZE_REJECTED,
            actor=officer,
            subject=request.user,
            target=request,
            data={"action": request.action, "case": request.case_id, "reason": why},
        )
    return request
