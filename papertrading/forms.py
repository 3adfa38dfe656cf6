"""Forms of the paper trading pages: the trade ticket and a new account's name.

The forms only parse what was typed; every trading rule (steps, minimums, which prices a type
takes, funds) is the order service's, whose errors the view puts back on these fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from trading.models import Market

ORDER_TYPES = [
    ("market", "Market"),
    ("limit", "Limit"),
    ("stop_loss", "Stop-loss (stop-market)"),
    ("stop_limit", "Stop-limit"),
    ("take_profit", "Take-profit"),
]
SIZE_CHOICES = [("amount", "Amount"), ("quote", "Spend")]
PRICED_TYPES = {"limit", "stop_limit"}
STOP_TYPES = {"stop_loss", "stop_limit", "take_profit"}
ORDER_FIELDS = (
    "symbol",
    "side",
    "type",
    "amount",
    "quote_amount",
    "price",
    "stop_price",
    "time_in_force",
    "client_order_id",
)


def _decimal(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=38,
        decimal_places=18,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class OrderTicketForm(forms.Form):
    """One order as typed on the ticket. `size` says whether `amount` (base) or
    `quote_amount` (spend, market buys only) is meant; fields the type does not take are
    dropped, since the page hides them (a hidden, stale price must not refuse the order)."""

    symbol = forms.ChoiceField(label="Market")
    side = forms.ChoiceField(
        choices=[("buy", "Buy"), ("sell", "Sell")], initial="buy", widget=forms.RadioSelect
    )
    type = forms.ChoiceField(label="Order type", choices=ORDER_TYPES, initial="market")
    size = forms.ChoiceField(
        label="Size in", choices=SIZE_CHOICES, initial="amount", widget=forms.RadioSelect
    )
    amount = _decimal("Amount", "In the coin bought or sold.")
    quote_amount = _decimal("Spend", "Market buys only: buys as much as this sum pays for.")
    price = _decimal("Limit price")
    stop_price = _decimal("Stop price")
    time_in_force = forms.ChoiceField(
        label="Time in force",
        choices=[("GTC", "Good till cancelled"), ("IOC", "Immediate or cancel")],
        initial="GTC",
    )
    client_order_id = forms.RegexField(
        regex=r"^[A-Za-z0-9_\-.:]{1,36}$", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args: Any, markets: list[Market], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("client_order_id", uuid.uuid4().hex)
        if markets:
            default = next((m for m in markets if m.base == "BTC"), markets[0])
            kwargs["initial"].setdefault("symbol", default.symbol)
        super().__init__(*args, **kwargs)
        self.markets = {market.symbol: market for market in markets}
        symbol = self.fields["symbol"]
        assert isinstance(symbol, forms.ChoiceField)  # noqa: S101 - declared above
        symbol.choices = [(m.symbol, m.symbol) for m in markets]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if kind not in PRICED_TYPES:
            data["price"] = None
        if kind not in STOP_TYPES:
            data["stop_price"] = None
        if kind not in PRICED_TYPES:
            data["time_in_force"] = "GTC"  # only a limit (or a triggered stop-limit) may rest
        spends = data.get("size") == "quote" and kind == "market" and data.get("side") == "buy"
        if spends:
            data["amount"] = None
            if data.get("quote_amount") is None and "quote_amount" not in self.errors:
                self.add_error("quote_amount", "Give the sum to spend.")
        else:
            data["quote_amount"] = None
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", "Give an amount.")
        return data

    def order_input(self) -> dict[str, Any]:
        """The cleaned order, as `place_order` takes it (without user and account)."""
        fields = {name: self.cleaned_data.get(name) for name in ORDER_FIELDS}
        fields["client_order_id"] = fields["client_order_id"] or None
        return fields


class NewAccountForm(forms.Form):
    name = forms.CharField(label="Account name", max_length=100)
