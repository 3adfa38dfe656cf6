"""Pages: the user's backtests (list, compare, new, report, progress, downloads).

Views stay thin: `BacktestForm` parses, `start_backtest` checks and queues (its
`ApplicationError` goes onto the field it names, never a 500), a worker runs the job, and
`trading.selectors` reads. The report page shows the stored report as it is
(`BacktestResult.to_dict()`); the figures shown on every page are declared once here.
Another user's run is a 404 on every page, partial and download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.backtest.report import ASSUMPTIONS, trades_csv_from_dict
from trading.backtest_forms import BacktestForm
from trading.models import Backtest, BacktestStatus
from trading.selectors import backtests_of, own_backtest, own_backtests, stored_series
from trading.services.backtests import start_backtest
from trading.strategies.registry import STRATEGIES
from trading.templatetags.bot_format import param_value, strategy_title

RUNS_PER_PAGE = 50
TRADES_PER_PAGE = 100
COMPARE_MIN, COMPARE_MAX = 2, 4
ACTIVE = (BacktestStatus.QUEUED, BacktestStatus.RUNNING)


@dataclass(frozen=True)
class Figure:
    """One figure of a report's `summary`: its key, label and format (backtest_format)."""

    key: str
    label: str
    kind: str
    note: str = ""


HEADLINE = (
    Figure("total_trades", "Trades", "count"),
    Figure("win_rate_pct", "Win rate", "percent"),
    Figure("profit_total_pct", "Total profit", "signed_percent", "of the starting balance"),
    Figure("profit_total_abs", "Absolute profit", "signed_amount"),
    Figure("cagr_pct", "CAGR", "signed_percent"),
    Figure("sharpe", "Sharpe", "ratio", "daily, annualised"),
    Figure("sortino", "Sortino", "ratio", "daily, annualised"),
    Figure("calmar", "Calmar", "ratio"),
    Figure("profit_factor", "Profit factor", "ratio"),
    Figure("expectancy", "Expectancy", "signed_amount", "per trade"),
    Figure("max_drawdown_abs", "Max drawdown", "amount"),
    Figure("max_drawdown_pct", "Max drawdown %", "percent"),
    Figure("max_drawdown_duration_s", "Drawdown duration", "duration"),
    Figure("market_change_pct", "Market change", "signed_percent", "mean over pairs"),
)
DETAILS = (
    Figure("wins", "Wins", "count"),
    Figure("draws", "Draws", "count"),
    Figure("losses", "Losses", "count"),
    Figure("starting_balance", "Starting balance", "amount"),
    Figure("final_balance", "Final balance", "amount"),
    Figure("profit_mean_pct", "Mean trade", "signed_percent"),
    Figure("best_trade_pct", "Best trade", "signed_percent"),
    Figure("worst_trade_pct", "Worst trade", "signed_percent"),
    Figure("expectancy_ratio", "Expectancy ratio", "ratio"),
    Figure("max_drawdown_start", "Drawdown from", "moment"),
    Figure("max_drawdown_end", "Drawdown to", "moment"),
    Figure("max_equity_drawdown_pct", "Max equity drawdown", "percent", "marked to market"),
    Figure("exposure_pct", "Exposure", "percent", "candles with a trade open"),
    Figure("avg_duration_s", "Mean trade duration", "duration"),
    Figure("rejected_no_slot", "Entries refused: no slot", "count"),
    Figure("rejected_no_funds", "Entries refused: no funds", "count"),
    Figure("rejected_by_risk", "Entries refused: risk limits", "count"),
    Figure("start", "Period from", "moment"),
    Figure("end", "Period to", "moment"),
    Figure("days", "Days", "ratio"),
    Figure("candles", "Candles", "count"),
    Figure("elapsed_s", "Run time (s)", "ratio"),
)
# The settings of `BacktestConfig.to_dict()`, as the compare page and the report list them.
CONFIG_ROWS = (
    ("wallet", "Wallet"),
    ("stake", "Stake"),
    ("stake_mode", "Stake mode"),
    ("max_open_trades", "Max open trades"),
    ("fee", "Fee"),
    ("slippage", "Slippage"),
    ("min_confidence", "Min confidence"),
    ("stop_gap_fill", "Stop gap fill"),
    ("force_exit_price", "Force exit price"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required ran first


def _own(request: HttpRequest, backtest_id: int, *, report: bool = True) -> Backtest:
    try:
        return own_backtest(user=_user(request), backtest_id=backtest_id, report=report)
    except Backtest.DoesNotExist as error:
        raise Http404("No such backtest") from error


def _params_text(backtest: Backtest) -> str:
    return ", ".join(f"{name}={param_value(value)}" for name, value in backtest.params.items())


def _period_text(backtest: Backtest) -> str:
    """The period asked for: from / to, or all stored candles."""

    def day(moment: datetime | None, blank: str) -> str:
        return blank if moment is None else f"{moment:%Y-%m-%d %H:%M}"

    if backtest.start is None and backtest.end is None:
        return "all stored candles"
    return f"{day(backtest.start, 'first candle')} to {day(backtest.end, 'last candle')}"


def settings_rows(backtest: Backtest) -> list[tuple[str, Any]]:
    """What the run was asked to do, as (label, value) rows."""
    return [
        ("Strategy", strategy_title(backtest.strategy)),
        ("Parameters", _params_text(backtest) or "defaults"),
        ("Exchange", backtest.exchange),
        ("Markets", ", ".join(backtest.symbols)),
        ("Timeframe", backtest.timeframe),
        ("Period asked", _period_text(backtest)),
        *((label, param_value(backtest.config.get(key))) for key, label in CONFIG_ROWS),
    ]


@login_required
@require_GET
def backtest_list(request: HttpRequest) -> HttpResponse:
    """The user's runs, newest first, with their headline figures; pick some to compare."""
    page = Paginator(backtests_of(user=_user(request)), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "trading/backtests.html",
        {"page": page, "compare_min": COMPARE_MIN, "compare_max": COMPARE_MAX},
    )


@login_required
@require_http_methods(["GET", "POST"])
def backtest_new(request: HttpRequest) -> HttpResponse:
    """The new-backtest form; a POST queues the run and goes to its page."""
    form = BacktestForm(
        request.POST if request.method == "POST" else None,
        series=stored_series(),
        initial_strategy=request.GET.get("strategy"),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                backtest = start_backtest(user=_user(request), **form.backtest_input())
            except ApplicationError as error:
                form.add_service_error(error)
                status = error.status
            else:
                messages.success(
                    request, f"Backtest #{backtest.pk} is queued: a worker runs it shortly."
                )
                return redirect("trading:backtest_detail", backtest_id=backtest.pk)
        else:
            status = 400
    return render(
        request, "trading/backtest_form.html", {"form": form, "rules": ASSUMPTIONS}, status=status
    )


def _curve_points(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The equity curve for the chart: UNIX seconds, money as the report's strings."""
    return [
        {
            "time": int(datetime.fromisoformat(point["time"]).timestamp()),
            "equity": point["equity"],
            "balance": point["balance"],
        }
        for point in report.get("equity_curve", [])
    ]


@login_required
@require_GET
def backtest_detail(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """Progress while it runs; then the rules, figures, tables, equity curve and trades."""
    backtest = _own(request, backtest_id)
    strategy_cls = STRATEGIES.get(backtest.strategy)
    context: dict[str, Any] = {
        "backtest": backtest,
        "active": backtest.status in ACTIVE,
        # the parameters get their own table, with their defaults (as on the bot page)
        "settings_rows": [row for row in settings_rows(backtest) if row[0] != "Parameters"],
        "params": (
            [
                (param, backtest.params.get(param.name, param.default))
                for param in strategy_cls.params
            ]
            if strategy_cls is not None
            else []
        ),
    }
    report = backtest.result
    if report is not None:
        summary = report.get("summary", {})
        context.update(
            report=report,
            summary=summary,
            headline=[(figure, summary.get(figure.key)) for figure in HEADLINE],
            details=[(figure, summary.get(figure.key)) for figure in DETAILS],
            rules=report.get("assumptions") or ASSUMPTIONS,
            curve=_curve_points(report),
            trades=Paginator(report.get("trades", []), TRADES_PER_PAGE).get_page(
                request.GET.get("page")
            ),
        )
    return render(request, "trading/backtest_detail.html", context)


@login_required
@require_GET
def backtest_progress(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """The progress partial the report page polls; once the run is over, an htmx request
    is told to reload the page (which then shows the report or the error)."""
    backtest = _own(request, backtest_id, report=False)
    active = backtest.status in ACTIVE
    response = render(
        request, "trading/_backtest_progress.html", {"backtest": backtest, "active": active}
    )
    if not active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _report_or_409(backtest: Backtest) -> dict[str, Any] | HttpResponse:
    if backtest.result is None:
        return HttpResponse(
            f"Backtest #{backtest.pk} is {backtest.status}: it has no report.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    return backtest.result


@login_required
@require_GET
def backtest_report_json(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """The stored report, as the engine wrote it."""
    backtest = _own(request, backtest_id)
    report = _report_or_409(backtest)
    if isinstance(report, HttpResponse):
        return report
    response = JsonResponse(report, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="backtest-{backtest.pk}.json"'
    return response


@login_required
@require_GET
def backtest_trades_csv(request: HttpRequest, backtest_id: int) -> HttpResponse:
    """The report's trades as CSV (the same columns as the API's and the CLI's)."""
    backtest = _own(request, backtest_id)
    report = _report_or_409(backtest)
    if isinstance(report, HttpResponse):
        return report
    response = HttpResponse(trades_csv_from_dict(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="backtest-{backtest.pk}-trades.csv"'
    return response


def _compare_ids(request: HttpRequest) -> list[int]:
    """`?ids=1,2,3` (the list's script) or `?ids=1&ids=2` (its form without script)."""
    values = [part for value in request.GET.getlist("ids") for part in value.split(",")]
    try:
        return list(dict.fromkeys(int(value) for value in values if value.strip()))
    except ValueError as error:
        raise Http404("No such backtest") from error


@login_required
@require_GET
def backtest_compare(request: HttpRequest) -> HttpResponse:
    """2 to 4 runs side by side: one column per run, rows = settings and summary figures."""
    ids = _compare_ids(request)
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        messages.error(request, f"Pick {COMPARE_MIN} to {COMPARE_MAX} backtests to compare.")
        return redirect("trading:backtests")
    try:
        runs = own_backtests(user=_user(request), backtest_ids=ids)
    except Backtest.DoesNotExist as error:
        raise Http404("No such backtest") from error
    columns = [settings_rows(run) for run in runs]
    settings = [
        (label, [column[index][1] for column in columns])
        for index, (label, _) in enumerate(columns[0])
    ]
    figures = [
        (figure, [(run.summary or {}).get(figure.key) for run in runs])  # type: ignore[attr-defined]
        for figure in (*HEADLINE, *DETAILS)
    ]
    return render(
        request,
        "trading/backtest_compare.html",
        {
            "runs": runs,
            "settings": [(label, values, len(set(values)) > 1) for label, values in settings],
            "figures": figures,
        },
    )
