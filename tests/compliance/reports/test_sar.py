from datetime import date
from decimal import Decimal

import pytest

from compliance.models import CaseNote, ComplianceProfile, WalletAddress
from compliance.reports.sar import build_sar, referenced_order_ids
from compliance.reports.services import ReportError, generate_report
from papertrading.services import default_account
from tests.compliance.reports import builders as b
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = b.at(20)


@pytest.fixture
def subject():
    user = UserFactory.create(email="subject@example.com")
    b.kyc(
        user,
        status="approved",
        submitted_at=b.at(1, month=1),
        decided_at=b.at(2, month=1),
        legal_name="Ivan Petrov",
        date_of_birth=date(1980, 5, 17),
        nationality="RU",
        residence_country="CY",
        address_line="1 Harbour Road",
        city="Limassol",
        postal_code="3036",
        id_document_type="passport",
        id_document_number="P1234567",
        id_document_expiry=date(2030, 1, 1),
    )
    # a later rejected attempt: the approved identity is the one reported
    b.kyc(
        user,
        status="rejected",
        submitted_at=b.at(1, month=2),
        decided_at=b.at(2, month=2),
        legal_name="I. Petrov",
    )
    ComplianceProfile.objects.create(
        user=user, kyc_level=1, risk_score=62, risk_level="high", risk_reasons=["2 alerts"]
    )
    return user


@pytest.fixture
def monitored_case(subject):
    officer = b.officer(email="analyst@example.com")
    case = b.case(subject, kind="monitoring", opened_at=b.at(10), title="Large trades")
    live = b.connection(subject)
    paper = default_account(user=subject)
    big = b.order(
        subject,
        live=live,
        created_at=b.at(9, 10),
        fills=[("50000", "0.1", b.at(9, 10, 1)), ("50010", "0.05", b.at(9, 10, 2))],
        key="big",
    )
    split = b.order(
        subject,
        symbol="ETH/BTC",
        side="sell",
        live=live,
        created_at=b.at(9, 11),
        fills=[("0.05", "2", b.at(9, 11, 5))],
        key="split",
    )
    practice = b.order(subject, paper=paper, created_at=b.at(9, 12), amount="3", key="practice")
    b.order(subject, live=live, created_at=b.at(9, 13), key="unnamed")  # not in the facts
    stranger = UserFactory.create()
    foreign = b.order(stranger, live=b.connection(stranger), created_at=b.at(9), key="foreign")
    b.alert(
        subject,
        "large_trade",
        created_at=b.at(9, 10, 3),
        case=case,
        facts={"trade": {"order_id": big.pk, "usd": "7500.50"}, "threshold_usd": "5000"},
        key="big",
    )
    b.alert(
        subject,
        "structuring",
        created_at=b.at(9, 12, 30),
        case=case,
        facts={"order_ids": [split.pk, practice.pk, foreign.pk], "count": 3},
        key="split",
    )
    entry = b.watchlist_entry("ofac_sdn", "36", "PETROV, Ivan", programs=["RUSSIA-EO14024"])
    b.screening_match(
        subject,
        entry,
        created_at=b.at(10, 1),
        case=case,
        score="88.25",
        explanation={"name": "token match 0.93", "dob": "same year +5"},
    )
    CaseNote.objects.create(case=case, author=officer, text="Asked for source of funds.")
    CaseNote.objects.create(case=case, author=officer, text="No answer within 7 days.")
    WalletAddress.objects.create(user=subject, chain="XBT", address="1ListedAddr", listed=True)
    WalletAddress.objects.create(user=subject, chain="ETH", address="0xclean", listed=False)
    return case, {"big": big, "split": split, "practice": practice, "foreign": foreign}


def test_the_subject_carries_the_approved_kyc_identity(monitored_case):
    # given
    case, _ = monitored_case
    # when
    subject = build_sar(case=case, now=NOW)["subject"]
    # then
    assert subject["email"] == "subject@example.com"
    assert (subject["risk_score"], subject["risk_level"]) == (62, "high")
    identity = subject["identity"]
    assert identity["legal_name"] == "Ivan Petrov"
    assert identity["date_of_birth"] == "1980-05-17"
    assert (identity["nationality"], identity["residence_country"]) == ("RU", "CY")
    assert identity["address"] == {
        "line": "1 Harbour Road",
        "city": "Limassol",
        "postal_code": "3036",
        "country": "CY",
    }
    assert identity["id_document"] == {
        "type": "passport",
        "type_label": "Passport",
        "number": "P1234567",
        "expiry": "2030-01-01",
    }


def test_the_facts_are_the_alerts_matches_wallets_and_notes_in_order(monitored_case):
    # given
    case, orders = monitored_case
    # when
    data = build_sar(case=case, now=NOW)
    # then
    assert [alert["rule"] for alert in data["alerts"]] == ["large_trade", "structuring"]
    assert data["alerts"][0]["facts"] == {
        "trade": {"order_id": orders["big"].pk, "usd": "7500.50"},
        "threshold_usd": "5000",
    }
    (match,) = data["screening_matches"]
    assert (match["source"], match["entity_ref"], match["score"]) == ("ofac_sdn", "36", "88.25")
    assert match["explanation"] == {"name": "token match 0.93", "dob": "same year +5"}
    assert match["programs"] == ["RUSSIA-EO14024"]
    assert [wallet["address"] for wallet in data["listed_wallets"]] == ["1ListedAddr"]
    assert [note["text"] for note in data["notes"]] == [
        "Asked for source of funds.",
        "No answer within 7 days.",
    ]
    assert data["notes"][0]["author"] == "analyst@example.com"


