"""The risk policy on every order (trading.order_risk): each rule refuses its scenario and lets
its near miss through, leverage, the refusal's audit event, exchange equity through real ccxt
against the loopback exchange, and the position cap under concurrent buys."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from cryptopulse.errors import ApplicationError
from papertrading.models import EquitySnapshot, LedgerEntry, PaperAccount, SnapshotReason
from papertrading.services import InsufficientBalance, check_ledgers, default_account, open_account
from tests.concurrency import run_at_once
from tests.factories import UserFactory
from trading.exchange_equity import equity_key
from trading.exchanges.registry import get_venue
from trading.models import Order, OrderStatus
from trading.order_risk import RiskRefused
from trading.precision import quantize_amount
from trading.services.connections import add_connection
from trading.services.orders import place_order
from trading.services.risk_limits import set_user_limits

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def account(simulated_markets):
    return open_account(user=UserFactory.create(), starting_balance=D("10000"))


def _buy(account, **fields):
    """A market buy of BTC spending `quote_amount`, changed by `fields`."""
    values = {"symbol": "BTC/USDT", "side": "buy", "type": "market", **fields}
    return place_order(user=account.user, account=account, **values)


def _btc_ask() -> Decimal:
    return get_venue(exchange="simulated").fetch_order_book("BTC/USDT").asks[0][0]


def _btc_amount(quote: str, account) -> Decimal:
    """The BTC that `quote` USDT buys at the best ask, on the market's step."""
    from papertrading.venue import PaperVenue

    market = PaperVenue(account).market("BTC/USDT")
    return quantize_amount(D(quote) / _btc_ask(), market=market)


def _snapshot(account: PaperAccount, *, equity: str, at: datetime) -> None:
    EquitySnapshot.objects.create(
        account=account,
        epoch=account.epoch,
        taken_at=at,
        equity=D(equity),
        cash=D(equity),
        positions_value=D(0),
        reason=SnapshotReason.FILL,
    )


def _today() -> datetime:
    return datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)


# --- the position cap ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "_case"),
    [
        ({"quote_amount": D("5100")}, "quote amount"),
        ({"type": "limit", "amount": D("5.1"), "price": D("1000.00")}, "amount at limit price"),
        ({"amount": "5100"}, "amount at the best ask"),
    ],
)
def test_a_buy_over_half_of_equity_is_refused_with_the_figures(account, fields, _case):
    # given
    if fields.get("amount") == "5100":
        fields = {"amount": _btc_amount("5100", account)}
    # when
    with pytest.raises(RiskRefused) as error:
        _buy(account, **fields)
    # then
    assert (error.value.status, error.value.code, error.value.field) == (422, "risk_limit", None)
    assert error.value.message.startswith("The position would be ")
    assert error.value.message.endswith(" % of equity, more than 50 %.")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fields", "_case"),
    [
        ({"quote_amount": D("4900")}, "quote amount"),
        ({"type": "limit", "amount": D("4.9"), "price": D("1000.00")}, "amount at limit price"),
        ({"amount": "4900"}, "amount at the best ask"),
    ],
)
def test_a_buy_just_under_half_of_equity_goes_through(account, fields, _case):
    if fields.get("amount") == "4900":
        fields = {"amount": _btc_amount("4900", account)}
    placed = _buy(account, **fields)
    assert placed.order.status in ("filled", "open")


def test_what_is_held_and_resting_buys_count_towards_the_position(account):
    # given: 3000 USDT of BTC held, and a resting buy of 1200 more (far below the market)
    _buy(account, quote_amount=D("3000"))
    _buy(account, type="limit", amount=D("1.2"), price=D("1000.00"))
    # when / then: 900 more is 51 %, 700 more is 49 %
    with pytest.raises(RiskRefused) as error:
        _buy(account, quote_amount=D("900"))
    assert error.value.refusal.rule == "max_position_pct"
    assert error.value.refusal.figures["position_pct"] > 50
    assert _buy(account, quote_amount=D("700")).order.status == "filled"


