"""Pages: markets, a symbol's chart, the user's exchange connections and risk limits.

A connection's page trades on it: a ticket, open orders with cancel and the order history,
each labelled TESTNET or LIVE. Views stay thin: a form parses, `trading.services.orders`
places and cancels, and another user's connection or order is a 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.forms import ConnectionForm, RiskLimitsForm
from trading.models import ConnectionStatus, ExchangeConnection, TradingMode
from trading.order_forms import ExchangeOrderTicketForm, report_placed
from trading.selectors import (
    UnknownSymbolError,
    connections_of,
    default_exchange,
    markets_of,
    orders_of,
    resolve_market,
)
from trading.services import connections
from trading.services.markets import ticker_key
from trading.services.orders import OrderRefused, cancel_order, mode_of, place_order
from trading.services.risk_limits import set_user_limits
from trading.timeframes import TIMEFRAMES

CHART_TIMEFRAMES = ("1m", "5m", "1h")
HISTORY_LIMIT = 100
TICKET_HINT = (
    "The amount is in the coin bought or sold. The exchange's own fees and fill rules apply."
)


def markets(request: HttpRequest) -> HttpResponse:
    """Every active market with its last price, 24 h change and volume, updated live."""
    exchange = default_exchange()
    rows = list(markets_of(exchange=exchange))
    tickers = cache.get_many([ticker_key(exchange, market.symbol) for market in rows])
    table = [(market, tickers.get(ticker_key(exchange, market.symbol))) for market in rows]
    return render(
        request,
        "trading/markets.html",
        {"exchange": exchange, "rows": table, "simulated": exchange == "simulated"},
    )


def market_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    """Candlestick and volume chart of one market, with a live last candle."""
    exchange = default_exchange()
    try:
        market = resolve_market(exchange=exchange, text=symbol)
    except UnknownSymbolError as error:
        raise Http404(f"No market {symbol!r}") from error
    timeframe = request.GET.get("timeframe", "1h")
    if timeframe not in CHART_TIMEFRAMES:
        timeframe = "1h"
    return render(
        request,
        "trading/market_detail.html",
        {
            "market": market,
            "exchange": exchange,
            "simulated": exchange == "simulated",
            "timeframe": timeframe,
            "timeframes": CHART_TIMEFRAMES,
            "timeframe_seconds": int(TIMEFRAMES[timeframe].total_seconds()),
            "ws_symbol": market.symbol.replace("/", "-"),
        },
    )


@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connections.add_connection(user=user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, f"Connection {connection.label} added. Test it to see balances."
            )
            return redirect("trading:connection_detail", connection_id=connection.pk)
    return render(
        request,
        "trading/connections.html",
        {"connections": connections_of(user=user), "form": form},
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required ran first


def _own(request: HttpRequest, connection_id: int) -> ExchangeConnection:
    row = connections_of(user=_user(request)).filter(pk=connection_id).first()
    if row is None:
        raise Http404("No such connection")
    return row


def _renew_client_order_id(data: QueryDict) -> None:
    """A refused order is kept (rejected) under its client order id: the corrected ticket
    needs a new one, or sending it again would only find the rejected order."""
    data["client_order_id"] = uuid.uuid4().hex


@login_required
@require_http_methods(["GET", "POST"])
def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    """A connection's balances, order ticket and orders; a POST places the ticket's order.

    Orders go through the same order service as paper ones; its `ApplicationError`s (400 bad
    input, 422 refused by the exchange, 503 unreachable) go back onto the ticket.
    """
    user = _user(request)
    connection = _own(request, connection_id)
    mode = mode_of(connection)
    markets = list(markets_of(exchange=connection.exchange))
    form_data = request.POST.copy() if request.method == "POST" else None  # mutable
    form = ExchangeOrderTicketForm(form_data, markets=markets, live=mode == TradingMode.LIVE)
    status = 200
    error = None
    if request.method == "POST":
        if connection.status != ConnectionStatus.VALID:
            error = "Test the connection before placing orders on it."
            status = 409
        elif form.is_valid():
            try:
                placed = place_order(user=user, account=connection, **form.order_input())
            except ApplicationError as problem:
                form.add_order_error(problem)
                status = problem.status
                if isinstance(problem, OrderRefused) and form_data is not None:
                    _renew_client_order_id(form_data)
            else:
                report_placed(request, placed, with_mode=True)
                return redirect("trading:connection_detail", connection_id=connection.pk)
        else:
            status = 400
    balances = None
    if connection.status == ConnectionStatus.VALID:
        try:
            balances = connections.fetch_balances(user=user, connection_id=connection.pk)
        except ApplicationError as problem:
            error = problem.message
    open_orders = orders_of(user=user, connection_id=connection.pk, status="open")
    context = {
        "connection": connection,
        "mode": mode,
        "balances": balances,
        "error": error,
        "form": form,
        "markets": markets,
        "ticket_action": reverse("trading:connection_detail", args=[connection.pk]),
        "ticket_hint": TICKET_HINT,
        "open_orders": list(open_orders),
        "history": list(orders_of(user=user, connection_id=connection.pk)[:HISTORY_LIMIT]),
        "history_limit": HISTORY_LIMIT,
    }
    return render(request, "trading/connection_detail.html", context, status=status)


@login_required
@require_POST
def connection_order_cancel(
    request: HttpRequest, connection_id: int, order_id: int
) -> HttpResponse:
    """Cancel one open order of this connection on the exchange; any other order is a 404."""
    user = _user(request)
    connection = _own(request, connection_id)
    if not orders_of(user=user, connection_id=connection.pk).filter(pk=order_id).exists():
        raise Http404("No such order on this connection")
    try:
        order = cancel_order(user=user, order_id=order_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order #{order.pk} cancelled on {connection.exchange}.")
    return redirect("trading:connection_detail", connection_id=connection.pk)


@login_required
@require_POST
def connection_test(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    try:
        check = connections.check_connection(user=_user(request), connection_id=connection.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if check.connection.status == "valid":
            messages.success(request, "The connection works.")
        else:
            messages.error(request, check.connection.status_reason)
    return redirect("trading:connection_detail", connection_id=connection.pk)


@login_required
@require_POST
def connection_delete(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    try:
        connections.remove_connection(user=_user(request), connection_id=connection.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("trading:connection_detail", connection_id=connection.pk)
    messages.success(request, f"Connection {connection.label} removed.")
    return redirect("trading:connections")


@login_required
@require_POST
def risk_limits_update(request: HttpRequest) -> HttpResponse:
    """The account page's risk limits (trading/templatetags/risk_limits.py): saved, or the
    reason they were not, then back to the page."""
    form = RiskLimitsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Your risk limits were not saved: " + form.errors.as_text())
    else:
        try:
            set_user_limits(user=_user(request), limits=form.limits())
        except ApplicationError as error:
            messages.error(request, f"Your risk limits were not saved: {error.message}")
        else:
            messages.success(request, "Your risk limits are saved.")
    return redirect(reverse("account_security") + "#risk-limits")
