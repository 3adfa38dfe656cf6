"""The account page's form for registering a wallet address (compliance.wallet_views)."""

from __future__ import annotations

from django import forms

from compliance.screening.importers.chains import SUPPORTED_CHAINS


class WalletForm(forms.Form):
    """Chain and address; whether the address fits the chain is the service's to say."""

    chain = forms.ChoiceField(choices=[(code, code) for code in SUPPORTED_CHAINS], initial="XBT")
    address = forms.CharField(max_length=200)
    label = forms.CharField(max_length=100, required=False)