def test_another_asset_has_its_own_position(account):
    # BTC has no cached ticker here: it is valued at what it cost, not at nothing
    _buy(account, quote_amount=D("4500"))
    placed = _buy(account, symbol="ETH/USDT", quote_amount=D("4500"))
    assert placed.order.status == "filled"


def test_sells_are_never_refused(account):
    # given: BTC held, and the account far below its peak (every buy is refused)
    _buy(account, quote_amount=D("4000"))
    _snapshot(account, equity="20000", at=_today() - timedelta(days=1))
    with pytest.raises(RiskRefused):
        _buy(account, quote_amount=D("10"))
    # when
    held = _btc_amount("3000", account)
    sold = _buy(account, side="sell", amount=held)
    # then
    assert sold.order.status == "filled"


# --- buys per day ------------------------------------------------------------------------------


def test_the_buys_per_day_limit_counts_todays_buys_on_the_account(account):
    # given: the user allows 2 buys a day; one from yesterday and one rejected do not count
    set_user_limits(user=account.user, limits={"max_trades_per_day": 2})
    old = _buy(account, quote_amount=D("10")).order
    Order.objects.filter(pk=old.pk).update(created_at=_today() - timedelta(seconds=1))
    rejected = _buy(account, type="limit", amount=D("0.01"), price=D("1000.00")).order
    Order.objects.filter(pk=rejected.pk).update(status=OrderStatus.REJECTED)
    _buy(account, quote_amount=D("10"))
    # when: the second buy today goes through, the third is refused
    _buy(account, quote_amount=D("10"))
    with pytest.raises(RiskRefused) as error:
        _buy(account, quote_amount=D("10"))
    # then
    assert error.value.message == (
        "2 buy orders on this account today (UTC), the most allowed is 2."
    )
    assert _buy(account, side="sell", amount=_btc_amount("7", account)).order.status == "filled"


def test_buys_on_another_account_or_an_earlier_epoch_do_not_count(account):
    from papertrading.services import reset_account

    set_user_limits(user=account.user, limits={"max_trades_per_day": 1})
    _buy(account, quote_amount=D("10"))
    other = open_account(user=account.user, name="Second", starting_balance=D("1000"))
    assert _buy(other, quote_amount=D("10")).order.status == "filled"
    reset_account(user=account.user, account_id=account.pk)
    account.refresh_from_db()
    assert _buy(account, quote_amount=D("10")).order.status == "filled"


def test_a_replay_accounts_day_is_the_day_of_its_candles(simulated_markets):
    from papertrading.matching import step_replay
    from papertrading.replay import start_replay
    from trading.models import Candle

    # given: hourly candles from 22:00 across midnight, a replay account, 1 buy a day
    start = datetime(2026, 1, 1, 22, tzinfo=UTC)
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="BTC/USDT",
            timeframe="1h",
            open_time=start + timedelta(hours=n),
            open=D("100"),
            high=D("101"),
            low=D("99"),
            close=D("100"),
            volume=D("50"),
        )
        for n in range(4)
    )
    opened = open_account(user=UserFactory.create(), starting_balance=D("1000"))
    account = start_replay(
        user=opened.user,
        account_id=opened.pk,
        timeframe="1h",
        start=start,
        end=start + timedelta(hours=3),
    )
    set_user_limits(user=account.user, limits={"max_trades_per_day": 1})
    # when / then: on Jan 1st (23:00) one buy, then refused; on Jan 2nd (00:00) one more
    assert _buy(account, quote_amount=D("10")).order.status == "filled"
    with pytest.raises(RiskRefused):
        _buy(account, quote_amount=D("10"))
    account = step_replay(user=account.user, account_id=account.pk).account
    assert _buy(account, quote_amount=D("10")).order.status == "filled"


