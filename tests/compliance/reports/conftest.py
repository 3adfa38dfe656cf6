"""The scenarios the report tests share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from accounts.models import User
from compliance.audit import AuditAction, record
from tests.compliance.reports import builders as b
from tests.factories import UserFactory


@dataclass
class PeriodicScenario:
    officer: User
    second_officer: User


@pytest.fixture
def periodic_scenario(db: None) -> PeriodicScenario:
    """March 2025 with known KYC decisions, hits, alerts, cases and freezes, plus near misses
    just outside the month (the expected figures are in test_periodic.py)."""
    officer = b.officer(email="first.officer@example.com")
    second = b.officer(email="second.officer@example.com")
    users = [UserFactory.create() for _ in range(12)]

    # KYC: submitted in March (level 1: 2 approved, rejected, resubmission, pending, expired;
    # level 2: approved), and near misses submitted before, at the end, or never.
    b.kyc(users[0], status="approved", submitted_at=b.at(2, 10), decided_at=b.at(2, 12))  # 2 h
    b.kyc(users[1], status="rejected", submitted_at=b.at(3), decided_at=b.at(3, 4))  # 4 h
    b.kyc(
        users[2], status="resubmission_requested", submitted_at=b.at(4), decided_at=b.at(4, 6)
    )  # 6 h
    b.kyc(users[3], status="pending", submitted_at=b.PERIOD_START)  # the first instant counts
    b.kyc(users[4], level=2, status="approved", submitted_at=b.at(6), decided_at=b.at(6, 10))
    b.kyc(users[5], status="expired", submitted_at=b.at(7), decided_at=b.at(7, 1))  # 1 h
    # submitted in February, decided in March: not submitted in the period, decided in it (2 h)
    b.kyc(users[6], status="approved", submitted_at=b.at(28, 23, month=2), decided_at=b.at(1, 1))
    # submitted in March, decided at the end instant: submitted in it, not decided in it
    b.kyc(users[7], status="approved", submitted_at=b.at(31, 23), decided_at=b.PERIOD_END)
    b.kyc(users[8], status="pending", submitted_at=b.PERIOD_END)  # the end is excluded
    b.kyc(users[9], status="draft", submitted_at=None)

    # Screening: four hits of three users in March, two outside.
    sdn = [b.watchlist_entry("ofac_sdn", str(ref), f"Listed Person {ref}") for ref in (1, 2, 3)]
    un = b.watchlist_entry("un", "QDi.1", "Listed UN Person")
    pep = b.watchlist_entry("pep", "pep-1", "Exposed Person")
    b.screening_match(users[0], sdn[0], status="open", created_at=b.at(5))
    b.screening_match(users[0], un, status="confirmed", created_at=b.at(6))
    b.screening_match(users[1], sdn[1], status="false_positive", created_at=b.at(7))
    b.screening_match(users[2], pep, status="open", created_at=b.at(31, 23, 59))
    b.screening_match(users[3], sdn[2], status="open", created_at=b.at(27, month=2))
    b.screening_match(users[4], sdn[0], status="open", created_at=b.PERIOD_END)

    # Cases: opened in March (2 monitoring, wallet, kyc), closed in March (monitoring false
    # positive after 5 h, screening reported after 120 h, wallet true match after 1.5 h).
    c1 = b.case(users[0], kind="monitoring", opened_at=b.at(10))
    c2 = b.case(
        users[1],
        kind="monitoring",
        status="closed_false_positive",
        opened_at=b.at(11),
        closed_at=b.at(11, 5),
    )
    c3 = b.case(
        users[2],
        kind="screening",
        status="reported",
        opened_at=b.at(25, month=2),
        closed_at=b.at(2),
    )
    b.case(
        users[3],
        kind="wallet",
        status="closed_true_match",
        opened_at=b.at(20),
        closed_at=b.at(20, 1, 30),
    )
    b.case(
        users[4],
        kind="kyc",
        status="closed_no_action",
        opened_at=b.at(30),
        closed_at=b.PERIOD_END,
    )
    b.case(
        users[5],
        kind="screening",
        status="closed_no_action",
        opened_at=b.at(5, month=1),
        closed_at=b.at(5, month=2),
    )

    # Alerts: large_trade x3 (open in an open case, closed in a false-positive case, closed
    # without a case), structuring x1 (in a reported case), one large_trade in February.
    b.alert(users[0], "large_trade", created_at=b.at(9), case=c1, key="a1")
    b.alert(users[1], "large_trade", status="closed", created_at=b.at(11), case=c2, key="a2")
    b.alert(users[2], "large_trade", status="closed", created_at=b.at(12), key="a3")
    b.alert(users[2], "structuring", status="closed", created_at=b.at(1), case=c3, key="a4")
    b.alert(users[3], "large_trade", created_at=b.at(20, month=2), key="a5")

    # Freezes: two applied in March, one before; one unfreeze in March.
    with transaction.atomic():
        record(action=AuditAction.USER_FROZEN, actor=second, target=users[0], occurred_at=b.at(8))
        record(action=AuditAction.USER_FROZEN, actor=second, target=users[1], occurred_at=b.at(9))
        record(
            action=AuditAction.USER_FROZEN,
            actor=second,
            target=users[2],
            occurred_at=b.at(27, month=2),
        )
        record(
            action=AuditAction.USER_UNFROZEN, actor=second, target=users[1], occurred_at=b.at(15)
        )
    b.freeze_request(
        users[0],
        c1,
        action="freeze",
        status="approved",
        requested_by=officer,
        decided_by=second,
        requested_at=b.at(8),
    )
    b.freeze_request(
        users[1], c2, action="freeze", status="pending", requested_by=officer, requested_at=b.at(9)
    )
    b.freeze_request(
        users[2],
        c3,
        action="unfreeze",
        status="rejected",
        requested_by=officer,
        decided_by=second,
        requested_at=b.at(15),
    )
    b.freeze_request(
        users[3],
        c3,
        action="freeze",
        status="approved",
        requested_by=officer,
        decided_by=second,
        requested_at=b.at(20, month=2),
    )
    return PeriodicScenario(officer=officer, second_officer=second)
