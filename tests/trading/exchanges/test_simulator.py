"""The simulator itself: Binance request signing and error shapes over raw HTTP (no ccxt), the
fault control endpoint, the deterministic market, matching with a hand-driven clock, and the
`python -m trading.exchanges.simulator` entry point."""

import hashlib
import hmac
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from trading.exchanges.simulator import Account, SimulatorHandle, start_simulator
from trading.exchanges.simulator.__main__ import demo_credentials
from trading.exchanges.simulator.engine import Exchange, NewOrder
from trading.exchanges.simulator.market import DAY_MS, MINUTE_MS, MarketModel
from trading.exchanges.simulator.server import wall_clock_ms

BASE_DIR = Path(__file__).resolve().parents[3]
T0 = 1_736_942_400_000  # 2025-01-15 12:00:00 UTC


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorHandle]:
    with start_simulator(port=0) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _disarm_faults(simulator: SimulatorHandle) -> Iterator[None]:
    yield
    simulator.faults.clear()


@pytest.fixture
def account(simulator: SimulatorHandle) -> Account:
    return simulator.accounts.create(balances={"USDT": "1000", "BTC": "0.1"})


def request(
    url: str,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    account: Account | None = None,
    api_key: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
) -> tuple[int, Any]:
    """One HTTP request; with `account`, signed as Binance wants (HMAC of query then body)."""
    query_string = urlencode(query or {})
    body_string = urlencode(body or {})
    if account is not None:
        stamp = urlencode({"timestamp": wall_clock_ms() if timestamp is None else timestamp})
        if body is not None:
            body_string = "&".join(filter(None, [body_string, stamp]))
        else:
            query_string = "&".join(filter(None, [query_string, stamp]))
        digest = hmac.new(
            account.secret.encode(), (query_string + body_string).encode(), hashlib.sha256
        ).hexdigest()
        signed = f"signature={signature or digest}"
        if body is not None:
            body_string += f"&{signed}"
        else:
            query_string += f"&{signed}"
    headers = {}
    if api_key or account is not None:
        headers["X-MBX-APIKEY"] = api_key or account.api_key  # type: ignore[union-attr]
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    target = f"{url}{path}" + (f"?{query_string}" if query_string else "")
    data = body_string.encode() if body is not None else None
    call = urllib.request.Request(target, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=5) as answer:  # noqa: S310 - loopback only
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# --- signing and error shapes -----------------------------------------------------------------
def test_a_signature_over_query_then_body_is_accepted(simulator, account):
    # given: Binance signs the query string followed by the body, whichever holds what
    query = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}
    body = {"quantity": "0.001", "newClientOrderId": "split-1"}
    # when
    status, payload = request(
        simulator.url, "POST", "/api/v3/order", query=query, body=body, account=account
    )
    # then
    assert status == 200, payload
    assert payload["clientOrderId"] == "split-1"
    assert payload["status"] == "FILLED"
    assert [order.client_order_id for order in simulator.exchange.orders(account)] == ["split-1"]


@pytest.mark.parametrize(
    ("changes", "status", "code", "_case"),
    [
        ({"account": None}, 401, -2014, "no API key header"),
        ({"api_key": "K" * 64}, 401, -2015, "unknown API key"),
        ({"signature": "0" * 64}, 400, -1022, "wrong signature"),
        ({"timestamp": -70_000}, 400, -1021, "older than recvWindow"),
        ({"timestamp": +5_000}, 400, -1021, "ahead of the server"),
        ({"query": {"recvWindow": "70000"}}, 400, -1131, "recvWindow too large"),
    ],
)
def test_signed_requests_are_checked_like_binance(simulator, account, changes, status, code, _case):
    # given
    arguments: dict[str, Any] = {"account": account, "query": {}}
    if "timestamp" in changes:
        changes = {"timestamp": wall_clock_ms() + changes["timestamp"]}
    arguments.update(changes)
    # when
    answer_status, payload = request(simulator.url, "GET", "/api/v3/account", **arguments)
    # then
    assert answer_status == status
    assert payload["code"] == code
    assert isinstance(payload["msg"], str)


