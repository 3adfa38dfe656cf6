"""`CcxtVenue` through real ccxt (`binance`) against the loopback simulator over HTTP.

Nothing in ccxt is patched: requests are signed, sent, answered and parsed for real. Backoff
sleeps go to a recorder (`sleeps`), so retries run without waiting; the timeout tests use a
0.5 s client timeout while the simulator holds its answer for 2 s in another thread.
"""

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from trading.exchanges.base import (
    Credentials,
    OrderRequest,
    OrderSide,
    OrderType,
    TimeInForce,
    VenueOrderStatus,
)
from trading.exchanges.ccxt_venue import CcxtVenue
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueRateLimited,
    VenueUnavailable,
)
from trading.exchanges.registry import simulator_venue
from trading.exchanges.simulator import DEFAULT_SYMBOLS, Account, SimulatorHandle, start_simulator
from trading.precision import PrecisionError, quantize_price

ORDER_PATH = "/api/v3/order"
TICKER_PATH = "/api/v3/ticker/24hr"
FROZEN = datetime(2025, 1, 15, 12, 34, 56, 789000, tzinfo=UTC)
FROZEN_MS = int(FROZEN.timestamp() * 1000)


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorHandle]:
    with start_simulator(port=0) as handle:
        yield handle


@pytest.fixture(scope="module")
def frozen_simulator() -> Iterator[SimulatorHandle]:
    """A simulator whose clock stands still: for exact comparisons of public market data."""
    with start_simulator(port=0, clock=lambda: FROZEN_MS) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _disarm_faults(simulator: SimulatorHandle) -> Iterator[None]:
    yield
    simulator.faults.clear()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def account(simulator: SimulatorHandle) -> Account:
    return simulator.accounts.create(balances={"USDT": "10000", "BTC": "1", "ETH": "10"})


def make_venue(
    simulator: SimulatorHandle,
    account: Account | None,
    sleeps: list[float],
    *,
    timeout_s: float = 5.0,
    max_retries: int = 5,
) -> CcxtVenue:
    credentials = None if account is None else Credentials(account.api_key, account.secret)
    return simulator_venue(
        base_url=simulator.url,
        credentials=credentials,
        timeout_s=timeout_s,
        max_retries=max_retries,
        sleep=sleeps.append,
        rng=random.Random(7),  # noqa: S311 - jitter, not cryptography
    )


@pytest.fixture
def venue(simulator: SimulatorHandle, account: Account, sleeps: list[float]) -> CcxtVenue:
    return make_venue(simulator, account, sleeps)


def orders_with(simulator: SimulatorHandle, account: Account, client_order_id: str) -> int:
    return sum(
        order.client_order_id == client_order_id for order in simulator.exchange.orders(account)
    )


def present(value: Decimal | None) -> Decimal:
    assert value is not None
    return value


def market_buy(client_order_id: str, amount: str = "0.01") -> OrderRequest:
    return OrderRequest(
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        type=OrderType.MARKET,
        amount=Decimal(amount),
        client_order_id=client_order_id,
    )


def resting_buy(venue: CcxtVenue, client_order_id: str) -> OrderRequest:
    """A limit buy at 80 % of the price: it rests."""
    market = venue.market("BTC/USDT")
    price = quantize_price(venue.fetch_ticker("BTC/USDT").last * Decimal("0.8"), market=market)
    return OrderRequest(
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("0.01"),
        client_order_id=client_order_id,
        price=price,
    )


# --- markets and market data ------------------------------------------------------------------
@pytest.mark.parametrize("spec", DEFAULT_SYMBOLS, ids=lambda spec: spec.symbol)
def test_markets_carry_the_exchange_filters_and_fees(venue, spec):
    # when
    market = venue.market(f"{spec.base}/{spec.quote}")
    # then
    assert market.exchange_symbol == spec.symbol
    assert (market.base, market.quote) == (spec.base, spec.quote)
    assert market.price_tick == spec.tick_size
    assert market.amount_step == spec.step_size
    assert market.min_amount == spec.min_qty
    assert market.max_amount == spec.max_qty
    assert market.min_cost == spec.min_notional
    assert (market.maker_fee, market.taker_fee) == (Decimal("0.001"), Decimal("0.001"))
    assert market.active is True


