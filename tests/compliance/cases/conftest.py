import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.models import Case
from compliance.monitoring.rules import ensure_default_rules
from compliance.monitoring.services import evaluate_order
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory
from tests.factories.monitoring import live_connection, trade, worth


def make_officer(**fields) -> User:
    """Staff in the compliance_officer group (as `sync_roles` sets the group up)."""
    groups = sync_roles()
    officer = UserFactory.create(is_staff=True, **fields)
    officer.groups.add(groups[Role.COMPLIANCE_OFFICER])
    return officer


@pytest.fixture
def officer(db: None) -> User:
    return make_officer(email="olga.officer@example.com")


@pytest.fixture
def second_officer(db: None) -> User:
    return make_officer(email="sam.second@example.com")


@pytest.fixture
def trader(db: None) -> User:
    return UserFactory.create(email="tina.trader@example.com")


@pytest.fixture
def case(trader, noon) -> Case:
    """The trader's monitoring case, opened by a real alert (a 6,000 USD live trade)."""
    ensure_default_rules()
    order = trade(live_connection(trader), at=noon, fills=worth("6000"))
    [alert] = evaluate_order(order_id=order.pk)
    assert alert.case is not None
    return alert.case


@pytest.fixture
def officer_client(officer) -> Client:
    return login_with_second_factor(Client(), officer)


@pytest.fixture
def second_client(second_officer) -> Client:
    return login_with_second_factor(Client(), second_officer)


@pytest.fixture
def noon():
    from datetime import UTC, datetime

    return datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
