"""The order ticket, shared by the paper trading page and an exchange connection's page.

The forms only parse what was typed; every trading rule (steps, minimums, which prices a type
takes, funds) is the order service's, whose errors `OrderTicketForm.add_order_error` puts back
on the ticket; `report_placed` tells the user what became of the order placed. The markup
is templates/trading/_order_ticket.html, the field toggling static/js/order_ticket.js.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from cryptopulse.errors import ApplicationError
from trading.models import Market, Order
from trading.services.orders import PlacedOrder

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

    @property
    def selected_market(self) -> Market | None:
        """The market the ticket shows (its units, steps and ticks), if it is a known one."""
        return self.markets.get(str(self["symbol"].value()))

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

    def add_order_error(self, error: ApplicationError) -> None:
        """The order service's refusal, on the field it names (if the ticket has it)."""
        field = error.field if error.field in ORDER_FIELDS and error.field in self.fields else None
        self.add_error(field, error.message)


class ExchangeOrderTicketForm(OrderTicketForm):
    """The trade ticket, for an order on an exchange connection.

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


def placed_message(order: Order, *, created: bool, with_mode: bool = False) -> str:
    """What the page says about an order just placed (or found placed under its client id):
    "Market buy BTC/USDT: filled, …", or with the mode "Testnet market buy BTC/USDT: …"."""
    kind = order.get_type_display()
    what = f"{order.get_mode_display()} {kind.lower()}" if with_mode else kind
    what = f"{what} {order.side} {order.symbol}"
    if not created:
        return f"{what} was already placed (order #{order.pk}): it is not placed twice."
    status = order.get_status_display().lower()
    if order.filled_amount and order.average_price is not None:
        return (
            f"{what}: {status}, {order.filled_amount.normalize():f} at an average "
            f"{order.average_price.quantize(Decimal('0.01')):,}."
        )
    return f"{what}: {status}."


def report_placed(request: HttpRequest, placed: PlacedOrder, *, with_mode: bool = False) -> None:
    """The message the page shows after a ticket's order: an error if it was rejected."""
    level = messages.SUCCESS if placed.order.status != "rejected" else messages.ERROR
    text = placed_message(placed.order, created=placed.created, with_mode=with_mode)
    messages.add_message(request, level, text)
