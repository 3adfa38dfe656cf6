"""Transaction monitoring: configurable rules and the alerts they raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from compliance.models.cases import Case, Severity


class MonitoringRule(models.Model):
    """One rule, configured by officers in the admin: `params` holds its thresholds (each
    rule documents its keys), `score` what an alert adds to the user's risk score."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    params = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(default=20)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    include_paper = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Alert(models.Model):
    """A rule firing for a user. `dedup_key` (rule, user and the rule's window) keeps a rule
    from alerting twice on the same facts; `facts` keeps the evidence (order ids, sums)."""

    rule = models.ForeignKey(MonitoringRule, on_delete=models.PROTECT, related_name="alerts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compliance_alerts"
    )
    score = models.PositiveSmallIntegerField()
    facts = models.JSONField(default=dict)
    dedup_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "created_at"], name="alert_user_time"),
            models.Index(fields=["rule", "created_at"], name="alert_rule_time"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} for {self.user_id}"
