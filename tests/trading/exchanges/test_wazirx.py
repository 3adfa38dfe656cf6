"""WazirXVenue against the loopback WazirX: real HTTP, real signatures, injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.exchanges.base import (
    Credentials,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    Venue,
    VenueOrderStatus,
)
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
    VenueRateLimited,
    VenueUnavailable,
)
from trading.exchanges.http_venue import (
    DUPLICATE_CLIENT_ORDER_ID,
    INSUFFICIENT_FUNDS,
    UNSUPPORTED_ORDER,
)
from trading.exchanges.loopback.wazirx_server import (
    API_KEY,
    SECRET,
    WazirXLoopback,
    start_wazirx_server,
)
from trading.exchanges.wazirx import WazirXVenue

ORDER_PATH = "/sapi/v1/order"


@pytest.fixture
def server() -> Iterator[WazirXLoopback]:
    with start_wazirx_server() as handle:
        yield handle


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the venue asked for, instead of sleeping through it."""
    return []


def make_venue(
    server: WazirXLoopback,
    sleeps: list[float],
    *,
    secret: str = SECRET,
    api_key: str = API_KEY,
    timeout_s: float = 5.0,
) -> WazirXVenue:
    return WazirXVenue(
        Credentials(api_key=api_key, secret=secret),
        base_url=server.url,
        timeout_s=timeout_s,
        sleep=sleeps.append,
    )


@pytest.fixture
def venue(server: WazirXLoopback, sleeps: list[float]) -> WazirXVenue:
    return make_venue(server, sleeps)


def limit_buy(
    client_order_id: str,
    *,
    amount: str = "0.001",
    price: str = "4900000",
    symbol: str = "BTC/INR",
    type_: OrderType = OrderType.LIMIT,
    stop_price: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol=symbol,
        side=OrderSide.BUY,
        type=type_,
        amount=Decimal(amount),
        client_order_id=client_order_id,
        price=Decimal(price),
        stop_price=Decimal(stop_price) if stop_price else None,
    )


def posts(server: WazirXLoopback) -> int:
    return server.requests.count(("POST", ORDER_PATH))


# --- market data -------------------------------------------------------------------------------


def test_markets_carry_precision_limits_and_status(venue: WazirXVenue) -> None:
    # when
    markets = venue.load_markets()

    # then
    btc = markets["BTC/INR"]
    assert btc.exchange_symbol == "btcinr"
    assert (btc.base, btc.quote) == ("BTC", "INR")
    assert btc.price_tick == Decimal(1)
    assert btc.amount_step == Decimal("0.00001")
    assert btc.amount_step.as_tuple().exponent == -5
    assert btc.min_amount is None  # WazirX publishes no minimum; it refuses at placement
    assert btc.active
    assert markets["USDT/INR"].price_tick == Decimal("0.1")
    assert markets["USDT/INR"].amount_step == Decimal("0.01")
    assert not markets["XRP/INR"].active


def test_markets_are_fetched_once_unless_reloaded(
    venue: WazirXVenue, server: WazirXLoopback
) -> None:
    # when
    venue.load_markets()
    venue.market("ETH/INR")
    venue.load_markets(reload=True)

    # then
    assert server.requests.count(("GET", "/sapi/v1/exchangeInfo")) == 2


def test_unknown_symbol(venue: WazirXVenue) -> None:
    with pytest.raises(UnknownSymbol):
        venue.fetch_ticker("DOGE/INR")


def test_ticker(venue: WazirXVenue) -> None:
    # when
    ticker = venue.fetch_ticker("BTC/INR")

    # then
    assert ticker.symbol == "BTC/INR"
    assert ticker.last == Decimal(5_000_000)
    assert (ticker.bid, ticker.ask) == (Decimal(4_999_999), Decimal(5_000_001))
    assert ticker.open == Decimal("4900000.00")
    assert ticker.base_volume == Decimal("12.5")
    assert ticker.change_pct is not None
    assert ticker.change_pct.quantize(Decimal("0.01")) == Decimal("2.04")
    assert ticker.timestamp.tzinfo is UTC
    assert abs(datetime.now(tz=UTC) - ticker.timestamp) < timedelta(minutes=1)


def test_tickers_for_some_or_all_markets(venue: WazirXVenue) -> None:
    # when
    everything = venue.fetch_tickers()
    some = venue.fetch_tickers(["ETH/INR", "USDT/INR"])

    # then
    assert set(everything) == {"BTC/INR", "ETH/INR", "USDT/INR", "XRP/INR"}
    assert set(some) == {"ETH/INR", "USDT/INR"}
    assert some["USDT/INR"].last == Decimal("90.0")


