from __future__ import annotations

from typing import Any

from django import forms

from papertrading.forms import OrderTicketForm
from trading.models import Market
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


class ExchangeOrderTicketForm(OrderTicketForm):
    """The paper trade ticket, for an order on an exchange connection.

    Exchanges take the amount in the base asset, so there is no "spend" size. On a live
    connection `confirm_live` must be ticked: the form refuses the order before the order
    service, and so the exchange, sees it. Every other rule stays the order service's.
    """

    confirm_live = forms.BooleanField(
        label="I understand that this order trades real money on the exchange.",
        required=False,
        error_messages={"required": "Tick the box to confirm a live order: it uses real money."},
    )

    def __init__(self, *args: Any, markets: list[Market], live: bool, **kwargs: Any) -> None:
        super().__init__(*args, markets=markets, **kwargs)
        del self.fields["size"], self.fields["quote_amount"]
        self.live = live
        if live:
            self.fields["confirm_live"].required = True
        else:
            del self.fields["confirm_live"]
