"""The officers' KYC queue: submissions (read-only evidence, decisions) and compliance profiles.

A submission is never edited here: officers read its fields and open its documents through
the checked view (each view audited), then approve, reject or ask for a resubmission, one at
a time from the submission's page or several from the list, always through a page that takes
the reasons the user will read. Deciding needs the compliance officer role
(`compliance.kyc.officers`); `compliance.kyc.services.decide` checks it again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from accounts.models import User
from compliance.kyc.forms import DecisionForm
from compliance.kyc.officers import is_compliance_officer
from compliance.kyc.services import KycDecision, decide
from compliance.models import ComplianceProfile, KycStatus, KycSubmission
from cryptopulse.admin import ReadOnlyAdminMixin
from cryptopulse.errors import ApplicationError

IDENTITY = (
    "legal_name",
    "date_of_birth",
    "nationality",
    "residence_country",
    ("address_line", "city", "postal_code"),
    ("id_document_type", "id_document_number", "id_document_expiry"),
)


@admin.register(KycSubmission)
class KycSubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The review queue: oldest submission first, filters by status and level."""

    list_display = (
        "pk",
        "user_email",
        "legal_name",
        "level",
        "status",
        "age",
        "submitted_at",
        "reviewer",
    )
    list_display_links = ("pk", "user_email")
    list_filter = ("status", "level")
    search_fields = ("user__email", "legal_name")
    list_select_related = ("user", "reviewer")
    ordering = (F("submitted_at").asc(nulls_last=True), "pk")
    actions = ("approve_selected", "reject_selected", "request_resubmission_selected")
    fieldsets = (
        (None, {"fields": ("user", "level", "status", "decision_link")}),
        ("Identity (level 1)", {"fields": IDENTITY}),
        ("Enhanced due diligence (level 3)", {"fields": ("source_of_funds", "source_of_wealth")}),
        ("Documents", {"fields": ("document_links",)}),
        (
            "Review",
            {
                "fields": (
                    "submitted_at",
                    "reviewer",
                    "decided_at",
                    "reasons",
                    "expires_at",
                    "expiry_notified_at",
                )
            },
        ),
    )

    readonly_fields = (
        "user",
        "level",
        "status",
        "decision_link",
        "legal_name",
        "date_of_birth",
        "nationality",
        "residence_country",
        "address_line",
        "city",
        "postal_code",
        "id_document_type",
        "id_document_number",
        "id_document_expiry",
        "source_of_funds",
        "source_of_wealth",
        "document_links",
        "submitted_at",
        "reviewer",
        "decided_at",
        "reasons",
        "expires_at",
        "expiry_notified_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[KycSubmission]:
        return super().get_queryset(request).select_related("user", "reviewer")

    @admin.display(description="user", ordering="user__email")
    def user_email(self, obj: KycSubmission) -> str:
        return obj.user.email

    @admin.display(description="waiting")
    def age(self, obj: KycSubmission) -> str:
        """How long a pending submission has waited for a decision."""
        if obj.status != KycStatus.PENDING or obj.submitted_at is None:
            return "—"
        return timesince(obj.submitted_at, timezone.now())

    @admin.display(description="documents")
    def document_links(self, obj: KycSubmission) -> str:
        documents = list(obj.documents.order_by("uploaded_at", "pk"))
        if not documents:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}, {} bytes, uploaded {}) <code>{}</code></li>',
                (
                    (
                        reverse("compliance:kyc_document", args=[document.pk]),
                        document.get_kind_display(),
                        document.content_type,
                        document.size,
                        document.uploaded_at.strftime("%Y-%m-%d %H:%M"),
                        document.sha256,
                    )
                    for document in documents
                ),
            ),
        )

    @admin.display(description="decision")
    def decision_link(self, obj: KycSubmission) -> str:
        if obj.status != KycStatus.PENDING:
            return "—"
        url = reverse("admin:compliance_kycsubmission_decide", args=[obj.pk])
        return format_html('<a href="{}" class="button">Decide on this submission</a>', url)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_compliance_officer(request.user) and request.user.has_perm(
            "compliance.change_kycsubmission"
        )

    def get_urls(self) -> list[URLPattern]:
        decide_url = path(
            "<int:submission_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="compliance_kycsubmission_decide",
        )
        return [decide_url, *super().get_urls()]

    def decide_view(self, request: HttpRequest, submission_id: int) -> HttpResponse:
        """One submission: the evidence summary, the decision and the reasons."""
        if not self.has_decide_permission(request):
            raise PermissionDenied("Only compliance officers decide on KYC.")
        submission = get_object_or_404(
            KycSubmission.objects.select_related("user"), pk=submission_id
        )
        form = DecisionForm(request.POST or None)
        if (
            request.method == "POST"
            and form.is_valid()
            and self._apply(request, [submission], form)
        ):
            return HttpResponseRedirect(reverse("admin:compliance_kycsubmission_changelist"))
        return self._decision_page(request, [submission], form, action=None)

    @admin.action(description="Approve the selected submissions…", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[KycSubmission]) -> Any:
        return self._action(request, queryset, KycDecision.APPROVE, "approve_selected")

    @admin.action(description="Reject the selected submissions…", permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[KycSubmission]) -> Any:
        return self._action(request, queryset, KycDecision.REJECT, "reject_selected")

    @admin.action(
        description="Ask for a resubmission of the selected submissions…", permissions=["decide"]
    )
    def request_resubmission_selected(
        self, request: HttpRequest, queryset: QuerySet[KycSubmission]
    ) -> Any:
        return self._action(
            request, queryset, KycDecision.REQUEST_RESUBMISSION, "request_resubmission_selected"
        )

    def _action(
        self,
        request: HttpRequest,
        queryset: QuerySet[KycSubmission],
        decision: KycDecision,
        action: str,
    ) -> HttpResponse | None:
        """The admin action's intermediate page; its own form posts back with `apply`."""
        submissions = list(queryset.select_related("user").order_by("pk"))
        if "apply" in request.POST:
            form = DecisionForm(request.POST)
            if form.is_valid() and self._apply(request, submissions, form):
                return None  # back to the list, with the messages
        else:
            form = DecisionForm(initial={"decision": decision})
        return self._decision_page(request, submissions, form, action=action)

    def _apply(
        self, request: HttpRequest, submissions: list[KycSubmission], form: DecisionForm
    ) -> bool:
        """Decide each submission; False (and the error on the form) when the reasons are
        missing, so the page is shown again. Other refusals are reported per submission."""
        officer: User = request.user  # type: ignore[assignment]  # admin_view: signed in
        decision = form.cleaned_data["decision"]
        decided = 0
        for submission in submissions:
            try:
                decide(
                    officer=officer,
                    submission_id=submission.pk,
                    decision=decision,
                    reasons=form.cleaned_data["reasons"],
                )
            except ApplicationError as error:
                if error.field == "reasons":
                    form.add_error("reasons", error.message)
                    return False
                self.message_user(
                    request, f"Submission {submission.pk}: {error.message}", messages.ERROR
                )
            else:
                decided += 1
        if decided:
            label = KycDecision(decision).label.lower()
            self.message_user(
                request, f"{label.capitalize()}: {decided} submission(s).", messages.SUCCESS
            )
        return True

    def _decision_page(
        self,
        request: HttpRequest,
        submissions: list[KycSubmission],
        form: DecisionForm,
        *,
        action: str | None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Decide on KYC submissions",
            "opts": self.model._meta,
            "submissions": submissions,
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/compliance/kycsubmission/decide.html", context)


@admin.register(ComplianceProfile)
class ComplianceProfileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each user's KYC level, trading freeze and risk, for reading: services keep them."""

    list_display = ("user", "kyc_level", "trading_frozen", "risk_level", "risk_score", "updated_at")
    list_filter = ("kyc_level", "trading_frozen", "risk_level")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("-risk_score", "user__email")
    fields = (
        "user",
        "kyc_level",
        "trading_frozen",
        "frozen_reason",
        "frozen_at",
        "risk_score",
        "risk_level",
        "risk_reasons",
        "risk_computed_at",
        "last_activity_at",
        "updated_at",
    )
