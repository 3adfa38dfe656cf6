"""Loopback HTTP servers that speak the parts of the WazirX and CoinDCX REST APIs we use.

For tests (and local demos): real sockets on 127.0.0.1 with an ephemeral port, real signature
checks, balances and orders kept in memory, and fault injection. The venue-specific servers are
`wazirx_server.start_wazirx_server()` and `coindcx_server.start_coindcx_server()`; this module
holds what they share.

The shared part: the HTTP plumbing and fault injection (`LoopbackHandle`, `Faults`), account
and order bookkeeping (`place_order` stores an order only if its client order id is free and its
funds could be locked; `cancel_order` frees what the unfilled rest held), and deterministic
market data (`candle_times`, `zigzag_prices`). The venue servers keep their wire: routes,
signature checks, JSON shapes and error bodies.

Invariants: state (`accounts`, `orders`) is only touched under the handle's `lock`; a fault is
consumed by exactly one matching request; `stop()` releases every stalled response.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from trading.exchanges.http_venue import json_dumps

logger = logging.getLogger(__name__)


@dataclass
class Holding:
    """One asset of a loopback account: `free` can be spent, `locked` backs open orders."""

    free: Decimal
    locked: Decimal = Decimal(0)


@dataclass
class LoopbackAccount:
    """An API key's secret and balances (asset -> Holding)."""

    secret: str
    balances: dict[str, Holding] = field(default_factory=dict)


@dataclass
class LoopbackOrder:
    """An order as the loopback venue keeps it (venue symbol id, upper-case assets)."""

    id: str
    client_order_id: str
    api_key: str
    market: str
    side: str
    type: str
    amount: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    status: str
    created_ms: int
    updated_ms: int
    filled: Decimal = Decimal(0)
    average_price: Decimal | None = None


class Refusal(Enum):
    """Why `LoopbackHandle.place_order` stored nothing; each venue answers in its own words."""

    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    INSUFFICIENT_FUNDS = "insufficient_funds"


@dataclass(frozen=True)
class Request:
    """What a handler sees: method, path, raw query, raw body and headers."""

    method: str
    path: str
    query: str
    body: bytes
    headers: Mapping[str, str]

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass(frozen=True)
class Response:
    status: int
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """An injected failure: `fail` answers `status` (and `payload`, else the venue's error body)
    without handling the request; `fail_after_accept` handles it (an order is stored) and then
    answers `status` all the same; `rate_limit` answers 429 (with `Retry-After` when set);
    `stall` handles the request and holds the answer for `seconds`, so the client times out."""

    kind: str
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    payload: Any = None


class Faults:
    """Queued faults per (method, path); `method=None` matches any method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: dict[tuple[str | None, str], deque[Fault]] = {}

    def _add(self, method: str | None, path: str, fault: Fault, times: int) -> None:
        with self._lock:
            self._queue.setdefault((method, path), deque()).extend([fault] * times)

    def fail(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int = 503,
        payload: Any = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests to `path` get HTTP `status` and `payload` (not handled)."""
        self._add(method, path, Fault("fail", status=status, payload=payload), times)

    def fail_after_accept(
        self, path: str, *, method: str | None = None, status: int = 502, times: int = 1
    ) -> None:
        """The next `times` requests to `path` are handled, then answered with `status`."""
        self._add(method, path, Fault("fail_after_accept", status=status), times)

    def rate_limit(
        self,
        path: str,
        *,
        method: str | None = None,
        retry_after: float | None = 1.0,
        times: int = 1,
    ) -> None:
        """The next `times` requests to `path` get 429 with `Retry-After` (not handled)."""
        self._add(method, path, Fault("rate_limit", status=429, retry_after=retry_after), times)

    def stall_after_accept(
        self, path: str, *, seconds: float, method: str | None = None, times: int = 1
    ) -> None:
        """The next `times` requests to `path` are handled, then answered after `seconds`."""
        self._add(method, path, Fault("stall", status=200, seconds=seconds), times)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for key in ((method, path), (None, path)):
                queue = self._queue.get(key)
                if queue:
                    return queue.popleft()
        return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