def test_candles_since_a_time_oldest_first(venue: WazirXVenue) -> None:
    # given
    since = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)

    # when
    candles = venue.fetch_ohlcv("BTC/INR", "1h", since=since, limit=3)

    # then
    assert [c.open_time for c in candles] == [since + timedelta(hours=i) for i in range(3)]
    first = candles[0]
    assert first.open_time.tzinfo is UTC
    assert first.low <= first.open <= first.high
    assert first.volume == Decimal("1.5")
    assert all(isinstance(value, Decimal) for value in (first.open, first.close))


def test_latest_candles_without_since(venue: WazirXVenue) -> None:
    # when
    candles = venue.fetch_ohlcv("ETH/INR", "1d", limit=5)

    # then
    assert len(candles) == 5
    assert candles == sorted(candles, key=lambda c: c.open_time)


def test_unsupported_timeframe(venue: WazirXVenue) -> None:
    with pytest.raises(VenueError, match="3m"):
        venue.fetch_ohlcv("BTC/INR", "3m")


def test_order_book_best_first_and_cut_to_limit(venue: WazirXVenue) -> None:
    # when
    book = venue.fetch_order_book("BTC/INR", limit=3)

    # then
    assert [price for price, _ in book.bids] == [
        Decimal(4_999_999),
        Decimal(4_999_998),
        Decimal(4_999_997),
    ]
    assert [price for price, _ in book.asks] == [
        Decimal(5_000_001),
        Decimal(5_000_002),
        Decimal(5_000_003),
    ]
    assert book.bids[0][1] == Decimal("0.5")
    assert book.timestamp.tzinfo is UTC


def test_is_a_venue(venue: WazirXVenue) -> None:
    # mypy checks the assignment against the Protocol; the test checks the id.
    as_venue: Venue = venue
    assert as_venue.exchange_id == "wazirx"


def test_key_permissions_are_not_exposed(venue: WazirXVenue) -> None:
    assert venue.fetch_key_permissions() is None


# --- account and orders -------------------------------------------------------------------------


def test_balances(venue: WazirXVenue) -> None:
    # when
    balances = {b.asset: b for b in venue.fetch_balance()}

    # then
    assert balances["INR"].free == Decimal(1_000_000)
    assert balances["BTC"].total == Decimal("0.5")


def test_limit_order_create_query_cancel(venue: WazirXVenue, server: WazirXLoopback) -> None:
    # when
    ack = venue.create_order(limit_buy("wx-1"))

    # then
    assert ack.client_order_id == "wx-1"
    assert ack.status == VenueOrderStatus.OPEN
    assert (ack.symbol, ack.side, ack.type) == ("BTC/INR", OrderSide.BUY, OrderType.LIMIT)
    assert (ack.amount, ack.price, ack.filled) == (Decimal("0.001"), Decimal(4_900_000), 0)
    assert ack.timestamp.tzinfo is UTC
    assert {b.asset: b for b in venue.fetch_balance()}["INR"].locked == Decimal(4900)

    # when
    by_client_id = venue.fetch_order(symbol="BTC/INR", client_order_id="wx-1")
    by_exchange_id = venue.fetch_order(symbol="BTC/INR", exchange_order_id=ack.exchange_order_id)

    # then
    assert by_client_id == by_exchange_id
    assert by_client_id.exchange_order_id == ack.exchange_order_id

    # when
    cancelled = venue.cancel_order(symbol="BTC/INR", client_order_id="wx-1")

    # then
    assert cancelled.status == VenueOrderStatus.CANCELED
    assert server.orders[ack.exchange_order_id].status == "cancel"
    assert {b.asset: b for b in venue.fetch_balance()}["INR"].locked == 0


def test_cancel_is_idempotent(venue: WazirXVenue) -> None:
    # given
    ack = venue.create_order(limit_buy("wx-twice"))
    venue.cancel_order(symbol="BTC/INR", exchange_order_id=ack.exchange_order_id)

    # when
    again = venue.cancel_order(symbol="BTC/INR", exchange_order_id=ack.exchange_order_id)

    # then
    assert again.status == VenueOrderStatus.CANCELED


def test_stop_limit_order(venue: WazirXVenue, server: WazirXLoopback) -> None:
    # when
    ack = venue.create_order(
        limit_buy("wx-stop", type_=OrderType.STOP_LIMIT, price="5100000", stop_price="5050000")
    )

    # then
    assert (ack.type, ack.status) == (OrderType.STOP_LIMIT, VenueOrderStatus.OPEN)
    stored = server.orders[ack.exchange_order_id]
    assert (stored.type, stored.stop_price) == ("stop_limit", Decimal(5_050_000))


