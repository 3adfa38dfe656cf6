"""Regulatory reports in the officers' admin: the stored reports (read-only, with their
downloads), "Generate periodic report", and "Draft SAR" for a case.

Everything here is for staff with a verified second factor (the admin site checks that) who
are also in the compliance_officer group (checked here, for superusers too): reports hold the
personal data of the people they are about.

The Case admin offers "Draft SAR" through `draft_sar_url(case)` / `draft_sar_link(case)` (a
button on the case) or the `draft_sar` admin action (one selected case); both lead to
`admin:compliance_compliancereport_draft_sar`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import User
from compliance.models import Case, ComplianceReport, ReportType
from compliance.reports import exports
from compliance.reports.pdf import render_pdf
from compliance.reports.services import (
    ReportError,
    generate_report,
    is_compliance_officer,
    runs_in_background,
)
from compliance.reports.tasks import generate_report_task
from cryptopulse.admin import ReadOnlyAdminMixin

FORMATS = {
    "csv": ("text/csv; charset=utf-8", True),
    "json": ("application/json", True),
    "pdf": ("application/pdf", True),
    "html": ("text/html; charset=utf-8", False),
}


def _officer_only(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not is_compliance_officer(user):
        raise PermissionDenied("Reports are for compliance officers.")
    return user


def draft_sar_url(case: Case) -> str:
    return reverse("admin:compliance_compliancereport_draft_sar", args=[case.pk])


def draft_sar_link(case: Case) -> str:
    """A "Draft SAR" button for the case's admin page."""
    return format_html('<a class="button" href="{}">Draft SAR</a>', draft_sar_url(case))


@admin.action(description="Draft a suspicious activity report (one case)")
def draft_sar(
    modeladmin: admin.ModelAdmin[Case], request: HttpRequest, queryset: QuerySet[Case]
) -> HttpResponseRedirect | None:
    """The Case admin's action: opens the SAR draft form of the one selected case."""
    cases = list(queryset[:2])
    if len(cases) != 1:
        modeladmin.message_user(request, "Select exactly one case.", messages.WARNING)
        return None
    return redirect(draft_sar_url(cases[0]))


class PeriodForm(forms.Form):
    """A period of whole UTC days, both included."""

    start = forms.DateField(label="From (UTC)", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label="To (UTC, included)", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The period must end on or after its first day.")
        return cleaned

    def bounds(self) -> tuple[datetime, datetime]:
        start: date = self.cleaned_data["start"]
        end: date = self.cleaned_data["end"]
        return (
            datetime.combine(start, time.min, tzinfo=UTC),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        )


def last_month(today: date) -> dict[str, date]:
    last_day = today.replace(day=1) - timedelta(days=1)
    return {"start": last_day.replace(day=1), "end": last_day}


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        label="Narrative",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="What happened, why it is suspicious, what was done. Required.",
        error_messages={"required": "Write the narrative: what happened and why it is suspicious."},
    )


