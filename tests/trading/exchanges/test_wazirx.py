"""WazirXVenue against the loopback WazirX: real HTTP, real signatures, injected faults.

`TestWazirX` runs the shared `VenueContract` plus the WazirX-specific checks below.
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
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
    VenueUnavailable,
)
from trading.exchanges.loopback.wazirx_server import (
    API_KEY,
    SECRET,
    WazirXLoopback,
    start_wazirx_server,
)
from trading.exchanges.wazirx import WazirXVenue

ORDER_PATH = "/sapi/v1/order"


def stop_limit_buy(
    client_order_id: str, *, price: str = "4900000", stop_price: str | None = None
) -> OrderRequest:
    return OrderRequest(
        symbol="BTC/INR",
        side=OrderSide.BUY,
        type=OrderType.STOP_LIMIT,
        amount=Decimal("0.001"),
        client_order_id=client_order_id,
        price=Decimal(price),
        stop_price=Decimal(stop_price) if stop_price else None,
    )


def posts(server: WazirXLoopback) -> int:
    return server.requests.count(("POST", ORDER_PATH))


class TestWazirX(VenueContract[WazirXVenue, WazirXLoopback]):
    exchange_id = "wazirx"
    api_key = API_KEY
    secret = SECRET
    symbol = "BTC/INR"
    quote = "INR"
    limit_price = "4900000"
    other_price = "4800000"
    other_market = ("ETH/INR", "240000")
    create_call = ("POST", ORDER_PATH)
    lookup_call = ("GET", ORDER_PATH)
    balance_call = ("GET", "/sapi/v1/funds")
    cancelled_status = "cancel"
    bad_signature_words = "Signature is incorrect"
    insufficient_funds_reason = "Not enough INR balance to execute this order"

    def start_server(self) -> AbstractContextManager[WazirXLoopback]:
        return start_wazirx_server()

    def connect(
        self,
        server: WazirXLoopback,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None],
        timeout_s: float,
    ) -> WazirXVenue:
        return WazirXVenue(credentials, base_url=server.url, timeout_s=timeout_s, sleep=sleep)

    # --- market data ---------------------------------------------------------------------------

    def test_markets_carry_precision_limits_and_status(self, venue: WazirXVenue) -> None:
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
        self, venue: WazirXVenue, server: WazirXLoopback
    ) -> None:
        # when
        venue.load_markets()
        venue.market("ETH/INR")
        venue.load_markets(reload=True)

        # then
        assert server.requests.count(("GET", "/sapi/v1/exchangeInfo")) == 2

    def test_unknown_symbol(self, venue: WazirXVenue) -> None:
        with pytest.raises(UnknownSymbol):
            venue.fetch_ticker("DOGE/INR")

    def test_ticker(self, venue: WazirXVenue) -> None:
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

    def test_tickers_for_some_or_all_markets(self, venue: WazirXVenue) -> None:
        # when
        everything = venue.fetch_tickers()
        some = venue.fetch_tickers(["ETH/INR", "USDT/INR"])

        # then
        assert set(everything) == {"BTC/INR", "ETH/INR", "USDT/INR", "XRP/INR"}
        assert set(some) == {"ETH/INR", "USDT/INR"}
        assert some["USDT/INR"].last == Decimal("90.0")

    def test_candles_since_a_time_oldest_first(self, venue: WazirXVenue) -> None:
        # given
        now = datetime.now(tz=UTC)
        since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)

        # when
        candles = venue.fetch_ohlcv("BTC/INR", "1h", since=since, limit=3)

        # then
        assert [c.open_time for c in candles] == [since + timedelta(hours=i) for i in range(3)]
        first = candles[0]
        assert first.open_time.tzinfo is UTC
        assert first.low <= first.open <= first.high
        assert first.volume == Decimal("1.5")
        assert all(isinstance(value, Decimal) for value in (first.open, first.close))

    def test_latest_candles_without_since(self, venue: WazirXVenue) -> None:
        # when
        candles = venue.fetch_ohlcv("ETH/INR", "1d", limit=5)

        # then
        assert len(candles) == 5
        assert candles == sorted(candles, key=lambda c: c.open_time)

    def test_unsupported_timeframe(self, venue: WazirXVenue) -> None:
        with pytest.raises(VenueError, match="3m"):
            venue.fetch_ohlcv("BTC/INR", "3m")

    def test_order_book_best_first_and_cut_to_limit(self, venue: WazirXVenue) -> None:
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

    # --- account and orders ----------------------------------------------------------------------

    def test_balances(self, venue: WazirXVenue) -> None:
        # when
        balances = {b.asset: b for b in venue.fetch_balance()}

        # then
        assert balances["INR"].free == Decimal(1_000_000)
        assert balances["BTC"].total == Decimal("0.5")

    def test_stop_limit_order(self, venue: WazirXVenue, server: WazirXLoopback) -> None:
        # when
        ack = venue.create_order(stop_limit_buy("wx-stop", price="5100000", stop_price="5050000"))

        # then
        assert (ack.type, ack.status) == (OrderType.STOP_LIMIT, VenueOrderStatus.OPEN)
        stored = server.orders[ack.exchange_order_id]
        assert (stored.type, stored.stop_price) == ("stop_limit", Decimal(5_050_000))

    def test_repeating_the_same_create_returns_the_same_order(
        self, venue: WazirXVenue, server: WazirXLoopback
    ) -> None:
        # given: a caller retrying a create that in fact went through
        first = venue.create_order(self.limit_buy("wx-again"))

        # when
        again = venue.create_order(self.limit_buy("wx-again"))

        # then
        assert again.exchange_order_id == first.exchange_order_id
        assert len(server.orders_for("wx-again")) == 1

    def test_unknown_order(self, venue: WazirXVenue) -> None:
        with pytest.raises(OrderNotFound):
            venue.fetch_order(symbol="BTC/INR", client_order_id="never-sent")

    def test_order_needs_some_id(self, venue: WazirXVenue) -> None:
        with pytest.raises(OrderNotFound):
            venue.fetch_order(symbol="BTC/INR")

    def test_unknown_api_key_is_an_auth_error(
        self, server: WazirXLoopback, sleeps: list[float]
    ) -> None:
        venue = self.make_venue(server, sleeps, api_key="someone-else")
        with pytest.raises(VenueAuthError):
            venue.fetch_balance()

    def test_private_calls_need_credentials(self, server: WazirXLoopback) -> None:
        # given
        venue = WazirXVenue(None, base_url=server.url)

        # when / then
        assert venue.fetch_ticker("BTC/INR").last > 0
        with pytest.raises(VenueAuthError):
            venue.fetch_balance()

    def test_order_below_minimum_value_is_rejected(self, venue: WazirXVenue) -> None:
        with pytest.raises(OrderRejected, match="Minimum buy amount"):
            venue.create_order(self.limit_buy("wx-tiny", amount="0.00001", price="1000"))

    @pytest.fixture(
        params=[
            pytest.param((OrderType.MARKET, TimeInForce.GTC), id="market_case"),
            pytest.param((OrderType.STOP_LOSS, TimeInForce.GTC), id="stop_market_case"),
            pytest.param((OrderType.TAKE_PROFIT, TimeInForce.GTC), id="take_profit_case"),
            pytest.param((OrderType.LIMIT, TimeInForce.IOC), id="ioc_case"),
        ]
    )
    def unsupported_order(self, request: pytest.FixtureRequest) -> OrderRequest:
        """Limit and stop-limit GTC orders only: no market, stop-market, take-profit or IOC."""
        type_, time_in_force = request.param
        return OrderRequest(
            symbol="BTC/INR",
            side=OrderSide.BUY,
            type=type_,
            amount=Decimal("0.001"),
            client_order_id="wx-unsupported",
            price=Decimal(4_900_000),
            time_in_force=time_in_force,
        )

    def test_stop_limit_needs_a_stop_price(self, venue: WazirXVenue) -> None:
        with pytest.raises(OrderRejected, match="stop price"):
            venue.create_order(stop_limit_buy("wx-nostop"))

    # --- transient failures ----------------------------------------------------------------------

    def test_server_errors_are_retried_then_succeed(
        self, venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
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

    def test_rate_limit_waits_as_told(
        self, venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
    ) -> None:
        # given
        server.faults.rate_limit("/sapi/v1/funds", retry_after=3)

        # when
        balances = venue.fetch_balance()

        # then
        assert balances
        assert sleeps == [3.0]

    def test_create_gives_up_after_five_attempts_without_placing_twice(
        self, venue: WazirXVenue, server: WazirXLoopback, sleeps: list[float]
    ) -> None:
        # given
        venue.load_markets()
        server.faults.fail(ORDER_PATH, method="POST", status=503, times=10)

        # when / then
        with pytest.raises(VenueUnavailable):
            venue.create_order(self.limit_buy("wx-down"))
        assert posts(server) == 5
        assert server.requests.count(("GET", ORDER_PATH)) == 4  # a lookup before every resend
        assert len(sleeps) == 4
        assert server.orders == {}

    def test_a_lost_lookup_is_never_followed_by_a_blind_resend(
        self, venue: WazirXVenue, server: WazirXLoopback
    ) -> None:
        # given: the create fails, then the first lookup fails too
        venue.load_markets()
        server.faults.fail(ORDER_PATH, method="POST", status=500)
        server.faults.fail(ORDER_PATH, method="GET", status=500)

        # when
        venue.create_order(self.limit_buy("wx-lookup"))

        # then
        order_calls = [r for r in server.requests if r[1] == ORDER_PATH]
        assert order_calls == [
            ("POST", ORDER_PATH),
            ("GET", ORDER_PATH),
            ("GET", ORDER_PATH),
            ("POST", ORDER_PATH),
        ]
        assert len(server.orders_for("wx-lookup")) == 1

    def test_a_stopped_venue_is_unavailable(
        self, server: WazirXLoopback, sleeps: list[float]
    ) -> None:
        # given
        venue = self.make_venue(server, sleeps)
        server.stop()

        # when / then
        with pytest.raises(VenueUnavailable):
            venue.load_markets()
        assert len(sleeps) == 4