def test_partly_filled_order(venue: WazirXVenue, server: WazirXLoopback) -> None:
    # given
    ack = venue.create_order(limit_buy("wx-part", amount="0.002"))
    with server.lock:
        server.orders[ack.exchange_order_id].filled = Decimal("0.0005")

    # when
    order = venue.fetch_order(symbol="BTC/INR", client_order_id="wx-part")

    # then
    assert order.status == VenueOrderStatus.PARTIALLY_FILLED
    assert order.filled == Decimal("0.0005")


def test_duplicate_client_order_id_is_refused(venue: WazirXVenue, server: WazirXLoopback) -> None:
    # given
    venue.create_order(limit_buy("wx-dup"))

    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(limit_buy("wx-dup", price="4800000"))

    # then
    assert caught.value.code == DUPLICATE_CLIENT_ORDER_ID
    assert len(server.orders_for("wx-dup")) == 1


def test_repeating_the_same_create_returns_the_same_order(
    venue: WazirXVenue, server: WazirXLoopback
) -> None:
    # given: a caller retrying a create that in fact went through
    first = venue.create_order(limit_buy("wx-again"))

    # when
    again = venue.create_order(limit_buy("wx-again"))

    # then
    assert again.exchange_order_id == first.exchange_order_id
    assert len(server.orders_for("wx-again")) == 1


def test_unknown_order(venue: WazirXVenue) -> None:
    with pytest.raises(OrderNotFound):
        venue.fetch_order(symbol="BTC/INR", client_order_id="never-sent")


def test_order_of_another_market_is_not_found(venue: WazirXVenue) -> None:
    # given
    venue.create_order(limit_buy("wx-eth", symbol="ETH/INR", price="240000"))

    # when / then
    with pytest.raises(OrderNotFound):
        venue.fetch_order(symbol="BTC/INR", client_order_id="wx-eth")


def test_order_needs_some_id(venue: WazirXVenue) -> None:
    with pytest.raises(OrderNotFound):
        venue.fetch_order(symbol="BTC/INR")


def test_bad_signature_is_an_auth_error(server: WazirXLoopback, sleeps: list[float]) -> None:
    # given
    venue = make_venue(server, sleeps, secret="not-the-secret")

    # when / then
    with pytest.raises(VenueAuthError, match="Signature is incorrect"):
        venue.fetch_balance()
    with pytest.raises(VenueAuthError):
        venue.create_order(limit_buy("wx-badsig"))
    assert server.orders == {}
    assert sleeps == []  # auth errors are final: no retry


def test_unknown_api_key_is_an_auth_error(server: WazirXLoopback, sleeps: list[float]) -> None:
    venue = make_venue(server, sleeps, api_key="someone-else")
    with pytest.raises(VenueAuthError):
        venue.fetch_balance()


def test_private_calls_need_credentials(server: WazirXLoopback) -> None:
    # given
    venue = WazirXVenue(None, base_url=server.url)

    # when / then
    assert venue.fetch_ticker("BTC/INR").last > 0
    with pytest.raises(VenueAuthError):
        venue.fetch_balance()


def test_insufficient_balance_is_rejected_with_the_reason(
    venue: WazirXVenue, server: WazirXLoopback
) -> None:
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(limit_buy("wx-big", amount="1"))

    assert caught.value.code == INSUFFICIENT_FUNDS
    assert caught.value.reason == "Not enough INR balance to execute this order"
    assert server.orders == {}


def test_order_below_minimum_value_is_rejected(venue: WazirXVenue) -> None:
    with pytest.raises(OrderRejected, match="Minimum buy amount"):
        venue.create_order(limit_buy("wx-tiny", amount="0.00001", price="1000"))


@pytest.mark.parametrize(
    ("type_", "time_in_force"),
    [
        pytest.param(OrderType.MARKET, TimeInForce.GTC, id="market_case"),
        pytest.param(OrderType.STOP_LOSS, TimeInForce.GTC, id="stop_market_case"),
        pytest.param(OrderType.TAKE_PROFIT, TimeInForce.GTC, id="take_profit_case"),
        pytest.param(OrderType.LIMIT, TimeInForce.IOC, id="ioc_case"),
    ],
)
def test_unsupported_orders_are_rejected_before_sending(
    venue: WazirXVenue, server: WazirXLoopback, type_: OrderType, time_in_force: TimeInForce
) -> None:
    # given
    request = OrderRequest(
        symbol="BTC/INR",
        side=OrderSide.BUY,
        type=type_,
        amount=Decimal("0.001"),
        client_order_id="wx-unsupported",
        price=Decimal(4_900_000),
        time_in_force=time_in_force,
    )

    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(request)

    # then
    assert caught.value.code == UNSUPPORTED_ORDER
    assert posts(server) == 0


