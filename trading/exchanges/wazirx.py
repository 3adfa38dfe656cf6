"""WazirX ("WazirX API v1", `https://api.wazirx.com/sapi/v1/...`) behind the `Venue` interface.

Wire format, kept in the small module-level functions below so it is easy to correct:

- Public GETs: `/sapi/v1/exchangeInfo`, `/ticker/24hr?symbol=`, `/tickers/24hr`, `/klines`
  (`startTime`/`endTime` and the candle times in *seconds*), `/depth?symbol=&limit=`.
- Signed requests: the parameters plus `recvWindow` and `timestamp` (ms), keys sorted,
  urlencoded; `signature` = hex HMAC-SHA256 of that string with the secret, appended last;
  header `X-Api-Key`. GET/DELETE carry it in the query, POST as a form body.
- Orders: `POST/GET/DELETE /sapi/v1/order` with `clientOrderId`; order types `limit` and
  `stop_limit` only (no market orders in the REST API); statuses `idle` (stop not triggered),
  `wait` (open), `done`, `cancel`.
- Errors: `{"code": <int>, "message": <str>}` with a 4xx status.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

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
    VenueRateLimited,
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
    decimal_text,
    error_message,
    error_payload,
    optional_decimal,
    order_status,
    raise_if_order_refused,
    step_from_precision,
    to_decimal,
    utc_from_epoch,
    with_fills,
)

TIMEFRAMES = frozenset({"1m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"})
DEPTH_LIMITS = (1, 5, 10, 20, 50, 100, 500, 1000)
DEFAULT_RECV_WINDOW_MS = 10_000
# WazirX charges 0.2 % maker and taker on spot; exchangeInfo does not say, so it lives here.
SPOT_FEE = Decimal("0.002")
ORDER_PATH = "/sapi/v1/order"  # POST creates, GET queries, DELETE cancels
ORDER_KEYS = OrderKeys(order_id="orderId", client_order_id="clientOrderId", market="symbol")

# Error codes seen from the API (ccxt's and WazirX's own connector tables).
AUTH_CODES = frozenset({2005, 2078, 2098, 2115})  # bad/missing signature, no permission, clock
RATE_LIMIT_CODES = frozenset({2136})
ORDER_NOT_FOUND_CODES = frozenset({2004, -2011})
UNKNOWN_SYMBOL_CODES = frozenset({-1121})
INSUFFICIENT_FUNDS_CODES = frozenset({2002})

_STATUSES = {
    "idle": VenueOrderStatus.OPEN,
    "wait": VenueOrderStatus.OPEN,
    "done": VenueOrderStatus.FILLED,
    "cancel": VenueOrderStatus.CANCELED,
}
_ORDER_TYPES = {"limit": OrderType.LIMIT, "stop_limit": OrderType.STOP_LIMIT}


# --- wire format -----------------------------------------------------------------------------


def sign_params(params: Mapping[str, str], secret: str) -> str:
    """The signed query/body string: sorted params urlencoded, then `&signature=<hex hmac>`."""
    query = urlencode(sorted(params.items()))
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


def parse_market(raw: Mapping[str, Any]) -> MarketInfo:
    """One `exchangeInfo.symbols[]` entry. The price tick comes from `PRICE_FILTER.tickSize`
    (else `quoteAssetPrecision`); the amount step from `baseAssetPrecision`. WazirX publishes
    no amount or notional minimum there: it refuses small orders at placement (code 2031)."""
    price_tick = step_from_precision(raw["quoteAssetPrecision"])
    for item in raw.get("filters") or ():
        if item.get("filterType") == "PRICE_FILTER" and optional_decimal(item.get("tickSize")):
            price_tick = to_decimal(item["tickSize"])
    base, quote = str(raw["baseAsset"]).upper(), str(raw["quoteAsset"]).upper()
    return MarketInfo(
        symbol=f"{base}/{quote}",
        exchange_symbol=str(raw["symbol"]),
        base=base,
        quote=quote,
        price_tick=clean_step(price_tick),
        amount_step=clean_step(step_from_precision(raw["baseAssetPrecision"])),
        maker_fee=SPOT_FEE,
        taker_fee=SPOT_FEE,
        active=raw.get("status") == "trading" and raw.get("isSpotTradingAllowed", True) is True,
    )


def parse_ticker(raw: Mapping[str, Any], *, symbol: str, now: datetime) -> Ticker:
    """A 24 h ticker; `volume` is in the base asset; `at` is only on the single-symbol call."""
    last = to_decimal(raw["lastPrice"])
    open_ = optional_decimal(raw.get("openPrice"))
    change = (last - open_) / open_ * 100 if open_ else None
    return Ticker(
        symbol=symbol,
        last=last,
        bid=optional_decimal(raw.get("bidPrice")),
        ask=optional_decimal(raw.get("askPrice")),
        high=optional_decimal(raw.get("highPrice")),
        low=optional_decimal(raw.get("lowPrice")),
        open=open_,
        base_volume=optional_decimal(raw.get("volume")),
        quote_volume=None,
        change_pct=change,
        timestamp=utc_from_epoch(raw["at"]) if raw.get("at") else now,
    )


def parse_candle(row: list[Any]) -> Candle:
    """`[time, open, high, low, close, volume]`, time in seconds."""
    return candle_from_wire(row[0], row[1], row[2], row[3], row[4], row[5])


def parse_levels(
    rows: Iterable[list[Any]], *, best_first_descending: bool, limit: int
) -> tuple[tuple[Decimal, Decimal], ...]:
    """Book levels `[[price, amount], ...]`, sorted best first and cut to `limit`."""
    pairs = ((price, amount) for price, amount, *_ in rows)
    return tuple(best_first(pairs, descending=best_first_descending)[:limit])


def order_params(request: OrderRequest, market: MarketInfo) -> dict[str, str]:
    """The create-order parameters; `OrderRejected` for what WazirX cannot take."""
    if request.type not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        raise OrderRejected(
            f"WazirX accepts only limit and stop-limit orders, not {request.type.label.lower()}",
            code=UNSUPPORTED_ORDER,
        )
    if request.time_in_force != TimeInForce.GTC:
        raise OrderRejected("WazirX orders are good-till-cancelled only", code=UNSUPPORTED_ORDER)
    if request.price is None:
        raise OrderRejected("a WazirX order needs a price", code=UNSUPPORTED_ORDER)
    params = {
        "symbol": market.exchange_symbol,
        "side": request.side.value,
        "type": "limit",
        "quantity": decimal_text(request.base_amount),
        "price": decimal_text(request.price),
        "clientOrderId": request.client_order_id,
    }
    if request.type == OrderType.STOP_LIMIT:
        if request.stop_price is None:
            raise OrderRejected("a stop-limit order needs a stop price", code=UNSUPPORTED_ORDER)
        params["type"] = "stop_limit"
        params["stopPrice"] = decimal_text(request.stop_price)
    return params


def parse_order(raw: Mapping[str, Any], *, symbol: str) -> OrderAck:
    """An order object (create, query and cancel all answer with one)."""
    status = order_status(raw["status"], _STATUSES, venue="wazirx")
    amount = to_decimal(raw.get("origQty", raw.get("quantity")))
    filled = optional_decimal(raw.get("executedQty")) or Decimal(0)
    return OrderAck(
        exchange_order_id=str(raw["id"]),
        client_order_id=str(raw.get("clientOrderId") or ""),
        symbol=symbol,
        side=OrderSide(str(raw["side"]).lower()),
        type=_ORDER_TYPES.get(str(raw["type"]), OrderType.LIMIT),
        status=with_fills(status, filled),
        amount=amount,
        filled=filled,
        price=optional_decimal(raw.get("price")),
        average_price=None,  # the order object carries no average; trades would
        timestamp=utc_from_epoch(raw.get("updatedTime") or raw["createdTime"]),
    )


def raise_api_error(answer: HttpAnswer, *, order_write: bool) -> None:
    """Map a WazirX 4xx (`{"code", "message"}`) to the venue errors."""
    code = error_payload(answer).get("code")
    message = error_message(answer)
    code_number = (
        int(code) if isinstance(code, int | str) and str(code).lstrip("-").isdigit() else 0
    )
    if answer.status in (401, 403) or code_number in AUTH_CODES:
        raise VenueAuthError(f"wazirx: {message}")
    if code_number in RATE_LIMIT_CODES:
        raise VenueRateLimited(f"wazirx: {message}")
    if code_number in ORDER_NOT_FOUND_CODES:
        raise OrderNotFound(f"wazirx: {message}")
    if code_number in UNKNOWN_SYMBOL_CODES:
        raise UnknownSymbol(f"wazirx: {message}")
    raise_if_order_refused(
        answer,
        message,
        order_write=order_write,
        insufficient_funds=code_number in INSUFFICIENT_FUNDS_CODES,
    )
    raise VenueError(f"wazirx: HTTP {answer.status} code {code}: {message}")


# --- the venue -------------------------------------------------------------------------------


class WazirXVenue(HttpVenue):
    """WazirX spot: one base URL, HMAC-signed query or form parameters with a `recvWindow`.

    The order workflow and its guarantees (at most one order per client order id, idempotent
    cancel, retried reads) are `HttpVenue`'s; this class supplies the WazirX wire only.
    """

    exchange_id = "wazirx"
    order_keys = ORDER_KEYS
    timeframes = TIMEFRAMES

    def __init__(
        self,
        credentials: Credentials | None,
        *,
        base_url: str,
        timeout_s: float = 10.0,
        recv_window_ms: int = DEFAULT_RECV_WINDOW_MS,
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
        self._recv_window_ms = recv_window_ms

    # -- request building --

    def _signed(self, method: str, path: str, params: Mapping[str, str]) -> Callable[[], HttpCall]:
        """A builder that signs afresh (new timestamp) each time it is called."""
        credentials = self._require_credentials()

        def build() -> HttpCall:
            signed = sign_params(
                {
                    **params,
                    "recvWindow": str(self._recv_window_ms),
                    "timestamp": str(self._now_ms()),
                },
                credentials.secret,
            )
            headers = {
                "X-Api-Key": credentials.api_key,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            url = build_url(self._base_url, path)
            if method == "POST":
                return HttpCall(method, url, signed.encode(), headers)
            return HttpCall(method, f"{url}?{signed}", None, headers)

        return build

    def _raise_api_error(self, answer: HttpAnswer, *, order_write: bool) -> None:
        raise_api_error(answer, order_write=order_write)

    # -- market data --

    def _fetch_markets(self) -> Iterable[MarketInfo]:
        payload = self._get("/sapi/v1/exchangeInfo")
        return [parse_market(raw) for raw in payload["symbols"]]

    def fetch_ticker(self, symbol: str) -> Ticker:
        market = self.market(symbol)
        raw = self._get("/sapi/v1/ticker/24hr", {"symbol": market.exchange_symbol})
        return parse_ticker(raw, symbol=symbol, now=self._now())

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]:
        return self._select_tickers(
            symbols,
            key="symbol",
            fetch=lambda: self._get("/sapi/v1/tickers/24hr"),
            parse=lambda raw, symbol, now: parse_ticker(raw, symbol=symbol, now=now),
        )

    def _fetch_candles(
        self, symbol: str, timeframe: str, since: datetime | None, limit: int | None
    ) -> Iterable[Candle]:
        market = self.market(symbol)
        params = {
            "symbol": market.exchange_symbol,
            "interval": timeframe,
            # Seconds on this endpoint. A None is left out of the query.
            "startTime": int(since.timestamp()) if since is not None else None,
            "limit": limit,
        }
        return (parse_candle(row) for row in self._get("/sapi/v1/klines", params))

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> OrderBook:
        market = self.market(symbol)
        # The endpoint takes only some depths: ask for the next one up and cut.
        depth = next((d for d in DEPTH_LIMITS if d >= limit), DEPTH_LIMITS[-1])
        raw = self._get("/sapi/v1/depth", {"symbol": market.exchange_symbol, "limit": depth})
        return OrderBook(
            symbol=symbol,
            bids=parse_levels(raw.get("bids") or (), best_first_descending=True, limit=limit),
            asks=parse_levels(raw.get("asks") or (), best_first_descending=False, limit=limit),
            timestamp=self._stamped(raw),
        )

    # -- account --

    def fetch_balance(self) -> list[Balance]:
        rows = self._call(self._signed("GET", "/sapi/v1/funds", {}))
        return balances_from_rows(rows, asset="asset", free="free", locked="locked")

    def fetch_key_permissions(self) -> KeyPermissions | None:
        return None  # WazirX does not expose what a key may do

    def fetch_deposit_address(self, asset: str) -> DepositAddress | None:
        return None  # not read from WazirX: this client speaks its spot trading API only

    # -- orders: the wire of `HttpVenue.create_order`, `cancel_order` and `fetch_order` --

    def _create_call(self, request: OrderRequest, market: MarketInfo) -> Callable[[], HttpCall]:
        return self._signed("POST", ORDER_PATH, order_params(request, market))

    def _cancel_call(
        self, market: MarketInfo, reference: Mapping[str, str]
    ) -> Callable[[], HttpCall]:
        return self._signed("DELETE", ORDER_PATH, {"symbol": market.exchange_symbol, **reference})

    def _query_call(self, reference: Mapping[str, str]) -> Callable[[], HttpCall]:
        # No symbol: the venue finds the order by id alone; `_query` checks its market.
        return self._signed("GET", ORDER_PATH, reference)

    def _parse_order(self, raw: Mapping[str, Any], *, symbol: str) -> OrderAck:
        return parse_order(raw, symbol=symbol)
