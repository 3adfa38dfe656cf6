"""The "Wallet addresses" section of the account page: registering one (the list is shown by
compliance/templatetags/wallet_addresses.py). Whether an address is listed is never shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from compliance.screening.wallets import register_wallet
from compliance.wallet_forms import WalletForm
from cryptopulse.errors import ApplicationError


@login_required
@require_POST
def wallet_add(request: HttpRequest) -> HttpResponse:
    """Register the wallet address, or say why not, then back to the account page."""
    form = WalletForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The wallet address was not saved: " + form.errors.as_text())
    else:
        user: User = request.user  # type: ignore[assignment]  # login_required ran first
        try:
            wallet = register_wallet(user=user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, f"The wallet address was not saved: {error.message}")
        else:
            messages.success(request, f"Your {wallet.chain} address is saved.")
    return redirect(reverse("account_security") + "#wallets")
