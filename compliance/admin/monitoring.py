"""Transaction monitoring in the officers' admin: the rules (settings only: enabled,
parameters checked against the rule's schema, score, severity, include paper), and the
alerts they raised (read-only evidence).

Only compliance officers (staff in the compliance_officer group; the site itself requires a
verified second factor) see these pages, superusers included only when in the group. A
rule's change goes through `compliance.monitoring.services.change_rule`, which writes one
MONITORING_RULE_CHANGED audit event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.models import User
from compliance.kyc.officers import is_compliance_officer
from compliance.models import Alert, MonitoringRule
from compliance.monitoring.params import InvalidParams
from compliance.monitoring.rules import RULES
from compliance.monitoring.services import RULE_FIELDS, change_rule
from cryptopulse.admin import ReadOnlyAdminMixin

DASH = "—"


def officer_of(request: HttpRequest) -> User:
    """The signed-in compliance officer, or PermissionDenied."""
    user = request.user
    if not isinstance(user, User) or not is_officer(request):
        raise PermissionDenied("This is for compliance officers.")
    return user


def is_officer(request: HttpRequest) -> bool:
    """`is_compliance_officer` for the request's user, asked once per request (the admin's
    app list asks every model's admin)."""
    cached = getattr(request, "_compliance_officer", None)
    if cached is None:
        cached = is_compliance_officer(request.user)
        request._compliance_officer = cached  # type: ignore[attr-defined]
    return bool(cached)


class OfficerOnlyMixin:
    """Pages for compliance officers only, on top of the model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_officer(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_officer(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_officer(request) and super().has_change_permission(request, obj)  # type: ignore[misc]


def facts_table(value: Any) -> SafeString:
    """Any JSON evidence (alert facts, a match's explanation) as nested tables, generically:
    objects as key/value rows, lists of objects as one table each, other lists joined."""
    if isinstance(value, Mapping):
        if not value:
            return format_html("{}", DASH)
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((str(key).replace("_", " "), facts_table(item)) for key, item in value.items()),
        )
        return format_html('<table class="evidence">{}</table>', rows)
    if isinstance(value, list | tuple):
        if not value:
            return format_html("{}", DASH)
        if all(isinstance(item, Mapping) for item in value):
            return format_html_join("", "{}", ((facts_table(item),) for item in value))
        return format_html("{}", ", ".join(_scalar(item) for item in value))
    return format_html("{}", _scalar(value))


def _scalar(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class MonitoringRuleForm(forms.ModelForm):
    class Meta:
        model = MonitoringRule
        fields = ("enabled", "params", "score", "severity", "include_paper")
        widgets = {"params": forms.Textarea(attrs={"rows": 8, "cols": 60})}

    def clean_params(self) -> Any:
        params = self.cleaned_data["params"]
        spec = RULES.get(self.instance.code)
        if spec is None:
            raise forms.ValidationError("This rule has no implementation; it cannot be changed.")
        try:
            spec.parse(params)
        except InvalidParams as error:
            raise forms.ValidationError(
                [f"{key}: {problem}" for key, problem in error.errors.items()]
            ) from None
        return params

    def clean_score(self) -> int:
        score = self.cleaned_data["score"]
        if not 0 <= score <= 100:
            raise forms.ValidationError("A score is between 0 and 100.")
        return int(score)


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(OfficerOnlyMixin, admin.ModelAdmin):
    form = MonitoringRuleForm
    list_display = (
        "name",
        "code",
        "enabled",
        "severity",
        "score",
        "include_paper",
        "alerts_30_days",
        "updated_at",
    )
    list_filter = ("enabled", "severity", "include_paper")
    search_fields = ("code", "name")
    fieldsets = (
        (None, {"fields": ("code", "name", "what_it_does")}),
        (
            "Settings",
            {"fields": ("enabled", "params", "parameters", "score", "severity", "include_paper")},
        ),
        (None, {"fields": ("updated_at",)}),
    )
    readonly_fields = ("code", "name", "what_it_does", "parameters", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the rules are code; their rows come from migration 0003

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[MonitoringRule]:
        since = timezone.now() - timedelta(days=30)
        return (
            super()
            .get_queryset(request)
            .annotate(recent_alerts=Count("alerts", filter=Q(alerts__created_at__gte=since)))
        )

    @admin.display(description="Alerts (30 days)", ordering="recent_alerts")
    def alerts_30_days(self, rule: MonitoringRule) -> int:
        return int(getattr(rule, "recent_alerts", 0))

    @admin.display(description="What it does")
    def what_it_does(self, rule: MonitoringRule) -> str:
        spec = RULES.get(rule.code)
        return spec.description if spec else "No implementation: this rule never runs."

    @admin.display(description="Parameter keys")
    def parameters(self, rule: MonitoringRule) -> SafeString:
        spec = RULES.get(rule.code)
        if spec is None or not spec.schema:
            return format_html("{}", DASH)
        rows = format_html_join(
            "",
            '<tr><th scope="row"><code>{}</code></th><td>{}</td><td>{}</td>'
            "<td><code>{}</code></td></tr>",
            (
                (key, param.kind, param.help, json.dumps(spec.defaults[key]))
                for key, param in spec.schema.items()
            ),
        )
        return format_html(
            '<table class="evidence"><tr><th>key</th><th>type</th><th>meaning</th>'
            "<th>default</th></tr>{}</table>",
            rows,
        )

    def save_model(
        self, request: HttpRequest, obj: MonitoringRule, form: Any, change: bool
    ) -> None:
        """Through the service (schema check, one audit event), not `obj.save()`."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in RULE_FIELDS
        }
        change_rule(rule_id=obj.pk, officer=officer_of(request), changes=changes)
        obj.refresh_from_db()


@admin.register(Alert)
class AlertAdmin(OfficerOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: alerts are evidence; officers decide on the case they belong to."""

    list_display = ("created_at", "rule", "user_email", "score", "status", "case_link")
    list_filter = ("rule", "status", "created_at")
    search_fields = ("user__email", "=case__id", "dedup_key")
    list_select_related = ("rule", "user", "case")
    date_hierarchy = "created_at"
    fields = ("rule", "user", "score", "status", "case_link", "dedup_key", "created_at", "evidence")
    readonly_fields = fields

    @admin.display(description="User", ordering="user__email")
    def user_email(self, alert: Alert) -> str:
        return alert.user.email

    @admin.display(description="Case")
    def case_link(self, alert: Alert) -> str:
        if alert.case_id is None:
            return DASH
        url = reverse("admin:compliance_case_change", args=[alert.case_id])
        return format_html('<a href="{}">Case #{}</a>', url, alert.case_id)

    @admin.display(description="Facts")
    def evidence(self, alert: Alert) -> SafeString:
        return facts_table(alert.facts)