def test_markets_load_once_per_venue_and_touch_only_spot(simulator, venue):
    # given
    before = simulator.requests.count("/api/v3/exchangeInfo")
    # when
    venue.load_markets()
    venue.market("ETH/USDT")
    venue.fetch_ticker("BTC/USDT")
    markets = venue.load_markets()
    # then
    assert simulator.requests.count("/api/v3/exchangeInfo") == before + 1
    assert set(markets) == {"BTC/USDT", "ETH/USDT", "SOL/USDT", "BNB/USDT", "XRP/USDT"}
    assert simulator.requests.count("/sapi/v1/capital/config/getall") == 0
    assert simulator.requests.count("/fapi/v1/exchangeInfo") == 0
    venue.load_markets(reload=True)
    assert simulator.requests.count("/api/v3/exchangeInfo") == before + 2


def test_an_unknown_symbol_raises_unknown_symbol(venue):
    with pytest.raises(UnknownSymbol, match="DOGE/USDT"):
        venue.fetch_ticker("DOGE/USDT")


def test_ticker_is_the_price_path_at_now_and_the_close_of_the_open_candle(frozen_simulator):
    # given
    venue = make_venue(frozen_simulator, None, [])
    # when
    ticker = venue.fetch_ticker("ETH/USDT")
    candles = venue.fetch_ohlcv("ETH/USDT", "1m", limit=5)
    # then
    assert ticker.last == frozen_simulator.exchange.market.price("ETHUSDT", FROZEN_MS)
    assert ticker.timestamp == FROZEN
    assert candles[-1].open_time == FROZEN.replace(second=0, microsecond=0)
    assert candles[-1].close == ticker.last
    assert present(ticker.low) <= ticker.last <= present(ticker.high)
    assert present(ticker.bid) < ticker.last < present(ticker.ask)
    assert present(ticker.base_volume) > 0
    change = (ticker.last - present(ticker.open)) / present(ticker.open) * 100
    assert ticker.change_pct == change.quantize(Decimal("0.001"))


def test_the_same_seed_gives_the_same_market_on_another_server(frozen_simulator):
    # given
    first = make_venue(frozen_simulator, None, [])
    # when
    with start_simulator(port=0, clock=lambda: FROZEN_MS) as other:
        second = make_venue(other, None, [])
        theirs = second.fetch_ohlcv("SOL/USDT", "15m", limit=50)
    ours = first.fetch_ohlcv("SOL/USDT", "15m", limit=50)
    # then
    assert ours == theirs


def test_order_book_levels_are_ordered_around_the_price(venue):
    # when
    book = venue.fetch_order_book("BTC/USDT", limit=5)
    # then
    assert len(book.bids) == len(book.asks) == 5
    assert [price for price, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [price for price, _ in book.asks] == sorted(p for p, _ in book.asks)
    assert book.bids[0][0] < book.asks[0][0]
    assert all(amount > 0 for _, amount in book.bids + book.asks)
    assert book.timestamp.tzinfo == UTC


def test_candles_page_contiguously_and_repeat_exactly(simulator, venue):
    # given: 2,500 closed minutes, which takes three requests of at most 1,000
    since = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
    before = simulator.requests.count("/api/v3/klines")
    # when
    candles = venue.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=2500)
    again = venue.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=2500)
    # then
    assert simulator.requests.count("/api/v3/klines") == before + 6
    assert len(candles) == 2500
    assert candles[0].open_time == since
    steps = {b.open_time - a.open_time for a, b in pairwise(candles)}
    assert steps == {timedelta(minutes=1)}
    assert again == candles
    for candle in candles:
        assert candle.low <= min(candle.open, candle.close)
        assert candle.high >= max(candle.open, candle.close)
        assert candle.volume > 0


