"""CoinDCX spot (`https://api.coindcx.com`, public data on `https://public.coindcx.com`)
behind the `Venue` interface.

Wire format, kept in the small module-level functions below so it is easy to correct:

- CoinDCX's own words are inverted from ours: its *target* currency is our base (the amount),
  its *base* currency is our quote (the price). `B-BTC_USDT` is target BTC, base USDT: BTC/USDT.
- A market has two ids: `pair` (`B-BTC_USDT`, for candles and the order book) and
  `coindcx_name` (`BTCUSDT`, for the ticker and orders). `MarketInfo.exchange_symbol` is
  `coindcx_name`; the pair is kept alongside.
- Public: `GET /exchange/v1/markets_details`, `GET /exchange/ticker` (timestamp in seconds),
  `GET {public}/market_data/candles?pair=&interval=&startTime=&endTime=&limit=` (ms, newest
  first), `GET {public}/market_data/orderbook?pair=` (`{"bids": {price: qty}, ...}`).
- Private: every call is a POST whose JSON body includes `timestamp` (ms); header
  `X-AUTH-APIKEY`, and `X-AUTH-SIGNATURE` = hex HMAC-SHA256 of the exact body bytes.
- Errors: `{"code": <http status>, "message": <str>, "status": "error"}`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from trading.exchanges.base import (
    Balance,
    Candle,
    Credentials,
    DepositAddress,
    KeyPermissions,
    MarketInfo,
    OrderAck,
    OrderBook,
    OrderRequest,
    OrderSide,
    OrderType,
    Ticker,
    TimeInForce,
    VenueOrderStatus,
)
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
)
from trading.exchanges.http_venue import (
    UNSUPPORTED_ORDER,
    Clock,
    HttpAnswer,
    HttpCall,
    HttpVenue,
    OrderKeys,
    RetryPolicy,
    Sleep,
    balances_from_rows,
    best_first,
    build_url,
    candle_from_wire,
    clean_step,
    error_message,
    json_dumps,
    optional_decimal,
    order_status,
    raise_if_order_refused,
    step_from_precision,
    to_decimal,
    utc_from_epoch,
    utc_from_iso,
    with_fills,
)

TIMEFRAMES = frozenset(
    {"1m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "1d", "3d", "1w", "1M"}
)
MAX_CLIENT_ORDER_ID = 36  # documented maximum length
CREATE_PATH = "/exchange/v1/orders/create"
CANCEL_PATH = "/exchange/v1/orders/cancel"
STATUS_PATH = "/exchange/v1/orders/status"
ORDER_KEYS = OrderKeys(order_id="id", client_order_id="client_order_id", market="market")

_STATUSES = {
    "init": VenueOrderStatus.OPEN,  # accepted, not on the book yet
    "open": VenueOrderStatus.OPEN,
    "partially_filled": VenueOrderStatus.PARTIALLY_FILLED,
    "filled": VenueOrderStatus.FILLED,
    "partially_cancelled": VenueOrderStatus.CANCELED,
    "cancelled": VenueOrderStatus.CANCELED,
    "rejected": VenueOrderStatus.REJECTED,
}
_ORDER_TYPES = {"market_order": OrderType.MARKET, "limit_order": OrderType.LIMIT}


@dataclass(frozen=True)
class CoinDCXMarket:
    """A market with both of CoinDCX's ids."""

    info: MarketInfo
    pair: str  # B-BTC_USDT


# --- wire format -----------------------------------------------------------------------------


def sign_body(body: Mapping[str, object], secret: str) -> tuple[bytes, str]:
    """The exact body bytes and their hex HMAC-SHA256 (compact JSON, Decimals as numbers)."""
    payload = json_dumps(body).encode()
    return payload, hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def parse_market(raw: Mapping[str, Any]) -> CoinDCXMarket:
    """One `markets_details` entry. Tick = 10^-base_currency_precision; step = `step`, never
    finer than 10^-target_currency_precision; minimum amount = the larger of `min_quantity`
    and that step (CoinDCX's FAQ on minimum quantities)."""
    base = str(raw["target_currency_short_name"]).upper()
    quote = str(raw["base_currency_short_name"]).upper()
    precision_step = step_from_precision(raw["target_currency_precision"])
    step = max(optional_decimal(raw.get("step")) or precision_step, precision_step)
    min_quantity = optional_decimal(raw.get("min_quantity"))
    info = MarketInfo(
        symbol=f"{base}/{quote}",
        exchange_symbol=str(raw["coindcx_name"]),
        base=base,
        quote=quote,
        price_tick=clean_step(step_from_precision(raw["base_currency_precision"])),
        amount_step=clean_step(step),
        min_amount=clean_step(max(min_quantity, step)) if min_quantity is not None else None,
        max_amount=optional_decimal(raw.get("max_quantity")),
        min_cost=optional_decimal(raw.get("min_notional")),
        active=raw.get("status") == "active",
    )
    return CoinDCXMarket(info=info, pair=str(raw["pair"]))


