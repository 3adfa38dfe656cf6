"""`CcxtVenue`: every ccxt exchange behind the `base.Venue` interface, with ccxt's sync client.

Invariants:
- ccxt dicts never leave this module: every answer becomes a frozen dataclass of `base`, numbers
  as `Decimal(str(x))` (ccxt hands out floats; their shortest repr is exact for the <= 15
  significant digits exchanges send), times as aware UTC;
- every ccxt exception becomes a `VenueError` (`ccxt_errors.map_ccxt_error`); transient ones
  are retried (`retry.call_with_retries`) before they reach the caller;
- `create_order` never creates a second order for one `client_order_id`: the id is always sent,
  and after a transient failure the order is looked up by that id before anything is resent;
- market info is loaded once per venue instance and kept until `load_markets(reload=True)`.
  Only spot markets are kept. A venue holds one ccxt client and is not thread-safe: use one per
  thread or task (the registry builds a new one per call).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import ccxt  # type: ignore[import-untyped]  # ccxt ships no type information

from trading.exchanges.base import (
    Balance,
    Candle,
    Credentials,
    DepositAddress,
    Fill,
    KeyPermissions,
    MarketInfo,
    OrderAck,
    OrderBook,
    OrderRequest,
    OrderSide,
    OrderType,
    Ticker,
    VenueOrderStatus,
)
from trading.exchanges.ccxt_errors import map_ccxt_error
from trading.exchanges.errors import OrderNotFound, OrderRejected, UnknownSymbol, VenueError
from trading.exchanges.retry import RetryPolicy, call_with_retries
from trading.precision import check_limits

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_RETRIES = 5
OHLCV_PAGE_SIZE = 1000  # Binance's maximum per klines request

# Spot only, and no private calls while loading markets: Binance's currency list (sapi
# capital/config/getall) and margin pairs are not needed for spot trading.
_EXCHANGE_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {
        "defaultType": "spot",
        "fetchMarkets": {"types": ["spot"]},
        "fetchCurrencies": False,
        "fetchMargins": False,
    },
}
_API_RESTRICTIONS_EXCHANGES = frozenset({"binance"})
# ccxt names: (order type, the params key that carries the trigger price).
_CCXT_ORDER_TYPES: dict[OrderType, tuple[str, str | None]] = {
    OrderType.MARKET: ("market", None),
    OrderType.LIMIT: ("limit", None),
    OrderType.STOP_LOSS: ("market", "stopLossPrice"),
    OrderType.STOP_LIMIT: ("limit", "stopLossPrice"),
    OrderType.TAKE_PROFIT: ("market", "takeProfitPrice"),
}
_MARKET_TYPES = frozenset({OrderType.MARKET, OrderType.STOP_LOSS, OrderType.TAKE_PROFIT})
_STATUSES = {
    "closed": VenueOrderStatus.FILLED,
    "canceled": VenueOrderStatus.CANCELED,
    "rejected": VenueOrderStatus.REJECTED,
    "expired": VenueOrderStatus.EXPIRED,
}


class _ResponseRecorder:
    """Remembers the last HTTP status and headers of a ccxt client.

    ccxt raises the same `DDoSProtection` for a 429 and a 418 (IP ban) and keeps `Retry-After`
    only in the response headers; the error mapping needs both.
    """

    last_status: int | None = None
    last_headers: Mapping[str, str] = MappingProxyType({})

    def on_rest_response(
        self,
        code: Any,
        reason: Any,
        url: Any,
        method: Any,
        response_headers: Any,
        response_body: Any,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        self.last_status = int(code)
        self.last_headers = dict(response_headers or {})
        return super().on_rest_response(  # type: ignore[misc]  # the ccxt class comes next in the MRO
            code,
            reason,
            url,
            method,
            response_headers,
            response_body,
            request_headers,
            request_body,
        )


@cache
def _client_class(exchange_id: str) -> type[Any]:
    base = getattr(ccxt, exchange_id)
    return type(f"Recording{base.__name__}", (_ResponseRecorder, base), {})


def supported_exchange_ids() -> frozenset[str]:
    """The exchange ids ccxt knows (`binance`, `kraken`, ...)."""
    return frozenset(ccxt.exchanges)


def rebased_api_urls(exchange_id: str, base_url: str) -> dict[str, str]:
    """ccxt's API URLs for `exchange_id`, each moved onto `base_url` with its path kept.

    For the simulator: `https://api.binance.com/api/v3` becomes `<base_url>/api/v3`, and every
    other section (sapi, fapi, ...) points there too, so nothing can reach the real exchange.
    """
    origin = base_url.rstrip("/")
    return {name: origin + urlsplit(url).path for name, url in _default_api_urls(exchange_id)}


@cache
def _default_api_urls(exchange_id: str) -> tuple[tuple[str, str], ...]:
    defaults = getattr(ccxt, exchange_id)().urls["api"]  # building a client costs milliseconds
    if isinstance(defaults, str):
        return (("rest", defaults),)
    return tuple((name, url) for name, url in defaults.items() if isinstance(url, str))


class CcxtVenue:
    """One ccxt exchange as a `Venue`.

    `urls` overrides entries of ccxt's `urls['api']` (after `sandbox`, which switches ccxt to
    the exchange's testnet). `name` is the `exchange_id` the venue reports (defaults to the
    ccxt id; the simulator's venue reports "simulated"). `max_retries` counts attempts,
    the first included. `sleep` and `rng` drive the backoff (tests inject a recorder).
    """

    def __init__(
        self,
        exchange_id: str,
        *,
        credentials: Credentials | None = None,
        sandbox: bool = False,
        urls: Mapping[str, str] | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_after_s: float = 30.0,
        name: str | None = None,
        rate_limit: bool = True,
        options: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if exchange_id not in supported_exchange_ids():
            raise ValueError(f"ccxt has no exchange {exchange_id!r}")
        self.ccxt_id = exchange_id
        self.exchange_id = name or exchange_id
        config: dict[str, Any] = {
            "enableRateLimit": rate_limit,
            "timeout": int(timeout_s * 1000),
            "options": {**_EXCHANGE_OPTIONS.get(exchange_id, {}), **(options or {})},
        }
        if credentials is not None:
            config.update(
                apiKey=credentials.api_key,
                secret=credentials.secret,
                password=credentials.passphrase or None,
            )
        self._client: Any = _client_class(exchange_id)(config)
        if sandbox:
            self._invoke("set_sandbox_mode", True)
        if urls:
            self._client.urls["api"] = {**self._client.urls["api"], **urls}
        self._policy = RetryPolicy(max_attempts=max_retries, max_retry_after_s=max_retry_after_s)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._markets: dict[str, MarketInfo] | None = None

    def __repr__(self) -> str:
        return f"CcxtVenue({self.exchange_id!r})"

    # --- markets ----------------------------------------------------------------------------
    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Spot markets by unified symbol, loaded once per instance (again with `reload`)."""
        if self._markets is None or reload:
            raw = self._call("load_markets", True)
            mode = self._client.precisionMode
            markets = (_market_info(market, mode) for market in raw.values() if market.get("spot"))
            self._markets = {info.symbol: info for info in markets if info is not None}
        return self._markets

    def market(self, symbol: str) -> MarketInfo:
        try:
            return self.load_markets()[symbol]
        except KeyError:
            raise UnknownSymbol(f"{self.exchange_id} has no spot market {symbol}") from None

    # --- market data ------------------------------------------------------------------------
    def fetch_ticker(self, symbol: str) -> Ticker:
        self.market(symbol)
        return _ticker(self._call("fetch_ticker", symbol))

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]:
        markets = self.load_markets()
        for symbol in symbols or ():
            self.market(symbol)
        raw = self._call("fetch_tickers", symbols)
        return {
            symbol: _ticker(ticker)
            for symbol, ticker in raw.items()
            if symbol in markets and (ticker.get("last") is not None or ticker.get("close"))
        }

    def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first, open times contiguous; pages of 1000 when `limit` asks for more.

        With `since`, candles opening at or after it; without, the most recent `limit` candles
        (the last one may still be open: callers that need closed candles drop it).
        """
        self.market(symbol)
        if limit is None or (since is None and limit <= OHLCV_PAGE_SIZE):
            start = None if since is None else _ms(since)
            return [
                _candle(row) for row in self._call("fetch_ohlcv", symbol, timeframe, start, limit)
            ]
        period_ms = int(self._client.parse_timeframe(timeframe)) * 1000
        if since is None:
            now = int(self._client.milliseconds())
            cursor = (now // period_ms - (limit - 1)) * period_ms
        else:
            cursor = _ms(since)
        rows: list[list[Any]] = []
        while len(rows) < limit:
            wanted = min(OHLCV_PAGE_SIZE, limit - len(rows))
            page = self._call("fetch_ohlcv", symbol, timeframe, cursor, wanted)
            fresh = [row for row in page if row[0] >= cursor and (not rows or row[0] > rows[-1][0])]
            rows.extend(fresh)
            if len(page) < wanted or not fresh:
                break  # reached the present
            cursor = int(fresh[-1][0]) + period_ms
        return [_candle(row) for row in rows[:limit]]

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> OrderBook:
        self.market(symbol)
        book = self._call("fetch_order_book", symbol, limit)
        return OrderBook(
            symbol=symbol,
            bids=tuple((_dec(level[0]), _dec(level[1])) for level in book["bids"]),
            asks=tuple((_dec(level[0]), _dec(level[1])) for level in book["asks"]),
            timestamp=_utc(book.get("timestamp")),
        )

    # --- account ----------------------------------------------------------------------------
    def fetch_balance(self) -> list[Balance]:
        """Every asset with a non-zero total, sorted by asset."""
        raw = self._call("fetch_balance")
        free, used = raw.get("free") or {}, raw.get("used") or {}
        balances = (
            Balance(asset=asset, free=_dec(free.get(asset) or 0), locked=_dec(used.get(asset) or 0))
            for asset in sorted(set(free) | set(used))
        )
        return [balance for balance in balances if balance.total != 0]

    def fetch_key_permissions(self) -> KeyPermissions | None:
        """Binance's `sapi/v1/account/apiRestrictions`; None where the venue cannot tell
        (other exchanges, and Binance's testnet, which has no sapi)."""
        if (
            self.ccxt_id not in _API_RESTRICTIONS_EXCHANGES
            or "sapi" not in self._client.urls["api"]
        ):
            return None
        raw = self._call("sapi_get_account_apirestrictions")
        return KeyPermissions(
            can_read=bool(raw.get("enableReading")),
            can_trade=bool(raw.get("enableSpotAndMarginTrading")),
            can_withdraw=bool(raw.get("enableWithdrawals")),
        )

    def fetch_deposit_address(self, asset: str) -> DepositAddress | None:
        """ccxt's `fetchDepositAddress` (the default network); None where the exchange has
        none, or has no wallet API at this URL (Binance's testnet has no sapi)."""
        if not self._client.has.get("fetchDepositAddress") or (
            self.ccxt_id in _API_RESTRICTIONS_EXCHANGES and "sapi" not in self._client.urls["api"]
        ):
            return None
        raw = self._call("fetch_deposit_address", asset)
        return DepositAddress(
            asset=str(raw.get("currency") or asset),
            address=str(raw["address"]),
            network=raw.get("network") or None,
            tag=raw.get("tag") or None,
        )

    # --- orders -----------------------------------------------------------------------------
    def create_order(self, request: OrderRequest) -> OrderAck:
        """Submit once; on a transient failure look the order up by client id before resending.

        The venue may have accepted an order whose answer was lost (a timeout, a dropped
        connection, a 5xx after the fact). So every retry first asks for the order by
        `client_order_id` and returns it if it exists; only an order the venue does not know is
        sent again. A "duplicate order" refusal on such a resend means the first one landed in
        the meantime: it is looked up and returned too. On a first send, that refusal is final.

        The request must already be quantized: one off the market's step or tick, or below its
        minimum amount or order value, raises PrecisionError before anything is sent.
        """
        market = self.market(request.symbol)
        check_limits(market=market, amount=request.base_amount, price=request.price)
        if request.stop_price is not None:
            check_limits(market=market, amount=request.base_amount, price=request.stop_price)
        symbol = market.symbol
        ccxt_type, params, price = _order_arguments(request)
        amount = _ccxt_number(request.base_amount)
        sent = False

        def attempt() -> dict[str, Any]:
            nonlocal sent
            resend = sent
            if resend:
                existing = self._find_by_client_id(symbol, request.client_order_id)
                if existing is not None:
                    return existing
            sent = True  # from here on the venue may hold the order, whatever the answer says
            try:
                return self._invoke(
                    "create_order",
                    symbol,
                    ccxt_type,
                    str(request.side),
                    amount,
                    price,
                    params,
                    placing_order=True,
                )
            except OrderRejected as rejection:
                if resend and rejection.code == "duplicate_client_order_id":
                    existing = self._find_by_client_id(symbol, request.client_order_id)
                    if existing is not None:
                        return existing
                raise

        order = self._retrying(attempt, what=f"create_order {request.client_order_id}")
        order = self._with_fills(order, symbol)  # an order found by lookup lists no fills
        return _order_ack(order, symbol=symbol, client_order_id=request.client_order_id)

    def cancel_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        """Cancel by exchange id (preferred) or client id; idempotent across our own retries:
        if a retry finds the order unknown, an earlier attempt may have cancelled it, so the
        order is fetched and returned when it is cancelled."""
        symbol = self.market(symbol).symbol
        order_id, params = _order_reference(exchange_order_id, client_order_id)
        tried = False

        def attempt() -> dict[str, Any]:
            nonlocal tried
            retry, tried = tried, True
            try:
                return self._invoke("cancel_order", order_id, symbol, params)
            except OrderNotFound:
                if not retry:
                    raise
                order = self._invoke("fetch_order", order_id, symbol, params)
                if order.get("status") != "canceled":
                    raise
                return order

        order = self._retrying(attempt, what=f"cancel_order {exchange_order_id or client_order_id}")
        return _order_ack(order, symbol=symbol, client_order_id=client_order_id)

    def fetch_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        """The order's state; its fills too when it has any (one more request where the order
        answer does not carry them and the exchange lists an order's trades)."""
        symbol = self.market(symbol).symbol
        order_id, params = _order_reference(exchange_order_id, client_order_id)
        order = self._call("fetch_order", order_id, symbol, params)
        return _order_ack(
            self._with_fills(order, symbol), symbol=symbol, client_order_id=client_order_id
        )

    # --- plumbing ---------------------------------------------------------------------------
    def _with_fills(self, order: dict[str, Any], symbol: str) -> dict[str, Any]:
        """The order with its trades, fetched when it has fills the answer did not list."""
        has_fills = _dec(order.get("filled") or 0) > 0
        if has_fills and not order.get("trades") and self._client.has.get("fetchOrderTrades"):
            return {**order, "trades": self._call("fetch_order_trades", order["id"], symbol)}
        return order

    def _find_by_client_id(self, symbol: str, client_order_id: str) -> dict[str, Any] | None:
        try:
            order: dict[str, Any] = self._invoke(
                "fetch_order", None, symbol, {"clientOrderId": client_order_id}
            )
        except OrderNotFound:
            return None
        return order

    def _invoke(self, method: str, *args: Any, placing_order: bool = False) -> Any:
        """One ccxt call, its exceptions mapped to venue errors; no retries."""
        client = self._client
        client.last_status, client.last_headers = None, {}
        try:
            return getattr(client, method)(*args)
        except ccxt.BaseError as error:
            raise map_ccxt_error(
                error,
                exchange_id=self.ccxt_id,
                status=client.last_status,
                headers=client.last_headers,
                placing_order=placing_order,
            ) from error

    def _call(self, method: str, *args: Any) -> Any:
        """One ccxt call with retries of transient failures."""
        return self._retrying(lambda: self._invoke(method, *args), what=method)

    def _retrying(self, operation: Callable[[], T], *, what: str) -> T:
        return call_with_retries(
            operation,
            policy=self._policy,
            sleep=self._sleep,
            rng=self._rng,
            what=f"{self.exchange_id} {what}",
        )


# --- conversions ------------------------------------------------------------------------------
def _dec(value: Any) -> Decimal:
    """`Decimal(str(x))`; an integral float's ".0" is dropped (9000.0 -> 9000)."""
    text = str(value)
    return Decimal(text[:-2] if text.endswith(".0") else text)


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec(value)


def _utc(ms: Any) -> datetime:
    """Epoch milliseconds as aware UTC; now when the exchange gave no time."""
    if ms is None:
        return datetime.now(UTC)
    return _EPOCH + timedelta(milliseconds=int(ms))


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC time")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _ccxt_number(value: Decimal) -> float:
    """A Decimal for ccxt, whose unified API takes floats.

    Exact for the quantized amounts and prices we send (<= 15 significant digits): ccxt turns
    the float back into its shortest repr, which is the same digits. Anything else is refused
    rather than silently rounded.
    """
    number = float(value)
    if Decimal(str(number)) != value:
        raise OrderRejected(
            f"{value} has more digits than the venue API can carry", "invalid_order"
        )
    return number


def _step(precision: Any, mode: Any) -> Decimal | None:
    """ccxt's precision as a step: TICK_SIZE mode gives the step, DECIMAL_PLACES a count."""
    if precision is None:
        return None
    if mode == ccxt.TICK_SIZE:
        return _dec(precision)
    if mode == ccxt.DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(precision))
    return None  # SIGNIFICANT_DIGITS has no fixed step: such markets are left out