def test_a_key_without_trading_permission_cannot_place_orders(simulator):
    reader = simulator.accounts.create(balances={"USDT": "100"}, can_trade=False)
    status, payload = request(
        simulator.url,
        "POST",
        "/api/v3/order",
        body={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"},
        account=reader,
    )
    assert (status, payload["code"]) == (401, -2015)


@pytest.mark.parametrize(
    ("body", "code", "msg", "_case"),
    [
        ({"symbol": "NOPEUSDT"}, -1121, "Invalid symbol.", "unknown symbol"),
        ({"quantity": "0.000015"}, -1013, "Filter failure: LOT_SIZE", "off the step"),
        ({"quantity": "100000"}, -1013, "Filter failure: LOT_SIZE", "above maxQty"),
        (
            {"type": "LIMIT", "price": "100.001", "timeInForce": "GTC"},
            -1013,
            "Filter failure: PRICE_FILTER",
            "off the tick",
        ),
        ({"quantity": "0.00001"}, -1013, "Filter failure: NOTIONAL", "below minNotional"),
        ({"quantity": None}, -1102, "Mandatory parameter 'quantity'", "no quantity"),
        ({"quantity": "1e-3"}, -1100, "Illegal characters found in parameter 'quantity'", "E"),
        ({"price": "100"}, -1106, "Parameter 'price' sent when not required.", "market price"),
        ({"type": "LIMIT", "price": "100"}, -1102, "'timeInForce'", "limit without TIF"),
        ({"type": "ICEBERG"}, -1116, "Invalid orderType.", "unknown type"),
        ({"quantity": "0.5"}, -2010, "Account has insufficient balance", "no funds"),
    ],
)
def test_new_order_errors_have_binance_codes(simulator, account, body, code, msg, _case):
    # given
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"} | body
    order = {name: value for name, value in order.items() if value is not None}
    # when
    status, payload = request(simulator.url, "POST", "/api/v3/order", body=order, account=account)
    # then
    assert status == 400
    assert payload["code"] == code
    assert msg in payload["msg"]
    assert simulator.exchange.orders(account) == []


def test_order_lookups_and_cancels_of_unknown_orders(simulator, account):
    query = {"symbol": "BTCUSDT", "origClientOrderId": "nothing"}
    status, payload = request(simulator.url, "GET", "/api/v3/order", query=query, account=account)
    assert (status, payload) == (400, {"code": -2013, "msg": "Order does not exist."})
    status, payload = request(
        simulator.url, "DELETE", "/api/v3/order", query=query, account=account
    )
    assert (status, payload) == (400, {"code": -2011, "msg": "Unknown order sent."})


def test_public_endpoints_validate_their_parameters(simulator):
    assert request(
        simulator.url, "GET", "/api/v3/klines", query={"symbol": "BTCUSDT", "interval": "7m"}
    ) == (
        400,
        {"code": -1120, "msg": "Invalid interval."},
    )
    status, payload = request(simulator.url, "GET", "/api/v3/depth", query={"symbol": "FOO"})
    assert (status, payload["code"]) == (400, -1121)
    status, payload = request(simulator.url, "GET", "/api/v3/time")
    assert status == 200
    assert abs(payload["serverTime"] - wall_clock_ms()) < 5_000


# --- fault control over HTTP ------------------------------------------------------------------
def test_faults_are_armed_listed_and_cleared_over_http(simulator):
    # given
    spec = {"kind": "http_error", "path": "/api/v3/ping", "status": 502, "times": 2}
    # when
    armed = _post_json(simulator.url, "/__sim/faults", spec)
    listed = request(simulator.url, "GET", "/__sim/faults")
    first = request(simulator.url, "GET", "/api/v3/ping")
    second = request(simulator.url, "GET", "/api/v3/ping")
    third = request(simulator.url, "GET", "/api/v3/ping")
    # then
    assert armed[0] == 201
    assert armed[1]["kind"] == "http_error"
    assert [fault["id"] for fault in listed[1]] == [armed[1]["id"]]
    assert first[0] == second[0] == 502
    assert first[1]["code"] == -1001
    assert third == (200, {})
    assert request(simulator.url, "GET", "/__sim/faults") == (200, [])


def test_fault_control_refuses_bad_specs_and_clears(simulator):
    assert _post_json(simulator.url, "/__sim/faults", {"kind": "meteor"})[0] == 400
    assert _post_json(simulator.url, "/__sim/faults", {"kind": "bad_signature"})[0] == 400
    assert (
        _post_json(simulator.url, "/__sim/faults", {"kind": "rate_limit", "retry_after": 3})[0]
        == 201
    )
    status, _ = request(simulator.url, "GET", "/api/v3/ping")
    assert status == 429
    _post_json(simulator.url, "/__sim/faults", {"kind": "ip_ban", "times": 3})
    assert request(simulator.url, "DELETE", "/__sim/faults") == (200, {})
    assert request(simulator.url, "GET", "/api/v3/ping") == (200, {})


def test_fault_control_exists_only_on_a_loopback_server():
    with start_simulator(host="0.0.0.0", port=0) as handle:  # noqa: S104 - the point of the test
        url = f"http://127.0.0.1:{handle.port}"
        assert _post_json(url, "/__sim/faults", {"kind": "http_error"})[0] == 404
        assert request(url, "GET", "/api/v3/ping") == (200, {})


def _post_json(url: str, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
    call = urllib.request.Request(  # noqa: S310 - loopback only
        url + path, data=json.dumps(payload).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(call, timeout=5) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- the market -------------------------------------------------------------------------------
def test_the_price_path_is_a_pure_function_of_seed_symbol_and_time():
    # given
    one, same, other = MarketModel(seed=1), MarketModel(seed=1), MarketModel(seed=2)
    times = [T0 + i * 7_919 for i in range(50)]
    # then
    assert [one.price("BTCUSDT", t) for t in times] == [same.price("BTCUSDT", t) for t in times]
    assert [one.price("BTCUSDT", t) for t in times] != [other.price("BTCUSDT", t) for t in times]
    assert one.price("BTCUSDT", T0) != one.price("ETHUSDT", T0)


def test_klines_are_contiguous_on_tick_and_do_not_change_once_closed():
    # given
    model = MarketModel(seed=3)
    spec = model.spec("ETHUSDT")
    # when
    early = model.klines("ETHUSDT", "5m", now_ms=T0 + DAY_MS, start_ms=T0, end_ms=None, limit=200)
    late = model.klines(
        "ETHUSDT", "5m", now_ms=T0 + 30 * DAY_MS, start_ms=T0, end_ms=None, limit=200
    )
    # then
    assert early == late
    assert [k.open_time for k in early] == list(range(T0, T0 + 200 * 5 * MINUTE_MS, 5 * MINUTE_MS))
    for current, following in pairwise(early):
        assert current.close == following.open
        assert current.close_time == following.open_time - 1
    for kline in early:
        assert (
            kline.low <= min(kline.open, kline.close) <= max(kline.open, kline.close) <= kline.high
        )
        for price in (kline.open, kline.high, kline.low, kline.close):
            assert price % spec.tick_size == 0


def test_kline_selection_follows_binance():
    model = MarketModel(seed=3)
    now = T0 + 90 * MINUTE_MS + 30_000
    # the most recent candles, the last one still open and ending at now
    recent = model.klines("BTCUSDT", "1m", now_ms=now, start_ms=None, end_ms=None, limit=3)
    assert [k.open_time for k in recent] == [
        now - 30_000 - 2 * MINUTE_MS + i * MINUTE_MS for i in range(3)
    ]
    assert recent[-1].close == model.price("BTCUSDT", now)
    # a start inside a candle begins with the next one; never past now
    later = model.klines("BTCUSDT", "1h", now_ms=now, start_ms=T0 + 1, end_ms=None, limit=10)
    assert [k.open_time for k in later] == [T0 + 60 * MINUTE_MS]
    # weekly candles open on Mondays
    week = model.klines("BTCUSDT", "1w", now_ms=now, start_ms=None, end_ms=None, limit=1)
    assert time.gmtime(week[0].open_time / 1000).tm_wday == 0


# --- matching (the engine with a hand-driven clock) -------------------------------------------
class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def a_dip(model: MarketModel, symbol: str) -> tuple[int, Decimal]:
    """A start time and a price that the path reaches within the next hour, at a sweep sample
    (the engine samples an hour-long gap every 15 s), well below the start price."""
    tick = model.spec(symbol).tick_size
    for start in range(T0, T0 + 48 * 3_600_000, 3_600_000):
        low = min(model.price(symbol, start + 15_000 * k) for k in range(1, 241))
        if low < model.price(symbol, start) - 20 * tick:
            return start, low
    raise AssertionError("no dip in two days of this seed")


def test_a_resting_limit_buy_fills_at_its_price_once_the_path_reaches_it():
    # given
    clock = Clock(0)
    exchange = Exchange(MarketModel(seed=5), clock)
    clock.now, limit = a_dip(exchange.market, "BTCUSDT")
    buyer = exchange.accounts.create(balances={"USDT": "10000"})
    order = exchange.place(
        buyer,
        NewOrder("BTCUSDT", "BUY", "LIMIT", Decimal("0.01"), limit, None, "GTC", "dip-1"),
    )
    assert order.status == "NEW"
    assert (buyer.free("USDT"), buyer.locked("USDT")) == (
        10000 - limit * Decimal("0.01"),
        limit * Decimal("0.01"),
    )
    # when
    clock.now += 3_600_000
    exchange.sweep(clock.now)
    # then
    assert order.status == "FILLED"
    [fill] = order.fills
    assert (fill.price, fill.qty, fill.is_maker) == (limit, Decimal("0.01"), True)
    assert (fill.commission, fill.commission_asset) == (Decimal("0.00001000"), "BTC")
    assert buyer.locked("USDT") == 0
    assert buyer.free("USDT") == 10000 - limit * Decimal("0.01")
    assert buyer.free("BTC") == Decimal("0.01") - fill.commission


def test_a_stop_loss_sells_at_market_once_triggered_and_a_closed_client_id_may_return():
    # given
    clock = Clock(0)
    exchange = Exchange(MarketModel(seed=5), clock)
    clock.now, stop = a_dip(exchange.market, "ETHUSDT")
    seller = exchange.accounts.create(balances={"ETH": "1"})
    order = exchange.place(
        seller, NewOrder("ETHUSDT", "SELL", "STOP_LOSS", Decimal("0.5"), None, stop, None, "sl-1")
    )
    assert (order.status, order.working, seller.locked("ETH")) == ("NEW", False, Decimal("0.5"))
    # when
    clock.now += 3_600_000
    exchange.sweep(clock.now)
    # then
    assert (order.status, order.triggered) == ("FILLED", True)
    assert all(not fill.is_maker for fill in order.fills)
    assert max(fill.price for fill in order.fills) <= stop
    assert seller.free("ETH") == Decimal("0.5")
    proceeds = sum(fill.price * fill.qty - fill.commission for fill in order.fills)
    assert seller.free("USDT") == proceeds
    # Binance keeps client order ids unique among open orders only
    again = exchange.place(
        seller, NewOrder("ETHUSDT", "SELL", "MARKET", Decimal("0.1"), None, None, None, "sl-1")
    )
    assert again.status == "FILLED"
    found = exchange.find(seller, "ETHUSDT", order_id=None, client_order_id="sl-1")
    assert found is again


def test_a_fill_or_kill_beyond_the_book_expires_untouched():
    clock = Clock(T0)
    exchange = Exchange(MarketModel(seed=5), clock)
    whale = exchange.accounts.create(balances={"USDT": "10000000000"})
    far = exchange.market.price("BTCUSDT", T0) * 2
    order = exchange.place(
        whale,
        NewOrder("BTCUSDT", "BUY", "LIMIT", Decimal("5000"), far, None, "FOK", "fok"),
    )
    assert (order.status, order.executed_qty) == ("EXPIRED", 0)
    assert (whale.free("USDT"), whale.locked("USDT")) == (Decimal("10000000000"), 0)


# --- the entry point --------------------------------------------------------------------------
def test_demo_credentials_come_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    # given
    path = tmp_path / "sim" / "demo.json"
    monkeypatch.delenv("SIM_DEMO_API_KEY", raising=False)
    monkeypatch.delenv("SIM_DEMO_SECRET", raising=False)
    # when
    first = demo_credentials(path)
    second = demo_credentials(path)
    monkeypatch.setenv("SIM_DEMO_API_KEY", "envkey")
    monkeypatch.setenv("SIM_DEMO_SECRET", "envsecret")
    from_env = demo_credentials(path)
    # then
    assert first == second
    assert first[2] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"api_key": first[0], "secret": first[1]}
    assert from_env == ("envkey", "envsecret", "the SIM_DEMO_SECRET environment variable")


def test_the_entry_point_serves_a_demo_account_and_stops_on_sigterm(tmp_path):
    # given
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIM_DEMO_")}
    command = [sys.executable, "-m", "trading.exchanges.simulator", "--port", "0"]
    command += ["--credentials-file", str(tmp_path / "demo.json")]
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        account_line = process.stdout.readline()
        url = banner.split(": ", 1)[1].split()[0]
        stored = json.loads((tmp_path / "demo.json").read_text())
        demo = Account(api_key=stored["api_key"], secret=stored["secret"])
        # when
        status, payload = request(url, "GET", "/api/v3/account", account=demo)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    # then
    assert banner.startswith("exchange simulator (Binance spot API): http://127.0.0.1:")
    assert stored["api_key"] in account_line
    assert stored["secret"] not in banner + account_line
    assert status == 200
    assert {b["asset"]: b["free"] for b in payload["balances"]}["USDT"] == "10000.00000000"
    assert code == 0


def test_book_ticker_price_and_symbol_filters(simulator):
    status, one = request(
        simulator.url, "GET", "/api/v3/ticker/bookTicker", query={"symbol": "SOLUSDT"}
    )
    assert status == 200
    assert Decimal(one["bidPrice"]) < Decimal(one["askPrice"])
    status, every = request(simulator.url, "GET", "/api/v3/ticker/price")
    assert {row["symbol"] for row in every} == {
        "BTCUSDT",
        "ETHUSDT",
        "SOLUSDT",
        "BNBUSDT",
        "XRPUSDT",
    }
    symbols = json.dumps(["ETHUSDT", "XRPUSDT"])
    status, info = request(simulator.url, "GET", "/api/v3/exchangeInfo", query={"symbols": symbols})
    assert [row["symbol"] for row in info["symbols"]] == ["ETHUSDT", "XRPUSDT"]
    status, tickers = request(
        simulator.url, "GET", "/api/v3/ticker/24hr", query={"symbols": symbols}
    )
    assert [row["symbol"] for row in tickers] == ["ETHUSDT", "XRPUSDT"]
    assert request(simulator.url, "GET", "/api/v3/ticker/24hr", query={"symbols": "[1]"})[0] == 400
    assert request(simulator.url, "GET", "/api/v3/nothing")[0] == 404
    assert (
        request(simulator.url, "GET", "/api/v3/depth", query={"symbol": "BTCUSDT", "limit": "0"})[0]
        == 400
    )


def test_open_orders_and_my_trades(simulator, account):
    # given
    buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    rest = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001"}
    rest |= {"price": "10000.00", "timeInForce": "GTC", "newClientOrderId": "rest-1"}
    _, filled = request(simulator.url, "POST", "/api/v3/order", body=buy, account=account)
    assert request(simulator.url, "POST", "/api/v3/order", body=rest, account=account)[0] == 200
    # when
    _, open_orders = request(simulator.url, "GET", "/api/v3/openOrders", query={}, account=account)
    _, trades = request(
        simulator.url, "GET", "/api/v3/myTrades", query={"symbol": "BTCUSDT"}, account=account
    )
    _, by_order = request(
        simulator.url,
        "GET",
        "/api/v3/myTrades",
        query={"symbol": "BTCUSDT", "orderId": filled["orderId"], "limit": "1"},
        account=account,
    )
    # then
    assert [order["clientOrderId"] for order in open_orders] == ["rest-1"]
    assert [trade["orderId"] for trade in trades] == [filled["orderId"]] * len(trades)
    assert by_order == trades[:1]
    assert trades[0]["isBuyer"] is True
    assert trades[0]["isMaker"] is False