def parse_ticker(raw: Mapping[str, Any], *, symbol: str) -> Ticker:
    """A `/exchange/ticker` row. Its `volume` is in the quote currency (the BTCINR row reads
    in millions, which can only be rupees); `change_24_hour` is a percentage."""
    return Ticker(
        symbol=symbol,
        last=to_decimal(raw["last_price"]),
        bid=optional_decimal(raw.get("bid")),
        ask=optional_decimal(raw.get("ask")),
        high=optional_decimal(raw.get("high")),
        low=optional_decimal(raw.get("low")),
        open=None,
        base_volume=None,
        quote_volume=optional_decimal(raw.get("volume")),
        change_pct=optional_decimal(raw.get("change_24_hour")),
        timestamp=utc_from_epoch(raw["timestamp"]),
    )


def parse_candle(raw: Mapping[str, Any]) -> Candle:
    """`{"open", "high", "low", "close", "volume", "time"}`, time = open time in ms."""
    return candle_from_wire(
        raw["time"], raw["open"], raw["high"], raw["low"], raw["close"], raw["volume"]
    )


def parse_levels(
    levels: Mapping[str, Any], *, best_first_descending: bool, limit: int
) -> tuple[tuple[Decimal, Decimal], ...]:
    """`{price: amount}` as (price, amount) pairs, best first, at most `limit`; empty levels
    (amount 0) are left out."""
    parsed = best_first(levels.items(), descending=best_first_descending)
    return tuple(level for level in parsed if level[1] > 0)[:limit]


def order_body(request: OrderRequest, market: MarketInfo) -> dict[str, object]:
    """The create-order body (without `timestamp`); `OrderRejected` for what CoinDCX spot
    cannot take."""
    if request.type not in (OrderType.MARKET, OrderType.LIMIT):
        raise OrderRejected(
            f"CoinDCX spot takes market and limit orders, not {request.type.label.lower()}",
            code=UNSUPPORTED_ORDER,
        )
    if request.time_in_force != TimeInForce.GTC:
        raise OrderRejected("CoinDCX spot orders are good-till-cancelled only", UNSUPPORTED_ORDER)
    if len(request.client_order_id) > MAX_CLIENT_ORDER_ID:
        raise OrderRejected(
            f"CoinDCX client order ids are at most {MAX_CLIENT_ORDER_ID} characters",
            code=UNSUPPORTED_ORDER,
        )
    body: dict[str, object] = {
        "side": request.side.value,
        "order_type": "limit_order" if request.type == OrderType.LIMIT else "market_order",
        "market": market.exchange_symbol,
        "total_quantity": request.base_amount,
        "client_order_id": request.client_order_id,
    }
    if request.type == OrderType.LIMIT:
        if request.price is None:
            raise OrderRejected("a limit order needs a price", code=UNSUPPORTED_ORDER)
        body["price_per_unit"] = request.price
    return body


def _time(value: object) -> datetime:
    """Order times come as ISO strings (documented) or epoch ms (seen): accept both."""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        return utc_from_iso(value)
    return utc_from_epoch(value)


def parse_order(raw: Mapping[str, Any], *, symbol: str) -> OrderAck:
    """An order object from create or status (a cancel answers without one)."""
    status = order_status(raw["status"], _STATUSES, venue="coindcx")
    amount = to_decimal(raw["total_quantity"])
    remaining = optional_decimal(raw.get("remaining_quantity"))
    filled = amount - remaining if remaining is not None else Decimal(0)
    average = optional_decimal(raw.get("avg_price"))
    price = optional_decimal(raw.get("price_per_unit"))
    return OrderAck(
        exchange_order_id=str(raw["id"]),
        client_order_id=str(raw.get("client_order_id") or ""),
        symbol=symbol,
        side=OrderSide(str(raw["side"]).lower()),
        type=_ORDER_TYPES.get(str(raw["order_type"]), OrderType.LIMIT),
        status=with_fills(status, filled),
        amount=amount,
        filled=filled,
        price=price or None,  # market orders answer 0.0
        average_price=average or None,  # 0.0 until something fills
        timestamp=_time(raw.get("updated_at") or raw["created_at"]),
    )


def raise_api_error(answer: HttpAnswer, *, order_write: bool) -> None:
    """Map a CoinDCX 4xx to the venue errors. It has no error codes of its own (`code` repeats
    the HTTP status), so its words decide."""
    message = error_message(answer)
    lowered = message.lower()
    if answer.status in (401, 403) or "credential" in lowered or "signature" in lowered:
        raise VenueAuthError(f"coindcx: {message}")
    if answer.status == 404 and "order" in lowered:
        raise OrderNotFound(f"coindcx: {message}")
    raise_if_order_refused(
        answer, message, order_write=order_write, insufficient_funds="insufficient" in lowered
    )
    raise VenueError(f"coindcx: HTTP {answer.status}: {message}")


# --- the venue -------------------------------------------------------------------------------


