"""Pages: the strategy gallery, and the user's bots (list, new, detail, pause/resume/stop).

Views stay thin: `BotForm` parses, `trading.services.bots` creates and changes bots (its
`ApplicationError`s go onto the form or into a message, never a 500), `trading.selectors`
reads. Another user's bot is a 404 on every page and every POST. The gallery is public:
it shows only the built-in strategies, nothing of anyone's account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from cryptopulse.errors import ApplicationError
from papertrading.selectors import accounts_of
from papertrading.services import default_account
from trading.bot_forms import BotForm, account_choices
from trading.models import Bot, BotStatus, ConnectionStatus, Market
from trading.selectors import (
    bot_decisions,
    bot_trades,
    bots_of,
    connections_of,
    default_exchange,
    open_trade_counts,
    own_bot,
)
from trading.services import bot_results
from trading.services.backtests import backtest_bot
from trading.services.bots import create_bot, pause_all_bots, set_bot_status
from trading.strategies.registry import STRATEGIES, describe

DECISIONS_PER_PAGE = 50
TRADES_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required ran first


def _own_bot(request: HttpRequest, bot_id: int) -> Bot:
    try:
        return own_bot(user=_user(request), bot_id=bot_id)
    except Bot.DoesNotExist as error:
        raise Http404("No such bot") from error


def _percent(ratio: float) -> str:
    return f"{abs(ratio) * 100:g} %"


def exit_rule_lines(rules: dict[str, Any]) -> list[str]:
    """The exits besides the signal, in words (from `describe(...)["exit_rules"]`)."""
    lines = []
    if rules["stoploss"] is not None:
        lines.append(f"Stoploss {_percent(rules['stoploss'])} below the entry price.")
    if rules["trailing_stop"]:
        trailing = "Trailing stop: the stoploss follows the highest price since entry"
        if rules["trailing_stop_positive"] is not None:
            trailing += (
                f", {_percent(rules['trailing_stop_positive'])} behind it once the trade is "
                f"{_percent(rules['trailing_stop_positive_offset'])} up"
            )
        lines.append(trailing + ".")
    if rules["take_profit"] is not None:
        lines.append(f"Take profit {_percent(rules['take_profit'])} above the entry price.")
    if rules["minimal_roi"]:
        steps = ", ".join(
            f"after {minutes} min at {_percent(ratio)}"
            for minutes, ratio in rules["minimal_roi"].items()
        )
        lines.append(f"Minimal return, closing the trade {steps}.")
    return lines or ["None: only the exit signal closes a trade."]


@require_GET
def strategy_gallery(request: HttpRequest) -> HttpResponse:
    """Every built-in strategy: what it does, its warm-up, exits and parameters."""
    strategies = []
    for cls in STRATEGIES.values():
        described = describe(cls)
        described["exit_lines"] = exit_rule_lines(described["exit_rules"])
        strategies.append(described)
    return render(request, "trading/strategies.html", {"strategies": strategies})


@login_required
@require_GET
def bot_list(request: HttpRequest) -> HttpResponse:
    """The user's bots with their account, status, last candle and open trades."""
    bots = list(bots_of(user=_user(request)))
    counts = open_trade_counts(bots=bots)
    rows = [(bot, counts[bot.pk]) for bot in bots]
    running = sum(1 for bot in bots if bot.status == BotStatus.RUNNING)
    return render(request, "trading/bots.html", {"rows": rows, "running": running})