def test_recent_candles_over_several_pages_end_at_the_current_period(venue):
    # when
    candles = venue.fetch_ohlcv("XRP/USDT", "1m", limit=1200)
    # then
    now = datetime.now(UTC)
    assert len(candles) == 1200
    assert now - timedelta(minutes=2) < candles[-1].open_time <= now
    steps = {b.open_time - a.open_time for a, b in pairwise(candles)}
    assert steps == {timedelta(minutes=1)}


# --- account and orders -----------------------------------------------------------------------
def test_balance_lists_the_assets_held(venue):
    assert {(b.asset, b.free, b.locked) for b in venue.fetch_balance()} == {
        ("BTC", Decimal("1"), Decimal("0")),
        ("ETH", Decimal("10"), Decimal("0")),
        ("USDT", Decimal("10000"), Decimal("0")),
    }


def test_market_order_fills_at_once_and_echoes_the_client_order_id(venue):
    # when
    ack = venue.create_order(market_buy("mkt-1"))
    # then
    assert ack.client_order_id == "mkt-1"
    assert (ack.status, ack.type, ack.side) == (
        VenueOrderStatus.FILLED,
        OrderType.MARKET,
        OrderSide.BUY,
    )
    assert ack.amount == ack.filled == Decimal("0.01")
    assert ack.price is None
    assert sum(fill.amount for fill in ack.fills) == Decimal("0.01")
    assert all(not fill.is_maker and fill.fee_asset == "BTC" for fill in ack.fills)
    cost = sum(fill.price * fill.amount for fill in ack.fills)
    fee = sum(fill.fee for fill in ack.fills)
    assert ack.average_price == cost / Decimal("0.01")
    balances = {b.asset: b for b in venue.fetch_balance()}
    assert balances["USDT"].free == Decimal("10000") - cost
    assert balances["BTC"].free == Decimal("1.01") - fee


def test_limit_order_rests_locks_funds_and_cancels(venue):
    # given
    request = resting_buy(venue, "lim-1")
    assert request.price is not None
    locked = request.price * request.base_amount
    # when
    placed = venue.create_order(request)
    by_client_id = venue.fetch_order(symbol="BTC/USDT", client_order_id="lim-1")
    usdt = next(b for b in venue.fetch_balance() if b.asset == "USDT")
    cancelled = venue.cancel_order(symbol="BTC/USDT", exchange_order_id=placed.exchange_order_id)
    by_exchange_id = venue.fetch_order(
        symbol="BTC/USDT", exchange_order_id=placed.exchange_order_id
    )
    # then
    assert placed.status == by_client_id.status == VenueOrderStatus.OPEN
    assert placed.type == OrderType.LIMIT
    assert placed.price == by_client_id.price == request.price
    assert by_client_id.exchange_order_id == placed.exchange_order_id
    assert usdt.locked == locked
    assert cancelled.status == by_exchange_id.status == VenueOrderStatus.CANCELED
    assert cancelled.client_order_id == by_exchange_id.client_order_id == "lim-1"
    usdt = next(b for b in venue.fetch_balance() if b.asset == "USDT")
    assert (usdt.free, usdt.locked) == (Decimal("10000"), Decimal("0"))


def test_a_filled_order_fetched_later_lists_its_fills(venue):
    # given
    placed = venue.create_order(market_buy("mkt-2"))
    # when
    fetched = venue.fetch_order(symbol="BTC/USDT", client_order_id="mkt-2")
    # then
    assert fetched.status == VenueOrderStatus.FILLED
    assert [(f.trade_id, f.price, f.amount, f.fee) for f in fetched.fills] == [
        (f.trade_id, f.price, f.amount, f.fee) for f in placed.fills
    ]
    assert all(fill.timestamp.tzinfo == UTC for fill in fetched.fills)


