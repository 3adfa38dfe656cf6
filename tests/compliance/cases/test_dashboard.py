"""The officer dashboard: its figures, its query count, and who may see it."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import case_services
from compliance.models import Alert, Case, CaseKind
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory, enable_two_factor
from tests.factories.monitoring import screening_match

pytestmark = pytest.mark.django_db
DASHBOARD = "/compliance/officer/"


def make_case(severity: str, hours_old: float, status: str = "open") -> Case:
    case = Case.objects.create(
        user=UserFactory.create(),
        kind=CaseKind.MONITORING,
        title="t",
        severity=severity,
        status=status,
    )
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=hours_old))
    return case


def cell(page: str, age: str, severity: str) -> str:
    row = re.search(rf'<tr data-age="{age}">(.*?)</tr>', page, re.S)
    assert row, age
    found = re.search(rf'<td data-severity="{severity}">\s*(?:<a [^>]*>)?(\d+)', row.group(1))
    assert found, (age, severity)
    return found.group(1)


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def test_the_dashboard_shows_open_cases_by_age_and_severity(officer_client):
    make_case("critical", 2)
    make_case("medium", 2)
    make_case("medium", 30)
    make_case("low", 24 * 9)
    make_case("high", 2, status="closed_no_action")  # closed: not counted
    page = officer_client.get(DASHBOARD).content.decode()
    assert (cell(page, "lt1d", "critical"), cell(page, "lt1d", "medium")) == ("1", "1")
    assert cell(page, "lt1d", "high") == "0"
    assert cell(page, "lt1d", "all") == "2"
    assert cell(page, "1to3d", "medium") == "1"
    assert cell(page, "gt7d", "low") == "1"
    assert "Open cases by age and severity (4)" in page
    assert "?state=open&amp;age=lt1d&amp;severity__exact=critical" in page


def test_the_dashboard_counts_sla_breaches_per_severity(officer_client, settings):
    settings.CASE_SLA_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 168}
    late = make_case("critical", 5)  # 4 h SLA
    make_case("critical", 3)
    make_case("high", 23)
    late_low = make_case("low", 170)
    make_case("medium", 100, status="reported")  # closed: no SLA any more
    breaches = section(officer_client.get(DASHBOARD).content.decode(), "sla-breaches")
    assert '?sla=breached">2</a>' in breaches
    assert f"Case #{late.pk}" in breaches
    assert f"Case #{late_low.pk}" in breaches


def test_the_dashboard_shows_todays_hits_alerts_by_rule_and_pending_freezes(
    officer_client, officer, case, trader
):
    screening_match(trader)
    yesterday = screening_match(trader)
    type(yesterday).objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - timedelta(days=1, hours=1)
    )
    case_services.request_freeze(case_id=case.pk, officer=officer, action="freeze", reason="Hold")
    page = officer_client.get(DASHBOARD).content.decode()
    hits = section(page, "screening-hits")
    assert re.search(r'class="figure">\s*(<a href="[^"]+">)?1(</a>)?\s*</p>', hits), hits
    assert "2 open match(es) awaiting a decision." in page
    alerts = section(page, "alerts-today")
    assert 'data-rule="large_trade"' in alerts
    assert "Alerts today (1)" in page
    freezes = section(page, "pending-freezes")
    assert "Freeze trading: tina.trader@example.com" in freezes
    assert "asked by olga.officer@example.com" in freezes


def test_alerts_before_today_are_not_todays(officer_client, case):
    Alert.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert "No alerts today." in officer_client.get(DASHBOARD).content.decode()


def test_the_dashboard_runs_a_fixed_number_of_queries(officer_client, officer, trader):
    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(DASHBOARD).status_code == 200
        return len(queries)

    make_case("critical", 10)
    few = measure()
    for n in range(12):
        make_case(["critical", "high", "medium", "low"][n % 4], n * 20)
        screening_match(trader)
    for case in Case.objects.all()[:5]:
        case_services.request_freeze(case_id=case.pk, officer=officer, action="freeze", reason="x")
    assert measure() == few
    # the session's user and device, the group check, the dashboard's five, and the admin's
    # app list (each other admin's permission check), whatever the data
    assert few <= 25


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/compliance/officer/")


def test_a_trader_gets_403_even_with_2fa(client, trader):
    enable_two_factor(trader)
    login_with_second_factor(client, trader)
    assert client.get(DASHBOARD).status_code == 403


def test_an_officer_without_a_verified_second_factor_is_asked_for_it(officer):
    enable_two_factor(officer)
    client = Client()
    client.force_login(officer)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/?next=")


def test_an_officer_without_2fa_is_sent_to_set_it_up(officer):
    client = Client()
    client.force_login(officer)
    assert client.get(DASHBOARD)["Location"].startswith("/accounts/2fa/setup/?next=")


def test_staff_outside_the_officer_group_get_403():
    admin_staff = UserFactory.create(is_staff=True)
    client = login_with_second_factor(Client(), admin_staff)
    assert client.get(DASHBOARD).status_code == 403


def test_the_case_queue_links_to_the_dashboard(officer_client):
    assert (
        'href="/compliance/officer/"'
        in officer_client.get("/admin/compliance/case/").content.decode()
    )
