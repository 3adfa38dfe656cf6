"""Pages: markets, a symbol's chart, and the user's exchange connections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.forms import ConnectionForm
from trading.models import ExchangeConnection
from trading.selectors import (
    UnknownSymbolError,
    connections_of,
    default_exchange,
    markets_of,
    resolve_market,
)
from trading.services import connections
from trading.services.markets import ticker_key
from trading.timeframes import TIMEFRAMES

CHART_TIMEFRAMES = ("1m", "5m", "1h")


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
    user: User = request.user  # type: ignore[assignment]
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


def _own(request: HttpRequest, connection_id: int) -> ExchangeConnection:
    row = connections_of(user=request.user).filter(pk=connection_id).first()  # type: ignore[arg-type]
    if row is None:
        raise Http404("No such connection")
    return row


@login_required
def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    balances = None
    error = None
    if connection.status == "valid":
        try:
            balances = connections.fetch_balances(
                user=request.user,  # type: ignore[arg-type]
                connection_id=connection.pk,
            )
        except ApplicationError as problem:
            error = problem.message
    return render(
        request,
        "trading/connection_detail.html",
        {"connection": connection, "balances": balances, "error": error},
    )


@login_required
@require_POST
def connection_test(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _own(request, connection_id)
    try:
        check = connections.check_connection(user=request.user, connection_id=connection.pk)  # type: ignore[arg-type]
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
    connections.remove_connection(user=request.user, connection_id=connection.pk)  # type: ignore[arg-type]
    messages.success(request, f"Connection {connection.label} removed.")
    return redirect("trading:connections")