def _market_info(market: Mapping[str, Any], mode: Any) -> MarketInfo | None:
    precision, limits = market.get("precision") or {}, market.get("limits") or {}
    price_tick, amount_step = (
        _step(precision.get("price"), mode),
        _step(precision.get("amount"), mode),
    )
    if price_tick is None or amount_step is None or price_tick <= 0 or amount_step <= 0:
        return None
    amount_limits, cost_limits = limits.get("amount") or {}, limits.get("cost") or {}
    fees = {
        name: _dec(market[key])
        for name, key in (("maker_fee", "maker"), ("taker_fee", "taker"))
        if market.get(key) is not None
    }
    return MarketInfo(
        symbol=market["symbol"],
        exchange_symbol=market["id"],
        base=market["base"],
        quote=market["quote"],
        price_tick=price_tick,
        amount_step=amount_step,
        min_amount=_opt_dec(amount_limits.get("min")),
        max_amount=_opt_dec(amount_limits.get("max")),
        min_cost=_opt_dec(cost_limits.get("min")),
        active=market.get("active") is not False,
        **fees,
    )


def _ticker(raw: Mapping[str, Any]) -> Ticker:
    last = raw.get("last") if raw.get("last") is not None else raw.get("close")
    if last is None:
        raise VenueError(f"no last price for {raw.get('symbol')}")
    return Ticker(
        symbol=raw["symbol"],
        last=_dec(last),
        bid=_opt_dec(raw.get("bid")),
        ask=_opt_dec(raw.get("ask")),
        high=_opt_dec(raw.get("high")),
        low=_opt_dec(raw.get("low")),
        open=_opt_dec(raw.get("open")),
        base_volume=_opt_dec(raw.get("baseVolume")),
        quote_volume=_opt_dec(raw.get("quoteVolume")),
        change_pct=_opt_dec(raw.get("percentage")),
        timestamp=_utc(raw.get("timestamp")),
    )


