"""The Binance spot REST endpoints the simulator serves, in Binance's JSON shapes.

Each handler takes the simulator state, the merged request parameters and (for signed routes)
the authenticated account, and returns a JSON-able payload or raises `BinanceError`. Numbers go
out as strings with 8 decimals and times as epoch milliseconds, as Binance sends them.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading.exchanges.simulator.engine import (
    ORDER_TYPES,
    Account,
    BinanceError,
    Exchange,
    NewOrder,
    Order,
    Trade,
    check_client_order_id,
    missing,
    new_key,
    parse_decimal,
)
from trading.exchanges.simulator.market import INTERVALS_MS, SymbolSpec, align

Params = dict[str, str]
Payload = dict[str, Any] | list[Any]
Handler = Callable[[Exchange, Params, Account | None], Payload]

_TIME_IN_FORCE = ("GTC", "IOC", "FOK")
_NEEDS_PRICE = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_NEEDS_TIME_IN_FORCE = frozenset({"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_NEEDS_STOP = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
_DEPTH_LIMITS = range(1, 5001)
_RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
]


@dataclass(frozen=True)
class Route:
    handler: Handler
    signed: bool = False
    permission: str = ""  # "read" or "trade" for signed routes


def num(value: Decimal) -> str:
    return f"{value:.8f}"


# --- public -----------------------------------------------------------------------------------
def ping(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    return {}


def server_time(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    return {"serverTime": exchange.clock()}


def exchange_info(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    specs = [_spec(exchange, name) for name in _symbols_param(params)] or list(
        exchange.market.specs.values()
    )
    return {
        "timezone": "UTC",
        "serverTime": exchange.clock(),
        "rateLimits": _RATE_LIMITS,
        "exchangeFilters": [],
        "symbols": [_symbol_json(spec) for spec in specs],
    }


def ticker_24hr(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    now = exchange.clock()
    if "symbol" in params:
        return _ticker_json(exchange, _spec(exchange, params["symbol"]), now)
    names = _symbols_param(params) or list(exchange.market.specs)
    return [_ticker_json(exchange, _spec(exchange, name), now) for name in names]


def book_ticker(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    now = exchange.clock()
    names = [params["symbol"]] if "symbol" in params else list(exchange.market.specs)
    rows = []
    for name in names:
        book = exchange.market.book(_spec(exchange, name).symbol, now, depth=1)
        rows.append(
            {
                "symbol": name,
                "bidPrice": num(book.bids[0][0]),
                "bidQty": num(book.bids[0][1]),
                "askPrice": num(book.asks[0][0]),
                "askQty": num(book.asks[0][1]),
            }
        )
    return rows[0] if "symbol" in params else rows


def ticker_price(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    now = exchange.clock()
    names = [params["symbol"]] if "symbol" in params else list(exchange.market.specs)
    rows = [
        {"symbol": name, "price": num(exchange.market.price(_spec(exchange, name).symbol, now))}
        for name in names
    ]
    return rows[0] if "symbol" in params else rows


def klines(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    spec = _spec(exchange, _required(params, "symbol"))
    interval = _required(params, "interval")
    if interval not in INTERVALS_MS:
        raise BinanceError(400, -1120, "Invalid interval.")
    limit = _int(params, "limit", default=500)
    if not 1 <= limit <= 1000:
        raise BinanceError(400, -1100, "Illegal characters found in parameter 'limit'.")
    start = _optional_int(params, "startTime")
    end = _optional_int(params, "endTime")
    if start is not None and end is not None and start > end:
        raise BinanceError(400, -1023, "Start time is greater than end time.")
    rows = exchange.market.klines(
        spec.symbol, interval, now_ms=exchange.clock(), start_ms=start, end_ms=end, limit=limit
    )
    return [
        [
            k.open_time,
            num(k.open),
            num(k.high),
            num(k.low),
            num(k.close),
            num(k.volume),
            k.close_time,
            num(k.quote_volume),
            k.trades,
            num(k.volume / 2),
            num(k.quote_volume / 2),
            "0",
        ]
        for k in rows
    ]


def depth(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    spec = _spec(exchange, _required(params, "symbol"))
    limit = _int(params, "limit", default=100)
    if limit not in _DEPTH_LIMITS:
        raise BinanceError(400, -1100, "Illegal characters found in parameter 'limit'.")
    book = exchange.market.book(spec.symbol, exchange.clock(), depth=limit)
    return {
        "lastUpdateId": book.update_id,
        "bids": [[num(price), num(qty)] for price, qty in book.bids],
        "asks": [[num(price), num(qty)] for price, qty in book.asks],
    }


# --- signed -----------------------------------------------------------------------------------
def account_info(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    exchange.sweep(exchange.clock())
    omit_zero = params.get("omitZeroBalances") == "true"
    with exchange.lock:
        balances = [
            {"asset": asset, "free": num(free), "locked": num(locked)}
            for asset, (free, locked) in sorted(account.balances.items())
            if not (omit_zero and free == 0 and locked == 0)
        ]
    return {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": "0.00100000",
            "taker": "0.00100000",
            "buyer": "0.00000000",
            "seller": "0.00000000",
        },
        "canTrade": account.can_trade,
        "canWithdraw": account.can_withdraw,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": exchange.clock(),
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": zlib.crc32(account.api_key.encode()),
    }


def api_restrictions(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    return {
        "ipRestrict": False,
        "createTime": account.created_ms,
        "enableReading": account.can_read,
        "enableSpotAndMarginTrading": account.can_trade,
        "enableWithdrawals": account.can_withdraw,
        "enableInternalTransfer": False,
        "enableMargin": False,
        "enableFutures": False,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enableFixApiTrade": False,
        "enableFixReadOnly": False,
        "enablePortfolioMarginTrading": False,
    }


def deposit_address(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    """`sapi/v1/capital/deposit/address`: the account's address for a coin it can trade
    (`Account.deposit_address`); the default network only, so `network` is ignored."""
    account = _signed(account)
    coin = _required(params, "coin").upper()
    coins = {c for spec in exchange.market.specs.values() for c in (spec.base, spec.quote)}
    if coin not in coins:
        raise BinanceError(400, -4003, "Coin is not supported.")  # the simulator's own code
    return {"coin": coin, "address": account.deposit_address(coin), "tag": "", "url": ""}


def new_order(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    request = _new_order_request(exchange, params)
    response_type = params.get("newOrderRespType") or (
        "FULL" if request.type in ("MARKET", "LIMIT") else "ACK"
    )
    if response_type not in ("ACK", "RESULT", "FULL"):
        raise BinanceError(400, -1100, "Illegal characters found in parameter 'newOrderRespType'.")
    order = exchange.place(account, request)
    if response_type == "ACK":
        return {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_order_id,
            "transactTime": order.time,
        }
    payload = _order_json(order)
    payload["transactTime"] = order.time
    if response_type == "FULL":
        payload["fills"] = [
            {
                "price": num(trade.price),
                "qty": num(trade.qty),
                "commission": num(trade.commission),
                "commissionAsset": trade.commission_asset,
                "tradeId": trade.trade_id,
            }
            for trade in order.fills
            if trade.time == order.time
        ]
    return payload


def cancel_order(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    order = _find_order(exchange, params, account, not_found=(-2011, "Unknown order sent."))
    exchange.cancel(account, order)
    payload = _order_json(order)
    payload.update(
        origClientOrderId=order.client_order_id,
        clientOrderId=params.get("newClientOrderId") or new_key(22),
        transactTime=order.update_time,
    )
    return payload


def query_order(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    exchange.sweep(exchange.clock())
    order = _find_order(exchange, params, account, not_found=(-2013, "Order does not exist."))
    return _order_json(order)


def open_orders(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    exchange.sweep(exchange.clock())
    symbol = _spec(exchange, params["symbol"]).symbol if "symbol" in params else None
    return [
        _order_json(order) for order in exchange.orders(account, symbol=symbol) if order.is_open
    ]


def my_trades(exchange: Exchange, params: Params, account: Account | None) -> Payload:
    account = _signed(account)
    exchange.sweep(exchange.clock())
    spec = _spec(exchange, _required(params, "symbol"))
    order_id = _optional_int(params, "orderId")
    from_id = _optional_int(params, "fromId")
    start = _optional_int(params, "startTime")
    end = _optional_int(params, "endTime")
    limit = min(_int(params, "limit", default=500), 1000)
    trades = [
        trade
        for trade in sorted(exchange.trades(account, spec.symbol), key=lambda t: t.trade_id)
        if (order_id is None or trade.order_id == order_id)
        and (from_id is None or trade.trade_id >= from_id)
        and (start is None or trade.time >= start)
        and (end is None or trade.time <= end)
    ]
    return [_trade_json(trade) for trade in trades[:limit]]


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v3/ping"): Route(ping),
    ("GET", "/api/v3/time"): Route(server_time),
    ("GET", "/api/v3/exchangeInfo"): Route(exchange_info),
    ("GET", "/api/v3/ticker/24hr"): Route(ticker_24hr),
    ("GET", "/api/v3/ticker/bookTicker"): Route(book_ticker),
    ("GET", "/api/v3/ticker/price"): Route(ticker_price),
    ("GET", "/api/v3/klines"): Route(klines),
    ("GET", "/api/v3/depth"): Route(depth),
    ("GET", "/api/v3/account"): Route(account_info, signed=True, permission="read"),
    ("POST", "/api/v3/order"): Route(new_order, signed=True, permission="trade"),
    ("DELETE", "/api/v3/order"): Route(cancel_order, signed=True, permission="trade"),
    ("GET", "/api/v3/order"): Route(query_order, signed=True, permission="read"),
    ("GET", "/api/v3/openOrders"): Route(open_orders, signed=True, permission="read"),
    ("GET", "/api/v3/myTrades"): Route(my_trades, signed=True, permission="read"),
    ("GET", "/sapi/v1/account/apiRestrictions"): Route(api_restrictions, signed=True),
    ("GET", "/sapi/v1/capital/deposit/address"): Route(
        deposit_address, signed=True, permission="read"
    ),
}


# --- helpers ----------------------------------------------------------------------------------
def _signed(account: Account | None) -> Account:
    """The account of a signed route (the server authenticates before calling the handler)."""
    if account is None:
        raise BinanceError(401, -2014, "API-key format invalid.")
    return account


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise missing(name)
    return value


def _int(params: Params, name: str, *, default: int) -> int:
    value = _optional_int(params, name)
    return default if value is None else value


def _optional_int(params: Params, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'.")
    return int(raw)


def _spec(exchange: Exchange, name: str) -> SymbolSpec:
    spec = exchange.market.specs.get(name)
    if spec is None:
        raise BinanceError(400, -1121, "Invalid symbol.")
    return spec


def _symbols_param(params: Params) -> list[str]:
    if "symbol" in params:
        return [params["symbol"]]
    if "symbols" in params:
        try:
            names = json.loads(params["symbols"])
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise BinanceError(400, -1100, "Illegal characters found in parameter 'symbols'.")
        return names
    return []


def _new_order_request(exchange: Exchange, params: Params) -> NewOrder:
    spec = _spec(exchange, _required(params, "symbol"))
    side = _required(params, "side")
    if side not in ("BUY", "SELL"):
        raise BinanceError(400, -1117, "Invalid side.")
    order_type = _required(params, "type")
    if order_type not in ORDER_TYPES:
        raise BinanceError(400, -1116, "Invalid orderType.")
    if "quoteOrderQty" in params:  # not simulated: orders are sized in the base asset
        raise BinanceError(400, -1102, "Mandatory parameter 'quantity' was not sent.")
    quantity = parse_decimal("quantity", params.get("quantity"), required=True)
    if quantity is None:  # unreachable with required=True; keeps the type narrow
        raise missing("quantity")
    price = parse_decimal("price", params.get("price"), required=order_type in _NEEDS_PRICE)
    if order_type not in _NEEDS_PRICE and price is not None:
        raise BinanceError(400, -1106, "Parameter 'price' sent when not required.")
    stop = parse_decimal("stopPrice", params.get("stopPrice"), required=order_type in _NEEDS_STOP)
    if order_type not in _NEEDS_STOP and stop is not None:
        raise BinanceError(400, -1106, "Parameter 'stopPrice' sent when not required.")
    time_in_force = params.get("timeInForce") or None
    if order_type in _NEEDS_TIME_IN_FORCE:
        if time_in_force is None:
            raise missing("timeInForce")
        if time_in_force not in _TIME_IN_FORCE:
            raise BinanceError(400, -1115, "Invalid timeInForce.")
    elif time_in_force is not None:
        raise BinanceError(400, -1106, "Parameter 'timeInForce' sent when not required.")
    client_order_id = check_client_order_id(params.get("newClientOrderId") or new_key(22))
    return NewOrder(
        symbol=spec.symbol,
        side=side,
        type=order_type,
        quantity=quantity,
        price=price,
        stop_price=stop,
        time_in_force=time_in_force,
        client_order_id=client_order_id,
    )


def _find_order(
    exchange: Exchange, params: Params, account: Account, *, not_found: tuple[int, str]
) -> Order:
    spec = _spec(exchange, _required(params, "symbol"))
    order_id = _optional_int(params, "orderId")
    client_order_id = params.get("origClientOrderId") or None
    if order_id is None and client_order_id is None:
        raise BinanceError(
            400,
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
        )
    order = exchange.find(account, spec.symbol, order_id=order_id, client_order_id=client_order_id)
    if order is None:
        raise BinanceError(400, *not_found)
    return order


def _order_json(order: Order) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "price": num(order.price),
        "origQty": num(order.orig_qty),
        "executedQty": num(order.executed_qty),
        "cummulativeQuoteQty": num(order.cummulative_quote_qty),
        "status": order.status,
        "timeInForce": order.time_in_force or "GTC",
        "type": order.type,
        "side": order.side,
        "stopPrice": num(order.stop_price),
        "icebergQty": num(Decimal(0)),
        "time": order.time,
        "updateTime": order.update_time,
        "isWorking": order.working,
        "workingTime": order.time if order.working else -1,
        "origQuoteOrderQty": num(Decimal(0)),
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }
    return payload


def _trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "symbol": trade.symbol,
        "id": trade.trade_id,
        "orderId": trade.order_id,
        "orderListId": -1,
        "price": num(trade.price),
        "qty": num(trade.qty),
        "quoteQty": num(trade.quote_qty),
        "commission": num(trade.commission),
        "commissionAsset": trade.commission_asset,
        "time": trade.time,
        "isBuyer": trade.is_buyer,
        "isMaker": trade.is_maker,
        "isBestMatch": True,
    }


def _symbol_json(spec: SymbolSpec) -> dict[str, Any]:
    return {
        "symbol": spec.symbol,
        "status": "TRADING",
        "baseAsset": spec.base,
        "baseAssetPrecision": 8,
        "quoteAsset": spec.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(ORDER_TYPES),
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": False,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": num(spec.min_price),
                "maxPrice": num(spec.max_price),
                "tickSize": num(spec.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": num(spec.min_qty),
                "maxQty": num(spec.max_qty),
                "stepSize": num(spec.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": num(spec.min_notional),
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def _ticker_json(exchange: Exchange, spec: SymbolSpec, now: int) -> dict[str, Any]:
    ticker = exchange.market.ticker_24h(spec.symbol, now)
    change = ticker.last - ticker.open
    average = ticker.quote_volume / ticker.volume if ticker.volume else ticker.last
    first_trade = align("1m", ticker.open_time)
    return {
        "symbol": spec.symbol,
        "priceChange": num(change),
        "priceChangePercent": f"{change / ticker.open * 100:.3f}",
        "weightedAvgPrice": num(average),
        "prevClosePrice": num(ticker.open),
        "lastPrice": num(ticker.last),
        "lastQty": num(spec.step_size),
        "bidPrice": num(ticker.bid),
        "bidQty": num(ticker.bid_qty),
        "askPrice": num(ticker.ask),
        "askQty": num(ticker.ask_qty),
        "openPrice": num(ticker.open),
        "highPrice": num(ticker.high),
        "lowPrice": num(ticker.low),
        "volume": num(ticker.volume),
        "quoteVolume": num(ticker.quote_volume),
        "openTime": ticker.open_time,
        "closeTime": ticker.close_time,
        "firstId": first_trade,
        "lastId": first_trade + ticker.trades - 1,
        "count": ticker.trades,
    }