Route = Callable[[Request], Response]
ErrorBody = Callable[[int], Any]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class LoopbackHandle:
    """One or more HTTP servers sharing a venue's state; a context manager that stops them.

    `requests` logs every (method, path) received, in order, faulted ones included.
    """

    # How requests name an order: the venue's own id and the client order id (set per venue).
    order_id_key: ClassVar[str]
    client_order_id_key: ClassVar[str]

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, LoopbackAccount] = {}
        self.orders: dict[str, LoopbackOrder] = {}
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []
        self._stopping = threading.Event()
        self._servers: list[tuple[_Server, threading.Thread]] = []

    def _serve(self, routes: Mapping[tuple[str, str], Route], error_body: ErrorBody) -> str:
        """Start a server for `routes` on 127.0.0.1:0 and return its base URL."""
        handler = _handler_class(self, routes, error_body)
        server = _Server(("127.0.0.1", 0), handler)
        # A short poll interval keeps `stop()` (which waits for the loop to notice) fast.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        self._servers.append((server, thread))
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _stall(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # -- accounts and orders (the venue's routes call these under `lock`) --

    def next_order_id(self) -> str:
        """A fresh id in the venue's format; called only for an order that is stored."""
        raise NotImplementedError

    def add_account(self, api_key: str, secret: str, balances: Mapping[str, Decimal]) -> None:
        """An API key with its secret and free balances (asset -> amount), nothing locked."""
        holdings = {asset: Holding(amount) for asset, amount in balances.items()}
        self.accounts[api_key] = LoopbackAccount(secret=secret, balances=holdings)

    def find_order(self, api_key: str, params: Mapping[str, Any]) -> LoopbackOrder | None:
        """The first of `api_key`'s orders that `params` names, by own id or client order id.

        A key absent from `params` reads None, which matches no order (ids are strings)."""
        order_id = params.get(self.order_id_key)
        client_order_id = params.get(self.client_order_id_key)
        for order in self.orders.values():
            if order.api_key == api_key and (
                order.id == order_id or order.client_order_id == client_order_id
            ):
                return order
        return None

    def place_order(
        self,
        account: LoopbackAccount,
        *,
        api_key: str,
        client_order_id: str,
        market: str,
        side: str,
        type_: str,
        amount: Decimal,
        price: Decimal | None,
        stop_price: Decimal | None,
        status: str,
        funds: tuple[str, Decimal],
    ) -> LoopbackOrder | Refusal:
        """Store a validated order that locks `funds` (asset, amount); or store nothing and say
        why: its (non-empty) client order id is taken by `api_key`, or the funds are short."""
        with self.lock:
            if client_order_id and any(
                o.api_key == api_key and o.client_order_id == client_order_id
                for o in self.orders.values()
            ):
                return Refusal.DUPLICATE_CLIENT_ORDER_ID
            if not lock_funds(account, *funds):
                return Refusal.INSUFFICIENT_FUNDS
            now = now_ms()
            order = LoopbackOrder(
                id=self.next_order_id(),
                client_order_id=client_order_id,
                api_key=api_key,
                market=market,
                side=side,
                type=type_,
                amount=amount,
                price=price,
                stop_price=stop_price,
                status=status,
                created_ms=now,
                updated_ms=now,
            )
            self.orders[order.id] = order
            return order

    def cancel_order(
        self, account: LoopbackAccount, order: LoopbackOrder, *, base: str, quote: str, status: str
    ) -> None:
        """Cancel an open `order`: free what its unfilled rest locked, set `status`, stamp it."""
        with self.lock:
            rest = order.amount - order.filled
            if order.side == "buy":
                unlock_funds(account, quote, (order.price or Decimal(0)) * rest)
            else:
                unlock_funds(account, base, rest)
            order.status = status
            order.updated_ms = now_ms()

    def answer_order_query(
        self,
        api_key: str,
        params: Mapping[str, Any],
        *,
        show: Callable[[LoopbackOrder], Any],
        not_found: Response,
    ) -> Response:
        """An order-status route: 200 with the order `params` names, shown by `show`, else
        `not_found`."""
        with self.lock:
            order = self.find_order(api_key, params)
            return not_found if order is None else Response(200, show(order))

    def orders_for(self, client_order_id: str) -> list[LoopbackOrder]:
        """Every stored order with that client order id (a test asserts there is one)."""
        with self.lock:
            return [o for o in self.orders.values() if o.client_order_id == client_order_id]

    def stop(self) -> None:
        """Release stalled answers, stop serving and close the sockets."""
        self._stopping.set()
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _handler_class(
    handle: LoopbackHandle, routes: Mapping[tuple[str, str], Route], error_body: ErrorBody
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms each.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_DELETE(self) -> None:
            self._dispatch()

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("loopback %s", format % args)

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=parts.path,
                query=parts.query,
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            with handle.lock:
                handle.requests.append((request.method, request.path))
            fault = handle.faults.take(request.method, request.path)
            if fault is not None and fault.kind in ("fail", "rate_limit"):
                self._write(_fault_response(fault, error_body))
                return
            route = routes.get((request.method, request.path))
            if route is None:
                self._write(Response(404, error_body(404)))
                return
            try:
                response = route(request)
            except Exception:  # a bug in the loopback must surface as a 500, not a hang
                logger.exception("loopback handler failed")
                response = Response(500, error_body(500))
            if fault is not None and fault.kind == "stall":
                handle._stall(fault.seconds)
            if fault is not None and fault.kind == "fail_after_accept":
                response = _fault_response(fault, error_body)
            self._write(response)

        def _write(self, response: Response) -> None:
            data = json_dumps(response.payload).encode()
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (the stall fault's whole point); nothing to answer.
                self.close_connection = True

    return Handler


def _fault_response(fault: Fault, error_body: ErrorBody) -> Response:
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    payload = fault.payload if fault.payload is not None else error_body(fault.status)
    return Response(fault.status, payload, headers)


def lock_funds(account: LoopbackAccount, asset: str, amount: Decimal) -> bool:
    """Move `amount` of `asset` from free to locked; False (nothing moved) if not enough."""
    holding = account.balances.setdefault(asset, Holding(Decimal(0)))
    if holding.free < amount:
        return False
    holding.free -= amount
    holding.locked += amount
    return True


def unlock_funds(account: LoopbackAccount, asset: str, amount: Decimal) -> None:
    """Move `amount` of `asset` back from locked to free (an order was cancelled)."""
    holding = account.balances.setdefault(asset, Holding(Decimal(0)))
    holding.locked -= amount
    holding.free += amount


def funds_for(
    side: str, *, base: str, quote: str, amount: Decimal, price: Decimal
) -> tuple[str, Decimal]:
    """What an order locks: `price * amount` of the quote asset to buy, `amount` of the base
    asset to sell (the pair `place_order` takes as `funds`)."""
    return (quote, price * amount) if side == "buy" else (base, amount)


# --- deterministic market data -------------------------------------------------------------------


def now_ms() -> int:
    """The loopback venues' clock, in epoch milliseconds (the real one: they check timestamps)."""
    return int(time.time() * 1000)


def candle_times(params: Mapping[str, str], *, step: int, now: int, max_limit: int) -> list[int]:
    """Open times, oldest first, of the candles a request asks for, in the unit of `step`.

    With `startTime`: from the first candle start at or after it, at most `limit`. Without: the
    last `limit` candles up to `endTime` (default `now`). `limit` defaults to 500, capped at
    `max_limit`.
    """
    limit = min(int(params.get("limit", "500")), max_limit)
    end = int(params.get("endTime", str(now))) // step * step
    if "startTime" in params:
        start = -(-int(params["startTime"]) // step) * step  # round up to a candle start
        return list(range(start, end + 1, step))[:limit]
    return list(range(end - (limit - 1) * step, end + 1, step))


def zigzag_prices(
    last: Decimal, tick: Decimal, open_time: int, step: int
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(open, high, low, close) of a deterministic candle: a small zig-zag around `last`, in
    ticks. The same `open_time` always gives the same candle."""
    wobble = Decimal((open_time // step) % 7 - 3) / 1000
    price = (last * (1 + wobble)).quantize(tick)
    return (
        price,
        (price * Decimal("1.002")).quantize(tick),
        (price * Decimal("0.998")).quantize(tick),
        (price * Decimal("1.001")).quantize(tick),
    )
