"""The officer dashboard: open cases by age and severity, today's screening hits and
alerts, SLA breaches and pending freeze requests, with links into the admin.

For compliance officers only, with the admin's own bar: staff with a verified second factor
(the admin site's check) and in the compliance_officer group. Anyone signed out is sent to
sign in; a trader, or staff outside the group, gets 403; staff without a verified second
factor are sent to pass it (or set it up) first, as the admin does.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from compliance.admin.monitoring import is_officer
from compliance.case_selectors import SEVERITIES, dashboard


def _admin_url(viewname: str) -> str:
    try:
        return reverse(viewname)
    except NoReverseMatch:
        return ""


def officer_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.is_staff:
        raise PermissionDenied("The officer dashboard is for compliance officers.")
    if not admin.site.has_permission(request):
        from accounts.services.two_factor import is_enabled

        target = "account_2fa_verify" if is_enabled(user) else "account_2fa_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
    if not is_officer(request):
        raise PermissionDenied("The officer dashboard is for compliance officers.")
    figures = dashboard(now=timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": "Officer dashboard",
        "figures": figures,
        "severities": [(severity.value, severity.label) for severity in SEVERITIES],
        "cases_url": reverse("admin:compliance_case_changelist"),
        "alerts_url": reverse("admin:compliance_alert_changelist"),
        "freezes_url": reverse("admin:compliance_freezerequest_changelist"),
        "matches_url": _admin_url("admin:compliance_screeningmatch_changelist"),
        "today": figures.now.strftime("%Y-%m-%d"),
    }
    return TemplateResponse(request, "compliance/officer_dashboard.html", context)
