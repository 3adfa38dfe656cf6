"""CoinDCXVenue against the loopback CoinDCX: real HTTP, real signatures, injected faults.

`TestCoinDCX` runs the shared `VenueContract` plus the CoinDCX-specific checks below; the wire
helpers are tested on their own at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.trading.exchanges.venue_contract import VenueContract
from trading.exchanges.base import (
    Credentials,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    VenueOrderStatus,
)
from trading.exchanges.coindcx import CoinDCXVenue, sign_body
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
)
from trading.exchanges.http_venue import (
    DUPLICATE_CLIENT_ORDER_ID,
    clean_step,
    json_dumps,
    json_loads,
    looks_like_duplicate_client_id,
    parse_retry_after,
    utc_from_epoch,
    utc_from_iso,
)
from trading.exchanges.loopback.coindcx_server import (
    API_KEY,
    SECRET,
    CoinDCXLoopback,
    start_coindcx_server,
)

CREATE = "/exchange/v1/orders/create"
STATUS = "/exchange/v1/orders/status"
ORDER_NOT_FOUND = {"code": 404, "message": "Order not found", "status": "error"}


def order(
    client_order_id: str,
    *,
    amount: str = "0.001",
    price: str | None = "59000",
    symbol: str = "BTC/USDT",
    side: OrderSide = OrderSide.BUY,
    type_: OrderType = OrderType.LIMIT,
) -> OrderRequest:
    return OrderRequest(
        symbol=symbol,
        side=side,
        type=type_,
        amount=Decimal(amount),
        client_order_id=client_order_id,
        price=Decimal(price) if price else None,
    )


def creates(server: CoinDCXLoopback) -> int:
    return server.requests.count(("POST", CREATE))


class TestCoinDCX(VenueContract[CoinDCXVenue, CoinDCXLoopback]):
    exchange_id = "coindcx"
    api_key = API_KEY
    secret = SECRET
    symbol = "BTC/USDT"
    quote = "USDT"
    limit_price = "59000"
    other_price = "58000"
    other_market = ("BTC/INR", "4900000")
    create_call = ("POST", CREATE)
    lookup_call = ("POST", STATUS)
    balance_call = ("POST", "/exchange/v1/users/balances")
    cancelled_status = "cancelled"
    bad_signature_words = "Invalid credentials"
    insufficient_funds_reason = "Insufficient funds"

    def start_server(self) -> AbstractContextManager[CoinDCXLoopback]:
        return start_coindcx_server()

    def connect(
        self,
        server: CoinDCXLoopback,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None],
        timeout_s: float,
    ) -> CoinDCXVenue:
        return CoinDCXVenue(
            credentials,
            base_url=server.url,
            public_url=server.public_url,
            timeout_s=timeout_s,
            sleep=sleep,
        )

    # --- market data ---------------------------------------------------------------------------

    def test_markets_carry_precision_limits_and_status(self, venue: CoinDCXVenue) -> None:
        # when
        markets = venue.load_markets()

        # then: CoinDCX's target currency is our base, its base currency our quote
        btc = markets["BTC/USDT"]
        assert btc.exchange_symbol == "BTCUSDT"
        assert (btc.base, btc.quote) == ("BTC", "USDT")
        assert btc.price_tick == Decimal("0.01")
        assert btc.amount_step == Decimal("0.00001")
        assert btc.min_amount == Decimal("0.0001")
        assert btc.max_amount == Decimal(90_000_000)
        assert btc.min_cost == Decimal(5)
        assert btc.active
        inr = markets["BTC/INR"]
        assert (inr.exchange_symbol, inr.price_tick, inr.min_cost) == ("BTCINR", 1, 100)
        assert inr.price_tick.as_tuple().exponent == 0
        assert markets["USDT/INR"].min_amount == Decimal(1)
        assert not markets["XRP/INR"].active

    def test_unknown_symbol(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(UnknownSymbol):
            venue.fetch_order_book("DOGE/USDT")

    def test_ticker(self, venue: CoinDCXVenue) -> None:
        # when
        ticker = venue.fetch_ticker("BTC/INR")

        # then
        assert ticker.last == Decimal(5_000_000)
        assert (ticker.bid, ticker.ask) == (Decimal(4_999_999), Decimal(5_000_001))
        assert ticker.change_pct == Decimal("1.486")
        assert ticker.quote_volume == Decimal(15_000_000)
        assert ticker.base_volume is None
        assert ticker.timestamp.tzinfo is UTC
        assert abs(datetime.now(tz=UTC) - ticker.timestamp) < timedelta(minutes=1)

    def test_tickers_for_some_or_all_markets(self, venue: CoinDCXVenue) -> None:
        everything = venue.fetch_tickers()
        some = venue.fetch_tickers(["USDT/INR"])

        assert set(everything) == {"BTC/USDT", "BTC/INR", "USDT/INR", "XRP/INR"}
        assert set(some) == {"USDT/INR"}
        assert some["USDT/INR"].last == Decimal("90.50")

    def test_candles_since_a_time_oldest_first(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback
    ) -> None:
        # given
        since = datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)

        # when
        candles = venue.fetch_ohlcv("BTC/USDT", "5m", since=since, limit=4)

        # then: the venue answers newest first; we return oldest first
        start = since + timedelta(minutes=(-since.minute) % 5)
        assert [c.open_time for c in candles] == [
            start + timedelta(minutes=5 * i) for i in range(4)
        ]
        assert candles[0].open_time.tzinfo is UTC
        assert candles[0].volume == Decimal("0.35")
        assert candles[0].low <= candles[0].close <= candles[0].high
        assert ("GET", "/market_data/candles") in server.requests  # on the public host

    def test_unsupported_timeframe(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(VenueError, match="12h"):
            venue.fetch_ohlcv("BTC/USDT", "12h")

    def test_order_book_best_first_and_cut_to_limit(self, venue: CoinDCXVenue) -> None:
        # when
        book = venue.fetch_order_book("BTC/USDT", limit=2)

        # then
        assert book.bids == (
            (Decimal("59999.99"), Decimal("0.75")),
            (Decimal("59999.98"), Decimal("0.75")),
        )
        assert book.asks == (
            (Decimal("60000.01"), Decimal("0.5")),
            (Decimal("60000.02"), Decimal("0.5")),
        )
        assert book.timestamp.tzinfo is UTC

    # --- account and orders ----------------------------------------------------------------------

    def test_balances(self, venue: CoinDCXVenue) -> None:
        balances = {b.asset: b for b in venue.fetch_balance()}

        assert balances["USDT"].free == Decimal(1000)
        assert balances["BTC"].total == Decimal("0.05")

    def test_a_filled_order_cannot_be_cancelled(self, venue: CoinDCXVenue) -> None:
        # given
        venue.create_order(order("dcx-filled", type_=OrderType.MARKET, price=None))

        # when / then
        with pytest.raises(OrderRejected, match="cannot be cancelled"):
            venue.cancel_order(symbol="BTC/USDT", client_order_id="dcx-filled")

    def test_market_order_fills(self, venue: CoinDCXVenue) -> None:
        # when
        ack = venue.create_order(
            order("dcx-mkt", side=OrderSide.SELL, type_=OrderType.MARKET, price=None)
        )

        # then
        assert (ack.type, ack.status) == (OrderType.MARKET, VenueOrderStatus.FILLED)
        assert ack.filled == Decimal("0.001")
        assert ack.average_price == Decimal("59999.99")
        assert ack.price is None
        balances = {b.asset: b for b in venue.fetch_balance()}
        assert balances["BTC"].free == Decimal("0.049")
        assert balances["USDT"].free == Decimal("1059.99999")

    def test_repeating_the_same_create_returns_the_same_order(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback
    ) -> None:
        # given: a caller retrying a market order that in fact went through
        first = venue.create_order(order("dcx-again", type_=OrderType.MARKET, price=None))

        # when
        again = venue.create_order(order("dcx-again", type_=OrderType.MARKET, price=None))

        # then
        assert again == first
        assert len(server.orders_for("dcx-again")) == 1

    def test_unknown_order(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(OrderNotFound):
            venue.fetch_order(symbol="BTC/USDT", exchange_order_id="no-such-order")

    def test_order_needs_some_id(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(OrderNotFound):
            venue.cancel_order(symbol="BTC/USDT")

    def test_private_calls_need_credentials(self, server: CoinDCXLoopback) -> None:
        venue = CoinDCXVenue(None, base_url=server.url, public_url=server.public_url)

        assert venue.fetch_ticker("BTC/USDT").last > 0
        with pytest.raises(VenueAuthError):
            venue.fetch_balance()

    def test_order_below_minimum_notional_is_rejected(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(OrderRejected, match="Total order value"):
            venue.create_order(order("dcx-tiny", amount="0.0001", price="100"))

    @pytest.fixture(
        params=[
            pytest.param((OrderType.STOP_LIMIT, TimeInForce.GTC, "dcx-x"), id="stop_limit_case"),
            pytest.param((OrderType.STOP_LOSS, TimeInForce.GTC, "dcx-x"), id="stop_market_case"),
            pytest.param((OrderType.TAKE_PROFIT, TimeInForce.GTC, "dcx-x"), id="take_profit_case"),
            pytest.param((OrderType.LIMIT, TimeInForce.IOC, "dcx-x"), id="ioc_case"),
            pytest.param((OrderType.LIMIT, TimeInForce.GTC, "x" * 37), id="long_client_id_case"),
        ]
    )
    def unsupported_order(self, request: pytest.FixtureRequest) -> OrderRequest:
        """Market and limit GTC orders only, client order ids of at most 36 characters."""
        type_, time_in_force, client_order_id = request.param
        return OrderRequest(
            symbol="BTC/USDT",
            side=OrderSide.BUY,
            type=type_,
            amount=Decimal("0.001"),
            client_order_id=client_order_id,
            price=Decimal(59_000),
            stop_price=Decimal(59_500),
            time_in_force=time_in_force,
        )

    def test_limit_order_needs_a_price(self, venue: CoinDCXVenue) -> None:
        with pytest.raises(OrderRejected, match="price"):
            venue.create_order(order("dcx-noprice", price=None))

    # --- transient failures ----------------------------------------------------------------------

    def test_server_errors_are_retried_then_succeed(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback, sleeps: list[float]
    ) -> None:
        # given
        venue.load_markets()
        server.faults.fail("/market_data/orderbook", status=500, times=3)

        # when
        book = venue.fetch_order_book("BTC/INR")

        # then
        assert book.bids
        assert server.requests.count(("GET", "/market_data/orderbook")) == 4
        assert len(sleeps) == 3

    def test_rate_limit_waits_as_told(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback, sleeps: list[float]
    ) -> None:
        # given
        server.faults.rate_limit("/exchange/ticker", retry_after=2, times=2)

        # when
        ticker = venue.fetch_ticker("BTC/USDT")

        # then: each wait is at least Retry-After (markets were loaded first, from another path)
        assert ticker.last == Decimal("60000.00")
        assert sleeps == [2.0, 2.0]

    def test_rate_limit_without_retry_after_backs_off(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback, sleeps: list[float]
    ) -> None:
        server.faults.rate_limit("/exchange/v1/users/balances", retry_after=None)

        assert venue.fetch_balance()
        assert len(sleeps) == 1
        assert 0.125 <= sleeps[0] <= 0.25

    def test_a_lagging_lookup_then_duplicate_returns_the_landed_order(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback
    ) -> None:
        # given: the create lands but answers 502, and the first lookup does not see it yet
        venue.load_markets()
        server.faults.fail_after_accept(CREATE, status=502)
        server.faults.fail(STATUS, status=404, payload=ORDER_NOT_FOUND)

        # when
        ack = venue.create_order(order("dcx-lag"))

        # then: the resend is refused as a duplicate and the landed order is returned
        assert ack.client_order_id == "dcx-lag"
        assert ack.status == VenueOrderStatus.OPEN
        assert len(server.orders) == 1
        assert creates(server) == 2

    def test_a_duplicate_of_a_different_order_is_not_taken_for_ours(
        self, venue: CoinDCXVenue, server: CoinDCXLoopback
    ) -> None:
        # given: an older order already uses the id; our create fails and the lookup lags
        venue.create_order(order("dcx-reused", amount="0.001"))
        server.faults.fail(CREATE, status=503)
        server.faults.fail(STATUS, status=404, payload=ORDER_NOT_FOUND)

        # when
        with pytest.raises(OrderRejected) as caught:
            venue.create_order(order("dcx-reused", amount="0.002"))

        # then
        assert caught.value.code == DUPLICATE_CLIENT_ORDER_ID
        assert len(server.orders_for("dcx-reused")) == 1


# --- wire helpers ------------------------------------------------------------------------------


def test_bodies_are_compact_json_with_exact_decimals() -> None:
    # when
    payload, signature = sign_body(
        {"total_quantity": Decimal("0.00001"), "price_per_unit": Decimal("1E+2"), "x": None},
        SECRET,
    )

    # then
    assert payload == b'{"total_quantity":0.00001,"price_per_unit":100,"x":null}'
    assert len(signature) == 64
    assert json_loads(payload.decode())["total_quantity"] == Decimal("0.00001")
    assert json_dumps([True, False, 1, "a"]) == '[true,false,1,"a"]'
    with pytest.raises(TypeError):
        json_dumps(0.1)
    with pytest.raises(ValueError, match="NaN"):
        json_dumps(Decimal("NaN"))


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_times_and_steps() -> None:
    assert utc_from_epoch(1_700_000_000) == utc_from_epoch(1_700_000_000_000)
    assert utc_from_epoch("1718661890114.6968").year == 2024
    assert utc_from_iso("2018-04-19T18:17:28.022Z") == datetime(
        2018, 4, 19, 18, 17, 28, 22000, tzinfo=UTC
    )
    assert utc_from_iso("2018-04-19T18:17:28").tzinfo is UTC
    assert str(clean_step(Decimal("0.000010"))) == "0.00001"
    assert str(clean_step(Decimal("10.0"))) == "10"
    assert looks_like_duplicate_client_id("Client order id already exists")
    assert not looks_like_duplicate_client_id("Insufficient funds")