@pytest.mark.parametrize(
    ("side", "order_type", "stop_factor", "price_factor", "_case"),
    [
        (OrderSide.SELL, OrderType.STOP_LOSS, "0.9", None, "sell stop below the price"),
        (OrderSide.BUY, OrderType.STOP_LOSS, "1.1", None, "buy stop above the price"),
        (OrderSide.SELL, OrderType.STOP_LIMIT, "0.9", "0.89", "sell stop-limit"),
        (OrderSide.SELL, OrderType.TAKE_PROFIT, "1.1", None, "sell take-profit above"),
    ],
)
def test_triggered_orders_wait_for_their_trigger(
    venue, side, order_type, stop_factor, price_factor, _case
):
    # given
    market = venue.market("BTC/USDT")
    last = venue.fetch_ticker("BTC/USDT").last
    request = OrderRequest(
        symbol="BTC/USDT",
        side=side,
        type=order_type,
        amount=Decimal("0.001"),
        client_order_id=f"trg-{order_type}-{side}",
        stop_price=quantize_price(last * Decimal(stop_factor), market=market),
        price=None
        if price_factor is None
        else quantize_price(last * Decimal(price_factor), market=market),
    )
    # when
    placed = venue.create_order(request)
    fetched = venue.fetch_order(symbol="BTC/USDT", client_order_id=request.client_order_id)
    # then
    assert placed.status == fetched.status == VenueOrderStatus.OPEN
    assert placed.type == fetched.type == order_type
    cancelled = venue.cancel_order(symbol="BTC/USDT", client_order_id=request.client_order_id)
    assert cancelled.status == VenueOrderStatus.CANCELED


def test_a_stop_that_would_trigger_at_once_is_rejected(venue):
    # given
    market = venue.market("BTC/USDT")
    last = venue.fetch_ticker("BTC/USDT").last
    request = OrderRequest(
        symbol="BTC/USDT",
        side=OrderSide.SELL,
        type=OrderType.STOP_LOSS,
        amount=Decimal("0.001"),
        client_order_id="trg-now",
        stop_price=quantize_price(last * Decimal("1.2"), market=market),
    )
    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(request)
    # then
    assert caught.value.reason == "Stop price would trigger immediately."
    assert caught.value.code == "would_execute_immediately"


def test_a_duplicate_client_order_id_is_refused(simulator, account, venue):
    # given
    request = resting_buy(venue, "dup-1")
    venue.create_order(request)
    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(request)
    # then
    assert caught.value.reason == "Duplicate order sent."
    assert caught.value.code == "duplicate_client_order_id"
    assert orders_with(simulator, account, "dup-1") == 1


def test_insufficient_balance_is_rejected_with_the_exchange_reason(simulator, sleeps):
    # given
    poor = simulator.accounts.create(balances={"USDT": "10"})
    venue = make_venue(simulator, poor, sleeps)
    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(market_buy("poor-1"))
    # then
    assert caught.value.reason == "Account has insufficient balance for requested action."
    assert caught.value.code == "insufficient_funds"
    assert simulator.exchange.orders(poor) == []
    assert sleeps == []


def test_a_filter_failure_is_rejected_with_the_filter_name(venue):
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(market_buy("tiny-1", amount="0.00001"))
    assert caught.value.reason == "Filter failure: NOTIONAL"
    assert caught.value.code == "filter_failure"


def test_unknown_orders_raise_order_not_found(venue):
    with pytest.raises(OrderNotFound):
        venue.fetch_order(symbol="BTC/USDT", client_order_id="never-sent")
    with pytest.raises(OrderNotFound):
        venue.cancel_order(symbol="BTC/USDT", exchange_order_id="999999")


def test_an_ioc_limit_that_cannot_fill_expires(venue):
    # given
    request = resting_buy(venue, "ioc-1")
    request = OrderRequest(**{**request.__dict__, "time_in_force": TimeInForce.IOC})
    # when
    ack = venue.create_order(request)
    # then
    assert ack.status == VenueOrderStatus.EXPIRED
    assert ack.filled == 0