# --- loss today and drawdown ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_start", "refused", "_case"),
    [("10600", True, "5.66 % lost today"), ("10500", False, "4.76 %: near miss")],
)
def test_buys_stop_after_the_daily_loss_limit(account, day_start, refused, _case):
    _snapshot(account, equity=day_start, at=_today())
    if not refused:
        assert _buy(account, quote_amount=D("10")).order.status == "filled"
        return
    with pytest.raises(RiskRefused) as error:
        _buy(account, quote_amount=D("10"))
    assert error.value.refusal.rule == "max_daily_loss_pct"
    assert error.value.message == "The account lost 5.66 % today, the limit is 5 %."


@pytest.mark.parametrize(
    ("peak", "refused", "_case"),
    [("11200", True, "10.71 % below the peak"), ("11100", False, "9.91 %: near miss")],
)
def test_buys_stop_after_the_drawdown_limit(account, peak, refused, _case):
    _snapshot(account, equity=peak, at=_today() - timedelta(days=2))
    if not refused:
        assert _buy(account, quote_amount=D("10")).order.status == "filled"
        return
    with pytest.raises(RiskRefused) as error:
        _buy(account, quote_amount=D("10"))
    assert error.value.refusal.rule == "max_drawdown_pct"
    assert error.value.message == "The account is 10.71 % below its peak, the limit is 10 %."


# --- the user's own limits -------------------------------------------------------------------


def test_the_users_own_tighter_limit_applies_to_their_orders(account):
    set_user_limits(user=account.user, limits={"max_position_pct": 20})
    with pytest.raises(RiskRefused) as error:
        _buy(account, quote_amount=D("2100"))
    assert "more than 20 %" in error.value.message
    assert _buy(account, quote_amount=D("1900")).order.status == "filled"
    other = open_account(user=UserFactory.create(), starting_balance=D("10000"))
    assert _buy(other, quote_amount=D("2100")).order.status == "filled"  # not theirs


# --- leverage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leverage", "code", "message", "_case"),
    [
        (D("2"), "leverage_not_allowed", "Spot markets trade without leverage.", "spot"),
        (D("20"), "leverage_too_high", "more than the platform's maximum of 10.", "over the cap"),
        (D("0.5"), "invalid_leverage", "Leverage must be at least 1.", "below 1"),
    ],
)
def test_leverage_is_refused_on_spot_and_above_the_cap(account, leverage, code, message, _case):
    with pytest.raises(ApplicationError) as error:
        _buy(account, quote_amount=D("10"), leverage=leverage)
    assert (error.value.status, error.value.code, error.value.field) == (400, code, "leverage")
    assert message in error.value.message
    assert not Order.objects.exists()


def test_the_leverage_cap_is_a_setting(account, settings):
    settings.RISK_MAX_LEVERAGE = "25"
    with pytest.raises(ApplicationError) as error:
        _buy(account, quote_amount=D("10"), leverage=D("20"))
    assert error.value.code == "leverage_not_allowed"  # under the cap, but still spot


def test_leverage_one_is_audited_with_the_order_not_stored(account):
    placed = _buy(account, quote_amount=D("10"), leverage=D("1"))
    event = AuditEvent.objects.get(action="trading.order.placed")
    assert event.data["leverage"] == "1"
    assert not hasattr(placed.order, "leverage")


def test_the_api_takes_leverage_as_a_decimal_string(simulated_markets):
    user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    order = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "quote_amount": "10"}
    refused = api.post("/api/v1/paper-trading/orders", {**order, "leverage": "3"})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"leverage": ["Spot markets trade without leverage."]}
    assert api.post("/api/v1/paper-trading/orders", {**order, "leverage": "1"}).status_code == 201
    assert api.post("/api/v1/paper-trading/orders", order).status_code == 201


# --- the refusal's audit event and answer -------------------------------------------------------