class CoinDCXVenue(HttpVenue):
    """CoinDCX spot: an API host for markets, tickers and signed JSON POSTs, and a public host
    (`public_url`) for candles and order books, which it addresses by `pair`.

    The order workflow and its guarantees (at most one order per client order id, idempotent
    cancel, retried reads) are `HttpVenue`'s; this class supplies the CoinDCX wire only.
    """

    exchange_id = "coindcx"
    order_keys = ORDER_KEYS
    timeframes = TIMEFRAMES
    cancel_answers_with_order = False  # `{"message": "success"}`: the order is read back

    def __init__(
        self,
        credentials: Credentials | None,
        *,
        base_url: str,
        public_url: str,
        timeout_s: float = 10.0,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            credentials,
            base_url=base_url,
            timeout_s=timeout_s,
            sleep=sleep,
            clock=clock,
            retry=retry,
        )
        self._public_url = public_url
        self._pairs: dict[str, str] = {}  # unified symbol -> pair

    # -- request building --

    def _signed(self, path: str, body: Mapping[str, object]) -> Callable[[], HttpCall]:
        """A builder that stamps and signs the body afresh each time it is called."""
        credentials = self._require_credentials()

        def build() -> HttpCall:
            payload, signature = sign_body(
                {**body, "timestamp": self._now_ms()}, credentials.secret
            )
            headers = {
                "Content-Type": "application/json",
                "X-AUTH-APIKEY": credentials.api_key,
                "X-AUTH-SIGNATURE": signature,
            }
            return HttpCall("POST", build_url(self._base_url, path), payload, headers)

        return build

    def _raise_api_error(self, answer: HttpAnswer, *, order_write: bool) -> None:
        raise_api_error(answer, order_write=order_write)

    def _pair(self, symbol: str) -> str:
        self.market(symbol)  # loads markets, raises UnknownSymbol
        return self._pairs[symbol]

    # -- market data --

    def _fetch_markets(self) -> Iterable[MarketInfo]:
        markets: dict[str, CoinDCXMarket] = {}
        for raw in self._get("/exchange/v1/markets_details"):
            market = parse_market(raw)
            # Two books can list the same coins (e.g. on two ecodes): keep the first active one.
            current = markets.get(market.info.symbol)
            if current is None or (market.info.active and not current.info.active):
                markets[market.info.symbol] = market
        self._pairs = {symbol: m.pair for symbol, m in markets.items()}
        return [m.info for m in markets.values()]

    def _tickers(self) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = self._get("/exchange/ticker")
        return rows

    def fetch_ticker(self, symbol: str) -> Ticker:
        market = self.market(symbol)
        for raw in self._tickers():
            if raw.get("market") == market.exchange_symbol:
                return parse_ticker(raw, symbol=symbol)
        raise UnknownSymbol(f"coindcx has no ticker for {symbol}")

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]:
        # Every row carries its own timestamp, so the fallback `now` goes unused.
        return self._select_tickers(
            symbols,
            key="market",
            fetch=self._tickers,
            parse=lambda raw, symbol, _now: parse_ticker(raw, symbol=symbol),
        )

    def _fetch_candles(
        self, symbol: str, timeframe: str, since: datetime | None, limit: int | None
    ) -> Iterable[Candle]:
        params = {
            "pair": self._pair(symbol),
            "interval": timeframe,
            # Milliseconds on this endpoint. A None is left out of the query.
            "startTime": int(since.timestamp() * 1000) if since is not None else None,
            "limit": limit,
        }
        rows = self._get("/market_data/candles", params, base_url=self._public_url)
        return (parse_candle(row) for row in rows)  # newest first; the base sorts

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> OrderBook:
        params = {"pair": self._pair(symbol)}
        raw = self._get("/market_data/orderbook", params, base_url=self._public_url)
        return OrderBook(
            symbol=symbol,
            bids=parse_levels(raw.get("bids") or {}, best_first_descending=True, limit=limit),
            asks=parse_levels(raw.get("asks") or {}, best_first_descending=False, limit=limit),
            timestamp=self._stamped(raw),
        )

    # -- account --

    def fetch_balance(self) -> list[Balance]:
        rows = self._call(self._signed("/exchange/v1/users/balances", {}))
        return balances_from_rows(rows, asset="currency", free="balance", locked="locked_balance")

    def fetch_key_permissions(self) -> KeyPermissions | None:
        return None  # CoinDCX keys all have the same rights and the API does not say them

    def fetch_deposit_address(self, asset: str) -> DepositAddress | None:
        return None  # not read from CoinDCX: this client speaks its spot trading API only

    # -- orders: the wire of `HttpVenue.create_order`, `cancel_order` and `fetch_order` --

    def _create_call(self, request: OrderRequest, market: MarketInfo) -> Callable[[], HttpCall]:
        return self._signed(CREATE_PATH, order_body(request, market))

    def _order_in_create_answer(self, payload: Any) -> Mapping[str, Any]:
        order: Mapping[str, Any] = payload["orders"][0]
        return order

    def _cancel_call(
        self, market: MarketInfo, reference: Mapping[str, str]
    ) -> Callable[[], HttpCall]:
        return self._signed(CANCEL_PATH, reference)

    def _query_call(self, reference: Mapping[str, str]) -> Callable[[], HttpCall]:
        return self._signed(STATUS_PATH, reference)

    def _parse_order(self, raw: Mapping[str, Any], *, symbol: str) -> OrderAck:
        return parse_order(raw, symbol=symbol)