@pytest.mark.parametrize(
    ("can_trade", "can_withdraw", "_case"),
    [
        (True, False, "trading key"),
        (True, True, "withdrawals enabled"),
        (False, False, "read-only"),
    ],
)
def test_key_permissions_surface_the_withdrawal_flag(
    simulator, sleeps, can_trade, can_withdraw, _case
):
    # given
    holder = simulator.accounts.create(can_trade=can_trade, can_withdraw=can_withdraw)
    venue = make_venue(simulator, holder, sleeps)
    # when
    permissions = venue.fetch_key_permissions()
    # then
    assert permissions is not None
    assert (permissions.can_read, permissions.can_trade, permissions.can_withdraw) == (
        True,
        can_trade,
        can_withdraw,
    )


# --- faults -----------------------------------------------------------------------------------
def test_5xx_is_retried_with_backoff_until_it_succeeds(simulator, venue, sleeps):
    # given
    venue.load_markets()
    before = simulator.requests.count(TICKER_PATH)
    simulator.faults.http_error(TICKER_PATH, status=503, times=4)
    # when
    ticker = venue.fetch_ticker("BTC/USDT")
    # then
    assert ticker.last > 0
    assert simulator.requests.count(TICKER_PATH) == before + 5
    assert len(sleeps) == 4
    assert all(0 <= delay <= 0.5 * 2**attempt for attempt, delay in enumerate(sleeps))


def test_5xx_beyond_the_retries_raises_venue_unavailable(simulator, venue, sleeps):
    # given
    venue.load_markets()
    before = simulator.requests.count(TICKER_PATH)
    simulator.faults.http_error(TICKER_PATH, status=502, times=5)
    # when
    with pytest.raises(VenueUnavailable) as caught:
        venue.fetch_ticker("BTC/USDT")
    # then
    assert not isinstance(caught.value, VenueRateLimited)
    assert simulator.requests.count(TICKER_PATH) == before + 5
    assert len(sleeps) == 4


def test_429_is_retried_after_the_retry_after_it_sends(simulator, venue, sleeps):
    # given
    venue.load_markets()
    simulator.faults.rate_limit(TICKER_PATH, retry_after=2)
    # when
    ticker = venue.fetch_ticker("BTC/USDT")
    # then
    assert ticker.last > 0
    assert len(sleeps) == 1
    assert 2 <= sleeps[0] <= 2.5


@pytest.mark.parametrize(
    ("retry_after", "_case"), [(120, "ban with Retry-After"), (None, "no header")]
)
def test_418_ip_ban_raises_rate_limited_at_once(simulator, venue, sleeps, retry_after, _case):
    # given
    venue.load_markets()
    before = simulator.requests.count(TICKER_PATH)
    simulator.faults.ip_ban(TICKER_PATH, retry_after=retry_after)
    # when
    with pytest.raises(VenueRateLimited) as caught:
        venue.fetch_ticker("BTC/USDT")
    # then
    assert caught.value.retry_after == 120
    assert simulator.requests.count(TICKER_PATH) == before + 1
    assert sleeps == []


def test_a_short_418_retry_after_is_waited_out(simulator, venue, sleeps):
    # Binance sends Retry-After with 418 as with 429: a short one is honoured in-process.
    venue.load_markets()
    simulator.faults.ip_ban(TICKER_PATH, retry_after=1)
    assert venue.fetch_ticker("BTC/USDT").last > 0
    assert len(sleeps) == 1
    assert sleeps[0] >= 1


def test_a_refused_signature_raises_auth_error_without_retrying(simulator, account, venue, sleeps):
    # given
    simulator.faults.bad_signature(account.api_key)
    before = simulator.requests.count("/api/v3/account")
    # when
    with pytest.raises(VenueAuthError, match="Signature for this request is not valid"):
        venue.fetch_balance()
    # then
    assert simulator.requests.count("/api/v3/account") == before + 1
    assert sleeps == []
    assert venue.fetch_balance()  # the fault was one-shot