def test_a_refusal_writes_one_audit_event_and_nothing_else(simulated_markets):
    # given
    user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    default_account(user=user)
    ledger = LedgerEntry.objects.count()
    events = AuditEvent.objects.count()
    # when
    answer = api.post(
        "/api/v1/paper-trading/orders",
        {"symbol": "BTC", "side": "buy", "type": "market", "quote_amount": "6000"},
    )
    # then
    assert answer.status_code == 422, answer.json()
    assert answer.json() == {
        "code": "risk_limit",
        "message": "The position would be 60.0 % of equity, more than 50 %.",
    }
    assert not Order.objects.exists()
    assert LedgerEntry.objects.count() == ledger
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(action="trading.order.refused")
    assert (event.actor_user_id, event.stream) == (user.pk, f"user:{user.pk}")
    assert event.target_id == str(PaperAccount.objects.get(user=user).pk)
    assert {k: event.data[k] for k in ("rule", "symbol", "side", "mode")} == {
        "rule": "max_position_pct",
        "symbol": "BTC/USDT",
        "side": "buy",
        "mode": "paper",
    }
    assert D(event.data["quote_amount"]) == D("6000")
    assert event.data["reason"] == answer.json()["message"]
    figures = event.data["figures"]  # the audit trail keeps numbers as exact strings
    assert (figures["position_pct"], figures["limit_pct"]) == ("60.0", "50.0")
    assert D(figures["notional"]) == D("6000")


def test_the_ticket_shows_the_refusal(simulated_markets, client):
    user = UserFactory.create()
    client.force_login(user)
    default_account(user=user)
    ticket = {
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "market",
        "size": "quote",
        "quote_amount": "6000",
        "time_in_force": "GTC",
    }
    response = client.post("/paper-trading/", ticket)
    assert response.status_code == 422
    assert "The position would be 60.0 % of equity, more than 50 %." in response.content.decode()
    assert not Order.objects.exists()


# --- exchange connections: equity from balances at the venue's tickers --------------------------


def _connection(simulator, **balances: str):
    user = UserFactory.create()
    keys = simulator.accounts.create(balances=balances)
    connection = add_connection(
        user=user, exchange="simulated", label="sim", api_key=keys.api_key, secret=keys.secret
    )
    return connection, keys


def _exchange_buy(connection, amount: str = "0.01", **fields):
    values = {"symbol": "BTC/USDT", "side": "buy", "type": "market", "amount": D(amount)}
    return place_order(user=connection.user, account=connection, **{**values, **fields})


def _btc_worth(quote: str) -> str:
    return str((D(quote) / _btc_ask()).quantize(D("0.00001")))


def test_an_exchange_buy_is_judged_on_the_connections_balances(simulated_markets):
    # given: 5000 USDT and 6000 USDT of BTC: 54.5 % of equity already in BTC
    connection, keys = _connection(simulated_markets, USDT="5000", BTC=_btc_worth("6000"))
    # when
    with pytest.raises(RiskRefused) as error:
        _exchange_buy(connection)
    # then
    figures = error.value.refusal.figures
    assert figures["equity"] == figures["position"] - figures["notional"] + D("5000")
    assert 54.5 < figures["position_pct"] < 60  # with the buy of 0.01 BTC
    assert error.value.message.endswith("% of equity, more than 50 %.")
    assert not Order.objects.exists()
    assert simulated_markets.exchange.orders(keys) == []  # nothing reached the exchange
    assert AuditEvent.objects.get(action="trading.order.refused").data["mode"] == "testnet"


def test_an_exchange_buy_within_the_cap_fills_and_drops_the_cached_equity(
    simulated_markets, django_capture_on_commit_callbacks
):
    # given
    connection, _keys = _connection(simulated_markets, USDT="10000")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        placed = _exchange_buy(connection)
    # then
    assert placed.order.status == "filled"
    assert cache.get(equity_key(connection.pk)) is None  # the fill changed the balances


