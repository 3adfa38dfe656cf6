"""The "Wallet addresses" section of the account page: the user's addresses and a form."""

from __future__ import annotations

from typing import Any

from django import template

from compliance.screening.wallets import wallets_of
from compliance.wallet_forms import WalletForm

register = template.Library()


@register.inclusion_tag("compliance/_wallet_addresses.html", takes_context=True)
def wallet_addresses_section(context: template.Context) -> dict[str, Any]:
    return {"wallets": wallets_of(context["request"].user), "form": WalletForm()}