def test_stop_limit_needs_a_stop_price(venue: WazirXVenue) -> None:
    with pytest.raises(OrderRejected, match="stop price"):
        venue.create_order(limit_buy("wx-nostop", type_=OrderType.STOP_LIMIT))


# --- transient failures ------------------------------------------------------------------------


def test_server_errors_are_retried_then_succeed(
    venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given
    venue.load_markets()
    server.faults.fail("/sapi/v1/ticker/24hr", status=503, times=2)

    # when
    ticker = venue.fetch_ticker("BTC/INR")

    # then
    assert ticker.last == Decimal(5_000_000)
    assert server.requests.count(("GET", "/sapi/v1/ticker/24hr")) == 3
    assert len(sleeps) == 2
    assert 0.125 <= sleeps[0] <= 0.25 <= sleeps[1] <= 0.5  # equal jitter, doubling


def test_retries_stop_after_five_attempts(
    venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given
    server.faults.fail("/sapi/v1/funds", status=502, times=10)

    # when / then
    with pytest.raises(VenueUnavailable):
        venue.fetch_balance()
    assert server.requests.count(("GET", "/sapi/v1/funds")) == 5
    assert len(sleeps) == 4


def test_rate_limit_waits_as_told(
    venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given
    server.faults.rate_limit("/sapi/v1/funds", retry_after=3)

    # when
    balances = venue.fetch_balance()

    # then
    assert balances
    assert sleeps == [3.0]


def test_a_long_retry_after_goes_to_the_caller(
    venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given
    server.faults.rate_limit("/sapi/v1/funds", retry_after=120)

    # when / then
    with pytest.raises(VenueRateLimited) as caught:
        venue.fetch_balance()
    assert caught.value.retry_after == 120
    assert sleeps == []


def test_create_after_a_5xx_looks_up_before_resending(
    venue: WazirXVenue, server: WazirXLoopback
) -> None:
    # given
    venue.load_markets()
    server.faults.fail(ORDER_PATH, method="POST", status=503)

    # when
    ack = venue.create_order(limit_buy("wx-5xx"))

    # then
    assert ack.status == VenueOrderStatus.OPEN
    assert len(server.orders_for("wx-5xx")) == 1
    order_calls = [r for r in server.requests if r[1] == ORDER_PATH]
    assert order_calls == [("POST", ORDER_PATH), ("GET", ORDER_PATH), ("POST", ORDER_PATH)]


def test_create_gives_up_after_five_attempts_without_placing_twice(
    venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given
    venue.load_markets()
    server.faults.fail(ORDER_PATH, method="POST", status=503, times=10)

    # when / then
    with pytest.raises(VenueUnavailable):
        venue.create_order(limit_buy("wx-down"))
    assert posts(server) == 5
    assert server.requests.count(("GET", ORDER_PATH)) == 4  # a lookup before every resend
    assert len(sleeps) == 4
    assert server.orders == {}


def test_timeout_after_the_venue_accepted_creates_exactly_one_order(
    server: WazirXLoopback, sleeps: list[float]
) -> None:
    # given: the venue stores the order, then answers too late for the client
    venue = make_venue(server, sleeps, timeout_s=0.3)
    venue.load_markets()
    server.faults.stall_after_accept(ORDER_PATH, method="POST", seconds=3)

    # when
    ack = venue.create_order(limit_buy("wx-timeout"))

    # then: found by client order id, never sent twice
    assert ack.client_order_id == "wx-timeout"
    assert len(server.orders_for("wx-timeout")) == 1
    assert len(server.orders) == 1
    assert posts(server) == 1


def test_a_lost_lookup_is_never_followed_by_a_blind_resend(
    venue: WazirXVenue, server: WazirXLoopback
) -> None:
    # given: the create fails, then the first lookup fails too
    venue.load_markets()
    server.faults.fail(ORDER_PATH, method="POST", status=500)
    server.faults.fail(ORDER_PATH, method="GET", status=500)

    # when
    venue.create_order(limit_buy("wx-lookup"))

    # then
    order_calls = [r for r in server.requests if r[1] == ORDER_PATH]
    assert order_calls == [
        ("POST", ORDER_PATH),
        ("GET", ORDER_PATH),
        ("GET", ORDER_PATH),
        ("POST", ORDER_PATH),
    ]
    assert len(server.orders_for("wx-lookup")) == 1


def test_a_stopped_venue_is_unavailable(server: WazirXLoopback, sleeps: list[float]) -> None:
    # given
    venue = make_venue(server, sleeps)
    server.stop()

    # when / then
    with pytest.raises(VenueUnavailable):
        venue.load_markets()
    assert len(sleeps) == 4