def _bot_form(request: HttpRequest) -> BotForm:
    """The form over the user's paper accounts and working exchange connections."""
    user = _user(request)
    default_account(user=user)  # a new user gets their first paper account, as on /paper-trading/
    paper_exchange = default_exchange()
    connections = list(connections_of(user=user).filter(status=ConnectionStatus.VALID))
    choices = account_choices(
        paper_accounts=list(accounts_of(user=user)),
        connections=connections,
        paper_exchange=paper_exchange,
    )
    exchanges = {choice.exchange for choice in choices}
    markets = list(
        Market.objects.filter(exchange__in=exchanges, active=True).order_by("exchange", "symbol")
    )
    return BotForm(
        request.POST if request.method == "POST" else None,
        accounts=choices,
        markets=markets,
        initial_strategy=request.GET.get("strategy"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def bot_new(request: HttpRequest) -> HttpResponse:
    """The new-bot form; a POST creates the bot (running) and goes to its page."""
    form = _bot_form(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bot = create_bot(user=_user(request), **form.bot_input())
            except ApplicationError as error:
                form.add_service_error(error)
                status = error.status
            else:
                messages.success(
                    request,
                    f"Bot {bot.name} is running: it judges each closed {bot.timeframe} candle.",
                )
                return redirect("trading:bot_detail", bot_id=bot.pk)
        else:
            status = 400
    return render(request, "trading/bot_form.html", {"form": form}, status=status)


@login_required
@require_GET
def bot_detail(request: HttpRequest, bot_id: int) -> HttpResponse:
    """Status, strategy and parameters, open trades, realised P&L, the strategy's results
    beside its backtest and its bots in the other modes, the round trips and the decision
    log. Its queries do not grow with the number of decisions or trades."""
    bot = _own_bot(request, bot_id)
    page = Paginator(bot_decisions(bot=bot), DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    strategy_cls = STRATEGIES.get(bot.strategy)
    params = (
        [(param, bot.params.get(param.name, param.default)) for param in strategy_cls.params]
        if strategy_cls is not None
        else []
    )
    trades = bot_trades(bot=bot)
    round_trips = bot_results.bot_trades(bot)[::-1]  # newest first, like the decision log
    return render(
        request,
        "trading/bot_detail.html",
        {
            "bot": bot,
            "account": bot.paper_account or bot.connection,
            "strategy": strategy_cls,
            "params": params,
            "page": page,
            "trades": trades,
            "comparison": bot_results.bot_comparison(bot),
            "trade_page": Paginator(round_trips, TRADES_PER_PAGE).get_page(
                request.GET.get("trades_page")
            ),
        },
    )


def _change_status(request: HttpRequest, bot_id: int, status: BotStatus, done: str) -> HttpResponse:
    bot = _own_bot(request, bot_id)
    try:
        bot = set_bot_status(user=_user(request), bot_id=bot.pk, status=status)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Bot {bot.name} {done}")
    return redirect("trading:bot_detail", bot_id=bot.pk)


@login_required
@require_POST
def bot_pause(request: HttpRequest, bot_id: int) -> HttpResponse:
    return _change_status(
        request,
        bot_id,
        BotStatus.PAUSED,
        "paused: it still exits its open trades but takes no new entries.",
    )


@login_required
@require_POST
def bot_resume(request: HttpRequest, bot_id: int) -> HttpResponse:
    return _change_status(request, bot_id, BotStatus.RUNNING, "resumed: it takes entries again.")


@login_required
@require_http_methods(["GET", "POST"])
def bot_stop(request: HttpRequest, bot_id: int) -> HttpResponse:
    """GET asks for confirmation; POST stops the bot for good (open trades are left as
    they are: nothing is sold)."""
    if request.method == "POST":
        return _change_status(
            request,
            bot_id,
            BotStatus.STOPPED,
            "stopped: it no longer trades. What it bought stays in the account.",
        )
    bot = _own_bot(request, bot_id)
    return render(
        request,
        "trading/bot_stop_confirm.html",
        {"bot": bot, "open_trades": open_trade_counts(bots=[bot])[bot.pk]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def bot_pause_all(request: HttpRequest) -> HttpResponse:
    """The kill switch. GET asks for confirmation; POST pauses every running bot."""
    user = _user(request)
    if request.method == "POST":
        paused = pause_all_bots(user=user)
        if paused:
            messages.success(
                request,
                f"Paused {paused} bot{'s' if paused != 1 else ''}: "
                "open trades still exit, no new entries are taken.",
            )
        else:
            messages.info(request, "No bot was running; nothing to pause.")
        return redirect("trading:bots")
    running = [bot for bot in bots_of(user=user) if bot.status == BotStatus.RUNNING]
    return render(request, "trading/bots_pause_all_confirm.html", {"running": running})


@login_required
@require_POST
def bot_backtest(request: HttpRequest, bot_id: int) -> HttpResponse:
    """Queue a backtest of the bot as configured, since it was created; show its run."""
    bot = _own_bot(request, bot_id)
    try:
        run = backtest_bot(user=_user(request), bot_id=bot.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("trading:bot_detail", bot_id=bot.pk)
    messages.success(request, f"Backtest of {bot.name} queued.")
    return redirect("trading:backtest_detail", backtest_id=run.pk)