def _candle(row: list[Any]) -> Candle:
    return Candle(
        open_time=_utc(row[0]),
        open=_dec(row[1]),
        high=_dec(row[2]),
        low=_dec(row[3]),
        close=_dec(row[4]),
        volume=_dec(row[5] if row[5] is not None else 0),
    )


def _order_arguments(request: OrderRequest) -> tuple[str, dict[str, Any], float | None]:
    """(ccxt type, params, price) for `create_order`; the client order id is always sent."""
    ccxt_type, trigger_key = _CCXT_ORDER_TYPES[OrderType(request.type)]
    params: dict[str, Any] = {"clientOrderId": request.client_order_id}
    if trigger_key is not None:
        if request.stop_price is None:
            raise OrderRejected(f"A {request.type} order needs a stop price.", "invalid_order")
        params[trigger_key] = _ccxt_number(request.stop_price)
    price = None
    if ccxt_type == "limit":
        if request.price is None:
            raise OrderRejected(f"A {request.type} order needs a price.", "invalid_order")
        price = _ccxt_number(request.price)
        params["timeInForce"] = str(request.time_in_force)
    return ccxt_type, params, price


def _order_reference(
    exchange_order_id: str | None, client_order_id: str | None
) -> tuple[str | None, dict[str, Any]]:
    if exchange_order_id:
        return exchange_order_id, {}
    if client_order_id:
        return None, {"clientOrderId": client_order_id}
    raise ValueError("pass exchange_order_id or client_order_id")