def test_transactions_are_the_subjects_orders_the_alerts_name(monitored_case):
    # given
    case, orders = monitored_case
    # when
    transactions = build_sar(case=case, now=NOW)["transactions"]
    # then: the other user's order is left out, the unnamed one too
    assert transactions["basis"] == "referenced"
    rows = [
        (row["order_id"], row["amount"], row["price"], row["usd_value"])
        for row in transactions["rows"]
    ]
    assert rows == [
        (orders["big"].pk, "0.1", "50000", "5000"),
        (orders["big"].pk, "0.05", "50010", "2500.5"),
        (orders["split"].pk, "2", "0.05", None),  # priced in BTC: no price known
        (orders["practice"].pk, "3", None, None),  # a paper order that never filled
    ]
    assert transactions["rows"][0]["time"] == "2025-03-09T10:01:00+00:00"
    assert transactions["rows"][2]["side"] == "sell"
    assert transactions["rows"][3]["mode"] == "paper"
    assert transactions["total_usd"] == "7500.5"
    assert transactions["unpriced"] == 2


def test_without_named_orders_the_live_orders_of_the_case_period_are_listed(subject):
    # given: a screening case opened on March 10th, no alerts
    case = b.case(subject, kind="screening", opened_at=b.at(10))
    live = b.connection(subject)
    inside = b.order(
        subject,
        live=live,
        created_at=b.at(20, month=2),
        fills=[("100", "2", b.at(20, month=2))],
        key="inside",
    )
    # placed before the window, filled inside it
    late_fill = b.order(
        subject,
        live=live,
        created_at=b.at(1, month=1),
        fills=[("10", "1", b.at(15))],
        key="late",
    )
    b.order(
        subject,
        live=live,
        created_at=b.at(5, month=2),
        fills=[("1", "1", b.at(5, month=2))],
        key="before",
    )  # 33 days before the case opened
    b.order(subject, paper=default_account(user=subject), created_at=b.at(12), key="paper")
    # when
    transactions = build_sar(case=case, now=NOW)["transactions"]
    # then
    assert transactions["basis"] == "case_period"
    assert transactions["period"] == {
        "start": "2025-02-08T00:00:00+00:00",
        "end": "2025-03-20T00:00:00+00:00",
    }
    assert [row["order_id"] for row in transactions["rows"]] == [inside.pk, late_fill.pk]
    assert transactions["total_usd"] == "210"


def test_a_subject_without_kyc_has_no_identity(db):
    # given
    case = b.case(UserFactory.create(), kind="wallet", opened_at=b.at(10))
    # when
    data = build_sar(case=case, now=NOW)
    # then
    assert data["subject"]["identity"] is None
    assert data["subject"]["kyc_level"] == 0
    assert data["transactions"]["rows"] == []
    assert data["transactions"]["total_usd"] is None


@pytest.mark.parametrize(
    ("facts", "expected", "_case"),
    [
        ({"order_id": 7}, [7], "one id"),
        ({"order_ids": [3, "4", 3]}, [3, 4], "a list, text ids, repeats once"),
        ({"orders": [{"id": 5}, {"order_id": 6}]}, [5, 6], "objects"),
        ({"order_id": True, "order_ids": [-1, 0, "x", None]}, [], "not ids"),
        ({"sum_usd": "9000"}, [], "no order keys"),
        ({"trade": {"order_id": 8, "usd": "6000"}}, [8], "large_trade nests the trade"),
        (
            {"order_ids": [9, 10], "buy": {"order_id": 9}, "sell": {"order_id": 10}},
            [9, 10],
            "wash_trading names both sides",
        ),
        ({"trades": [{"order_id": 11}, {"order_id": 12}]}, [11, 12], "a list of trades"),
        ({"a": {"b": {"c": {"d": {"e": {"f": {"order_id": 13}}}}}}}, [], "too deep"),
    ],
)
def test_referenced_order_ids_reads_the_documented_keys(facts, expected, _case):
    assert referenced_order_ids([facts]) == expected


def test_the_sar_costs_a_fixed_number_of_queries(monitored_case, django_assert_num_queries):
    # given: the case, measured
    case, _ = monitored_case
    with django_assert_num_queries(9):
        build_sar(case=case, now=NOW)
    # and five more alerts, each naming one more filled order
    live = b.connection(case.user)
    for n in range(5):
        extra = b.order(
            case.user, live=live, created_at=b.at(11), fills=[("1", "1", b.at(11))], key=f"x{n}"
        )
        b.alert(
            case.user,
            "large_trade",
            created_at=b.at(11),
            case=case,
            facts={"order_id": extra.pk},
            key=f"x{n}",
        )
    # when / then
    with django_assert_num_queries(9):
        data = build_sar(case=case, now=NOW)
    assert data["transactions"]["count"] == 9


def test_generating_a_sar_needs_a_narrative(monitored_case):
    # given
    case, _ = monitored_case
    officer = b.officer()
    # when
    with pytest.raises(ReportError) as raised:
        generate_report(officer=officer, type="sar", case_id=case.pk, narrative="  \n ")
    # then
    assert (raised.value.code, raised.value.field, raised.value.status) == (
        "narrative_required",
        "narrative",
        400,
    )


def test_a_generated_sar_stores_the_narrative_and_the_case_window(monitored_case):
    # given
    case, _ = monitored_case
    officer = b.officer()
    # when
    report = generate_report(
        officer=officer, type="sar", case_id=case.pk, narrative=" Trades split to avoid limits. "
    )
    # then
    assert report.narrative == "Trades split to avoid limits."
    assert report.case == case
    assert report.period_start == b.at(8, month=2)
    assert report.data["case"]["id"] == case.pk
    assert Decimal(report.data["transactions"]["total_usd"]) == Decimal("7500.5")
