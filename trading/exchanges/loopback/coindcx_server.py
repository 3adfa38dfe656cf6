"""A loopback CoinDCX: two servers (the API host and the public market-data host) sharing state.

Markets: B-BTC_USDT, I-BTC_INR, I-USDT_INR (active) and I-XRP_INR (inactive). Limit orders rest
on the book with their funds locked; market orders fill at once, in full, at the best opposite
price of the (static) book. Signatures are HMAC-SHA256 of the exact body bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from trading.exchanges.http_venue import json_loads
from trading.exchanges.loopback import (
    Holding,
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

API_KEY = "coindcx-loopback-key"
# A fixture for the loopback only, never a real credential.
SECRET = "coindcx-loopback-secret"  # noqa: S105
TIMESTAMP_WINDOW_MS = 60_000
INTERVAL_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
}


@dataclass(frozen=True)
class _Market:
    pair: str
    name: str  # coindcx_name
    target: str  # our base
    base: str  # our quote
    base_precision: int
    target_precision: int
    step: Decimal
    min_quantity: Decimal
    min_notional: Decimal
    status: str
    last: Decimal

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.base_precision)


MARKETS = {
    m.name: m
    for m in (
        _Market(
            "B-BTC_USDT", "BTCUSDT", "BTC", "USDT", 2, 5, Decimal("0.00001"),
            Decimal("0.0001"), Decimal(5), "active", Decimal("60000.00"),
        ),
        _Market(
            "I-BTC_INR", "BTCINR", "BTC", "INR", 0, 5, Decimal("0.00001"),
            Decimal("0.00001"), Decimal(100), "active", Decimal(5_000_000),
        ),
        _Market(
            "I-USDT_INR", "USDTINR", "USDT", "INR", 2, 2, Decimal("0.01"),
            Decimal("1.0"), Decimal(100), "active", Decimal("90.50"),
        ),
        _Market(
            "I-XRP_INR", "XRPINR", "XRP", "INR", 4, 1, Decimal("0.1"),
            Decimal(1), Decimal(100), "inactive", Decimal("50.0000"),
        ),
    )
}  # fmt: skip
BY_PAIR = {m.pair: m for m in MARKETS.values()}
BOOK_DEPTH = 30


def _error(status: int, message: str) -> Response:
    return Response(status, {"code": status, "message": message, "status": "error"})


def _error_body(status: int) -> Any:
    messages = {429: "Too Many Requests", 404: "not_found", 500: "Internal Server Error"}
    message = messages.get(status, "Service Unavailable")
    return {"code": status, "message": message, "status": "error"}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _book(market: _Market) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    bids = {market.last - market.tick * (i + 1): Decimal("0.75") for i in range(BOOK_DEPTH)}
    asks = {market.last + market.tick * (i + 1): Decimal("0.5") for i in range(BOOK_DEPTH)}
    return bids, asks


SignedRoute = Callable[[str, LoopbackAccount, dict[str, Any]], Response]


class CoinDCXLoopback(LoopbackHandle):
    """The running loopback CoinDCX: `url` is the API host, `public_url` the market-data host."""

    order_id_key = "id"
    client_order_id_key = "client_order_id"

    def __init__(self) -> None:
        super().__init__()
        balances = {"USDT": Decimal(1_000), "INR": Decimal(500_000), "BTC": Decimal("0.05")}
        self.add_account(API_KEY, SECRET, balances)
        self._seq = itertools.count(1)  # order ids: the UUIDs numbered 1, 2, ...
        self.url = self._serve(
            {
                ("GET", "/exchange/v1/markets_details"): self._markets_details,
                ("GET", "/exchange/ticker"): self._ticker,
                ("POST", "/exchange/v1/users/balances"): self._signed(self._balances),
                ("POST", "/exchange/v1/orders/create"): self._signed(self._create),
                ("POST", "/exchange/v1/orders/status"): self._signed(self._status),
                ("POST", "/exchange/v1/orders/cancel"): self._signed(self._cancel),
            },
            _error_body,
        )
        self.public_url = self._serve(
            {
                ("GET", "/market_data/candles"): self._candles,
                ("GET", "/market_data/orderbook"): self._orderbook,
            },
            _error_body,
        )

    # -- auth --

    def _signed(self, route: SignedRoute) -> Route:
        """Wrap a route: check the key, the body's signature and its timestamp first."""

        def checked(request: Request) -> Response:
            api_key = request.headers.get("x-auth-apikey", "")
            account = self.accounts.get(api_key)
            signature = request.headers.get("x-auth-signature", "")
            if account is None:
                return _error(401, "Invalid credentials")
            expected = hmac.new(account.secret.encode(), request.body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, signature):
                return _error(401, "Invalid credentials")
            try:
                body = json_loads(request.body.decode())
                stamp = int(body["timestamp"])
            except (ValueError, KeyError, TypeError):
                return _error(400, "Invalid Request.")
            if abs(now_ms() - stamp) > TIMESTAMP_WINDOW_MS:
                return _error(400, "Request timestamp is too old or in the future")
            return route(api_key, account, body)

        return checked

    # -- public --

    def _markets_details(self, _: Request) -> Response:
        rows = [
            {
                "coindcx_name": m.name,
                "base_currency_short_name": m.base,
                "target_currency_short_name": m.target,
                "target_currency_name": m.target,
                "base_currency_name": m.base,
                "min_quantity": m.min_quantity,
                "max_quantity": Decimal("90000000.0"),
                "min_price": m.tick,
                "max_price": m.last * 10,
                "min_notional": m.min_notional,
                "base_currency_precision": m.base_precision,
                "target_currency_precision": m.target_precision,
                "step": m.step,
                "order_types": ["market_order", "limit_order"],
                "symbol": m.name,
                "ecode": m.pair.split("-")[0],
                "max_leverage": None,
                "max_leverage_short": None,
                "pair": m.pair,
                "status": m.status,
            }
            for m in MARKETS.values()
        ]
        return Response(200, rows)

    def _ticker(self, _: Request) -> Response:
        now_s = int(time.time())
        rows = [
            {
                "market": m.name,
                "change_24_hour": "1.486",
                "high": str(m.last * Decimal("1.01")),
                "low": str(m.last * Decimal("0.97")),
                "volume": str(m.last * 3),
                "last_price": str(m.last),
                "bid": str(m.last - m.tick),
                "ask": str(m.last + m.tick),
                "timestamp": now_s,
            }
            for m in MARKETS.values()
        ]
        return Response(200, rows)

    def _candles(self, request: Request) -> Response:
        params = request.query_params()
        market = BY_PAIR.get(params.get("pair", ""))
        step = INTERVAL_MS.get(params.get("interval", ""))
        if market is None or step is None:
            return _error(422, "Invalid Request")
        times = candle_times(params, step=step, now=now_ms(), max_limit=1000)  # milliseconds
        rows = [_candle(market, t, step) for t in reversed(times)]  # newest first, as documented
        return Response(200, rows)

    def _orderbook(self, request: Request) -> Response:
        market = BY_PAIR.get(request.query_params().get("pair", ""))
        if market is None:
            return _error(422, "Invalid Request")
        bids, asks = _book(market)
        # JSON objects keyed by price string, asks listed high to low like the documented example.
        return Response(
            200,
            {
                "timestamp": now_ms(),
                "bids": {str(p): str(q) for p, q in sorted(bids.items(), reverse=True)},
                "asks": {str(p): str(q) for p, q in sorted(asks.items(), reverse=True)},
            },
        )

    # -- private --

    def _balances(self, api_key: str, account: LoopbackAccount, _: dict[str, Any]) -> Response:
        with self.lock:
            rows = [
                {"currency": asset, "balance": h.free, "locked_balance": h.locked}
                for asset, h in sorted(account.balances.items())
            ]
        return Response(200, rows)

    def _create(self, api_key: str, account: LoopbackAccount, body: dict[str, Any]) -> Response:
        market = MARKETS.get(str(body.get("market")))
        if market is None or market.status != "active":
            return _error(422, "Invalid market")
        side, kind = body.get("side"), body.get("order_type")
        if side not in ("buy", "sell"):
            return _error(422, "Invalid side")
        if kind not in ("market_order", "limit_order"):
            return _error(422, "Order type not allowed")
        try:
            quantity = Decimal(str(body["total_quantity"]))
            price = Decimal(str(body["price_per_unit"])) if kind == "limit_order" else None
        except (KeyError, InvalidOperation):
            if kind == "limit_order" and "price_per_unit" not in body:
                return _error(422, "Price can't be empty for limit_order Order")
            return _error(422, "Invalid Request")
        if quantity < market.min_quantity or quantity % market.step != 0:
            return _error(
                422, f"Quantity should be at least {market.min_quantity} in steps of {market.step}"
            )
        bids, asks = _book(market)
        fill_price = max(bids) if side == "sell" else min(asks)
        if price is not None and (price <= 0 or price % market.tick != 0):
            return _error(422, f"Price precision should be {market.base_precision}")
        if (price or fill_price) * quantity < market.min_notional:
            return _error(422, f"Total order value should be more than {market.min_notional}")
        client_order_id = str(body.get("client_order_id") or "")
        # CoinDCX's base currency is our quote: a buy spends it, a sell spends the target.
        funds = funds_for(
            str(side),
            base=market.target,
            quote=market.base,
            amount=quantity,
            price=price or fill_price,
        )
        with self.lock:  # a market order fills in the same step as it is placed
            placed = self.place_order(
                account,
                api_key=api_key,
                client_order_id=client_order_id,
                market=market.name,
                side=str(side),
                type_=str(kind),
                amount=quantity,
                price=price,
                stop_price=None,
                status="open",
                funds=funds,
            )
            if placed is Refusal.DUPLICATE_CLIENT_ORDER_ID:
                return _error(422, "Client order id already exists")
            if placed is Refusal.INSUFFICIENT_FUNDS:
                return _error(422, "Insufficient funds")
            if kind == "market_order":
                self._fill(account, market, placed, fill_price, *funds)
            return Response(200, {"orders": [_order_json(placed)]})

    def next_order_id(self) -> str:
        return str(uuid.UUID(int=next(self._seq)))

    def _fill(
        self,
        account: LoopbackAccount,
        market: _Market,
        order: LoopbackOrder,
        price: Decimal,
        spent_asset: str,
        spent: Decimal,
    ) -> None:
        """Fill `order` in full at `price`: the locked funds go, the bought asset arrives."""
        account.balances[spent_asset].locked -= spent
        got_asset = market.target if order.side == "buy" else market.base
        got = order.amount if order.side == "buy" else order.amount * price
        account.balances.setdefault(got_asset, Holding(Decimal(0))).free += got
        order.filled = order.amount
        order.average_price = price
        order.status = "filled"

    def _status(self, api_key: str, account: LoopbackAccount, body: dict[str, Any]) -> Response:
        not_found = _error(404, "Order not found")
        return self.answer_order_query(api_key, body, show=_order_json, not_found=not_found)

    def _cancel(self, api_key: str, account: LoopbackAccount, body: dict[str, Any]) -> Response:
        with self.lock:
            order = self.find_order(api_key, body)
            if order is None:
                return _error(404, "Order not found")
            if order.status not in ("init", "open", "partially_filled"):
                return _error(422, "This order cannot be cancelled")
            market = MARKETS[order.market]
            status = "cancelled" if order.filled == 0 else "partially_cancelled"
            self.cancel_order(account, order, base=market.target, quote=market.base, status=status)
            return Response(200, {"message": "success", "status": 200, "code": 200})


def start_coindcx_server() -> CoinDCXLoopback:
    """Start a loopback CoinDCX on 127.0.0.1 (ephemeral ports); stop it with `.stop()`/`with`."""
    return CoinDCXLoopback()


def _order_json(order: LoopbackOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "market": order.market,
        "order_type": order.type,
        "side": order.side,
        "status": order.status,
        "fee_amount": Decimal("0.0"),
        "fee": Decimal("0.1"),
        "total_quantity": order.amount,
        "remaining_quantity": order.amount - order.filled,
        "avg_price": order.average_price or Decimal("0.0"),
        "price_per_unit": order.price or Decimal("0.0"),
        "created_at": _iso(order.created_ms),
        "updated_at": _iso(order.updated_ms),
    }


def _candle(market: _Market, open_ms: int, step: int) -> dict[str, Any]:
    """A candle object: a zig-zag around the market's last price, time in milliseconds."""
    open_, high, low, close = zigzag_prices(market.last, market.tick, open_ms, step)
    return {
        "open": open_,
        "high": high,
        "low": low,
        "volume": Decimal("0.35"),
        "close": close,
        "time": open_ms,
    }