def _order_type(raw: Mapping[str, Any]) -> OrderType:
    """Our type from ccxt's unified one (Binance's stop types come back as market/limit with a
    trigger price; a take-profit-limit, which we never send, reads as a stop-limit)."""
    limit = raw.get("type") == "limit"
    if raw.get("takeProfitPrice") is not None and not limit:
        return OrderType.TAKE_PROFIT
    if raw.get("triggerPrice") is not None or raw.get("stopPrice") is not None:
        return OrderType.STOP_LIMIT if limit else OrderType.STOP_LOSS
    return OrderType.LIMIT if limit else OrderType.MARKET


def _order_status(raw: Mapping[str, Any]) -> VenueOrderStatus:
    status = raw.get("status")
    if status in _STATUSES:
        return _STATUSES[status]
    if _dec(raw.get("filled") or 0) > 0:
        return VenueOrderStatus.PARTIALLY_FILLED
    return VenueOrderStatus.OPEN


def _fill(trade: Mapping[str, Any], order_time: datetime) -> Fill:
    fee = trade.get("fee") or {}
    return Fill(
        trade_id=str(trade.get("id")),
        price=_dec(trade["price"]),
        amount=_dec(trade["amount"]),
        fee=_dec(fee.get("cost") or 0),
        fee_asset=str(fee.get("currency") or ""),
        # An order's fills in its create answer carry no role; those are taker fills.
        is_maker=trade.get("takerOrMaker") == "maker",
        timestamp=_utc(trade["timestamp"]) if trade.get("timestamp") is not None else order_time,
    )


def _order_ack(raw: Mapping[str, Any], *, symbol: str, client_order_id: str | None) -> OrderAck:
    info = raw.get("info") or {}
    # Binance's cancel answer names the cancel request `clientOrderId` and the order's own id
    # `origClientOrderId`.
    own_client_id = info.get("origClientOrderId") if isinstance(info, dict) else None
    timestamp = _utc(raw.get("timestamp") or raw.get("lastUpdateTimestamp"))
    order_type = _order_type(raw)
    # ccxt fills a market order's price in from its average; a market order has no price.
    price = None if order_type in _MARKET_TYPES else _opt_dec(raw.get("price")) or None
    return OrderAck(
        exchange_order_id=str(raw["id"]),
        client_order_id=str(own_client_id or raw.get("clientOrderId") or client_order_id or ""),
        symbol=raw.get("symbol") or symbol,
        side=OrderSide(raw["side"]),
        type=order_type,
        status=_order_status(raw),
        amount=_dec(raw["amount"]),
        filled=_dec(raw.get("filled") or 0),
        price=price,
        average_price=_opt_dec(raw.get("average")) or None,
        timestamp=timestamp,
        fills=tuple(_fill(trade, timestamp) for trade in raw.get("trades") or ()),
    )