def test_the_valued_equity_is_cached_for_a_few_seconds(simulated_markets):
    # given: a refused buy valued the connection
    connection, _keys = _connection(simulated_markets, USDT="5000", BTC=_btc_worth("6000"))
    with pytest.raises(RiskRefused):
        _exchange_buy(connection)
    cached = cache.get(equity_key(connection.pk))
    assert cached is not None
    assert cached.values["USDT"] == D("5000")
    # when: the next buy comes while the exchange would fail a balance request
    fault = simulated_markets.faults.http_error("/api/v3/account", times=5)
    try:
        with pytest.raises(RiskRefused):
            _exchange_buy(connection)
        # then: it was judged on the cached figure, without asking
        assert fault.times == 5  # no balance request was made
    finally:
        simulated_markets.faults.clear()
    assert AuditEvent.objects.filter(action="trading.order.refused").count() == 2


def test_the_buys_per_day_limit_counts_the_connections_orders(simulated_markets):
    connection, _keys = _connection(simulated_markets, USDT="10000")
    set_user_limits(user=connection.user, limits={"max_trades_per_day": 1})
    _exchange_buy(connection)
    with pytest.raises(RiskRefused) as error:
        _exchange_buy(connection)
    assert error.value.refusal.rule == "max_trades_per_day"
    sold = _exchange_buy(connection, side="sell", amount="0.005")
    assert sold.order.status == "filled"


def test_a_failed_balance_fetch_does_not_block_the_order_and_is_logged(
    simulated_markets, settings, caplog
):
    # given: 54.5 % in BTC (a buy would be refused), but the balances cannot be fetched
    connection, _keys = _connection(simulated_markets, USDT="5000", BTC=_btc_worth("6000"))
    settings.VENUE_MAX_RETRIES = 1
    simulated_markets.faults.http_error("/api/v3/account")
    # when
    placed = _exchange_buy(connection)
    # then: the exchange decided (it filled), and the skipped rule was logged
    assert placed.order.status == "filled"
    assert "equity rules skipped" in caplog.text


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.parametrize("run", range(2))
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_buys_of_10_percent_never_pass_the_50_percent_cap(simulated_markets, run):
    # given
    account = open_account(user=UserFactory.create(), starting_balance=D("1000"))

    def buy_100(n: int) -> str:
        try:
            _buy(account, quote_amount=D("100"), client_order_id=f"r-{n}")
        except RiskRefused:
            return "refused"
        except InsufficientBalance:
            return "no funds"
        return "filled"

    # when
    outcomes = run_at_once(20, buy_100)
    # then: five at most (fees and the spread may leave only four under the cap)
    filled = outcomes.count("filled")
    assert 4 <= filled <= 5
    assert outcomes.count("refused") == 20 - filled
    assert Order.objects.filter(paper_account=account).count() == filled
    refusals = AuditEvent.objects.filter(action="trading.order.refused")
    assert refusals.count() == 20 - filled
    assert {event.data["rule"] for event in refusals} == {"max_position_pct"}
    assert check_ledgers() == []


# --- the pure policy -------------------------------------------------------------------------


def test_a_position_of_exactly_the_cap_passes_and_a_cent_more_does_not():
    from trading.risk import OrderFigures, order_refusal, platform_limits

    figures = OrderFigures(
        limits=platform_limits(),
        buys_today=0,
        notional=D("1000"),
        equity=D("10000"),
        position_value=D("4000"),
    )
    assert order_refusal(figures) is None
    refusal = order_refusal(OrderFigures(**{**figures.__dict__, "notional": D("1000.01")}))
    assert refusal is not None
    assert refusal.message == "The position would be 50.0 % of equity, more than 50 %."


def test_without_equity_only_the_buys_per_day_rule_applies():
    from trading.risk import OrderFigures, order_refusal, platform_limits

    unknown = OrderFigures(limits=platform_limits(), buys_today=49, notional=D("1000000"))
    assert order_refusal(unknown) is None
    assert order_refusal(OrderFigures(limits=platform_limits(), buys_today=50)) is not None
