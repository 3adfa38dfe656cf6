"""Paper trading pages: the trade ticket, orders, portfolio and equity of one paper account.

Thin views: a form parses the input, `trading.services.orders` and `papertrading.services`
do the work, and their `ApplicationError`s go back onto the form (never a 500). Every page
works on one of the signed-in user's accounts; another user's account or order is a 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cryptopulse.errors import ApplicationError
from papertrading import selectors
from papertrading.forms import NewAccountForm
from papertrading.models import PaperAccount
from papertrading.portfolio import portfolio_of
from papertrading.services import default_account, open_account, own_account, reset_account
from trading.models import Order
from trading.order_forms import OrderTicketForm, report_placed
from trading.services.orders import cancel_order, place_order

FILL_RULES = Path(settings.BASE_DIR) / "docs" / "paper-trading.md"
FEE_RATE_PERCENT = "0.1"
SLIPPAGE_CAP_PERCENT = "5"
TICKET_HINT = (
    f"Fees {FEE_RATE_PERCENT} %, paid in the asset you receive. "
    f"Market orders go at most {SLIPPAGE_CAP_PERCENT} % from the best price."
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required ran first


def _account(request: HttpRequest, account_id: object = None) -> PaperAccount:
    """The account the request names (`?account=`), else the user's default one."""
    user = _user(request)
    raw = account_id if account_id is not None else request.GET.get("account")
    if raw in (None, ""):
        return default_account(user=user)
    try:
        return own_account(user=user, account_id=int(str(raw)))
    except (ValueError, PaperAccount.DoesNotExist) as error:
        raise Http404("No such paper account") from error


def _page_url(account: PaperAccount, epoch: int | None = None) -> str:
    url = f"{reverse('papertrading:trade')}?account={account.pk}"
    return f"{url}&epoch={epoch}" if epoch and epoch != account.epoch else url


def _epoch(request: HttpRequest, account: PaperAccount) -> int:
    """The epoch whose history is shown: `?epoch=` when it exists, else the current one."""
    try:
        epoch = int(request.GET.get("epoch", ""))
    except ValueError:
        return account.epoch
    return epoch if 1 <= epoch <= account.epoch else account.epoch


def _live_context(account: PaperAccount, epoch: int) -> dict[str, Any]:
    """What the live part of the page shows; the partial re-renders it after each order."""
    portfolio = portfolio_of(account=account)
    return {
        "account": account,
        "epoch": epoch,
        "epochs": range(account.epoch, 0, -1),
        "portfolio": portfolio,
        "total_pnl_percent": portfolio.total_pnl / account.starting_balance * 100,
        "open_orders": selectors.open_orders(account=account),
        "history": selectors.order_history(account=account, epoch=epoch),
        "history_limit": selectors.HISTORY_LIMIT,
        "equity_points": [
            {"time": point.time, "value": point.value}
            for point in selectors.equity_curve(account=account, epoch=epoch)
        ],
        "live_url": f"{reverse('papertrading:live')}?account={account.pk}&epoch={epoch}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def trade(request: HttpRequest) -> HttpResponse:
    """The paper trading page; a POST places the ticket's order (then redirects back)."""
    account = _account(request)
    markets = selectors.tradable_markets(account=account)
    status = 200
    if request.method == "POST":
        form = OrderTicketForm(request.POST, markets=markets)
        if form.is_valid():
            try:
                placed = place_order(user=_user(request), account=account, **form.order_input())
            except ApplicationError as error:
                form.add_order_error(error)
                status = error.status
            else:
                report_placed(request, placed)
                return redirect(_page_url(account))
        else:
            status = 400
    else:
        form = OrderTicketForm(markets=markets)
    context = {
        **_live_context(account, _epoch(request, account)),
        "form": form,
        "ticket_action": _page_url(account),
        "ticket_hint": TICKET_HINT,
        "accounts": selectors.accounts_of(user=_user(request)),
        "new_account_form": NewAccountForm(),
        "fee_percent": FEE_RATE_PERCENT,
        "slippage_percent": SLIPPAGE_CAP_PERCENT,
    }
    return render(request, "papertrading/trade.html", context, status=status)


@login_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The live part of the page alone, fetched by static/js/paper.js after an order update."""
    account = _account(request)
    return render(
        request, "papertrading/_live.html", _live_context(account, _epoch(request, account))
    )


@login_required
@require_POST
def cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.own_paper_order(user=_user(request), order_id=order_id)
    except Order.DoesNotExist as error:
        raise Http404("No such order") from error
    try:
        order = cancel_order(user=_user(request), order_id=order.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order #{order.pk} cancelled; its funds are free again.")
    account_url = f"{reverse('papertrading:trade')}?account={order.paper_account_id}"
    return redirect(account_url)


@login_required
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, account_id: int) -> HttpResponse:
    """GET asks for confirmation; POST resets (open orders cancelled, starting balance back)."""
    account = _account(request, account_id)
    if request.method == "POST":
        account = reset_account(user=_user(request), account_id=account.pk)
        messages.success(
            request,
            f"{account.name} starts over with {account.starting_balance.normalize():,f} "
            f"{account.base_currency}. Earlier results stay under epoch {account.epoch - 1}.",
        )
        return redirect(_page_url(account))
    return render(
        request,
        "papertrading/reset_confirm.html",
        {
            "account": account,
            "open_orders": selectors.open_orders(account=account),
            "portfolio": portfolio_of(account=account),
        },
    )


@login_required
@require_POST
def new_account(request: HttpRequest) -> HttpResponse:
    form = NewAccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new account a name (up to 100 characters).")
        return redirect("papertrading:trade")
    try:
        account = open_account(user=_user(request), name=form.cleaned_data["name"])
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("papertrading:trade")
    messages.success(request, f"Paper account {account.name} opened.")
    return redirect(_page_url(account))


@require_GET
def fill_rules(request: HttpRequest) -> HttpResponse:
    """docs/paper-trading.md as it is in the repository: the one statement of the rules."""
    try:
        text = FILL_RULES.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise Http404("The rules are not installed here") from error
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
