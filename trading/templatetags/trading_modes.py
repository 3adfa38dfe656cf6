"""The mode badge (PAPER, TESTNET or LIVE) of an account, the same on every page."""

from __future__ import annotations

from django import template

from trading.services.orders import TradingAccount, mode_of

register = template.Library()


@register.inclusion_tag("trading/_mode_badge.html")
def mode_badge(account: TradingAccount) -> dict[str, str]:
    """PAPER (pretend money), TESTNET (no real money: a sandbox, or our simulator) or LIVE
    (real money); takes a paper account or an exchange connection."""
    return {"mode": mode_of(account)}
