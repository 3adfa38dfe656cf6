"""Alerts: deduplicated, audited, grouped into one case per user; the hourly pass."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.audit import AuditAction
from compliance.models import Alert, AuditEvent, Case, CaseKind, CaseStatus, ComplianceProfile
from compliance.monitoring.services import evaluate_order, run_scheduled_rules
from tests.factories.monitoring import live_connection, trade, worth

pytestmark = pytest.mark.django_db


def test_the_same_facts_alert_once_however_often_the_rules_run(user, noon):
    order = trade(live_connection(user), at=noon, fills=worth("6000"))
    first = evaluate_order(order_id=order.pk)
    again = evaluate_order(order_id=order.pk)
    assert [alert.rule.code for alert in first] == ["large_trade"]
    assert again == []
    assert Alert.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ALERT_RAISED).count() == 1


def test_an_alert_is_audited_with_its_rule_case_and_facts(user, noon):
    order = trade(live_connection(user), at=noon, fills=worth("6000"))
    [alert] = evaluate_order(order_id=order.pk)
    event = AuditEvent.objects.get(action=AuditAction.ALERT_RAISED)
    assert (event.actor_kind, event.target_id, event.stream) == (
        "system",
        str(alert.pk),
        f"user:{user.pk}",
    )
    assert event.data["rule"] == "large_trade"
    assert event.data["case"] == alert.case_id
    assert event.data["facts"]["trade"]["order_id"] == order.pk
    assert event.data["dedup"] == alert.dedup_key


def test_alerts_of_one_user_group_into_one_monitoring_case(user, noon):
    # given: a large trade (medium), then structuring (high) from the same user
    live = live_connection(user)
    evaluate_order(order_id=trade(live, at=noon, fills=worth("6000")).pk)
    for hour in (1, 2, 3):
        last = trade(live, at=noon + timedelta(hours=hour), fills=worth("4900"))
    evaluate_order(order_id=last.pk)
    # then: one case holds every alert, at the highest severity seen
    case = Case.objects.get()
    assert (case.kind, case.status, case.user_id) == (CaseKind.MONITORING, CaseStatus.OPEN, user.pk)
    assert case.severity == "high"
    assert sorted(case.alerts.values_list("rule__code", flat=True)) == [
        "daily_total",
        "large_trade",
        "structuring",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_OPENED).count() == 1


def test_another_users_alerts_go_to_their_own_case(user, other_user, noon):
    evaluate_order(order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk)
    evaluate_order(order_id=trade(live_connection(other_user), at=noon, fills=worth("6000")).pk)
    assert sorted(Case.objects.values_list("user_id", flat=True)) == sorted(
        [user.pk, other_user.pk]
    )


def test_a_new_alert_after_the_case_closed_opens_a_new_case(user, noon):
    live = live_connection(user)
    evaluate_order(order_id=trade(live, at=noon, fills=worth("6000")).pk)
    Case.objects.update(status=CaseStatus.CLOSED_NO_ACTION)
    evaluate_order(order_id=trade(live, at=noon + timedelta(days=2), fills=worth("6000")).pk)
    assert Case.objects.count() == 2


def test_an_alert_updates_the_users_risk_score(user, noon):
    evaluate_order(order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk)
    profile = ComplianceProfile.objects.get(user=user)
    # KYC level 0 (15) + the large trade alert (15), both recent
    assert (profile.risk_score, profile.risk_level) == (30, "medium")
    assert {"reason": "Monitoring alerts: Single trade of 5,000 USD or more (1)", "points": 15} in (
        profile.risk_reasons
    )


def test_a_rule_with_broken_params_is_skipped_and_the_others_still_run(user, rules, noon, caplog):
    # given: params that no longer parse (e.g. edited in the database by hand)
    rules["large_trade"].params = {"threshold_usd": 5000.5}
    rules["large_trade"].save(update_fields=["params"])
    # when: a trade that both the large-trade and the daily-total rules would flag
    [alert] = evaluate_order(
        order_id=trade(live_connection(user), at=noon, fills=worth("11000")).pk
    )
    # then
    assert alert.rule.code == "daily_total"
    assert "large_trade has invalid params" in caplog.text


def test_a_row_without_an_implementation_is_ignored(user, rules, noon):
    from compliance.models import MonitoringRule

    MonitoringRule.objects.create(code="retired_rule", name="Retired", params={})
    codes = [
        alert.rule.code
        for alert in evaluate_order(
            order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk
        )
    ]
    assert codes == ["large_trade"]


# --- the hourly pass -------------------------------------------------------------------------


def test_the_hourly_pass_catches_a_fill_whose_task_was_lost_and_runs_twice_with_effect_once(
    user, other_user
):
    # given: two trades of the last hour whose monitoring task never ran, and an old one
    now = timezone.now()
    trade(live_connection(user), at=now - timedelta(minutes=30), fills=worth("6000"))
    trade(live_connection(other_user), at=now - timedelta(minutes=10), fills=worth("100"))
    trade(live_connection(other_user), at=now - timedelta(days=3), fills=worth("7000"))
    # when
    first = run_scheduled_rules(now=now)
    second = run_scheduled_rules(now=now)
    # then: the recent large trade alerted once; the old one is outside the look-back
    assert (first.users, first.alerts) == (2, 1)
    assert (second.users, second.alerts) == (2, 0)
    assert list(Alert.objects.values_list("user_id", "rule__code")) == [(user.pk, "large_trade")]
    assert ComplianceProfile.objects.get(user=other_user).last_activity_at == now - timedelta(
        minutes=10
    )


def test_the_hourly_pass_judges_window_rules_at_the_users_latest_fill(user):
    now = timezone.now()
    live = live_connection(user)
    for minutes in (100, 90, 80):  # three just under 5,000; only the last in the look-back
        trade(live, at=now - timedelta(minutes=minutes), fills=worth("4900"))
    run = run_scheduled_rules(now=now)
    assert run.alerts >= 1
    assert Alert.objects.filter(rule__code="structuring").count() == 1


def test_the_hourly_pass_refreshes_risk_scores_that_decayed(user, noon):
    # given: a score computed two days ago from an alert that is now 100 days old
    evaluate_order(order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk)
    now = timezone.now()
    Alert.objects.update(created_at=now - timedelta(days=100))
    ComplianceProfile.objects.update(risk_computed_at=now - timedelta(days=2))
    # when
    run = run_scheduled_rules(now=now)
    # then: 15 for KYC level 0 + a quarter of 15 for the alert
    profile = ComplianceProfile.objects.get(user=user)
    assert run.risk_refreshed == 1
    assert profile.risk_score == 19