@admin.register(ComplianceReport)
class ComplianceReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Stored reports, read-only; new ones come from the generate and draft-SAR views."""

    list_display = ("__str__", "type", "period", "case", "generated_by", "generated_at", "files")
    list_filter = ("type", "generated_at")
    search_fields = ("=id", "=case__id", "generated_by__email", "narrative")
    list_select_related = ("generated_by", "case")
    date_hierarchy = "generated_at"
    fields = (
        "type",
        "period_start",
        "period_end",
        "case",
        "generated_by",
        "generated_at",
        "files",
        "summary",
        "narrative",
    )
    readonly_fields = fields
    change_list_template = "admin/compliance/compliancereport/change_list.html"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_compliance_officer(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_compliance_officer(request.user) and super().has_module_permission(request)

    @admin.display(description="Period")
    def period(self, report: ComplianceReport) -> str:
        if report.period_start is None or report.period_end is None:
            return exports.DASH
        start = report.period_start.astimezone(UTC)
        end = report.period_end.astimezone(UTC)
        return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="Download")
    def files(self, report: ComplianceReport) -> str:
        formats = ["html", "pdf", "json"]
        if report.type == ReportType.PERIODIC:
            formats.insert(1, "csv")
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:compliance_compliancereport_download", args=[report.pk, f]), f)
                for f in formats
            ),
        )

    @admin.display(description="Summary")
    def summary(self, report: ComplianceReport) -> str:
        data = report.data
        if report.type == ReportType.SAR:
            return (
                f"Subject {data['subject']['email']}: {len(data['alerts'])} alerts, "
                f"{len(data['screening_matches'])} screening matches, "
                f"{data['transactions']['count']} transactions "
                f"(USD {data['transactions']['total_usd'] or exports.DASH})"
            )
        return (
            f"KYC submissions {data['kyc']['total']['submitted']}, screening hits "
            f"{data['screening']['total']}, alerts {data['alerts']['total']}, cases opened "
            f"{data['cases']['opened_total']} and closed {data['cases']['closed_total']}"
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "generate/", view(self.generate_view), name="compliance_compliancereport_generate"
            ),
            path(
                "sar/<int:case_id>/",
                view(self.draft_sar_view),
                name="compliance_compliancereport_draft_sar",
            ),
            path(
                "<int:report_id>/download/<str:fmt>/",
                view(self.download_view),
                name="compliance_compliancereport_download",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _check_generate(self, request: HttpRequest) -> User:
        officer = _officer_only(request)
        if not officer.has_perm("compliance.add_compliancereport"):
            raise PermissionDenied("You may not generate reports.")
        return officer

    def generate_view(self, request: HttpRequest) -> HttpResponse:
        """The periodic report for a chosen period: generated now, or for periods longer than
        `SYNC_MAX_PERIOD` on the reports queue."""
        officer = self._check_generate(request)
        form = PeriodForm(request.POST or None, initial=last_month(timezone.now().date()))
        status = 200
        if request.method == "POST":
            if form.is_valid():
                start, end = form.bounds()
                if runs_in_background(start=start, end=end):
                    generate_report_task.delay(
                        officer_id=officer.pk,
                        type=ReportType.PERIODIC.value,
                        start=start.isoformat(),
                        end=end.isoformat(),
                    )
                    self.message_user(
                        request,
                        "That period is long: the report is being generated in the background "
                        "and will appear in this list when it is ready.",
                        messages.INFO,
                    )
                    return redirect("admin:compliance_compliancereport_changelist")
                try:
                    report = generate_report(
                        officer=officer,
                        type=ReportType.PERIODIC,
                        start=start,
                        end=end,
                    )
                except ReportError as error:
                    form.add_error(None, error.message)
                else:
                    self.message_user(request, f"{report} generated.", messages.SUCCESS)
                    return redirect("admin:compliance_compliancereport_change", report.pk)
            status = 400
        context = self._context(request, title="Generate periodic report", form=form)
        return TemplateResponse(
            request, "admin/compliance/compliancereport/generate.html", context, status=status
        )

    def draft_sar_view(self, request: HttpRequest, case_id: int) -> HttpResponse:
        """A SAR draft of one case, with the officer's narrative (required)."""
        officer = self._check_generate(request)
        case = get_object_or_404(Case.objects.select_related("user"), pk=case_id)
        form = NarrativeForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    report = generate_report(
                        officer=officer,
                        type=ReportType.SAR,
                        case_id=case.pk,
                        narrative=form.cleaned_data["narrative"],
                    )
                except ReportError as error:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
                else:
                    self.message_user(request, f"{report} drafted.", messages.SUCCESS)
                    return redirect("admin:compliance_compliancereport_change", report.pk)
            status = 400
        context = self._context(
            request,
            title=f"Draft a suspicious activity report for case #{case.pk}",
            case=case,
            alerts=case.alerts.count(),
            matches=case.screening_matches.count(),
            notes=case.notes.count(),
            form=form,
        )
        return TemplateResponse(
            request, "admin/compliance/compliancereport/draft_sar.html", context, status=status
        )

    def download_view(self, request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
        """One report in one format, to officers only (never cached on the way)."""
        _officer_only(request)
        if fmt not in FORMATS:
            raise Http404("No such format.")
        report = get_object_or_404(
            ComplianceReport.objects.select_related("generated_by"), pk=report_id
        )
        if not self.has_view_permission(request, report):
            raise PermissionDenied("You may not view reports.")
        if fmt == "csv" and report.type != ReportType.PERIODIC:
            raise Http404("Only periodic reports have a CSV export.")
        body: str | bytes
        if fmt == "csv":
            body = exports.render_csv(report)
        elif fmt == "json":
            body = exports.render_json(report)
        elif fmt == "pdf":
            body = render_pdf(report)
        else:
            body = exports.render_html(report)
        content_type, attachment = FORMATS[fmt]
        response = HttpResponse(body, content_type=content_type)
        if attachment:
            name = exports.filename(report, fmt)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
