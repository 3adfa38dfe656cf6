from __future__ import annotations

from django import forms

from trading.services.connections import CONNECTABLE_EXCHANGES

EXCHANGE_LABELS = {
    "simulated": "Simulated exchange (loopback demo)",
    "binance": "Binance",
    "wazirx": "WazirX",
    "coindcx": "CoinDCX",
}


class ConnectionForm(forms.Form):
    exchange = forms.ChoiceField(
        choices=[(key, EXCHANGE_LABELS[key]) for key in CONNECTABLE_EXCHANGES]
    )
    label = forms.CharField(max_length=100)
    api_key = forms.CharField(label="API key", max_length=500)
    secret = forms.CharField(
        label="API secret", max_length=500, widget=forms.PasswordInput(render_value=False)
    )
    passphrase = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Only for exchanges that issue one.",
    )
    testnet = forms.BooleanField(required=False, label="Testnet / sandbox key")
