"""The risk score: its parts, its levels, decay and false positives."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Alert, Case, CaseKind, ComplianceProfile
from compliance.monitoring.risk import assess_risk, level_for, recompute_risk
from compliance.monitoring.services import evaluate_order
from tests.factories.monitoring import (
    approved_kyc,
    live_connection,
    screening_match,
    trade,
    worth,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "level"),
    [
        pytest.param(0, "low", id="zero_case"),
        pytest.param(24, "low", id="just_under_medium_case"),
        pytest.param(25, "medium", id="medium_case"),
        pytest.param(49, "medium", id="just_under_high_case"),
        pytest.param(50, "high", id="high_case"),
        pytest.param(74, "high", id="just_under_critical_case"),
        pytest.param(75, "critical", id="critical_case"),
        pytest.param(100, "critical", id="top_case"),
    ],
)
def test_levels_start_at_25_50_and_75(score, level):
    assert level_for(score) == level


def test_an_unverified_user_with_nothing_else_is_low(user):
    assessment = assess_risk(user)
    assert (assessment.score, assessment.level) == (15, "low")
    assert assessment.reasons == [{"reason": "KYC not verified (level 0)", "points": 15}]


def test_enhanced_due_diligence_lowers_the_score_and_never_below_zero(user):
    ComplianceProfile.objects.create(user=user, kyc_level=3)
    assessment = assess_risk(user)
    assert assessment.score == 0
    assert assessment.reasons == [
        {"reason": "Enhanced due diligence approved (KYC level 3)", "points": -10}
    ]


def test_open_screening_matches_make_a_user_high_and_a_confirmed_one_critical(user):
    ComplianceProfile.objects.create(user=user, kyc_level=1)
    screening_match(user)
    assert (assess_risk(user).score, assess_risk(user).level) == (30, "medium")  # 5 + 25
    screening_match(user)
    screening_match(user)
    assert assess_risk(user).score == 55  # 5 + capped 50
    screening_match(user, status="confirmed")
    assessment = assess_risk(user)
    assert (assessment.score, assessment.level) == (100, "critical")
    assert assessment.reasons[0] == {"reason": "Confirmed sanctions/PEP match (1)", "points": 80}


def test_a_false_positive_match_counts_nothing(user):
    screening_match(user, status="false_positive")
    assert assess_risk(user).score == 15


def test_a_high_risk_residence_adds_25(user):
    approved_kyc(user, residence="KP")
    ComplianceProfile.objects.create(user=user, kyc_level=1)
    assessment = assess_risk(user)
    assert assessment.score == 30
    assert {"reason": "High-risk jurisdiction (residence KP)", "points": 25} in assessment.reasons


def test_alerts_weigh_less_as_they_age_and_nothing_after_a_year(user, noon):
    live = live_connection(user)
    evaluate_order(order_id=trade(live, at=noon, fills=worth("6000")).pk)  # 15 points
    now = timezone.now()
    for age_days, expected in ((10, 30), (60, 23), (200, 19), (400, 15)):
        Alert.objects.update(created_at=now - timedelta(days=age_days))
        assert assess_risk(user, now=now).score == expected, age_days


def test_points_from_alerts_are_capped_at_60(user, noon):
    live = live_connection(user)
    # eight large trades on eight days: 8 x 15 points from alerts
    for day in range(8):
        evaluate_order(order_id=trade(live, at=noon + timedelta(days=day), fills=worth("6000")).pk)
    assessment = assess_risk(user)
    assert assessment.score == 15 + 60
    assert {"reason": "Alerts capped at 60 points", "points": -60} in assessment.reasons


def test_alerts_of_a_case_closed_as_false_positive_count_nothing(user, noon):
    evaluate_order(order_id=trade(live_connection(user), at=noon, fills=worth("6000")).pk)
    Case.objects.filter(kind=CaseKind.MONITORING).update(status="closed_false_positive")
    assert assess_risk(user).score == 15


def test_recompute_stores_the_score_level_reasons_and_time(user):
    screening_match(user)
    now = timezone.now()
    profile = recompute_risk(user, now=now)
    profile.refresh_from_db()
    assert (profile.risk_score, profile.risk_level, profile.risk_computed_at) == (40, "medium", now)
    assert profile.risk_reasons == [
        {"reason": "Open screening matches under review (1)", "points": 25},
        {"reason": "KYC not verified (level 0)", "points": 15},
    ]
