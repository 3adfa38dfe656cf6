"""A loopback WazirX: `/sapi/v1` market data, signed funds and orders, real HMAC checks.

Markets: btcinr, ethinr, usdtinr (trading) and xrpinr (halted). Limit and stop-limit orders
rest on the book (nothing fills by itself; a test may change an order under `handle.lock`).
Buying locks `price * quantity` of the quote asset, selling locks the quantity; a cancel frees it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus

from trading.exchanges.loopback import (
    LoopbackAccount,
    LoopbackHandle,
    LoopbackOrder,
    Refusal,
    Request,
    Response,
    Route,
    candle_times,
    funds_for,
    now_ms,
    zigzag_prices,
)

API_KEY = "wazirx-loopback-key"
# A fixture for the loopback only, never a real credential.
SECRET = "wazirx-loopback-secret"  # noqa: S105
MIN_ORDER_VALUE_INR = Decimal(50)
INTERVAL_SECONDS = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "12h": 43200,
    "1d": 86400,
    "1w": 604800,
}
DEPTH_LIMITS = frozenset({1, 5, 10, 20, 50, 100, 500, 1000})
SignedRoute = Callable[[str, LoopbackAccount, dict[str, str]], Response]


@dataclass(frozen=True)
class _Market:
    symbol: str
    base: str
    quote: str
    base_precision: int
    quote_precision: int
    tick: Decimal
    status: str
    last: Decimal


MARKETS = {
    m.symbol: m
    for m in (
        _Market("btcinr", "btc", "inr", 5, 0, Decimal(1), "trading", Decimal(5_000_000)),
        _Market("ethinr", "eth", "inr", 4, 0, Decimal(1), "trading", Decimal(250_000)),
        _Market("usdtinr", "usdt", "inr", 2, 1, Decimal("0.1"), "trading", Decimal("90.0")),
        _Market("xrpinr", "xrp", "inr", 1, 2, Decimal("0.01"), "halt", Decimal("50.00")),
    )
}


def _error(code: int, message: str, status: int = 400) -> Response:
    return Response(status, {"code": code, "message": message})


def _error_body(status: int) -> Any:
    if status == 429:
        return {"code": 2136, "message": "Too many api request"}
    if status == 404:
        return {"code": 404, "message": "Not found"}
    return {"code": status, "message": "Service unavailable"}


class WazirXLoopback(LoopbackHandle):
    """The running loopback WazirX; `url` is its base (what `WazirXVenue(base_url=...)` takes)."""

    order_id_key = "orderId"
    client_order_id_key = "clientOrderId"

    def __init__(self) -> None:
        super().__init__()
        balances = {"INR": Decimal(1_000_000), "BTC": Decimal("0.5"), "ETH": Decimal(2)}
        self.add_account(API_KEY, SECRET, {**balances, "USDT": Decimal(100)})
        # One counter for order ids and generated client order ids, as the venue's look alike.
        self._ids = itertools.count(1001)
        self.url = self._serve(
            {
                ("GET", "/sapi/v1/ping"): lambda _: Response(200, {}),
                ("GET", "/sapi/v1/time"): lambda _: Response(200, {"serverTime": now_ms()}),
                ("GET", "/sapi/v1/exchangeInfo"): self._exchange_info,
                ("GET", "/sapi/v1/ticker/24hr"): self._ticker,
                ("GET", "/sapi/v1/tickers/24hr"): self._tickers,
                ("GET", "/sapi/v1/klines"): self._klines,
                ("GET", "/sapi/v1/depth"): self._depth,
                ("GET", "/sapi/v1/funds"): self._signed(self._funds),
                ("POST", "/sapi/v1/order"): self._signed(self._create),
                ("GET", "/sapi/v1/order"): self._signed(self._query),
                ("DELETE", "/sapi/v1/order"): self._signed(self._cancel),
            },
            _error_body,
        )

    # -- auth --

    def _signed(self, route: SignedRoute) -> Route:
        """Wrap a route: check X-Api-Key, signature, timestamp and recvWindow first."""

        def checked(request: Request) -> Response:
            account = self.accounts.get(request.headers.get("x-api-key", ""))
            if account is None:
                return _error(401, "Invalid API key.", status=401)
            raw = request.body.decode() if request.method == "POST" else request.query
            pairs = raw.split("&") if raw else []
            signatures = [p for p in pairs if p.startswith("signature=")]
            if not signatures:
                return _error(2115, "Signature not found.")
            signed = "&".join(p for p in pairs if not p.startswith("signature="))
            expected = hmac.new(account.secret.encode(), signed.encode(), hashlib.sha256)
            if not hmac.compare_digest(expected.hexdigest(), signatures[-1][len("signature=") :]):
                return _error(2005, "Signature is incorrect.")
            params = dict(p.split("=", 1) for p in pairs if "=" in p)
            params = {k: unquote_plus(v) for k, v in params.items()}
            recv_window = int(params.get("recvWindow", "5000"))
            if not 1 <= recv_window <= 60_000:
                return _error(2113, "RecvWindow must be in range 1..60000")
            if abs(now_ms() - int(params.get("timestamp", "0"))) > recv_window:
                return _error(2098, "Request out of receiving window.")
            return route(request.headers["x-api-key"], account, params)

        return checked

    # -- market data --

    def _exchange_info(self, _: Request) -> Response:
        symbols = [
            {
                "symbol": m.symbol,
                "status": m.status,
                "baseAsset": m.base,
                "quoteAsset": m.quote,
                "baseAssetPrecision": m.base_precision,
                "quoteAssetPrecision": m.quote_precision,
                "orderTypes": ["limit", "stop_limit"],
                "isSpotTradingAllowed": True,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": str(m.tick), "tickSize": str(m.tick)}
                ],
            }
            for m in MARKETS.values()
        ]
        return Response(200, {"timezone": "UTC", "serverTime": now_ms(), "symbols": symbols})

    def _ticker_for(self, m: _Market, *, with_at: bool) -> dict[str, Any]:
        ticker: dict[str, Any] = {
            "symbol": m.symbol,
            "baseAsset": m.base,
            "quoteAsset": m.quote,
            "openPrice": str(m.last * Decimal("0.98")),
            "lowPrice": str(m.last * Decimal("0.97")),
            "highPrice": str(m.last * Decimal("1.01")),
            "lastPrice": str(m.last),
            "volume": "12.5",
            "bidPrice": str(m.last - m.tick),
            "askPrice": str(m.last + m.tick),
        }
        if with_at:
            ticker["at"] = now_ms()
        return ticker

    def _ticker(self, request: Request) -> Response:
        market = MARKETS.get(request.query_params().get("symbol", ""))
        if market is None:
            return _error(-1121, "Invalid symbol.")
        return Response(200, self._ticker_for(market, with_at=True))

    def _tickers(self, _: Request) -> Response:
        return Response(200, [self._ticker_for(m, with_at=False) for m in MARKETS.values()])

    def _klines(self, request: Request) -> Response:
        params = request.query_params()
        market = MARKETS.get(params.get("symbol", ""))
        if market is None:
            return _error(-1121, "Invalid symbol.")
        step = INTERVAL_SECONDS.get(params.get("interval", ""))
        if step is None:
            return _error(1999, "interval does not have a valid value")
        # Seconds on this endpoint, for the range and the candle times alike.
        times = candle_times(params, step=step, now=int(time.time()), max_limit=2000)
        return Response(200, [_candle(market, t, step) for t in times])

    def _depth(self, request: Request) -> Response:
        params = request.query_params()
        market = MARKETS.get(params.get("symbol", ""))
        if market is None:
            return _error(-1121, "Invalid symbol.")
        limit = int(params.get("limit", "20"))
        if limit not in DEPTH_LIMITS:
            return _error(1999, "limit does not have a valid value")
        count = min(limit, 30)
        # Listed in no particular order, as a reminder that clients must sort.
        bids = [[str(market.last - market.tick * (i + 1)), "0.5"] for i in range(count)][::-1]
        asks = [[str(market.last + market.tick * (i + 1)), "0.25"] for i in range(count)][::-1]
        return Response(200, {"timestamp": int(time.time()), "bids": bids, "asks": asks})

    # -- account and orders --

    def _funds(self, api_key: str, account: LoopbackAccount, _: dict[str, str]) -> Response:
        with self.lock:
            rows = [
                {"asset": asset.lower(), "free": str(h.free), "locked": str(h.locked)}
                for asset, h in sorted(account.balances.items())
            ]
        return Response(200, rows)

    def _create(self, api_key: str, account: LoopbackAccount, params: dict[str, str]) -> Response:
        market = MARKETS.get(params.get("symbol", ""))
        if market is None:
            return _error(-1121, "Invalid symbol.")
        side, kind = params.get("side"), params.get("type")
        if side not in ("buy", "sell"):
            return _error(1999, "side does not have a valid value")
        if kind not in ("limit", "stop_limit"):
            return _error(1999, "type does not have a valid value")
        if market.status != "trading":
            return _error(1999, f"{market.symbol} is not open for trading")
        try:
            quantity = Decimal(params["quantity"])
            price = Decimal(params["price"])
            stop = Decimal(params["stopPrice"]) if "stopPrice" in params else None
        except (KeyError, InvalidOperation):
            return _error(1999, "quantity or price does not have a valid value")
        if kind == "stop_limit" and stop is None:
            return _error(94001, "Stop price not found.")
        step = Decimal(1).scaleb(-market.base_precision)
        if quantity <= 0 or quantity != quantity.quantize(step, rounding=ROUND_DOWN):
            return _error(1999, f"quantity must be a multiple of {step}")
        if price <= 0 or price % market.tick != 0:
            return _error(1999, f"price must be a multiple of {market.tick}")
        if price * quantity < MIN_ORDER_VALUE_INR:
            return _error(
                2031, f"Minimum {side} amount must be worth {MIN_ORDER_VALUE_INR:.1f} INR"
            )
        client_order_id = params.get("clientOrderId") or f"auto-{next(self._ids)}"
        funds = funds_for(
            side, base=market.base.upper(), quote=market.quote.upper(), amount=quantity, price=price
        )
        placed = self.place_order(
            account,
            api_key=api_key,
            client_order_id=client_order_id,
            market=market.symbol,
            side=side,
            type_=kind,
            amount=quantity,
            price=price,
            stop_price=stop,
            status="idle" if kind == "stop_limit" else "wait",
            funds=funds,
        )
        if placed is Refusal.DUPLICATE_CLIENT_ORDER_ID:
            return _error(1999, "clientOrderId is already used by another order.")
        if placed is Refusal.INSUFFICIENT_FUNDS:
            return _error(2002, f"Not enough {funds[0]} balance to execute this order")
        return Response(201, _order_json(placed))

    def next_order_id(self) -> str:
        return str(next(self._ids))

    def _query(self, api_key: str, account: LoopbackAccount, params: dict[str, str]) -> Response:
        not_found = _error(2004, "Order doesn't exist.")
        return self.answer_order_query(api_key, params, show=_order_json, not_found=not_found)

    def _cancel(self, api_key: str, account: LoopbackAccount, params: dict[str, str]) -> Response:
        with self.lock:
            order = self.find_order(api_key, params)
            if order is None or order.market != params.get("symbol"):
                return _error(2004, "Order doesn't exist.")
            if order.status not in ("wait", "idle"):
                return _error(1999, "Order is not open and cannot be cancelled.")
            market = MARKETS[order.market]
            base, quote = market.base.upper(), market.quote.upper()
            self.cancel_order(account, order, base=base, quote=quote, status="cancel")
            return Response(200, _order_json(order))


def start_wazirx_server() -> WazirXLoopback:
    """Start a loopback WazirX on 127.0.0.1 (ephemeral port); stop it with `.stop()` or `with`."""
    return WazirXLoopback()


def _order_json(order: LoopbackOrder) -> dict[str, Any]:
    return {
        "id": int(order.id),
        "clientOrderId": order.client_order_id,
        "symbol": order.market,
        "price": str(order.price),
        "stopPrice": None if order.stop_price is None else str(order.stop_price),
        "origQty": str(order.amount),
        "executedQty": str(order.filled),
        "status": order.status,
        "type": order.type,
        "side": order.side,
        "createdTime": order.created_ms,
        "updatedTime": order.updated_ms,
    }


def _candle(market: _Market, open_time: int, step: int) -> list[Any]:
    """`[time, open, high, low, close, volume]`: a zig-zag around the market's last price."""
    return [open_time, *zigzag_prices(market.last, market.tick, open_time, step), Decimal("1.5")]
