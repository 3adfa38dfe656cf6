from datetime import UTC, datetime

import pytest

from compliance.models import MonitoringRule
from compliance.monitoring.rules import ensure_default_rules


@pytest.fixture(autouse=True)
def rules(db: None) -> dict[str, MonitoringRule]:
    """The rule rows as migration 0003 makes them (a transactional test's flush drops them)."""
    ensure_default_rules()
    return {rule.code: rule for rule in MonitoringRule.objects.all()}


@pytest.fixture
def noon() -> datetime:
    """A fixed time, far from a day's or a month's edge."""
    return datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
