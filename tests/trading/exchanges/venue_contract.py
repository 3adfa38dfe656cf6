"""The contract every `HttpVenue` keeps against its loopback server, written once for all venues.

`VenueContract` holds the tests whose check is the same on every venue: the order workflow
(create, query, cancel, duplicate client order ids, orders of another market), auth failures,
and transient failures (retries, rate limits, creates that must not place twice). Each venue's
test module subclasses it once (`TestWazirX`, `TestCoinDCX`), naming its venue and server and
the few wire details the checks need; pytest then runs every contract test once per venue. The
same class holds that venue's wire-format tests, which use the fixtures defined here.

Invariants: each test gets a fresh server (state is per test), and a venue that records its
backoffs in `sleeps` instead of sleeping.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

import pytest

from trading.exchanges.base import (
    Credentials,
    OrderRequest,
    OrderSide,
    OrderType,
    Venue,
    VenueOrderStatus,
)
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    VenueAuthError,
    VenueRateLimited,
    VenueUnavailable,
)
from trading.exchanges.http_venue import (
    DUPLICATE_CLIENT_ORDER_ID,
    INSUFFICIENT_FUNDS,
    UNSUPPORTED_ORDER,
)
from trading.exchanges.loopback import LoopbackHandle

V = TypeVar("V", bound=Venue)  # the contract speaks only the public interface
S = TypeVar("S", bound=LoopbackHandle)
Call = tuple[str, str]  # (method, path), as `LoopbackHandle.requests` logs them


class VenueContract(ABC, Generic[V, S]):
    """Tests every HTTP venue must pass; a subclass fills in the venue and its wire details."""

    exchange_id: ClassVar[str]
    api_key: ClassVar[str]
    secret: ClassVar[str]
    symbol: ClassVar[str]  # a trading market whose quote asset the account holds plenty of
    quote: ClassVar[str]
    limit_price: ClassVar[str]  # a limit buy price there (0.001 of base at it is affordable)
    other_price: ClassVar[str]  # another such price, for "the same id, a different order"
    other_market: ClassVar[tuple[str, str]]  # another trading market and a limit buy price there
    create_call: ClassVar[Call]
    lookup_call: ClassVar[Call]  # reads one order
    balance_call: ClassVar[Call]  # a signed read
    cancelled_status: ClassVar[str]  # the server's own word for a cancelled order
    bad_signature_words: ClassVar[str]
    insufficient_funds_reason: ClassVar[str]  # the venue's words when 1 base is unaffordable

    @abstractmethod
    def start_server(self) -> AbstractContextManager[S]:
        """A fresh loopback server of the venue."""

    @abstractmethod
    def connect(
        self,
        server: S,
        credentials: Credentials,
        *,
        sleep: Callable[[float], None],
        timeout_s: float,
    ) -> V:
        """The venue under test, pointed at `server`."""

    # -- fixtures (per test) --

    @pytest.fixture
    def server(self) -> Iterator[S]:
        with self.start_server() as handle:
            yield handle

    @pytest.fixture
    def sleeps(self) -> list[float]:
        """Every backoff the venue asked for, instead of sleeping through it."""
        return []

    @pytest.fixture
    def venue(self, server: S, sleeps: list[float]) -> V:
        return self.make_venue(server, sleeps)

    @pytest.fixture
    def unsupported_order(self, request: pytest.FixtureRequest) -> OrderRequest:
        """An order the venue cannot take; a subclass overrides this with one param per kind."""
        raise NotImplementedError

    # -- helpers --

    def make_venue(
        self,
        server: S,
        sleeps: list[float],
        *,
        secret: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 5.0,
    ) -> V:
        """The venue with the loopback account's key (or the given one), recording backoffs."""
        credentials = Credentials(api_key=api_key or self.api_key, secret=secret or self.secret)
        return self.connect(server, credentials, sleep=sleeps.append, timeout_s=timeout_s)

    def limit_buy(
        self,
        client_order_id: str,
        *,
        amount: str = "0.001",
        price: str | None = None,
        symbol: str | None = None,
    ) -> OrderRequest:
        """A limit buy that rests on the book: in `symbol` at `limit_price` unless told."""
        return OrderRequest(
            symbol=symbol or self.symbol,
            side=OrderSide.BUY,
            type=OrderType.LIMIT,
            amount=Decimal(amount),
            client_order_id=client_order_id,
            price=Decimal(price or self.limit_price),
        )

    def locked(self, venue: V, asset: str) -> Decimal:
        return {b.asset: b for b in venue.fetch_balance()}[asset].locked

    # --- the contract: the interface ---------------------------------------------------------

    def test_is_a_venue(self, venue: V) -> None:
        # mypy checks each venue against the Protocol (`V`'s bound); the test checks the id.
        as_venue: Venue = venue
        assert as_venue.exchange_id == self.exchange_id

    def test_key_permissions_are_not_exposed(self, venue: V) -> None:
        assert venue.fetch_key_permissions() is None

    # --- the contract: account and orders ---------------------------------------------------

    def test_limit_order_create_query_cancel(self, venue: V, server: S) -> None:
        # when
        ack = venue.create_order(self.limit_buy("c-1"))

        # then
        assert ack.client_order_id == "c-1"
        assert ack.status == VenueOrderStatus.OPEN
        assert (ack.symbol, ack.side, ack.type) == (self.symbol, OrderSide.BUY, OrderType.LIMIT)
        assert (ack.amount, ack.filled, ack.price, ack.average_price) == (
            Decimal("0.001"),
            0,
            Decimal(self.limit_price),
            None,
        )
        assert ack.timestamp.tzinfo is UTC
        assert self.locked(venue, self.quote) == Decimal("0.001") * Decimal(self.limit_price)

        # when
        by_client_id = venue.fetch_order(symbol=self.symbol, client_order_id="c-1")
        by_exchange_id = venue.fetch_order(
            symbol=self.symbol, exchange_order_id=ack.exchange_order_id
        )

        # then
        assert by_client_id == by_exchange_id == ack

        # when
        cancelled = venue.cancel_order(symbol=self.symbol, client_order_id="c-1")

        # then
        assert cancelled.status == VenueOrderStatus.CANCELED
        assert server.orders[ack.exchange_order_id].status == self.cancelled_status
        assert self.locked(venue, self.quote) == 0

    def test_cancel_is_idempotent(self, venue: V) -> None:
        # given
        ack = venue.create_order(self.limit_buy("c-twice"))
        venue.cancel_order(symbol=self.symbol, exchange_order_id=ack.exchange_order_id)

        # when
        again = venue.cancel_order(symbol=self.symbol, exchange_order_id=ack.exchange_order_id)

        # then
        assert again.status == VenueOrderStatus.CANCELED

    def test_partly_filled_order(self, venue: V, server: S) -> None:
        # given
        ack = venue.create_order(self.limit_buy("c-part", amount="0.002"))
        with server.lock:
            server.orders[ack.exchange_order_id].filled = Decimal("0.0005")

        # when
        order = venue.fetch_order(symbol=self.symbol, client_order_id="c-part")

        # then
        assert order.status == VenueOrderStatus.PARTIALLY_FILLED
        assert order.filled == Decimal("0.0005")

    def test_duplicate_client_order_id_is_refused(self, venue: V, server: S) -> None:
        # given
        venue.create_order(self.limit_buy("c-dup"))

        # when
        with pytest.raises(OrderRejected) as caught:
            venue.create_order(self.limit_buy("c-dup", price=self.other_price))

        # then
        assert caught.value.code == DUPLICATE_CLIENT_ORDER_ID
        assert len(server.orders_for("c-dup")) == 1

    def test_order_of_another_market_is_not_found(self, venue: V) -> None:
        # given
        symbol, price = self.other_market
        venue.create_order(self.limit_buy("c-other", symbol=symbol, price=price))

        # when / then
        with pytest.raises(OrderNotFound):
            venue.fetch_order(symbol=self.symbol, client_order_id="c-other")

    def test_bad_signature_is_an_auth_error(self, server: S, sleeps: list[float]) -> None:
        # given
        venue = self.make_venue(server, sleeps, secret="not-the-secret")

        # when / then
        with pytest.raises(VenueAuthError, match=self.bad_signature_words):
            venue.fetch_balance()
        with pytest.raises(VenueAuthError):
            venue.create_order(self.limit_buy("c-badsig"))
        assert server.orders == {}
        assert sleeps == []  # auth errors are final: no retry

    def test_insufficient_balance_is_rejected_with_the_reason(self, venue: V, server: S) -> None:
        with pytest.raises(OrderRejected) as caught:
            venue.create_order(self.limit_buy("c-big", amount="1"))

        assert caught.value.code == INSUFFICIENT_FUNDS
        assert caught.value.reason == self.insufficient_funds_reason
        assert server.orders == {}

    def test_unsupported_orders_are_rejected_before_sending(
        self, venue: V, server: S, unsupported_order: OrderRequest
    ) -> None:
        # when
        with pytest.raises(OrderRejected) as caught:
            venue.create_order(unsupported_order)

        # then
        assert caught.value.code == UNSUPPORTED_ORDER
        assert server.requests.count(self.create_call) == 0

    # --- the contract: transient failures ---------------------------------------------------

    def test_retries_stop_after_five_attempts(
        self, venue: V, server: S, sleeps: list[float]
    ) -> None:
        # given: more failures queued than attempts allowed
        server.faults.fail(self.balance_call[1], status=503, times=10)

        # when / then
        with pytest.raises(VenueUnavailable):
            venue.fetch_balance()
        assert server.requests.count(self.balance_call) == 5
        assert len(sleeps) == 4

    def test_a_long_retry_after_goes_to_the_caller(
        self, venue: V, server: S, sleeps: list[float]
    ) -> None:
        # given
        server.faults.rate_limit(self.balance_call[1], retry_after=120)

        # when / then
        with pytest.raises(VenueRateLimited) as caught:
            venue.fetch_balance()
        assert caught.value.retry_after == 120
        assert sleeps == []

    def test_create_after_a_5xx_looks_up_before_resending(self, venue: V, server: S) -> None:
        # given: the create is refused outright once
        venue.load_markets()
        method, path = self.create_call
        server.faults.fail(path, method=method, status=503)

        # when
        ack = venue.create_order(self.limit_buy("c-5xx"))

        # then
        assert ack.status == VenueOrderStatus.OPEN
        order_calls = [r for r in server.requests if r in (self.create_call, self.lookup_call)]
        assert order_calls == [self.create_call, self.lookup_call, self.create_call]
        assert len(server.orders_for("c-5xx")) == 1

    def test_timeout_after_the_venue_accepted_creates_exactly_one_order(
        self, server: S, sleeps: list[float]
    ) -> None:
        # given: the venue stores the order, then answers too late for the client
        venue = self.make_venue(server, sleeps, timeout_s=0.3)
        venue.load_markets()
        method, path = self.create_call
        server.faults.stall_after_accept(path, method=method, seconds=3)

        # when
        ack = venue.create_order(self.limit_buy("c-timeout"))

        # then: found by client order id, never sent twice
        assert ack.client_order_id == "c-timeout"
        assert len(server.orders_for("c-timeout")) == 1
        assert len(server.orders) == 1
        assert server.requests.count(self.create_call) == 1
        assert server.requests.count(self.lookup_call) == 1
