"""The strategy gallery and the bot pages through the test client, on the loopback exchange."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from compliance.models import AuditEvent
from papertrading.models import PaperAccount
from papertrading.services import open_account
from papertrading.templatetags.paper_format import coin, pnl, price
from tests.factories import UserFactory
from tests.factories.trading import bot_round_trip
from trading.models import (
    Backtest,
    BacktestStatus,
    Bot,
    BotDecision,
    BotStatus,
    Candle,
    ConnectionStatus,
    DecisionAction,
    ExchangeConnection,
    Market,
)
from trading.selectors import realised_pnl
from trading.services.bots import create_bot, set_bot_status, tick_bot
from trading.services.orders import place_order
from trading.strategies.registry import STRATEGIES

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def signed_in(client, simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    client.force_login(account.user)
    return client, account


def _bot(account: PaperAccount, name: str = "cross", **changes: object) -> Bot:
    values: dict[str, object] = {
        "user": account.user,
        "name": name,
        "strategy": "sma_crossover",
        "params": {"fast_period": 2, "slow_period": 3},
        "account": account,
        "symbols": ["BTC/USDT"],
        "timeframe": "1h",
        "stake_amount": D("100"),
        **changes,
    }
    return create_bot(**values)  # type: ignore[arg-type]


def _form(account: PaperAccount | ExchangeConnection, **fields: object) -> dict[str, object]:
    """The new-bot form as the page posts it (an SMA crossover on BTC and ETH), changed by
    `fields`."""
    kind = "paper" if isinstance(account, PaperAccount) else "connection"
    return {
        "name": "Trend",
        "strategy": "sma_crossover",
        "account": f"{kind}-{account.pk}",
        "symbols": ["BTC/USDT", "ETH/USDT"],
        "timeframe": "1h",
        "stake_amount": "100",
        "sma_crossover__fast_period": "10",
        "sma_crossover__slow_period": "30",
        "sma_crossover__stoploss_pct": "4.5",
        "sma_crossover__trailing_stop": "on",
        **fields,
    }


def _page(response) -> str:
    return response.content.decode()


def _section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def _tag(page: str, name: str) -> str:
    """The whole tag with `name="..."`."""
    at = page.index(f'name="{name}"')
    return page[page.rindex("<", 0, at) : page.index(">", at) + 1]


# The gallery


def test_the_gallery_is_public_and_lists_every_strategy_with_its_parameters(client):
    # when
    response = client.get("/strategies/")
    # then
    assert response.status_code == 200
    page = _page(response)
    for name, cls in STRATEGIES.items():
        article = _section(page, f'<article id="{name}"', "</article>")
        assert escape(cls.title) in article
        assert escape(cls.description) in article
        assert f"{cls.timeframe} <small>(suggested" in article
        assert f"{cls.startup_candles} candle" in article
        for param in cls.params:
            assert f'data-param="{param.name}"' in article
            assert escape(param.help) in article
        assert f"/bots/new/?strategy={name}" in article
    sma = _section(page, '<article id="sma_crossover"', "</article>")
    fast = _section(sma, 'data-param="fast_period"', "</tr>")
    assert "whole number" in fast
    assert ">20<" in fast
    assert "2 to 100" in fast
    assert "Stoploss 5 % below the entry price." in sma
    trailing = _section(sma, 'data-param="trailing_stop"', "</tr>")
    assert "on / off" in trailing
    assert ">off<" in trailing
    bollinger = _section(page, '<article id="bollinger_reversion"', "</article>")
    assert "middle, upper" in _section(bollinger, 'data-param="exit_band"', "</tr>")
    assert "Take profit 1 % above the entry price." in page  # grid: one step
    assert "after 0 min at 4 %, after 30 min at 2 %, after 60 min at 1 %" in page  # rsi_bb_tema
    assert 'aria-current="page">Strategies' in page


# Signing in, and the nav


def test_the_bot_pages_need_a_signed_in_user(client):
    for url in ("/bots/", "/bots/new/", "/bots/1/", "/bots/1/stop/", "/bots/pause-all/"):
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for url in ("/bots/new/", "/bots/1/pause/", "/bots/1/resume/", "/bots/1/stop/"):
        assert client.post(url)["Location"].startswith("/accounts/login/"), url
    assert 'href="/bots/"' not in _page(client.get("/"))


def test_bots_is_a_nav_link_for_signed_in_users(signed_in):
    client, _ = signed_in
    page = _page(client.get("/bots/"))
    assert 'href="/bots/"\n                 aria-current="page">Bots</a>' in page
    assert "nav-pending" not in _section(page, 'aria-label="Main"', "</nav>").split("Bots")[0]


# The new-bot form


def test_the_form_offers_strategies_accounts_markets_and_each_params_field(signed_in):
    # given: a working testnet connection, and one not tested yet
    client, account = signed_in
    working = ExchangeConnection.objects.create(
        user=account.user,
        exchange="simulated",
        label="sandbox",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )
    ExchangeConnection.objects.create(
        user=account.user,
        exchange="simulated",
        label="untested",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="efgh",
    )
    # when
    page = _page(client.get("/bots/new/?strategy=grid"))
    # then
    for name in STRATEGIES:
        assert f'<option value="{name}"' in page
        assert f'data-strategy="{name}"' in page
    grid = _section(page, '<option value="grid"', ">")
    assert 'data-timeframe="5m"' in grid
    assert "selected" in grid
    assert f'value="paper-{account.pk}"' in page
    assert "Main: paper account (PAPER)" in page
    assert f'value="connection-{working.pk}"' in page
    assert "sandbox: simulated (TESTNET)" in page
    assert "untested" not in page
    symbols = _section(page, 'name="symbols"', "</select>")
    assert 'value="BTC/USDT"' in symbols
    assert 'value="ETH/USDT"' in symbols
    fast = _tag(page, "sma_crossover__fast_period")
    assert 'type="number"' in fast
    assert 'min="2"' in fast
    assert 'max="100"' in fast
    assert 'step="1"' in fast
    assert 'value="20"' in fast
    step = _tag(page, "grid__step_pct")
    assert 'step="any"' in step
    assert 'value="1.0"' in step
    assert 'name="sma_crossover__trailing_stop"' in page
    assert '<option value="upper">upper</option>' in page  # bollinger's exit_band choice
    assert '<option value="5m" selected>5m</option>' in page  # grid's timeframe
    assert "js/bots.js" in page


def test_a_bot_created_through_the_form_runs_and_is_listed(signed_in):
    # given
    client, account = signed_in
    # when
    response = client.post("/bots/new/", _form(account), follow=True)
    # then
    bot = Bot.objects.get(user=account.user)
    assert response.redirect_chain == [(f"/bots/{bot.pk}/", 302)]
    assert (bot.name, bot.strategy, bot.status) == ("Trend", "sma_crossover", "running")
    assert bot.params == {
        "fast_period": 10,
        "slow_period": 30,
        "stoploss_pct": 4.5,
        "trailing_stop": True,
    }
    assert (bot.paper_account_id, bot.connection_id) == (account.pk, None)
    assert (bot.symbols, bot.timeframe, bot.stake_amount) == (["BTC/USDT", "ETH/USDT"], "1h", 100)
    assert "Bot Trend is running" in _page(response)
    assert AuditEvent.objects.filter(action="trading.bot.created", target_id=str(bot.pk)).exists()
    # and the list shows it
    listed = _section(_page(client.get("/bots/")), f'data-bot-id="{bot.pk}"', "</tr>")
    for text in ("Trend", "SMA crossover", "Main", "PAPER", "BTC/USDT, ETH/USDT", "1h", "100.00"):
        assert text in listed
    assert 'data-status="running"' in listed
    assert "none yet" in listed
    assert '<td class="num" data-open-trades>0</td>' in listed


def test_blank_parameters_take_their_defaults(signed_in):
    client, account = signed_in
    fields = {f"sma_crossover__{name}": "" for name in ("fast_period", "slow_period")}
    client.post("/bots/new/", _form(account, **fields))
    assert Bot.objects.get().params["fast_period"] == 20
    assert Bot.objects.get().params["slow_period"] == 50


def test_only_the_chosen_strategys_parameters_are_read(signed_in):
    # another strategy's fields (hidden and disabled by bots.js) may hold anything
    client, account = signed_in
    client.post("/bots/new/", _form(account, grid__step_pct="999", dca__interval_candles="x"))
    assert set(Bot.objects.get().params) == {
        "fast_period",
        "slow_period",
        "stoploss_pct",
        "trailing_stop",
    }


@pytest.mark.parametrize(
    ("fields", "field", "message", "_case"),
    [
        (
            {"sma_crossover__fast_period": "1"},
            "sma_crossover__fast_period",
            "fast_period must be a whole number from 2 to 100.",
            "param out of range",
        ),
        (
            {"sma_crossover__stoploss_pct": "lots"},
            "sma_crossover__stoploss_pct",
            "stoploss_pct must be a number from 0.5 to 50.",
            "param not a number",
        ),
        (
            {"sma_crossover__fast_period": "40", "sma_crossover__slow_period": "30"},
            "sma_crossover__slow_period",
            "slow_period must be greater than fast_period.",
            "the strategy's own check, through create_bot",
        ),
        (
            {"symbols": ["NOPE/USDT"]},
            "symbols",
            "No market &#x27;NOPE/USDT&#x27; on simulated.",
            "unknown symbol",
        ),
        ({"symbols": []}, "symbols", "This field is required.", "no symbol"),
        (
            {"stake_amount": "0.5"},
            "stake_amount",
            "BTC/USDT needs at least 5 USDT per order.",
            "stake below the minimum order",
        ),
        ({"stake_amount": "-1"}, "stake_amount", "The stake must be positive.", "negative"),
        ({"stake_amount": "a lot"}, "stake_amount", "Enter a number.", "stake not a number"),
        ({"timeframe": "7m"}, "timeframe", "Select a valid choice.", "unknown timeframe"),
        ({"name": " "}, "name", "This field is required.", "no name"),
    ],
)
def test_a_bad_bot_shows_the_error_on_its_field(signed_in, fields, field, message, _case):
    client, account = signed_in
    response = client.post("/bots/new/", _form(account, **fields))
    assert response.status_code == 400
    page = _page(response)
    assert message in _section(page, f'id="error-{field}"', "</small>")
    assert not Bot.objects.exists()
    # the form keeps what was typed
    assert 'value="Trend"' in page or field == "name"


def test_a_duplicate_name_is_refused_on_the_name_field(signed_in):
    client, account = signed_in
    _bot(account, name="Trend")
    response = client.post("/bots/new/", _form(account))
    assert response.status_code == 400
    error = _section(_page(response), 'id="error-name"', "</small>")
    assert "You already have a bot with this name." in error
    assert Bot.objects.count() == 1


def test_another_users_account_cannot_be_chosen(signed_in):
    client, _ = signed_in
    stranger = open_account(user=UserFactory.create())
    response = client.post("/bots/new/", _form(stranger))
    assert response.status_code == 400
    assert "Select a valid choice." in _section(_page(response), 'id="error-account"', "</small>")
    assert not Bot.objects.exists()


def test_a_bot_on_a_live_connection_needs_the_real_money_confirmation(signed_in):
    # given: a working live key on binance, whose BTC/USDT market is synced
    client, account = signed_in
    live = ExchangeConnection.objects.create(
        user=account.user,
        exchange="binance",
        label="main",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )
    Market.objects.create(
        exchange="binance",
        symbol="BTC/USDT",
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        price_tick=D("0.01"),
        amount_step=D("0.00001"),
        min_cost=D("5"),
        maker_fee=D("0.001"),
        taker_fee=D("0.001"),
    )
    assert "main: binance (LIVE, real money)" in _page(client.get("/bots/new/"))
    # when: without the confirmation
    refused = client.post("/bots/new/", _form(live, symbols=["BTC/USDT"]))
    # then
    assert refused.status_code == 400
    assert "Tick this" in _section(_page(refused), 'id="error-confirm_live"', "</small>")
    assert not Bot.objects.exists()
    # and a symbol the live exchange does not list is refused by the service
    unknown = client.post("/bots/new/", _form(live, symbols=["ETH/USDT"], confirm_live="on"))
    assert "No market &#x27;ETH/USDT&#x27; on binance." in _page(unknown)
    # when: confirmed
    client.post("/bots/new/", _form(live, symbols=["BTC/USDT"], confirm_live="on"))
    bot = Bot.objects.get()
    assert (bot.connection_id, bot.exchange) == (live.pk, "binance")
    assert "LIVE" in _section(_page(client.get("/bots/")), f'data-bot-id="{bot.pk}"', "</tr>")


# The bot's page


def test_the_page_shows_status_params_and_the_decision_log_newest_first_50_a_page(signed_in):
    # given: 60 decisions, one per hour, the last one an error
    client, account = signed_in
    bot = _bot(account)
    BotDecision.objects.bulk_create(
        BotDecision(
            bot=bot,
            symbol="BTC/USDT",
            candle_time=T0 + n * HOUR,
            action=DecisionAction.HOLD,
            reason=f"no entry signal #{n}",
            confidence=D("12.50") if n == 0 else None,
        )
        for n in range(59)
    )
    BotDecision.objects.create(
        bot=bot,
        symbol="BTC/USDT",
        candle_time=T0 + 59 * HOUR,
        action=DecisionAction.ERROR,
        reason="the exchange failed: timeout",
    )
    Bot.objects.filter(pk=bot.pk).update(
        status=BotStatus.ERROR, status_reason="Stopped after 3 failures: timeout"
    )
    # when
    page = _page(client.get(f"/bots/{bot.pk}/"))
    # then
    assert 'data-status="error"' in page
    assert "Stopped by an error" in page
    assert "Stopped after 3 failures: timeout" in _section(page, 'id="status-reason"', "</p>")
    assert "PAPER" in _section(page, "<h1>", "</h1>")
    assert "SMA crossover" in page
    params = _section(page, 'id="bot-params"', "</table>")
    fast = _section(params, 'data-param="fast_period"', "</tr>")
    assert '<td class="num">2</td>' in fast
    assert '<td class="num">20</td>' in fast  # the default, for comparison
    assert "trailing_stop" in params
    assert 'id="resume-bot"' in page  # an errored bot can be resumed
    log = _section(page, 'id="decisions"', "</section>")
    assert "(60, newest first)" in log
    assert log.count("data-decision-id=") == 50
    assert log.index("the exchange failed: timeout") < log.index("no entry signal #58")
    assert "no entry signal #9<" not in log
    assert "Page 1 of 2" in log
    older = _section(_page(client.get(f"/bots/{bot.pk}/?page=2")), 'id="decisions"', "</section>")
    assert older.count("data-decision-id=") == 10
    assert "no entry signal #0" in older
    assert "12.50" in older
    assert "Failed" in log  # the action's label


def test_ticks_show_as_decisions_open_trades_and_realised_pnl(signed_in):
    # given: BTC jumps (the crossover enters on candle 250) then drops (it exits on 251)
    client, account = signed_in
    bot = _bot(account)
    closes = ["100"] * 250 + ["110", "80"]
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="BTC/USDT",
            timeframe="1h",
            open_time=T0 + n * HOUR,
            open=D(c),
            high=D(c),
            low=D(c),
            close=D(c),
            volume=D("10"),
        )
        for n, c in enumerate(closes)
    )
    (btc_entry,) = tick_bot(bot_id=bot.pk, now=T0 + 251 * HOUR + timedelta(seconds=30))
    (btc_exit,) = tick_bot(bot_id=bot.pk, now=T0 + 252 * HOUR + timedelta(seconds=30))
    assert (btc_entry.action, btc_exit.action) == ("enter", "exit")
    assert btc_entry.order is not None
    assert btc_exit.order is not None
    expected = realised_pnl(bought=btc_entry.order, sold=btc_exit.order, base="BTC", quote="USDT")
    # and an ETH entry no exit has closed (a row like those the tick writes)
    eth_order = place_order(
        user=account.user,
        account=account,
        symbol="ETH/USDT",
        side="buy",
        type="market",
        quote_amount=D("100"),
    ).order
    BotDecision.objects.create(
        bot=bot,
        symbol="ETH/USDT",
        candle_time=T0 + 251 * HOUR,
        action="enter",
        reason="entry signal",
        order=eth_order,
    )
    # when
    page = _page(client.get(f"/bots/{bot.pk}/"))
    # then: ETH is open at its entry order's price and amount
    open_trades = _section(page, 'id="open-trades"', "</section>")
    assert "Open trades <small>(1)</small>" in open_trades
    assert 'data-symbol="ETH/USDT"' in open_trades
    assert 'data-symbol="BTC/USDT"' not in open_trades
    assert price(eth_order.average_price) in open_trades
    assert coin(eth_order.filled_amount) in open_trades
    assert f'data-order-id="{eth_order.pk}"' in open_trades
    # and the BTC round trip is realised, fees included
    assert expected is not None
    figures = _section(page, 'id="realised-pnl"', "</article>")
    assert f'data-quote="USDT">\n              {pnl(expected)}' in figures
    # and the log links each order with its status
    log = _section(page, 'id="decisions"', "</section>")
    assert f'data-order-id="{btc_exit.order.pk}"' in log
    assert f"/paper-trading/?account={account.pk}&amp;epoch=1" in log
    assert "Filled" in log
    assert "Exited" in log
    # and the list counts the open trade
    listed = _section(_page(client.get("/bots/")), f'data-bot-id="{bot.pk}"', "</tr>")
    assert '<td class="num" data-open-trades>1</td>' in listed
    assert "2026-11-11 11:00" in listed  # the last candle judged: candle 251


def test_pause_resume_and_stop_through_the_buttons(signed_in):
    client, account = signed_in
    bot = _bot(account)
    url = f"/bots/{bot.pk}/"
    assert 'id="pause-bot"' in _page(client.get(url))
    # pause
    paused = client.post(f"{url}pause/", follow=True)
    bot.refresh_from_db()
    assert bot.status == "paused"
    assert "Bot cross paused: it still exits its open trades" in _page(paused)
    assert 'id="resume-bot"' in _page(paused)
    # resume
    resumed = client.post(f"{url}resume/", follow=True)
    bot.refresh_from_db()
    assert bot.status == "running"
    assert "Bot cross resumed" in _page(resumed)
    # stop asks first
    confirm = client.get(f"{url}stop/")
    assert "Stop cross?" in _page(confirm)
    bot.refresh_from_db()
    assert bot.status == "running"
    stopped = client.post(f"{url}stop/", follow=True)
    bot.refresh_from_db()
    assert bot.status == "stopped"
    assert "Bot cross stopped" in _page(stopped)
    assert 'id="resume-bot"' not in _page(stopped)
    assert 'id="stop-bot"' not in _page(stopped)
    # a stopped bot stays stopped, and says why
    again = client.post(f"{url}resume/", follow=True)
    assert "A stopped bot cannot run again." in _page(again)
    bot.refresh_from_db()
    assert bot.status == "stopped"
    # each change is audited
    actions = list(
        AuditEvent.objects.filter(target_id=str(bot.pk))
        .order_by("pk")
        .values_list("action", "data")
    )
    assert actions[1:] == [
        ("trading.bot.paused", {"old": "running", "new": "paused"}),
        ("trading.bot.resumed", {"old": "paused", "new": "running"}),
        ("trading.bot.stopped", {"old": "running", "new": "stopped"}),
    ]
    # and the status buttons only take POSTs
    assert client.get(f"{url}pause/").status_code == 405


def test_the_kill_switch_pauses_every_running_bot(signed_in):
    # given: two running bots, one stopped
    client, account = signed_in
    first, second, done = (_bot(account, name=name) for name in ("a", "b", "c"))
    set_bot_status(user=account.user, bot_id=done.pk, status=BotStatus.STOPPED)
    listed = _page(client.get("/bots/"))
    assert 'href="/bots/pause-all/"' in listed
    assert "2 running." in listed
    # when: the confirmation, then the POST
    confirm = _page(client.get("/bots/pause-all/"))
    assert "2 bots running" in confirm
    assert Bot.objects.filter(status="running").count() == 2
    response = client.post("/bots/pause-all/", follow=True)
    # then
    assert response.redirect_chain == [("/bots/", 302)]
    assert "Paused 2 bots" in _page(response)
    statuses = dict(Bot.objects.values_list("name", "status"))
    assert statuses == {"a": "paused", "b": "paused", "c": "stopped"}
    event = AuditEvent.objects.get(action="trading.bots.paused_all")
    assert sorted(event.data["bots"]) == sorted([first.pk, second.pk])
    # and again: nothing left to pause
    assert "No bot was running" in _page(client.post("/bots/pause-all/", follow=True))


def test_another_users_bot_is_404_everywhere(signed_in):
    # given
    client, _ = signed_in
    theirs = _bot(open_account(user=UserFactory.create(), name="Theirs"), name="secret-bot")
    url = f"/bots/{theirs.pk}/"
    # then
    assert client.get(url).status_code == 404
    assert client.get(f"{url}stop/").status_code == 404
    for action in ("pause", "resume", "stop"):
        assert client.post(f"{url}{action}/").status_code == 404
    assert client.get("/bots/999999/").status_code == 404
    assert "secret-bot" not in _page(client.get("/bots/"))
    client.post("/bots/pause-all/")
    theirs.refresh_from_db()
    assert theirs.status == "running"
    assert not AuditEvent.objects.filter(
        target_id=str(theirs.pk), action__startswith="trading.bot."
    ).exclude(action="trading.bot.created")


# Query-count guards


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _decisions_with_orders(bot: Bot, count: int, start: int = 0) -> None:
    """Round trips (an entry and its exit) with real filled orders: quicker than ticks."""
    account = bot.paper_account
    assert account is not None
    for n in range(start, start + count):
        for k, (action, side, amount) in enumerate(
            (("enter", "buy", "0.001"), ("exit", "sell", "0.0009"))
        ):
            order = place_order(
                user=bot.user,
                account=account,
                symbol="BTC/USDT",
                side=side,
                type="market",
                amount=D(amount),
                client_order_id=f"q{bot.pk}-{n}-{k}",
            ).order
            BotDecision.objects.create(
                bot=bot,
                symbol="BTC/USDT",
                candle_time=T0 + (2 * n + k) * HOUR,
                action=action,
                order=order,
            )


def test_the_list_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    client, account = signed_in
    _decisions_with_orders(_bot(account, name="b0"), 1)
    few = _queries(client, "/bots/")
    for n in range(1, 8):
        _decisions_with_orders(_bot(account, name=f"b{n}", symbols=["BTC/USDT", "ETH/USDT"]), 1)
    assert _queries(client, "/bots/") == few
    with django_assert_max_num_queries(6):
        client.get("/bots/")


def test_the_detail_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    client, account = signed_in
    bot = _bot(account)
    _decisions_with_orders(bot, 1)
    few = _queries(client, f"/bots/{bot.pk}/")
    _decisions_with_orders(bot, 8, start=1)
    BotDecision.objects.bulk_create(
        BotDecision(bot=bot, symbol="ETH/USDT", candle_time=T0 + n * HOUR, action="hold")
        for n in range(60)
    )
    page = _page(client.get(f"/bots/{bot.pk}/"))
    assert "Round trips</dt>" in page
    assert _queries(client, f"/bots/{bot.pk}/") == few
    # 6 of the page's own, 2 for the round trips, 4 for the comparison (its backtest, the
    # bots like it, their decisions with orders, the fills)
    with django_assert_max_num_queries(12):
        client.get(f"/bots/{bot.pk}/")


# The comparison and the round trips


def _created_before_t0(bot: Bot) -> Bot:
    """Trades at T0 fall in the bot's life (its created_at is the wall clock's)."""
    Bot.objects.filter(pk=bot.pk).update(created_at=T0 - timedelta(days=1))
    bot.refresh_from_db()
    return bot


def _live_twin(bot: Bot) -> Bot:
    """A bot like `bot` (strategy, parameters, symbols, timeframe) on a live connection."""
    live = ExchangeConnection.objects.create(
        user=bot.user,
        exchange="binance",
        label="main",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )
    twin = Bot.objects.create(
        user=bot.user,
        name="live twin",
        strategy=bot.strategy,
        params=bot.params,
        connection=live,
        exchange="binance",
        symbols=bot.symbols,
        timeframe=bot.timeframe,
        stake_amount=bot.stake_amount,
    )
    return _created_before_t0(twin)


def _finished_backtest(bot: Bot, trades: list[dict[str, object]]) -> Backtest:
    return Backtest.objects.create(
        user=bot.user,
        bot=bot,
        strategy=bot.strategy,
        params=bot.params,
        exchange=bot.exchange,
        symbols=bot.symbols,
        timeframe=bot.timeframe,
        start=T0,
        end=T0 + 100 * HOUR,
        status=BacktestStatus.DONE,
        result={"summary": {"total_trades": len(trades)}, "trades": trades},
        finished_at=T0 + 101 * HOUR,
    )


def _report_trade(hour: int, profit: str) -> dict[str, object]:
    return {
        "pair": "BTC/USDT",
        "open_time": (T0 + hour * HOUR).isoformat(),
        "close_time": (T0 + (hour + 1) * HOUR).isoformat(),
        "open_rate": "100",
        "close_rate": "104",
        "amount": "1",
        "stake": "100.00000000",
        "fee_open": "0.00000000",
        "profit_abs": profit,
        "profit_pct": float(profit),
        "exit_reason": "roi",
    }


COLUMNS = ("backtest", "paper", "testnet", "live")


def _cell(table: str, figure: str, column: str) -> str:
    """The text of one cell of the comparison table, tags dropped, whitespace collapsed."""
    row = _section(table, f'data-figure="{figure}"', "</tr>")
    cell = _section(row, f'data-column="{column}"', "</td>").partition(">")[2]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def _round_trips(bot: Bot, count: int, start: int = 0) -> None:
    """`count` BTC round trips, one every 2 hours from candle `start`: bought at 100,
    sold at 110 (fees in BTC, then USDT), out on the stoploss."""
    for n in range(start, start + count):
        bot_round_trip(
            bot,
            entry_at=T0 + 2 * n * HOUR,
            buys=[("100", "0.01", "0.00001", "BTC")],
            exit_at=T0 + (2 * n + 1) * HOUR,
            sells=[("110", "0.00999", "0.0010989", "USDT")],
            reason="stop_loss",
        )


def test_the_page_sets_the_backtest_paper_and_live_side_by_side(signed_in):
    # given: a paper bot with two round trips and an open trade, its backtest, a live twin
    client, account = signed_in
    bot = _created_before_t0(_bot(account))
    _round_trips(bot, 2)
    bot_round_trip(bot, entry_at=T0 + 10 * HOUR, buys=[("100", "0.01", "0.00001", "BTC")])
    backtest = _finished_backtest(bot, [_report_trade(1, "4.00000000"), _report_trade(5, "-1")])
    twin = _live_twin(bot)
    bot_round_trip(
        twin,
        entry_at=T0,
        buys=[("100", "1", "0.1", "USDT")],
        exit_at=T0 + HOUR,
        sells=[("95", "1", "0.095", "USDT")],
    )
    # when
    page = _page(client.get(f"/bots/{bot.pk}/"))
    # then: no template comment leaks into the page
    assert "{#" not in page
    assert "{%" not in page
    # and one column per mode, over the backtest's period
    table = _section(page, 'id="comparison"', "</section>")
    assert "Backtest vs paper vs live" in table
    assert "from 2026-11-01 00:00 to 2026-11-05 04:00 UTC" in table
    assert f'href="/backtests/{backtest.pk}/"' in table
    heads = _section(table, "<thead>", "</thead>")
    columns = [heads.index(f'data-column="{name}"') for name in COLUMNS]
    assert columns == sorted(columns)
    assert "PAPER" in _section(heads, 'data-column="paper"', "</th>")
    assert "this bot" in _section(heads, 'data-column="paper"', "</th>")
    live_head = _section(heads, 'data-column="live"', "</th>")
    assert "LIVE" in live_head
    assert f'href="/bots/{twin.pk}/">live twin</a>' in live_head
    assert _cell(table, "trades", "testnet") == "no testnet bot runs this strategy"
    # and the figures: trades, win rate, profit %, profit, best/worst trade, period
    expected = {
        "trades": ("2", "2 + 1 open", "1"),
        "win_rate_pct": ("50.00 %", "100.00 %", "0.00 %"),
        # the backtest: 3 of 200; the paper bot: 1.0978011 - 0.0010989 for 1 a trade
        "profit_pct": ("+1.50 %", "+9.78 %", "\N{MINUS SIGN}5.19 %"),
        "profit_abs": ("+3.00 USDT", "+0.1956022 USDT", "\N{MINUS SIGN}5.20 USDT"),
        "best_trade_pct": ("+4.00 %", "+9.78 %", "\N{MINUS SIGN}5.19 %"),
        "worst_trade_pct": ("\N{MINUS SIGN}1.00 %", "+9.78 %", "\N{MINUS SIGN}5.19 %"),
        "period": (
            "2026-11-01 00:00 \N{EN DASH} 2026-11-05 04:00",
            "2026-11-01 00:00 \N{EN DASH} 2026-11-05 04:00",
            "2026-11-01 00:00 \N{EN DASH} 2026-11-05 04:00",
        ),
    }
    for figure, values in expected.items():
        shown = tuple(_cell(table, figure, column) for column in ("backtest", "paper", "live"))
        assert shown == values, figure
    # and the round trips, newest first, the open one with no close
    trips = _section(page, 'id="round-trips"', "</section>")
    assert "Trades <small>(3, newest first)</small>" in trips
    rows = trips.split("<tr data-trade")[1:]
    assert 'data-open="true"' in rows[0]
    assert ">open<" in rows[0]
    assert "2026-11-01 03:00" in rows[1]  # opened on the candle after the entry's (02:00)
    assert "stop_loss" in rows[1]
    assert "110.00" in rows[1]
    assert "0.00999" in rows[1]  # the BTC fee is not held
    assert "2026-11-01 01:00" in rows[2]


def test_a_bot_without_a_backtest_asks_for_one(signed_in):
    client, account = signed_in
    bot = _bot(account)
    table = _section(_page(client.get(f"/bots/{bot.pk}/")), 'id="comparison"', "</section>")
    assert "since the bot was created" in table
    assert _cell(table, "trades", "backtest") == "backtest this bot to compare"
    assert "no live bot runs this strategy" in table
    trips = _section(_page(client.get(f"/bots/{bot.pk}/")), 'id="round-trips"', "</section>")
    assert "No trades yet" in trips


def test_the_round_trips_are_50_a_page(signed_in):
    client, account = signed_in
    bot = _created_before_t0(_bot(account))
    _round_trips(bot, 51)
    first = _section(_page(client.get(f"/bots/{bot.pk}/")), 'id="round-trips"', "</section>")
    assert first.count("<tr data-trade") == 50
    assert "Page 1 of 2" in first
    assert 'href="?trades_page=2#round-trips"' in first
    older = _page(client.get(f"/bots/{bot.pk}/?trades_page=2"))
    last = _section(older, 'id="round-trips"', "</section>")
    assert last.count("<tr data-trade") == 1
    assert "2026-11-01 01:00" in last  # the oldest
    # and the decision log keeps its own pages
    assert "Page 1 of 3" in _section(older, 'id="decisions"', "</section>")


def test_the_page_runs_as_many_queries_for_20_trades_as_for_1(
    signed_in, django_assert_max_num_queries
):
    # given: a bot with one round trip, its backtest and a live twin with a trade
    client, account = signed_in
    bot = _created_before_t0(_bot(account))
    _round_trips(bot, 1)
    _finished_backtest(bot, [_report_trade(1, "1")])
    _round_trips(_live_twin(bot), 1)
    one = _queries(client, f"/bots/{bot.pk}/")
    # when: 19 more
    _round_trips(bot, 19, start=1)
    # then
    assert _page(client.get(f"/bots/{bot.pk}/")).count("<tr data-trade") == 20
    assert _queries(client, f"/bots/{bot.pk}/") == one
    with django_assert_max_num_queries(12):
        client.get(f"/bots/{bot.pk}/")


# In the browser: bots.js shows the chosen strategy's parameters and the account's markets


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_follows_the_strategy_and_account_in_the_browser(
    page, live_server, simulated_markets
):
    from playwright.sync_api import expect

    from tests.factories.accounts import DEFAULT_PASSWORD

    # given: a trader with a paper account and a working testnet connection on "binance"
    user = UserFactory.create(email="bots@example.com")
    open_account(user=user)
    ExchangeConnection.objects.create(
        user=user,
        exchange="binance",
        label="sandbox",
        testnet=True,
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )
    page.goto(live_server.url + "/accounts/login/")
    page.fill('input[name="login"]', "bots@example.com")
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bots").click()
    page.get_by_role("button", name="New bot").click()
    # then: the first strategy's parameters only, and the paper account's markets
    expect(page.locator("#params-sma_crossover")).to_be_visible()
    expect(page.locator("#params-grid")).to_be_hidden()
    expect(page.locator('optgroup[data-exchange="simulated"]')).to_be_enabled()
    expect(page.locator("[data-show-live]")).to_be_hidden()
    # when: the grid strategy is chosen
    page.select_option("#id_strategy", "grid")
    # then: its fields show, with its timeframe
    expect(page.locator("#params-grid")).to_be_visible()
    expect(page.locator("#params-sma_crossover")).to_be_hidden()
    expect(page.locator("#id_timeframe")).to_have_value("5m")
    expect(page.locator("#id_grid__step_pct")).to_have_value("1.0")
    # when: the connection is chosen, its exchange's markets replace the paper ones
    page.select_option("#id_account", label="sandbox: binance (TESTNET)")
    expect(page.locator('optgroup[data-exchange="simulated"]')).to_be_disabled()
    page.select_option("#id_account", index=0)
    # when: a step out of range is sent
    page.fill("#id_name", "Grid BTC")
    page.select_option("#id_symbols", ["BTC/USDT"])
    page.fill("#id_stake_amount", "50")
    page.fill("#id_grid__step_pct", "50")
    page.get_by_role("button", name="Create and start the bot").click()
    # then: the error is on the step's field, and the grid's fields are still the ones shown
    expect(page.locator("#error-grid__step_pct")).to_contain_text("from 0.1 to 20")
    expect(page.locator("#params-grid")).to_be_visible()
    expect(page.locator("#params-sma_crossover")).to_be_hidden()
    # when: corrected
    page.fill("#id_grid__step_pct", "2")
    page.get_by_role("button", name="Create and start the bot").click()
    # then: the bot's page
    expect(page.get_by_role("heading", name="Grid BTC")).to_be_visible()
    expect(page.locator("#bot-params")).to_contain_text("step_pct")
    bot = Bot.objects.get(user=user)
    assert (bot.strategy, bot.timeframe, bot.params) == (
        "grid",
        "5m",
        {"step_pct": 2.0, "stoploss_pct": 10.0},
    )


def test_the_bot_page_queues_a_backtest_of_the_bot_or_says_why_not(simulated_markets, client):
    from trading.models import Backtest

    user = UserFactory.create()
    client.force_login(user)
    account = open_account(user=user)
    bot = create_bot(
        user=user,
        name="b",
        strategy="dca",
        params={},
        account=account,
        symbols=["BTC/USDT"],
        timeframe="1h",
        stake_amount=D("100"),
    )
    # without stored candles since the bot started: the reason, no run
    refused = client.post(f"/bots/{bot.pk}/backtest/", follow=True)
    assert "No stored 1h candles" in refused.content.decode()
    assert not Backtest.objects.exists()
    # with them: a queued run of the same strategy, and its page
    Candle.objects.create(
        exchange="simulated",
        symbol="BTC/USDT",
        timeframe="1h",
        open_time=bot.created_at + timedelta(hours=1),
        open=D(1),
        high=D(1),
        low=D(1),
        close=D(1),
        volume=D(1),
    )
    queued = client.post(f"/bots/{bot.pk}/backtest/")
    run = Backtest.objects.get()
    assert queued.status_code == 302
    assert queued["Location"] == f"/backtests/{run.pk}/"
    assert (run.strategy, run.symbols) == ("dca", ["BTC/USDT"])
