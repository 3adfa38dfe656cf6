"""Regulatory reports: the periodic compliance report and suspicious-activity reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from compliance.models.cases import Case


class ReportType(models.TextChoices):
    PERIODIC = "periodic", "Periodic compliance report"
    SAR = "sar", "Suspicious activity report (draft)"


class ComplianceReport(models.Model):
    type = models.CharField(max_length=10, choices=ReportType.choices)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    data = models.JSONField(default=dict)
    narrative = models.TextField(blank=True)  # the officer's, for a SAR
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-generated_at",)

    def __str__(self) -> str:
        return f"{self.get_type_display()} #{self.pk}"
