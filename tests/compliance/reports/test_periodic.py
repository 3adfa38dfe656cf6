import pytest

from compliance.reports.periodic import build_periodic_report
from tests.compliance.reports import builders as b
from tests.factories import UserFactory


def _report():
    return build_periodic_report(start=b.PERIOD_START, end=b.PERIOD_END)


def test_kyc_submissions_of_the_period_by_level_and_outcome(periodic_scenario):
    # when
    kyc = _report()["kyc"]
    # then
    assert kyc["levels"] == [
        {
            "level": 1,
            "submitted": 6,
            "pending": 1,
            "approved": 2,
            "rejected": 1,
            "resubmission_requested": 1,
            "expired": 1,
        },
        {
            "level": 2,
            "submitted": 1,
            "pending": 0,
            "approved": 1,
            "rejected": 0,
            "resubmission_requested": 0,
            "expired": 0,
        },
        {
            "level": 3,
            "submitted": 0,
            "pending": 0,
            "approved": 0,
            "rejected": 0,
            "resubmission_requested": 0,
            "expired": 0,
        },
    ]
    assert kyc["total"]["submitted"] == 7
    assert kyc["total"]["approved"] == 3


def test_screening_hits_of_the_period_by_list_and_status(periodic_scenario):
    # when
    screening = _report()["screening"]
    # then
    by_source = {line["source"]: line for line in screening["by_source"]}
    assert by_source["ofac_sdn"] == {
        "source": "ofac_sdn",
        "label": "OFAC SDN",
        "total": 2,
        "open": 1,
        "confirmed": 0,
        "false_positive": 1,
    }
    assert (by_source["un"]["total"], by_source["un"]["confirmed"]) == (1, 1)
    assert (by_source["pep"]["total"], by_source["pep"]["open"]) == (1, 1)
    assert by_source["eu"]["total"] == by_source["uk"]["total"] == 0
    assert screening["total"] == 4
    assert screening["users"] == 3
    assert screening["by_status"] == {"open": 2, "confirmed": 1, "false_positive": 1}


def test_alerts_of_the_period_by_rule_status_and_case_outcome(periodic_scenario):
    # when
    alerts = _report()["alerts"]
    # then
    assert (alerts["total"], alerts["open"], alerts["closed"]) == (4, 1, 3)
    large, structuring = alerts["by_rule"]
    assert (large["rule"], large["total"], large["open"], large["closed"]) == (
        "large_trade",
        3,
        1,
        2,
    )
    assert {k: v for k, v in large["case_outcomes"].items() if v} == {
        "open": 1,
        "closed_false_positive": 1,
        "no_case": 1,
    }
    assert structuring["rule"] == "structuring"
    assert {k: v for k, v in structuring["case_outcomes"].items() if v} == {"reported": 1}


def test_cases_opened_and_closed_in_the_period_by_kind_and_outcome(periodic_scenario):
    # when
    cases = _report()["cases"]
    # then
    opened = {line["kind"]: line["count"] for line in cases["opened"]}
    assert opened == {"screening": 0, "monitoring": 2, "wallet": 1, "kyc": 1}
    assert cases["opened_total"] == 4
    closed = {line["kind"]: line for line in cases["closed"]}
    assert (closed["monitoring"]["total"], closed["monitoring"]["closed_false_positive"]) == (1, 1)
    assert (closed["screening"]["total"], closed["screening"]["reported"]) == (1, 1)
    assert (closed["wallet"]["total"], closed["wallet"]["closed_true_match"]) == (1, 1)
    assert closed["kyc"]["total"] == 0  # closed at the period's end instant: excluded
    assert cases["closed_total"] == 3


def test_time_to_decision_has_exact_median_p90_and_max_in_hours(periodic_scenario):
    # when
    times = _report()["time_to_decision"]
    # then: KYC decided in March took 1, 2, 2, 4, 6 and 10 hours
    assert times["kyc"]["overall"] == {
        "decisions": 6,
        "median_hours": "3.00",
        "p90_hours": "8.00",
        "max_hours": "10.00",
    }
    level_1, level_2, level_3 = times["kyc"]["by_level"]
    assert level_1 == {
        "level": 1,
        "decisions": 5,
        "median_hours": "2.00",
        "p90_hours": "5.20",
        "max_hours": "6.00",
    }
    assert (level_2["decisions"], level_2["median_hours"]) == (1, "10.00")
    assert level_3 == {
        "level": 3,
        "decisions": 0,
        "median_hours": None,
        "p90_hours": None,
        "max_hours": None,
    }
    # cases closed in March took 5, 120 and 1.5 hours
    assert times["cases"]["overall"] == {
        "decisions": 3,
        "median_hours": "5.00",
        "p90_hours": "97.00",
        "max_hours": "120.00",
    }
    by_kind = {line["kind"]: line for line in times["cases"]["by_kind"]}
    assert by_kind["wallet"]["median_hours"] == "1.50"
    assert by_kind["kyc"]["decisions"] == 0


def test_freezes_applied_and_requested_in_the_period(periodic_scenario):
    # when
    freezes = _report()["freezes"]
    # then
    assert (freezes["frozen"], freezes["unfrozen"]) == (2, 1)
    freeze, unfreeze = freezes["requests"]
    assert freeze == {
        "action": "freeze",
        "label": "Freeze trading",
        "total": 2,
        "pending": 1,
        "approved": 1,
        "rejected": 0,
    }
    assert (unfreeze["total"], unfreeze["rejected"]) == (1, 1)


def test_an_empty_period_has_zero_counts_and_no_times(periodic_scenario):
    # when
    report = build_periodic_report(start=b.at(1, month=6), end=b.at(1, month=7))
    # then
    assert report["kyc"]["total"]["submitted"] == 0
    assert report["screening"]["total"] == 0
    assert report["alerts"] == {"total": 0, "open": 0, "closed": 0, "by_rule": []}
    assert report["cases"]["opened_total"] == report["cases"]["closed_total"] == 0
    assert report["time_to_decision"]["kyc"]["overall"]["median_hours"] is None
    assert report["period"] == {
        "start": "2025-06-01T00:00:00+00:00",
        "end": "2025-07-01T00:00:00+00:00",
    }


QUERIES = 12


def test_the_report_costs_a_fixed_number_of_queries_whatever_the_volume(
    periodic_scenario, django_assert_num_queries
):
    # given: the scenario, measured
    with django_assert_num_queries(QUERIES):
        _report()
    # and ten times more KYC decisions and alerts
    for n in range(10):
        user = UserFactory.create()
        b.kyc(user, status="approved", submitted_at=b.at(12), decided_at=b.at(12, n + 1))
        b.alert(user, "large_trade", created_at=b.at(13), key=f"more-{n}")
    # when / then
    with django_assert_num_queries(QUERIES):
        report = _report()
    assert report["kyc"]["total"]["submitted"] == 17


@pytest.mark.parametrize(
    ("start", "end", "_case"),
    [
        (b.at(2), b.at(2), "empty period"),
        (b.at(3), b.at(2), "ends before it starts"),
    ],
)
@pytest.mark.django_db
def test_a_period_that_does_not_run_forward_is_refused(start, end, _case):
    with pytest.raises(ValueError, match="end after it starts"):
        build_periodic_report(start=start, end=end)


@pytest.mark.django_db
def test_naive_bounds_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        build_periodic_report(start=b.at(1).replace(tzinfo=None), end=b.at(2))
