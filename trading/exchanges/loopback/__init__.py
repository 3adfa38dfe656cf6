"""Loopback HTTP servers that speak the parts of the WazirX and CoinDCX REST APIs we use.

For tests (and local demos): real sockets on 127.0.0.1 with an ephemeral port, real signature
checks, balances and orders kept in memory, and fault injection. The venue-specific servers are
`wazirx_server.start_wazirx_server()` and `coindcx_server.start_coindcx_server()`; this module
holds what they share.

Invariants: state (`accounts`, `orders`) is only touched under the handle's `lock`; a fault is
consumed by exactly one matching request; `stop()` releases every stalled response.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
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