@pytest.mark.parametrize(
    ("credentials", "message", "_case"),
    [
        (lambda a: Credentials(a.api_key, "s" * 64), "Signature for this", "wrong secret"),
        (lambda a: Credentials("K" * 64, a.secret), "Invalid API-key", "unknown key"),
    ],
)
def test_bad_credentials_raise_auth_error(simulator, account, sleeps, credentials, message, _case):
    venue = simulator_venue(
        base_url=simulator.url, credentials=credentials(account), sleep=sleeps.append
    )
    with pytest.raises(VenueAuthError, match=message):
        venue.fetch_balance()
    assert sleeps == []


def test_a_timeout_after_the_order_was_accepted_creates_exactly_one_order(
    simulator, account, sleeps
):
    # given: the server records the order, then holds its answer past the 0.5 s timeout
    venue = make_venue(simulator, account, sleeps, timeout_s=0.5)
    venue.load_markets()
    posts = simulator.requests.count(ORDER_PATH, "POST")
    simulator.faults.timeout_after_accept(ORDER_PATH, delay_s=2.0)
    # when
    ack = venue.create_order(market_buy("lost-1"))
    # then
    assert orders_with(simulator, account, "lost-1") == 1
    assert simulator.requests.count(ORDER_PATH, "POST") == posts + 1  # never resent
    assert ack.client_order_id == "lost-1"
    assert ack.status == VenueOrderStatus.FILLED
    assert sum(fill.amount for fill in ack.fills) == Decimal("0.01")
    assert len(sleeps) == 1


def test_a_dropped_connection_after_accepting_creates_exactly_one_order(
    simulator, account, venue, sleeps
):
    # given
    venue.load_markets()
    posts = simulator.requests.count(ORDER_PATH, "POST")
    simulator.faults.drop_after_accept(ORDER_PATH)
    # when
    ack = venue.create_order(resting_buy(venue, "lost-2"))
    # then
    assert orders_with(simulator, account, "lost-2") == 1
    assert simulator.requests.count(ORDER_PATH, "POST") == posts + 1
    assert ack.status == VenueOrderStatus.OPEN


def test_an_order_refused_with_5xx_before_accepting_is_sent_again_once(
    simulator, account, venue, sleeps
):
    # given
    venue.load_markets()
    posts = simulator.requests.count(ORDER_PATH, "POST")
    simulator.faults.http_error(ORDER_PATH, method="POST", status=503)
    # when
    ack = venue.create_order(market_buy("retry-1"))
    # then
    assert simulator.requests.count(ORDER_PATH, "POST") == posts + 2
    assert orders_with(simulator, account, "retry-1") == 1
    assert ack.status == VenueOrderStatus.FILLED


def test_a_cancel_whose_answer_was_lost_returns_the_cancelled_order(simulator, account, sleeps):
    # given
    venue = make_venue(simulator, account, sleeps, timeout_s=0.5)
    placed = venue.create_order(resting_buy(venue, "lost-3"))
    deletes = simulator.requests.count(ORDER_PATH, "DELETE")
    simulator.faults.timeout_after_accept(ORDER_PATH, method="DELETE", delay_s=2.0)
    # when
    ack = venue.cancel_order(symbol="BTC/USDT", exchange_order_id=placed.exchange_order_id)
    # then
    assert ack.status == VenueOrderStatus.CANCELED
    assert ack.client_order_id == "lost-3"
    assert simulator.requests.count(ORDER_PATH, "DELETE") == deletes + 2


def test_tickers_for_all_or_some_markets(venue):
    every = venue.fetch_tickers()
    some = venue.fetch_tickers(["ETH/USDT", "XRP/USDT"])
    assert set(every) == set(venue.load_markets())
    assert set(some) >= {"ETH/USDT", "XRP/USDT"}
    assert all(ticker.last > 0 for ticker in every.values())


