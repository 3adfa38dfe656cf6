"""Cases in the officers' admin: the queue and the case page where officers decide.

Queue: filters by status, kind, severity, assignee, age bucket and SLA; search by the user's
email; an age column and an SLA flag (settings.CASE_SLA_HOURS). Case page: read-only
evidence (the case's alerts with their facts, the user's screening matches with their
explanation, a KYC summary, the risk score and its reasons, freeze requests), notes and
attachments as inlines, and buttons for each step (assign to me, escalate, close with a
reason, file report, request freeze or unfreeze, approve or reject a pending request, add a
note or a file). Each button posts to a small view that calls one service of
compliance.case_services (one audit event each); the case itself is never edited as a form.

Only compliance officers (staff in the group, with the site's verified second factor).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import Role
from compliance import case_services
from compliance.admin.monitoring import DASH, OfficerOnlyMixin, facts_table, officer_of
from compliance.admin.reports import draft_sar, draft_sar_link
from compliance.admin.screening import explanation_html
from compliance.case_selectors import (
    AGE_BUCKETS,
    age_q,
    breached_q,
    is_open,
    sla_breached,
    sla_deadline,
)
from compliance.models import (
    Case,
    CaseAttachment,
    CaseNote,
    ComplianceProfile,
    FreezeAction,
    FreezeRequest,
    FreezeRequestStatus,
    KycStatus,
    KycSubmission,
    ScreeningMatch,
)
from compliance.models.cases import OPEN_CASE_STATUSES
from cryptopulse.admin import ReadOnlyAdminMixin
from cryptopulse.errors import ApplicationError

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def duration(delta: timedelta) -> str:
    """3 d 4 h, 5 h 10 min, 12 min."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _admin_link(viewname: str, pk: Any, text: str) -> str:
    try:
        return format_html('<a href="{}">{}</a>', reverse(viewname, args=[pk]), text)
    except NoReverseMatch:
        return text


# --- queue filters ---------------------------------------------------------------------------


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(bucket.key, bucket.label) for bucket in AGE_BUCKETS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        for bucket in AGE_BUCKETS:
            if self.value() == bucket.key:
                return queryset.filter(age_q(bucket, timezone.now()))
        return queryset


