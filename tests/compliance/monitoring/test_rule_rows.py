"""The rule rows: migration 0003 makes one per rule with the rules' own defaults, once."""

import importlib

import pytest
from django.apps import apps

from compliance.models import MonitoringRule
from compliance.monitoring.rules import RULES, ensure_default_rules

pytestmark = pytest.mark.django_db
migration = importlib.import_module("compliance.migrations.0004_monitoring_rules")


def test_the_migration_copies_every_rules_defaults():
    copied = {row["code"]: row for row in migration.RULES}
    assert set(copied) == set(RULES)
    for code, spec in RULES.items():
        row = copied[code]
        assert (row["name"], row["params"], row["score"], row["severity"]) == (
            spec.name,
            dict(spec.defaults),
            spec.score,
            spec.severity,
        ), code


def test_the_migration_makes_missing_rows_and_keeps_what_officers_set():
    # given: one rule as an officer left it, another missing
    MonitoringRule.objects.filter(code="large_trade").update(
        params={"threshold_usd": "7500"}, enabled=False
    )
    MonitoringRule.objects.filter(code="velocity").delete()
    # when: the migration runs (twice)
    migration.create_rules(apps, None)
    migration.create_rules(apps, None)
    # then
    assert MonitoringRule.objects.count() == len(RULES)
    large = MonitoringRule.objects.get(code="large_trade")
    assert (large.params, large.enabled) == ({"threshold_usd": "7500"}, False)
    assert MonitoringRule.objects.get(code="velocity").params == dict(RULES["velocity"].defaults)


def test_ensure_default_rules_only_adds_what_is_missing():
    MonitoringRule.objects.filter(code="structuring").delete()
    created = ensure_default_rules()
    assert [rule.code for rule in created] == ["structuring"]
    assert ensure_default_rules() == []
    assert "A trade counts towards one alert only" in (
        MonitoringRule.objects.get(code="structuring").description
    )
