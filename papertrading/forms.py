"""Forms of the paper trading pages that are paper's own: a new account's name.

The trade ticket is `trading.order_forms.OrderTicketForm`, shared with exchange connections.
"""

from __future__ import annotations

from django import forms


class NewAccountForm(forms.Form):
    name = forms.CharField(label="Account name", max_length=100)
