"""Screening in the officers' admin: the matches (the query, the listed record side by side,
and why it scored what it did), their decisions, and the rescreen jobs' progress.

A match is never edited: an officer confirms it as a true match (the user's trading is
frozen at once) or marks it a false positive (the entity is suppressed for that user until
the list's record changes), from the match's page or for several from the list, always with
a reason, through `compliance.screening.services.decide_match`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from accounts.models import User
from compliance.admin.monitoring import OfficerOnlyMixin, is_officer
from compliance.audit import AuditAction
from compliance.models import (
    AuditEvent,
    MatchStatus,
    RescreenJob,
    ScreeningMatch,
    WatchlistSource,
)
from compliance.screening.services import DECISIONS, decide_match
from cryptopulse.admin import ReadOnlyAdminMixin
from cryptopulse.errors import ApplicationError

DASH = "—"
COMPONENT_LABELS = {
    "name": "Name similarity",
    "commonness": "Common name",
    "weak_alias": "Weak alias",
    "date_of_birth": "Date of birth",
    "country": "Country",
    "legal_form": "Legal form",
}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("confirmed", "Confirm: a true match (freezes the user's trading)"),
            ("false_positive", "False positive (suppressed until the listed record changes)"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text="Kept in the audit trail with the decision.",
    )


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BANDS = {"1d": ("under a day", 1), "7d": ("under a week", 7), "old": ("a week or more", None)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ScreeningMatch]
    ) -> QuerySet[ScreeningMatch]:
        value = self.value()
        now = timezone.now()
        if value == "1d":
            return queryset.filter(created_at__gte=now - timedelta(days=1))
        if value == "7d":
            return queryset.filter(created_at__gte=now - timedelta(days=7))
        if value == "old":
            return queryset.filter(created_at__lt=now - timedelta(days=7))
        return queryset


class SourceFilter(admin.SimpleListFilter):
    title = "list"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(WatchlistSource.choices)

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ScreeningMatch]
    ) -> QuerySet[ScreeningMatch]:
        if self.value():
            return queryset.filter(entry__source=self.value())
        return queryset


def _items(values: list[Any]) -> SafeString:
    if not values:
        return format_html("{}", DASH)
    return format_html_join("", "<div>{}</div>", ((value,) for value in values))


def explanation_html(explanation: dict[str, Any]) -> SafeString:
    """The explanation as the officer reads it: the summary sentence, then how each of the
    query's words met the listed name's, then each effect on the score."""
    if not explanation:
        return format_html("{}", DASH)
    tokens = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (t["query"], t["listed"], t["how"], f"{t['similarity']:.2f}", t["bits"])
            for t in explanation.get("tokens", [])
        ),
    )
    components = format_html_join(
        "",
        "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
        (
            (
                COMPONENT_LABELS.get(key, key),
                f"{value:+.1f}",
                _component_note(key, explanation),
            )
            for key, value in explanation.get("components", {}).items()
            if value or key == "name"
        ),
    )
    unmatched = []
    if explanation.get("unmatched_listed"):
        unmatched.append("Listed, not in the query: " + ", ".join(explanation["unmatched_listed"]))
    if explanation.get("unmatched_query"):
        unmatched.append("In the query, not listed: " + ", ".join(explanation["unmatched_query"]))
    return format_html(
        '<div class="why"><p><strong>Why this scored {}:</strong> {}</p>'
        '<table class="evidence"><tr><th>query word</th><th>listed word</th><th>how</th>'
        "<th>similarity</th><th>bits</th></tr>{}</table>{}"
        '<table class="evidence"><tr><th>effect</th><th>points</th><th>because</th></tr>{}'
        "<tr><th scope='row'>Score</th><td><strong>{}</strong></td><td>of 100</td></tr>"
        "</table></div>",
        f"{explanation.get('score', 0):g}",
        explanation.get("summary", ""),
        tokens,
        _items(unmatched),
        components,
        f"{explanation.get('score', 0):g}",
    )


def _component_note(key: str, explanation: dict[str, Any]) -> str:
    if key == "name":
        return (
            f"{explanation.get('query_found', 0):.0%} of the query and "
            f"{explanation.get('listed_found', 0):.0%} of {explanation.get('matched_name', '')!r} "
            f"({explanation.get('matched_as', '')}) found"
        )
    if key == "commonness":
        return f"the matched words carry {explanation.get('matched_bits', 0)} bits"
    if key in ("date_of_birth", "country", "legal_form"):
        return str(explanation.get(key, ""))
    return ""


@admin.register(ScreeningMatch)
class ScreeningMatchAdmin(OfficerOnlyMixin, admin.ModelAdmin):
    """The match queue: open ones first by default, filters by status, trigger, list, age."""

    list_display = (
        "pk",
        "user_email",
        "entry_name",
        "source",
        "score",
        "trigger",
        "status",
        "age",
        "case_link",
    )
    list_display_links = ("pk", "user_email")
    list_filter = ("status", "trigger", SourceFilter, AgeFilter)
    search_fields = ("user__email", "user__full_name", "entry__name", "=entry__entity_ref")
    list_select_related = ("user", "entry", "case")
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = ("confirm_selected", "false_positive_selected")
    fieldsets = (
        (None, {"fields": ("decide_link", "user_link", "status", "score", "trigger", "case_link")}),
        ("Why it scored so", {"fields": ("why",)}),
        ("Screened", {"fields": ("query_text",)}),
        ("Listed record", {"fields": ("entry_record",)}),
        ("Decision", {"fields": ("created_at", "decided_by", "decided_at", "decisions")}),
    )
    readonly_fields = (
        "decide_link",
        "user_link",
        "status",
        "score",
        "trigger",
        "case_link",
        "why",
        "query_text",
        "entry_record",
        "created_at",
        "decided_by",
        "decided_at",
        "decisions",
    )
    change_form_template = "admin/compliance/screeningmatch/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_officer(request) and request.user.has_perm("compliance.change_screeningmatch")

    # ---- columns ----------------------------------------------------------------------------

    @admin.display(description="User", ordering="user__email")
    def user_email(self, match: ScreeningMatch) -> str:
        return match.user.email

    @admin.display(description="Listed name", ordering="entry__name")
    def entry_name(self, match: ScreeningMatch) -> str:
        return match.entry.name

    @admin.display(description="List", ordering="entry__source")
    def source(self, match: ScreeningMatch) -> str:
        return f"{match.entry.get_source_display()} {match.entry.entity_ref}"

    @admin.display(description="Age", ordering="created_at")
    def age(self, match: ScreeningMatch) -> str:
        return timesince(match.created_at)

    @admin.display(description="Case")
    def case_link(self, match: ScreeningMatch) -> str:
        if match.case_id is None:
            return DASH
        url = reverse("admin:compliance_case_change", args=[match.case_id])
        return format_html('<a href="{}">Case #{}</a>', url, match.case_id)

    @admin.display(description="User")
    def user_link(self, match: ScreeningMatch) -> str:
        user = match.user
        name = f" ({user.full_name})" if user.full_name else ""
        return format_html("{}{}", user.email, name)

    @admin.display(description="Decide")
    def decide_link(self, match: ScreeningMatch) -> str:
        if match.status != MatchStatus.OPEN:
            return match.get_status_display()
        url = reverse("admin:compliance_screeningmatch_decide", args=[match.pk])
        return format_html('<a href="{}" class="button">Decide on this match</a>', url)

    @admin.display(description="Explanation")
    def why(self, match: ScreeningMatch) -> SafeString:
        return explanation_html(match.explanation)

    @admin.display(description="Query")
    def query_text(self, match: ScreeningMatch) -> SafeString:
        query = match.query or {}
        rows = [
            ("Name", query.get("name") or DASH),
            ("Other names", ", ".join(query.get("other_names") or []) or DASH),
            ("Date of birth", query.get("dob") or DASH),
            ("Countries", ", ".join(query.get("countries") or []) or DASH),
        ]
        return format_html(
            '<table class="evidence">{}</table>',
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description="Entry")
    def entry_record(self, match: ScreeningMatch) -> SafeString:
        entry = match.entry
        changed = entry.content_hash != match.entry_hash
        dobs = [
            value if isinstance(value, str) else f"{value.get('from')}-{value.get('to')}"
            for value in entry.dates_of_birth
        ]
        rows = [
            ("Name", entry.name),
            (
                "List",
                f"{entry.get_source_display()} {entry.entity_ref} ({entry.get_kind_display()})",
            ),
            (
                "Aliases",
                _items([f"{a['name']} ({a.get('strength', 'strong')})" for a in entry.aliases]),
            ),
            ("Dates of birth", _items(dobs)),
            ("Places of birth", _items(entry.places_of_birth)),
            ("Nationalities", ", ".join(entry.nationalities) or DASH),
            ("Address countries", ", ".join(entry.countries) or DASH),
            ("Programs", ", ".join(entry.programs) or DASH),
            ("Remarks", entry.remarks or DASH),
            ("Still listed", "yes" if entry.active else "no (removed from the list)"),
            (
                "Record since the match",
                "changed (a false positive on it no longer suppresses)" if changed else "unchanged",
            ),
        ]
        url = reverse("admin:compliance_watchlistentry_change", args=[entry.pk])
        return format_html(
            '<table class="evidence">{}</table><p><a href="{}">The entry</a></p>',
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
            url,
        )

    @admin.display(description="Decisions")
    def decisions(self, match: ScreeningMatch) -> SafeString:
        events = AuditEvent.objects.filter(
            action__in=[AuditAction.SCREENING_CONFIRMED, AuditAction.SCREENING_FALSE_POSITIVE],
            target_id=str(match.pk),
            target_ct__model="screeningmatch",
        ).order_by("occurred_at")
        return _items(
            [
                f"{e.occurred_at:%Y-%m-%d %H:%M} {e.actor_repr}: {e.get_action_display()}: "
                f"{e.data.get('reason', '')}"
                for e in events
            ]
        )

    # ---- deciding ---------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        decide_url = path(
            "<int:match_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="compliance_screeningmatch_decide",
        )
        return [decide_url, *super().get_urls()]

    def decide_view(self, request: HttpRequest, match_id: int) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied("Only compliance officers decide on matches.")
        match = get_object_or_404(
            ScreeningMatch.objects.select_related("user", "entry"), pk=match_id
        )
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and self._apply(request, [match], form):
            return HttpResponseRedirect(
                reverse("admin:compliance_screeningmatch_change", args=[match.pk])
            )
        return self._decision_page(request, [match], form, action=None)

    @admin.action(description="Confirm the selected as true matches…", permissions=["decide"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[ScreeningMatch]) -> Any:
        return self._action(request, queryset, "confirmed", "confirm_selected")

    @admin.action(description="Mark the selected as false positives…", permissions=["decide"])
    def false_positive_selected(
        self, request: HttpRequest, queryset: QuerySet[ScreeningMatch]
    ) -> Any:
        return self._action(request, queryset, "false_positive", "false_positive_selected")

    def _action(
        self, request: HttpRequest, queryset: QuerySet[ScreeningMatch], decision: str, action: str
    ) -> HttpResponse | None:
        matches = list(queryset.select_related("user", "entry").order_by("pk"))
        if "apply" in request.POST:
            form = DecisionForm(request.POST)
            if form.is_valid() and self._apply(request, matches, form):
                return None
        else:
            form = DecisionForm(initial={"decision": decision})
        return self._decision_page(request, matches, form, action=action)

    def _apply(
        self, request: HttpRequest, matches: list[ScreeningMatch], form: DecisionForm
    ) -> bool:
        officer: User = request.user  # type: ignore[assignment]  # admin_view: signed in
        decision = form.cleaned_data["decision"]
        decided = 0
        for match in matches:
            try:
                decide_match(
                    officer=officer,
                    match_id=match.pk,
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                if error.field == "reason":
                    form.add_error("reason", error.message)
                    return False
                self.message_user(request, f"Match {match.pk}: {error.message}", messages.ERROR)
            else:
                decided += 1
        if decided:
            label = DECISIONS[decision].label
            self.message_user(request, f"{label}: {decided} match(es).", messages.SUCCESS)
        return True

    def _decision_page(
        self,
        request: HttpRequest,
        matches: list[ScreeningMatch],
        form: DecisionForm,
        *,
        action: str | None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Decide on screening matches",
            "opts": self.model._meta,
            "matches": matches,
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/compliance/screeningmatch/decide.html", context)


@admin.register(RescreenJob)
class RescreenJobAdmin(OfficerOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Everyone screened again after a list changed: read-only, with progress."""

    list_display = ("pk", "version", "status", "progress", "matches", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("version",)
    ordering = ("-created_at",)
    fields = (
        "version",
        "status",
        "progress",
        "total",
        "done",
        "matches",
        "created_at",
        "finished_at",
        "duration",
        "error",
    )
    readonly_fields = ("progress", "duration")

    @admin.display(description="Progress")
    def progress(self, job: RescreenJob) -> SafeString:
        share = job.done / job.total if job.total else 1.0
        return format_html(
            '<progress value="{}" max="{}"></progress> {} of {} users ({})',
            job.done,
            job.total or 1,
            job.done,
            job.total,
            f"{share:.0%}",
        )

    @admin.display(description="Took")
    def duration(self, job: RescreenJob) -> str:
        if job.finished_at is None:
            return DASH
        return f"{(job.finished_at - job.created_at).total_seconds():.1f} s"
