"""A small base for REST venues that ccxt does not cover (WazirX, CoinDCX).

It owns what both adapters share and nothing venue-specific:

- one HTTP round trip (`_send`), which turns transport failures, 5xx and 429 into
  `VenueUnavailable` / `VenueRateLimited` and hands every other answer to the venue's own
  `_raise_api_error` (built from `error_message` and `raise_if_order_refused`);
- retries of transient errors (`_call`): at most `RetryPolicy.max_attempts` attempts, exponential
  backoff with jitter, `Retry-After` honoured, and each attempt rebuilt (so signed requests get
  a fresh timestamp and signature);
- the order workflow (`create_order`, `cancel_order`, `fetch_order`): creation never places a
  second order (`_create_idempotently` looks the order up by its client order id before anything
  is resent, and adopts it when the venue calls the id a duplicate), a repeated cancel returns
  the cancelled order, and an order of another market is not found;
- the per-instance market cache (`load_markets` / `market`), public GETs (`_get`) and the
  credentials check of signed calls (`_require_credentials`).

A subclass supplies the wire: its `OrderKeys`, the signed calls that create, cancel and query an
order (`_create_call`, `_cancel_call`, `_query_call`), `_parse_order`, `_fetch_markets` and
`_raise_api_error`, plus its market-data endpoints.

JSON is parsed with `parse_float=Decimal` and written by `json_dumps`, so money never passes
through a float. Times are aware UTC.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode

import urllib3

from trading.exchanges.base import (
    Balance,
    Candle,
    Credentials,
    MarketInfo,
    OrderAck,
    OrderRequest,
    OrderType,
    Ticker,
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
from trading.exchanges.retry import parse_retry_after

logger = logging.getLogger(__name__)

DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
INSUFFICIENT_FUNDS = "insufficient_funds"
UNSUPPORTED_ORDER = "unsupported_order"

T = TypeVar("T")
Sleep = Callable[[float], None]
Clock = Callable[[], float]


# --- Decimal-safe JSON and small parsers ------------------------------------------------------


def json_loads(text: str) -> Any:
    """Parse JSON with every non-integer number as an exact `Decimal`."""
    return json.loads(text, parse_float=Decimal)


def json_dumps(value: object) -> str:
    """Compact JSON (no spaces) with Decimals written as exact JSON numbers, never via float."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        return format(value, "f")
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}:{json_dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_decimal(value: object) -> Decimal:
    """`Decimal(str(x))` for wire numbers (str, int, Decimal); a float here is a bug upstream."""
    if isinstance(value, bool | float) or value is None:
        raise VenueError(f"not a decimal wire value: {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise VenueError(f"not a decimal wire value: {value!r}") from exc


def optional_decimal(value: object) -> Decimal | None:
    """`to_decimal`, or None for a missing or empty field."""
    if value is None or value == "":
        return None
    return to_decimal(value)


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain digits for a request (`1E-5` would be refused by most venues)."""
    return format(value, "f")


def step_from_precision(decimals: object) -> Decimal:
    """The increment for a count of decimals: 2 -> 0.01, 0 -> 1."""
    return Decimal(1).scaleb(-int(to_decimal(decimals)))


def clean_step(value: Decimal) -> Decimal:
    """A tick or step with its exponent equal to its precision (0.000010 -> 0.00001, 1.0 -> 1).

    Quantizing to a step uses its exponent, so trailing zeros from the wire would add digits.
    """
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def utc_from_epoch(value: object) -> datetime:
    """An epoch timestamp as aware UTC, in seconds or milliseconds.

    Both venues mix units between endpoints (and their docs disagree with themselves), so the
    unit is read from the magnitude: anything at or above 1e11 is milliseconds (1e11 seconds
    would be the year 5138).
    """
    number = to_decimal(value)
    seconds = number / 1000 if abs(number) >= Decimal("1e11") else number
    return datetime.fromtimestamp(float(seconds), tz=UTC)


def utc_from_iso(value: str) -> datetime:
    """An ISO-8601 timestamp as aware UTC; a naive one is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def best_first(
    levels: Iterable[tuple[object, object]], *, descending: bool
) -> list[tuple[Decimal, Decimal]]:
    """Wire book levels `(price, amount)` as Decimals, best first: bids descending, asks ascending.

    Neither venue promises an order, so every book side is sorted here."""
    return sorted(
        ((to_decimal(price), to_decimal(amount)) for price, amount in levels),
        key=lambda level: level[0],
        reverse=descending,
    )


def candle_from_wire(
    open_time: object, open_: object, high: object, low: object, close: object, volume: object
) -> Candle:
    """A candle from its wire values (epoch open time in s or ms, decimal prices and volume)."""
    return Candle(
        open_time=utc_from_epoch(open_time),
        open=to_decimal(open_),
        high=to_decimal(high),
        low=to_decimal(low),
        close=to_decimal(close),
        volume=to_decimal(volume),
    )


def balances_from_rows(
    rows: Iterable[Mapping[str, Any]], *, asset: str, free: str, locked: str
) -> list[Balance]:
    """Balance rows, given the venue's names for the asset, free and locked fields.

    Assets are upper-cased: venues differ in case, `Balance.asset` does not."""
    return [
        Balance(
            asset=str(row[asset]).upper(),
            free=to_decimal(row[free]),
            locked=to_decimal(row[locked]),
        )
        for row in rows
    ]


def order_status(
    value: object, statuses: Mapping[str, VenueOrderStatus], *, venue: str
) -> VenueOrderStatus:
    """Our status for a wire status; `VenueError` for one we do not know (never guess)."""
    text = str(value)
    if text not in statuses:
        raise VenueError(f"{venue}: unknown order status {text!r}")
    return statuses[text]


def with_fills(status: VenueOrderStatus, filled: Decimal) -> VenueOrderStatus:
    """An open order that has filled in part is partially filled, whatever the wire status said."""
    if status == VenueOrderStatus.OPEN and filled > 0:
        return VenueOrderStatus.PARTIALLY_FILLED
    return status


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpCall:
    """One request, fully built (signed if it must be) just before it is sent."""

    method: str
    url: str
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpAnswer:
    """A response that came back: status, headers, raw text and its JSON (None if not JSON)."""

    status: int
    headers: Mapping[str, str]
    text: str
    payload: Any


def build_url(base: str, path: str, params: Mapping[str, object] | None = None) -> str:
    """`base` + `path` + an urlencoded query (params with a None value are left out)."""
    url = base.rstrip("/") + path
    if params:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        if query:
            url = f"{url}?{query}"
    return url


# --- API error mapping ---------------------------------------------------------------------------


def error_payload(answer: HttpAnswer) -> Mapping[str, Any]:
    """The error answer's JSON object, or an empty one (an HTML error page, a bare list)."""
    return answer.payload if isinstance(answer.payload, Mapping) else {}


def error_message(answer: HttpAnswer) -> str:
    """The venue's own words for an error: its `message`, else the body's start, else the status."""
    message = error_payload(answer).get("message")
    return str(message or answer.text[:200] or f"HTTP {answer.status}")


def looks_like_duplicate_client_id(message: str) -> bool:
    """True when a rejection says the client order id is already used.

    Neither venue documents a code for this, so the message is matched loosely.
    """
    text = message.lower()
    mentions_id = "client" in text and ("order" in text or "id" in text)
    return mentions_id and ("duplicate" in text or "already" in text or "exists" in text)


def raise_if_order_refused(
    answer: HttpAnswer, message: str, *, order_write: bool, insufficient_funds: bool
) -> None:
    """Raise `OrderRejected` in the venue's words when it refused an order write with a 4xx.

    The code is `INSUFFICIENT_FUNDS` when the venue said so (`insufficient_funds`, read from its
    own code or words), else `DUPLICATE_CLIENT_ORDER_ID` when the message says the client order
    id is taken (which `_create_idempotently` relies on), else the generic one. Any other answer
    returns, for the venue to map.
    """
    if not (order_write and 400 <= answer.status < 500):
        return
    if insufficient_funds:
        raise OrderRejected(message, code=INSUFFICIENT_FUNDS)
    if looks_like_duplicate_client_id(message):
        raise OrderRejected(message, code=DUPLICATE_CLIENT_ORDER_ID)
    raise OrderRejected(message)


# --- the base venue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderKeys:
    """A venue's wire names for an order: its own id, the client order id, and the field of an
    order object that names its market (the venue symbol id)."""

    order_id: str
    client_order_id: str
    market: str


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": attempt n waits between d/2 and d,
    d = min(max_delay_s, base_delay_s * 2**(n-1)); a `Retry-After` is a floor.

    A `Retry-After` longer than `max_retry_after_s` is not slept through: the error goes to the
    caller (a Celery task retries later instead of holding a worker).
    """

    max_attempts: int = 5
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0

    def delay(self, attempt: int, *, retry_after: float | None, rng: Callable[[], float]) -> float:
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        jittered = ceiling / 2 + rng() * ceiling / 2
        return max(jittered, retry_after or 0.0)


class HttpVenue:
    """Shared plumbing and the order workflow of a REST venue; subclasses add the wire.

    Invariants: every method raises only `VenueError` subclasses; a request is retried only for
    `VenueUnavailable` (including `VenueRateLimited`); order creation is never retried blindly;
    a signed call without credentials is refused (`VenueAuthError`) before anything is sent.
    """

    # An instance attribute for the `Venue` Protocol's sake (a ClassVar would not satisfy it);
    # each subclass sets it once at class level.
    exchange_id: str
    order_keys: ClassVar[OrderKeys]
    # Whether a cancel answers with the order object; if not, the order is read back after it.
    cancel_answers_with_order: ClassVar[bool] = True
    timeframes: ClassVar[frozenset[str]]  # the candle intervals the venue serves

    def __init__(
        self,
        credentials: Credentials | None,
        *,
        base_url: str,
        timeout_s: float,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        rng: Callable[[], float] = random.random,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._credentials = credentials
        self._base_url = base_url
        self._timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        self._pool = urllib3.PoolManager(retries=False)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._retry = retry or RetryPolicy()
        self._markets: dict[str, MarketInfo] | None = None
        self._markets_lock = threading.Lock()

    # -- subclass hooks: the wire --

    def _raise_api_error(self, answer: HttpAnswer, *, order_write: bool) -> None:
        """Raise the venue error for a non-2xx answer that is not 5xx/429 (already handled)."""
        raise NotImplementedError

    def _fetch_markets(self) -> Iterable[MarketInfo]:
        raise NotImplementedError

    def _fetch_candles(
        self, symbol: str, timeframe: str, since: datetime | None, limit: int | None
    ) -> Iterable[Candle]:
        """Candles of a served `timeframe` from `since` (inclusive), in the venue's own order."""
        raise NotImplementedError

    def _create_call(self, request: OrderRequest, market: MarketInfo) -> Callable[[], HttpCall]:
        """The signed create call; `OrderRejected` (nothing sent) for what the venue cannot take."""
        raise NotImplementedError

    def _cancel_call(
        self, market: MarketInfo, reference: Mapping[str, str]
    ) -> Callable[[], HttpCall]:
        """The signed cancel call for the order `reference` (from `_order_ref`) names."""
        raise NotImplementedError

    def _query_call(self, reference: Mapping[str, str]) -> Callable[[], HttpCall]:
        """The signed call that reads the order `reference` (from `_order_ref`) names."""
        raise NotImplementedError

    def _parse_order(self, raw: Mapping[str, Any], *, symbol: str) -> OrderAck:
        """An order object of the venue, in the market of unified `symbol`."""
        raise NotImplementedError

    def _order_in_create_answer(self, payload: Any) -> Mapping[str, Any]:
        """The order object in a create answer; by default the answer is the order."""
        order: Mapping[str, Any] = payload
        return order

    # -- time --

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=UTC)

    def _stamped(self, raw: Mapping[str, Any], key: str = "timestamp") -> datetime:
        """The answer's epoch `key` as aware UTC, or now when the venue left it out (or 0)."""
        return utc_from_epoch(raw[key]) if raw.get(key) else self._now()

    # -- one round trip --

    def _send(self, call: HttpCall, *, order_write: bool = False) -> Any:
        """Send once and return the JSON payload of a 2xx answer, or raise the mapped error."""
        try:
            response = self._pool.request(
                call.method,
                call.url,
                body=call.body,
                headers=dict(call.headers),
                timeout=self._timeout,
                retries=False,
                redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise VenueUnavailable(f"{self.exchange_id}: {call.method} failed: {exc}") from exc
        text = response.data.decode("utf-8", errors="replace")
        try:
            payload = json_loads(text) if text.strip() else None
        except ValueError:
            payload = None
        # urllib3's header dict is case-insensitive, which `Retry-After` lookups rely on.
        answer = HttpAnswer(response.status, response.headers, text, payload)
        if answer.status == 429:
            raise VenueRateLimited(
                f"{self.exchange_id}: rate limited",
                retry_after=parse_retry_after(answer.headers.get("Retry-After")),
            )
        if answer.status >= 500:
            raise VenueUnavailable(f"{self.exchange_id}: HTTP {answer.status}: {text[:200]}")
        if answer.status >= 300:
            self._raise_api_error(answer, order_write=order_write)
            raise VenueError(f"{self.exchange_id}: HTTP {answer.status}: {text[:200]}")
        if payload is None and text.strip():
            raise VenueUnavailable(f"{self.exchange_id}: answer is not JSON: {text[:200]}")
        return payload

    # -- retries --

    def _backoff(self, attempt: int, error: VenueUnavailable) -> None:
        """Sleep before attempt `attempt + 1`, or re-raise if the venue asks for too long a wait."""
        retry_after = error.retry_after if isinstance(error, VenueRateLimited) else None
        if retry_after is not None and retry_after > self._retry.max_retry_after_s:
            raise error
        delay = self._retry.delay(attempt, retry_after=retry_after, rng=self._rng)
        logger.warning(
            "%s: transient error (attempt %d/%d), retrying in %.2fs: %s",
            self.exchange_id,
            attempt,
            self._retry.max_attempts,
            delay,
            error,
        )
        self._sleep(delay)

    def _with_retries(self, operation: Callable[[], T], *, retry: bool = True) -> T:
        """Run `operation`, retrying it on `VenueUnavailable` up to `max_attempts` times."""
        attempts = self._retry.max_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return operation()
            except VenueUnavailable as exc:
                if attempt == attempts:
                    raise
                self._backoff(attempt, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(
        self, build: Callable[[], HttpCall], *, order_write: bool = False, retry: bool = True
    ) -> Any:
        """`_send(build())` with retries; `build` runs again for every attempt (fresh signature)."""
        return self._with_retries(lambda: self._send(build(), order_write=order_write), retry=retry)

    # -- request building --

    def _get(
        self, path: str, params: Mapping[str, object] | None = None, *, base_url: str | None = None
    ) -> Any:
        """A public GET (with retries) on `base_url`, by default the API's own base URL."""
        url = build_url(base_url or self._base_url, path, params)
        return self._call(lambda: HttpCall("GET", url))

    def _require_credentials(self) -> Credentials:
        """The account's credentials; `VenueAuthError` (final, nothing sent) if it has none."""
        if self._credentials is None:
            raise VenueAuthError(f"{self.exchange_id}: this account has no API key")
        return self._credentials

    # -- orders --

    def create_order(self, request: OrderRequest) -> OrderAck:
        """Place `request` at most once per client order id (see `_create_idempotently`).

        What the venue cannot take is refused (`OrderRejected`) before anything is sent.
        """
        market = self.market(request.symbol)
        build = self._create_call(request, market)

        def submit() -> OrderAck:
            payload = self._call(build, order_write=True, retry=False)
            return self._parse_order(self._order_in_create_answer(payload), symbol=request.symbol)

        def lookup() -> OrderAck:
            return self._query(market, None, request.client_order_id, retry=False)

        return self._create_idempotently(request, submit=submit, lookup=lookup)

    def cancel_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        """Cancel and return the order as the venue now has it.

        Idempotent: if the venue refuses because the order is already cancelled (say a retried
        cancel whose first answer was lost), the cancelled order is returned.
        """
        market = self.market(symbol)
        reference = self._order_ref(exchange_order_id, client_order_id)
        try:
            payload = self._call(self._cancel_call(market, reference), order_write=True)
        except OrderRejected:
            ack = self._query(market, exchange_order_id, client_order_id)
            if ack.status != VenueOrderStatus.CANCELED:
                raise
            return ack
        if not self.cancel_answers_with_order:
            return self._query(market, exchange_order_id, client_order_id)
        return self._parse_order(payload, symbol=market.symbol)

    def fetch_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        return self._query(self.market(symbol), exchange_order_id, client_order_id)

    def _query(
        self,
        market: MarketInfo,
        exchange_order_id: str | None,
        client_order_id: str | None,
        *,
        retry: bool = True,
    ) -> OrderAck:
        """The order by either id; `OrderNotFound` if the venue has it in another market."""
        reference = self._order_ref(exchange_order_id, client_order_id)
        raw = self._call(self._query_call(reference), retry=retry)
        if raw.get(self.order_keys.market) not in (None, market.exchange_symbol):
            raise OrderNotFound(f"{self.exchange_id}: that order is not in {market.symbol}")
        return self._parse_order(raw, symbol=market.symbol)

    def _order_ref(
        self, exchange_order_id: str | None, client_order_id: str | None
    ) -> dict[str, str]:
        """The venue's own order id if known (its primary key), else the client order id."""
        if exchange_order_id:
            return {self.order_keys.order_id: exchange_order_id}
        if client_order_id:
            return {self.order_keys.client_order_id: client_order_id}
        raise OrderNotFound(f"{self.exchange_id}: give an exchange order id or a client order id")

    def _create_idempotently(
        self,
        request: OrderRequest,
        *,
        submit: Callable[[], OrderAck],
        lookup: Callable[[], OrderAck],
    ) -> OrderAck:
        """Place an order at most once, and make a repeated create return the same order.

        `submit` sends the create once; `lookup` asks for the order by `request.client_order_id`
        once. After a transient failure the order may or may not exist, so it is looked up
        before anything is resent; only a clear "not found" allows a resend. When the venue
        refuses a client order id as a duplicate (an earlier attempt of ours landed, or the
        caller retried the whole create), the existing order is returned if it is the same
        order (symbol, side, type, amount, price); if not, the id was reused for a different
        order and `OrderRejected(code=DUPLICATE_CLIENT_ORDER_ID)` is raised.
        """

        def submit_or_adopt() -> OrderAck:
            try:
                return submit()
            except OrderRejected as exc:
                if exc.code != DUPLICATE_CLIENT_ORDER_ID:
                    raise
                try:
                    existing = self._with_retries(lookup)
                except OrderNotFound:
                    raise exc from None
                return _matching(existing, request, exc)

        try:
            return submit_or_adopt()
        except VenueUnavailable as exc:
            last_error = exc
        for attempt in range(1, self._retry.max_attempts):
            self._backoff(attempt, last_error)
            try:
                return lookup()
            except OrderNotFound:
                pass
            except VenueUnavailable as exc:
                last_error = exc
                continue  # still unknown whether it landed: never resend blind
            try:
                return submit_or_adopt()
            except VenueUnavailable as exc:
                last_error = exc
        raise last_error

    # -- markets --

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Markets by unified symbol, fetched once per instance unless `reload`."""
        with self._markets_lock:
            if self._markets is None or reload:
                self._markets = {m.symbol: m for m in self._fetch_markets()}
            return dict(self._markets)

    def market(self, symbol: str) -> MarketInfo:
        """The market for a unified `BASE/QUOTE` symbol; `UnknownSymbol` if the venue has none."""
        markets = self.load_markets()
        try:
            return markets[symbol]
        except KeyError:
            raise UnknownSymbol(f"{self.exchange_id} has no market {symbol}") from None

    def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first, whatever order the venue answers in; `since` is inclusive.

        A timeframe the venue does not serve is refused (`VenueError`) before any request.
        """
        if timeframe not in self.timeframes:
            raise VenueError(f"{self.exchange_id} has no {timeframe} candles")
        candles = self._fetch_candles(symbol, timeframe, since, limit)
        return sorted(candles, key=lambda candle: candle.open_time)

    def _select_tickers(
        self,
        symbols: list[str] | None,
        *,
        key: str,
        fetch: Callable[[], Iterable[Mapping[str, Any]]],
        parse: Callable[[Mapping[str, Any], str, datetime], Ticker],
    ) -> dict[str, Ticker]:
        """Tickers by unified symbol for `symbols` (every known market when None), from the rows
        `fetch` returns, each matched to its market by the row's `key` (the venue symbol id).

        Markets load first, then the time a row without its own is stamped with (`now`, passed
        to `parse`) is read, then the rows are fetched: one `now` for the whole answer.
        """
        by_id = {m.exchange_symbol: m.symbol for m in self.load_markets().values()}
        wanted = set(symbols) if symbols is not None else None
        now = self._now()
        result: dict[str, Ticker] = {}
        for raw in fetch():
            # A row without `key` reads "None", which is no market's id.
            symbol = by_id.get(str(raw.get(key)))
            if symbol is not None and (wanted is None or symbol in wanted):
                result[symbol] = parse(raw, symbol, now)
        return result


def _matching(existing: OrderAck, request: OrderRequest, error: OrderRejected) -> OrderAck:
    """`existing` if it is the order `request` describes; otherwise the duplicate is a reuse."""
    same = (
        existing.symbol == request.symbol
        and existing.side == request.side
        and existing.type == request.type
        and existing.amount == request.base_amount
        and (request.type == OrderType.MARKET or existing.price == request.price)
    )
    if not same:
        raise error
    return existing
