"""Monitoring in the admin: rules' settings validated per rule and audited; alerts read-only;
officers only."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from compliance.audit import AuditAction
from compliance.models import Alert, AuditEvent, MonitoringRule
from compliance.monitoring.hooks import PRACTICE_MONITORED_KEY, practice_monitored
from compliance.monitoring.services import change_rule, evaluate_order
from cryptopulse.errors import ApplicationError
from tests.compliance.cases.conftest import make_officer
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory
from tests.factories.monitoring import live_connection, trade, worth

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_officer(email="rule.officer@example.com")


@pytest.fixture
def officer_client(officer) -> Client:
    return login_with_second_factor(Client(), officer)


def url_of(rule: MonitoringRule) -> str:
    return f"/admin/compliance/monitoringrule/{rule.pk}/change/"


def form(rule: MonitoringRule, **changes) -> dict[str, str]:
    data = {
        "enabled": "on" if rule.enabled else "",
        "params": json.dumps(rule.params),
        "score": str(rule.score),
        "severity": rule.severity,
        "include_paper": "on" if rule.include_paper else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_change_form_explains_the_rule_and_its_parameter_keys(officer_client, rules):
    page = officer_client.get(url_of(rules["structuring"])).content.decode()
    assert "A trade counts towards one alert only" in page
    for key in ("threshold_usd", "band_pct", "min_count", "window_hours"):
        assert f"<code>{key}</code>" in page


def test_a_valid_change_is_saved_and_audited_with_old_and_new_values(
    officer_client, officer, rules
):
    rule = rules["large_trade"]
    response = officer_client.post(
        url_of(rule), form(rule, params='{"threshold_usd": "7500"}', score="25", include_paper="on")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.params, rule.score, rule.include_paper) == ({"threshold_usd": "7500"}, 25, True)
    event = AuditEvent.objects.get(action=AuditAction.MONITORING_RULE_CHANGED)
    assert event.actor_user == officer
    assert event.data == {
        "rule": "large_trade",
        "old": {"params": {"threshold_usd": "5000"}, "score": 15, "include_paper": False},
        "new": {"params": {"threshold_usd": "7500"}, "score": 25, "include_paper": True},
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            '{"threshold_usd": 7500.5}', "threshold_usd: must be a decimal number", id="float_case"
        ),
        pytest.param(
            '{"threshold_usd": "-1"}', "threshold_usd: must be at least 0", id="negative_case"
        ),
        pytest.param(
            '{"threshold_usd": "lots"}', "&#x27;lots&#x27; is not a number", id="not_a_number_case"
        ),
        pytest.param("{}", "threshold_usd: is missing", id="missing_case"),
        pytest.param(
            '{"threshold_usd": "5000", "limit": "1"}',
            "limit: is not a parameter of this rule",
            id="unknown_key_case",
        ),
        pytest.param("[1, 2]", "params: must be a JSON object", id="not_an_object_case"),
    ],
)
def test_params_that_do_not_fit_the_rule_are_refused(officer_client, rules, params, message):
    rule = rules["large_trade"]
    response = officer_client.post(url_of(rule), form(rule, params=params))
    assert response.status_code == 200
    assert message in response.content.decode()
    rule.refresh_from_db()
    assert rule.params == {"threshold_usd": "5000"}
    assert not AuditEvent.objects.filter(action=AuditAction.MONITORING_RULE_CHANGED).exists()


def test_a_score_outside_0_to_100_is_refused(officer_client, rules):
    rule = rules["velocity"]
    response = officer_client.post(url_of(rule), form(rule, score="101"))
    assert "A score is between 0 and 100." in response.content.decode()


def test_a_change_takes_effect_on_the_next_fill(officer_client, user, rules, noon):
    rule = rules["large_trade"]
    officer_client.post(url_of(rule), form(rule, params='{"threshold_usd": "7500"}'))
    order = trade(live_connection(user), at=noon, fills=worth("6000"))
    assert [a.rule.code for a in evaluate_order(order_id=order.pk)] == []


def test_saving_a_rule_forgets_whether_paper_is_monitored(
    officer_client, rules, django_capture_on_commit_callbacks
):
    assert practice_monitored() is False
    rule = rules["velocity"]
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url_of(rule), form(rule, include_paper="on"))
    assert cache.get(PRACTICE_MONITORED_KEY) is None
    assert practice_monitored() is True


def test_saving_without_changes_writes_no_event(officer_client, rules):
    rule = rules["velocity"]
    assert officer_client.post(url_of(rule), form(rule)).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.MONITORING_RULE_CHANGED).exists()


def test_change_rule_refuses_non_officers_and_unknown_settings(user, rules, officer):
    with pytest.raises(ApplicationError) as not_officer:
        change_rule(rule_id=rules["velocity"].pk, officer=user, changes={"score": 5})
    assert not_officer.value.status == 403
    with pytest.raises(ApplicationError):
        change_rule(rule_id=rules["velocity"].pk, officer=officer, changes={"code": "x"})
    with pytest.raises(ApplicationError) as severity:
        change_rule(rule_id=rules["velocity"].pk, officer=officer, changes={"severity": "huge"})
    assert severity.value.field == "severity"


def test_rules_are_neither_added_nor_deleted_in_the_admin(officer_client, rules):
    assert officer_client.get("/admin/compliance/monitoringrule/add/").status_code == 403
    rule = rules["velocity"]
    assert (
        officer_client.post(f"/admin/compliance/monitoringrule/{rule.pk}/delete/").status_code
        == 403
    )


def test_alerts_are_read_only_evidence(officer_client, user, noon):
    [alert] = evaluate_order(order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk)
    listing = officer_client.get("/admin/compliance/alert/").content.decode()
    assert user.email in listing
    page = officer_client.get(f"/admin/compliance/alert/{alert.pk}/change/").content.decode()
    assert "threshold usd" in page
    assert f"Case #{alert.case_id}" in page
    assert 'name="_save"' not in page
    assert officer_client.get("/admin/compliance/alert/add/").status_code == 403
    officer_client.post(f"/admin/compliance/alert/{alert.pk}/change/", {"score": "0"})
    alert.refresh_from_db()
    assert alert.score == 15
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    ["/admin/compliance/monitoringrule/", "/admin/compliance/alert/", "/admin/compliance/case/"],
)
def test_staff_outside_the_officer_group_cannot_see_monitoring(path):
    staff = UserFactory.create(is_staff=True)
    client = login_with_second_factor(Client(), staff)
    assert client.get(path).status_code == 403
    assert "Monitoring rules" not in client.get("/admin/").content.decode()


def test_evidence_renders_any_json_as_escaped_tables():
    from compliance.admin.monitoring import facts_table

    html = str(
        facts_table(
            {
                "order_ids": [3, 4],
                "trades": [{"order_id": 3, "same_account": True}, {"order_id": 4}],
                "unpriced": {},
                "note": "<script>x</script>",
                "gap": None,
                "nested": [[1, 2]],
                "empty": [],
            }
        )
    )
    assert '<th scope="row">order ids</th><td>3, 4</td>' in html
    assert html.count('<table class="evidence">') == 3  # the facts and each trade
    assert "<td>yes</td>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "<td>[1, 2]</td>" in html
    assert html.count("<td>—</td>") == 3  # empty object, None, empty list
