"""The mode badge (TESTNET or LIVE) of an exchange connection, the same on every page."""

from __future__ import annotations

from django import template

from trading.models import ExchangeConnection
from trading.services.orders import mode_of

register = template.Library()


@register.inclusion_tag("trading/_mode_badge.html")
def mode_badge(connection: ExchangeConnection) -> dict[str, str]:
    """TESTNET (no real money: a sandbox, or our simulator) or LIVE (real money)."""
    return {"mode": mode_of(connection)}