def test_a_limit_buy_that_crosses_part_of_the_book_fills_partly_then_rests(simulator, sleeps):
    # given: a limit ten levels above the touch for more than those levels hold
    whale = simulator.accounts.create(balances={"USDT": "100000000"})
    venue = make_venue(simulator, whale, sleeps)
    market = venue.market("BTC/USDT")
    ask = present(venue.fetch_ticker("BTC/USDT").ask)
    price = quantize_price(ask * Decimal("1.0005"), market=market)
    request = OrderRequest(
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        type=OrderType.LIMIT,
        amount=Decimal("500"),
        client_order_id="part-1",
        price=price,
    )
    # when
    placed = venue.create_order(request)
    time.sleep(0.005)  # the simulator matches resting orders once its clock has moved on
    later = venue.fetch_order(symbol="BTC/USDT", client_order_id="part-1")
    # then: the book fills part at once (taker); the rest rests at the limit, which lies above
    # the price path, so the next sweep fills it there (maker)
    assert placed.status == VenueOrderStatus.PARTIALLY_FILLED
    assert 0 < placed.filled < placed.amount
    assert sum(fill.amount for fill in placed.fills) == placed.filled
    assert all(fill.price <= price and not fill.is_maker for fill in placed.fills)
    assert later.status == VenueOrderStatus.FILLED
    assert later.fills[-1].is_maker
    assert later.fills[-1].price == price
    assert sum(fill.amount for fill in later.fills) == Decimal("500")


@pytest.mark.parametrize(
    ("changes", "_case"),
    [
        ({"type": OrderType.STOP_LOSS}, "a stop without a stop price"),
        ({"type": OrderType.LIMIT}, "a limit without a price"),
    ],
)
def test_malformed_requests_are_rejected_before_anything_is_sent(simulator, venue, changes, _case):
    # given
    venue.load_markets()
    posts = simulator.requests.count(ORDER_PATH, "POST")
    request = OrderRequest(**{**market_buy("bad-1").__dict__, **changes})
    # when
    with pytest.raises(OrderRejected) as caught:
        venue.create_order(request)
    # then
    assert caught.value.code == "invalid_order"
    assert simulator.requests.count(ORDER_PATH, "POST") == posts


def test_naive_times_and_missing_order_references_are_programming_errors(venue):
    with pytest.raises(ValueError, match="naive"):
        venue.fetch_ohlcv("BTC/USDT", "1m", since=datetime(2025, 1, 1), limit=2)  # noqa: DTZ001
    with pytest.raises(ValueError, match="exchange_order_id or client_order_id"):
        venue.fetch_order(symbol="BTC/USDT")


@pytest.mark.parametrize(
    ("amount", "price", "code", "_case"),
    [
        ("0.000001", None, "amount_not_on_step", "amount off the step"),
        ("0.1234567890123456789", None, "amount_not_on_step", "more digits than a float carries"),
        ("0.00001", "50000.001", "price_not_on_tick", "price off the tick"),
        ("0.00001", "100.00", "cost_below_minimum", "order value below the minimum"),
    ],
)
def test_an_order_off_precision_or_below_minimums_is_refused_before_sending(
    venue, simulator, account, amount, price, code, _case
):
    # given
    request = OrderRequest(
        symbol="BTC/USDT",
        side=OrderSide.BUY,
        type=OrderType.LIMIT if price else OrderType.MARKET,
        amount=Decimal(amount),
        price=Decimal(price) if price else None,
        client_order_id=f"bad-{code}",
    )
    sent_before = simulator.requests.count("/api/v3/order", method="POST")
    # when / then
    with pytest.raises(PrecisionError) as error:
        venue.create_order(request)
    assert error.value.code == code
    assert simulator.requests.count("/api/v3/order", method="POST") == sent_before
    assert orders_with(simulator, account, f"bad-{code}") == 0