class StateFilter(admin.SimpleListFilter):
    title = "open or closed"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open (open, in review, escalated)"), ("closed", "Closed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_CASE_STATUSES)
        if self.value() == "closed":
            return queryset.exclude(status__in=OPEN_CASE_STATUSES)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("breached", "Breached"), ("within", "Open, within SLA")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(breached_q(now))
        if self.value() == "within":
            return queryset.filter(status__in=OPEN_CASE_STATUSES).exclude(breached_q(now))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        officers = User.objects.filter(
            is_staff=True, is_active=True, groups__name=Role.COMPLIANCE_OFFICER
        ).order_by("email")
        return [("none", "Unassigned"), ("me", "Me")] + [
            (str(officer.pk), officer.email) for officer in officers
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        value = self.value()
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value == "me":
            return queryset.filter(assigned_to_id=request.user.pk)
        if value and value.isdigit():
            return queryset.filter(assigned_to_id=int(value))
        return queryset


# --- inlines ---------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """Shown on the case page only; additions go through the audited step forms."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # the case admin already checked the officer


class CaseNoteInline(ReadOnlyInline):
    """Notes, oldest first; new ones come from the "Add a note" form (audited)."""

    model = CaseNote
    fields = ("created_at", "author", "text")
    readonly_fields = fields


class CaseAttachmentInline(ReadOnlyInline):
    """Attachments, served only through the officer-only download view."""

    model = CaseAttachment
    fields = (
        "uploaded_at",
        "uploaded_by",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "download",
    )
    readonly_fields = fields

    @admin.display(description="File")
    def download(self, attachment: CaseAttachment) -> str:
        url = reverse("admin:compliance_case_attachment", args=[attachment.case_id, attachment.pk])
        return format_html('<a href="{}">Download</a>', url)


# --- the case admin --------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(OfficerOnlyMixin, admin.ModelAdmin):
    list_display = (
        "case",
        "user_email",
        "kind",
        "severity",
        "status",
        "assigned_to",
        "age",
        "sla",
    )
    list_filter = (
        StateFilter,
        "status",
        "kind",
        "severity",
        AssigneeFilter,
        AgeFilter,
        SlaFilter,
    )
    search_fields = ("user__email",)
    list_select_related = ("user", "assigned_to")
    ordering = ("-opened_at",)
    actions = ("assign_to_me", draft_sar)
    change_form_template = "admin/compliance/case/change_form.html"
    change_list_template = "admin/compliance/case/change_list.html"
    inlines = (CaseNoteInline, CaseAttachmentInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "user_link",
                    ("kind", "severity", "status"),
                    "assigned_to",
                    ("opened_at", "age", "sla"),
                    ("closed_at", "decided_by"),
                    "decision_reason",
                )
            },
        ),
        ("Trading", {"fields": ("trading_state", "freeze_requests")}),
        ("Risk score", {"fields": ("risk",)}),
        ("Monitoring alerts", {"fields": ("alert_evidence",)}),
        ("Screening matches", {"fields": ("screening_evidence",)}),
        ("KYC", {"fields": ("kyc_summary",)}),
    )
    readonly_fields = (
        "title",
        "user_link",
        "kind",
        "severity",
        "status",
        "assigned_to",
        "opened_at",
        "age",
        "sla",
        "closed_at",
        "decided_by",
        "decision_reason",
        "trading_state",
        "freeze_requests",
        "risk",
        "alert_evidence",
        "screening_evidence",
        "kyc_summary",
    )

    # The case is decided through the step views below, never saved as a form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def may_work(self, request: HttpRequest) -> bool:
        return bool(
            self.has_view_permission(request) and request.user.has_perm("compliance.change_case")
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return super().get_queryset(request).select_related("user", "assigned_to", "decided_by")

    # --- columns -----------------------------------------------------------------------------

    @admin.display(description="Case", ordering="pk")
    def case(self, case: Case) -> str:
        return f"#{case.pk} {case.title}"

    @admin.display(description="User", ordering="user__email")
    def user_email(self, case: Case) -> str:
        return case.user.email

    @admin.display(description="User")
    def user_link(self, case: Case) -> str:
        return _admin_link("admin:accounts_user_change", case.user_id, case.user.email)

    @admin.display(description="Age", ordering="opened_at")
    def age(self, case: Case) -> str:
        end = case.closed_at if case.closed_at and not is_open(case) else timezone.now()
        return duration(end - case.opened_at)

    @admin.display(description="SLA")
    def sla(self, case: Case) -> str:
        if not is_open(case):
            return DASH
        now = timezone.now()
        deadline = sla_deadline(case)
        if sla_breached(case, now=now):
            return format_html(
                '<strong class="sla-breached">Breached {} ago</strong>', duration(now - deadline)
            )
        return f"Due in {duration(deadline - now)}"

    # --- evidence ----------------------------------------------------------------------------

    def _profile(self, case: Case) -> ComplianceProfile | None:
        return ComplianceProfile.objects.filter(user_id=case.user_id).first()

    @admin.display(description="Trading")
    def trading_state(self, case: Case) -> str:
        profile = self._profile(case)
        if profile is None or not profile.trading_frozen:
            return "Not frozen"
        when = f"{profile.frozen_at:%Y-%m-%d %H:%M} UTC" if profile.frozen_at else DASH
        return format_html(
            '<strong class="frozen">Frozen</strong> since {}: {}', when, profile.frozen_reason
        )

    @admin.display(description="Freeze requests")
    def freeze_requests(self, case: Case) -> SafeString:
        requests = (
            FreezeRequest.objects.filter(user_id=case.user_id)
            .select_related("requested_by", "decided_by")
            .order_by("-requested_at")
        )
        if not requests:
            return format_html("{}", DASH)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{request.requested_at:%Y-%m-%d %H:%M}",
                    request.get_action_display(),
                    request.get_status_display(),
                    request.requested_by.email,
                    request.decided_by.email if request.decided_by else DASH,
                    request.reason,
                )
                for request in requests
            ),
        )
        return format_html(
            '<table class="evidence"><tr><th>requested</th><th>action</th><th>status</th>'
            "<th>by</th><th>decided by</th><th>reason</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="Score")
    def risk(self, case: Case) -> SafeString:
        profile = self._profile(case)
        if profile is None or profile.risk_computed_at is None:
            return format_html("{}", "Not computed yet")
        reasons = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            (
                (reason.get("reason", ""), reason.get("points", ""))
                for reason in profile.risk_reasons
            ),
        )
        return format_html(
            '<p><strong class="risk-{}">{} / 100, {}</strong> (computed {} UTC)</p>'
            '<table class="evidence"><tr><th>reason</th><th>points</th></tr>{}</table>',
            profile.risk_level,
            profile.risk_score,
            profile.get_risk_level_display(),
            f"{profile.risk_computed_at:%Y-%m-%d %H:%M}",
            reasons,
        )

    @admin.display(description="Alerts of this case")
    def alert_evidence(self, case: Case) -> SafeString:
        alerts = list(case.alerts.select_related("rule").order_by("created_at"))
        if not alerts:
            return format_html("{}", DASH)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{alert.created_at:%Y-%m-%d %H:%M}",
                    alert.rule.name,
                    alert.score,
                    alert.get_status_display(),
                    facts_table(alert.facts),
                )
                for alert in alerts
            ),
        )
        return format_html(
            '<table class="evidence"><tr><th>raised</th><th>rule</th><th>score</th>'
            "<th>status</th><th>facts</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="Matches of this user")
    def screening_evidence(self, case: Case) -> SafeString:
        matches = list(
            ScreeningMatch.objects.filter(user_id=case.user_id)
            .select_related("entry")
            .order_by("-created_at")
        )
        if not matches:
            return format_html("{}", DASH)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{match.created_at:%Y-%m-%d %H:%M}",
                    _admin_link(
                        "admin:compliance_screeningmatch_change", match.pk, match.entry.name
                    ),
                    f"{match.entry.get_source_display()} {match.entry.entity_ref}",
                    match.score,
                    match.get_status_display(),
                    facts_table(match.query),
                    explanation_html(match.explanation),
                )
                for match in matches
            ),
        )
        return format_html(
            '<table class="evidence"><tr><th>found</th><th>listed name</th><th>list</th>'
            "<th>score</th><th>status</th><th>screened</th><th>why it scored so</th></tr>"
            "{}</table>",
            rows,
        )

    @admin.display(description="Submissions")
    def kyc_summary(self, case: Case) -> SafeString:
        profile = self._profile(case)
        level = profile.kyc_level if profile else 0
        submissions = list(
            KycSubmission.objects.filter(user_id=case.user_id)
            .exclude(status=KycStatus.DRAFT)
            .order_by("level", "-created_at")
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    _admin_link(
                        "admin:compliance_kycsubmission_change", sub.pk, f"Level {sub.level}"
                    ),
                    sub.get_status_display(),
                    sub.legal_name or DASH,
                    sub.date_of_birth or DASH,
                    " / ".join(filter(None, [sub.nationality, sub.residence_country])) or DASH,
                    f"{sub.decided_at:%Y-%m-%d}" if sub.decided_at else DASH,
                    f"{sub.expires_at:%Y-%m-%d}" if sub.expires_at else DASH,
                )
                for sub in submissions
            ),
        )
        return format_html(
            "<p>Effective KYC level: <strong>{}</strong></p>"
            '<table class="evidence"><tr><th>level</th><th>status</th><th>legal name</th>'
            "<th>born</th><th>nationality / residence</th><th>decided</th><th>expires</th></tr>"
            "{}</table>",
            level,
            rows,
        )

    # --- the page and its steps --------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        case = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if case is not None:
            frozen = ComplianceProfile.objects.filter(
                user_id=case.user_id, trading_frozen=True
            ).exists()
            context.update(
                case_obj=case,
                case_open=is_open(case),
                may_work=self.may_work(request),
                frozen=frozen,
                pending_freeze=FreezeRequest.objects.filter(
                    user_id=case.user_id, status=FreezeRequestStatus.PENDING
                )
                .select_related("requested_by")
                .first(),
                closing_outcomes=[
                    (outcome.value, outcome.label) for outcome in case_services.CLOSING_OUTCOMES
                ],
                draft_sar=draft_sar_link(case),
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:case_id>/step/<str:step>/", view(self.step_view), name="compliance_case_step"
            ),
            path(
                "freeze-requests/<int:request_id>/<str:decision>/",
                view(self.freeze_decision_view),
                name="compliance_case_freeze_decision",
            ),
            path(
                "<int:case_id>/attachments/<int:attachment_id>/",
                view(self.attachment_view),
                name="compliance_case_attachment",
            ),
            *super().get_urls(),
        ]

    def _officer(self, request: HttpRequest) -> User:
        officer = officer_of(request)
        if not self.may_work(request):
            raise PermissionDenied("You may not work cases.")
        return officer

    def _back(self, case_id: int) -> HttpResponseRedirect:
        return redirect(reverse("admin:compliance_case_change", args=[case_id]))

    def step_view(self, request: HttpRequest, case_id: int, step: str) -> HttpResponse:
        return require_POST(self._step)(request, case_id, step)

    def _step(self, request: HttpRequest, case_id: int, step: str) -> HttpResponse:
        officer = self._officer(request)
        get_object_or_404(Case, pk=case_id)
        post = request.POST
        reason = post.get("reason", "")
        steps = {
            "assign_me": lambda: (
                case_services.assign_case(case_id=case_id, officer=officer, assignee=officer),
                "Case assigned to you.",
            ),
            "escalate": lambda: (
                case_services.escalate_case(case_id=case_id, officer=officer, reason=reason),
                "Case escalated.",
            ),
            "close": lambda: (
                case_services.close_case(
                    case_id=case_id, officer=officer, outcome=post.get("outcome", ""), reason=reason
                ),
                "Case closed.",
            ),
            "report": lambda: (
                case_services.file_report(case_id=case_id, officer=officer, reason=reason),
                "Case closed as reported.",
            ),
            "freeze": lambda: (
                case_services.request_freeze(
                    case_id=case_id, officer=officer, action=post.get("action", ""), reason=reason
                ),
                "Request sent: a second officer must approve it.",
            ),
            "note": lambda: (
                case_services.add_case_note(
                    case_id=case_id, author=officer, text=post.get("text", "")
                ),
                "Note added.",
            ),
            "attach": lambda: (
                case_services.add_case_attachment(
                    case_id=case_id, uploaded_by=officer, upload=request.FILES.getlist("file")[0]
                ),
                "File attached.",
            ),
        }
        if step not in steps:
            raise PermissionDenied("Unknown step.")
        if step == "attach" and "file" not in request.FILES:
            messages.error(request, "Choose a file to attach.")
            return self._back(case_id)
        try:
            _, done = steps[step]()
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return self._back(case_id)

    def freeze_decision_view(
        self, request: HttpRequest, request_id: int, decision: str
    ) -> HttpResponse:
        return require_POST(self._freeze_decision)(request, request_id, decision)

    def _freeze_decision(
        self, request: HttpRequest, request_id: int, decision: str
    ) -> HttpResponse:
        officer = self._officer(request)
        freeze = get_object_or_404(FreezeRequest, pk=request_id)
        try:
            if decision == "approve":
                case_services.approve_freeze(request_id=request_id, officer=officer)
                verb = "frozen" if freeze.action == FreezeAction.FREEZE else "unfrozen"
                messages.success(request, f"Approved: {freeze.user.email} is {verb}.")
            elif decision == "reject":
                case_services.reject_freeze(
                    request_id=request_id, officer=officer, reason=request.POST.get("reason", "")
                )
                messages.success(request, "Request rejected.")
            else:
                raise PermissionDenied("Unknown decision.")
        except ApplicationError as error:
            messages.error(request, error.message)
        return self._back(freeze.case_id)

    def attachment_view(
        self, request: HttpRequest, case_id: int, attachment_id: int
    ) -> FileResponse:
        officer_of(request)
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(CaseAttachment, pk=attachment_id, case_id=case_id)
        extension = EXTENSIONS.get(attachment.content_type, "bin")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=f"case-{case_id}-attachment-{attachment.pk}.{extension}",
            content_type=attachment.content_type,
        )

    # --- queue actions -----------------------------------------------------------------------

    @admin.action(description="Assign the selected open cases to me")
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        officer = self._officer(request)
        assigned = 0
        for case_id in queryset.filter(status__in=OPEN_CASE_STATUSES).values_list("pk", flat=True):
            case_services.assign_case(case_id=case_id, officer=officer, assignee=officer)
            assigned += 1
        self.message_user(request, f"{assigned} case(s) assigned to you.", messages.SUCCESS)


@admin.register(FreezeRequest)
class FreezeRequestAdmin(OfficerOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Four-eyes requests; decided on their case's page (approve, or reject with a reason)."""

    list_display = (
        "requested_at",
        "user_email",
        "action",
        "status",
        "requested_by",
        "decided_by",
        "case_link",
    )
    list_filter = ("status", "action")
    search_fields = ("user__email", "requested_by__email")
    list_select_related = ("user", "requested_by", "decided_by")
    fields = (
        "case_link",
        "user_email",
        "action",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields

    @admin.display(description="User", ordering="user__email")
    def user_email(self, request: FreezeRequest) -> str:
        return request.user.email

    @admin.display(description="Case")
    def case_link(self, request: FreezeRequest) -> str:
        return _admin_link(
            "admin:compliance_case_change",
            request.case_id,
            f"Case #{request.case_id} (decide there)",
        )
