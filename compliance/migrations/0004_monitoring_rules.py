"""The monitoring rules' rows, with their default parameters (compliance.monitoring.rules).

Idempotent: a rule that already has a row (and whatever officers set on it) is left alone.
The defaults are copied here, as a migration must not depend on code that changes later;
tests/compliance/monitoring/test_rule_rows.py checks they equal the rules' own.
"""

from django.db import migrations

RULES = [
    {
        "code": "large_trade",
        "name": "Single trade of 5,000 USD or more",
        "params": {"threshold_usd": "5000"},
        "score": 15,
        "severity": "medium",
    },
    {
        "code": "daily_total",
        "name": "Daily total of 10,000 USD or more",
        "params": {"threshold_usd": "10000"},
        "score": 15,
        "severity": "medium",
    },
    {
        "code": "monthly_total",
        "name": "Monthly total of 50,000 USD or more",
        "params": {"threshold_usd": "50000"},
        "score": 20,
        "severity": "medium",
    },
    {
        "code": "structuring",
        "name": "Structuring: several trades just under a threshold",
        "params": {"threshold_usd": "5000", "band_pct": "10", "min_count": 3, "window_hours": 24},
        "score": 30,
        "severity": "high",
    },
    {
        "code": "velocity",
        "name": "Velocity: trades per hour far above the user's norm",
        "params": {"factor": "5", "min_count": 10, "baseline_days": 30},
        "score": 20,
        "severity": "medium",
    },
    {
        "code": "rapid_in_out",
        "name": "Deposit, trade and withdraw in quick succession",
        "params": {
            "window_hours": 24,
            "min_deposit_usd": "1000",
            "min_turnover_pct": "80",
            "min_withdrawal_pct": "80",
        },
        "score": 30,
        "severity": "high",
    },
    {
        "code": "wash_trading",
        "name": "Self-matching: buy and sell of the same amount at the same price",
        "params": {"window_minutes": 10, "price_tolerance_pct": "0.5", "amount_tolerance_pct": "5"},
        "score": 30,
        "severity": "high",
    },
    {
        "code": "high_risk_jurisdiction",
        "name": "Activity from a high-risk jurisdiction",
        "params": {"check_nationality": True, "check_residence": True},
        "score": 25,
        "severity": "high",
    },
    {
        "code": "dormant_reactivated",
        "name": "Dormant account suddenly active",
        "params": {"dormant_days": 180},
        "score": 15,
        "severity": "medium",
    },
]


def create_rules(apps, schema_editor):
    MonitoringRule = apps.get_model("compliance", "MonitoringRule")
    for rule in RULES:
        MonitoringRule.objects.get_or_create(
            code=rule["code"],
            defaults={
                "name": rule["name"],
                "description": "See docs/monitoring-rules.md.",
                "params": rule["params"],
                "score": rule["score"],
                "severity": rule["severity"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_watchlists_entry_details")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
