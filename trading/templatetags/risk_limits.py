"""The risk limits section of the account page: the platform's, the user's own, in force."""

from __future__ import annotations

from typing import Any

from django import template

from trading.forms import RISK_LIMIT_LABELS, RiskLimitsForm
from trading.services.risk_limits import risk_limits_of

register = template.Library()


@register.inclusion_tag("trading/_risk_limits.html", takes_context=True)
def risk_limits_section(context: template.Context) -> dict[str, Any]:
    """One row per limit, with the user's own as an editable field (blank: the platform's)."""
    limits = risk_limits_of(context["request"].user)
    form = RiskLimitsForm(initial=limits.own)
    rows = [
        {
            "field": form[name],
            "applies": applies,
            "platform": f"{getattr(limits.platform, name):g}",
            "effective": f"{getattr(limits.effective, name):g}",
        }
        for name, (_label, applies) in RISK_LIMIT_LABELS.items()
    ]
    return {"rows": rows}
