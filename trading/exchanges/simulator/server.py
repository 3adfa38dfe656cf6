"""The simulator's HTTP server: routing, Binance request signing, faults and the control API.

Signed requests are checked as Binance does: the `X-MBX-APIKEY` header names the account
(-2014 malformed, -2015 unknown or lacking the permission, HTTP 401); `timestamp` must lie
within `recvWindow` (default 5000 ms, at most 60000) of the server clock and not more than
1000 ms ahead (-1021); `signature` is the hex HMAC-SHA256, keyed with the account's secret, of
the query string followed by the request body, both without the `signature` parameter (-1022,
HTTP 400).

`POST/GET/DELETE /__sim/faults` arm, list and clear faults over HTTP; they exist only when the
server listens on a loopback address and answer only loopback clients.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from trading.exchanges.simulator.endpoints import ROUTES, Payload
from trading.exchanges.simulator.engine import Account, AccountBook, BinanceError, Exchange
from trading.exchanges.simulator.faults import Fault, FaultInjector
from trading.exchanges.simulator.market import DEFAULT_SYMBOLS, MarketModel, SymbolSpec

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20240101
_DEFAULT_RECV_WINDOW_MS = 5_000
_MAX_RECV_WINDOW_MS = 60_000
_AHEAD_TOLERANCE_MS = 1_000
_JSON = "application/json;charset=UTF-8"


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class RequestLog:
    """How many requests reached each (method, path): lets tests count retries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self._counts[(method, path)] += 1

    def count(self, path: str, method: str | None = None) -> int:
        with self._lock:
            return sum(n for (m, p), n in self._counts.items() if p == path and method in (None, m))


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server (daemon threads) holding the simulator's state."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], *, exchange: Exchange, faults: FaultInjector
    ) -> None:
        super().__init__(address, _Handler)
        self.exchange = exchange
        self.faults = faults
        self.requests = RequestLog()
        self.stopping = threading.Event()
        self.control_enabled = _is_loopback(address[0])


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"  # keep-alive, as ccxt's requests session expects
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection frees its thread after this

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    # --- request flow -----------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path, query = url.path, url.query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if path.startswith("/__sim/"):
            self._control(method, path, body)
            return
        server = self.server
        server.requests.record(method, path)
        api_key = self.headers.get("X-MBX-APIKEY")
        fault = server.faults.take("before", method=method, path=path, api_key=api_key)
        if fault is not None:
            self._send_fault(fault)
            return
        route = ROUTES.get((method, path))
        if route is None:
            self._send(404, {"code": -1000, "msg": f"Unknown endpoint {method} {path}."})
            return
        try:
            # Binance: a parameter sent in both the query string and the body takes the query's.
            params = {**dict(parse_qsl(body)), **dict(parse_qsl(query))}
            account = None
            if route.signed:
                account = self._authenticate(method, path, params, query, body, route.permission)
            payload: Payload = route.handler(server.exchange, params, account)
        except BinanceError as error:
            self._send(error.status, {"code": error.code, "msg": error.msg})
            return
        after = server.faults.take("after", method=method, path=path, api_key=api_key)
        if after is not None and after.kind == "drop_after_accept":
            self.close_connection = True  # close without a byte: the client sees a reset
            return
        if after is not None:  # timeout_after_accept: hold the answer past the client's timeout
            server.stopping.wait(after.delay_s)
            with contextlib.suppress(OSError):  # the client has usually gone by now
                self._send(200, payload)
            return
        self._send(200, payload)

    def _authenticate(
        self, method: str, path: str, params: dict[str, str], query: str, body: str, need: str
    ) -> Account:
        server = self.server
        api_key = self.headers.get("X-MBX-APIKEY") or ""
        if not api_key or len(api_key) > 64 or not api_key.isalnum():
            raise BinanceError(401, -2014, "API-key format invalid.")
        account = server.exchange.accounts.get(api_key)
        if account is None or (need == "read" and not account.can_read):
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if need == "trade" and not account.can_trade:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        now = server.exchange.clock()
        timestamp = params.get("timestamp", "")
        if not timestamp.isdigit():
            raise BinanceError(
                400,
                -1102,
                "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
            )
        window = params.get("recvWindow", str(_DEFAULT_RECV_WINDOW_MS))
        if not window.isdigit() or int(window) > _MAX_RECV_WINDOW_MS:
            raise BinanceError(400, -1131, "recvWindow must be less than 60000")
        if int(timestamp) > now + _AHEAD_TOLERANCE_MS:
            raise BinanceError(
                400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if now - int(timestamp) > int(window):
            raise BinanceError(
                400, -1021, "Timestamp for this request is outside of the recvWindow."
            )
        signature = params.get("signature")
        if not signature:
            raise BinanceError(
                400,
                -1102,
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
            )
        payload = _without_signature(query) + _without_signature(body)
        expected = hmac.new(account.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        forced = server.faults.take("auth", method=method, path=path, api_key=api_key)
        if forced is not None or not hmac.compare_digest(expected, signature):
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        return account

    # --- answers ----------------------------------------------------------------------------
    def _send(self, status: int, payload: Payload, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", _JSON)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_fault(self, fault: Fault) -> None:
        retry_after = {"Retry-After": _seconds(fault.retry_after)} if fault.retry_after else {}
        if fault.kind == "http_error":
            body = {
                "code": -1001,
                "msg": "Internal error; unable to process your request. Please try again.",
            }
            self._send(fault.status, body)
        elif fault.kind == "rate_limit":
            body = {
                "code": -1003,
                "msg": "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per "
                "minute. Please use the websocket for live updates to avoid polling the API.",
            }
            self._send(429, body, retry_after)
        else:  # ip_ban
            until = self.server.exchange.clock() + int((fault.retry_after or 120) * 1000)
            body = {
                "code": -1003,
                "msg": f"Way too many requests; IP(127.0.0.1) banned until {until}. "
                "Please use the websocket for live updates to avoid bans.",
            }
            self._send(418, body, retry_after)

    def _control(self, method: str, path: str, body: str) -> None:
        server = self.server
        if not (server.control_enabled and _is_loopback(self.client_address[0])):
            self._send(404, {"code": -1000, "msg": "Not found."})
            return
        if path != "/__sim/faults":
            self._send(404, {"code": -1000, "msg": f"Unknown control endpoint {path}."})
        elif method == "GET":
            self._send(200, [fault.as_json() for fault in server.faults.active()])
        elif method == "DELETE":
            server.faults.clear()
            self._send(200, {})
        elif method == "POST":
            try:
                spec = json.loads(body or "{}")
                if not isinstance(spec, dict):
                    raise TypeError("a JSON object is expected")
                fault = server.faults.add(**spec)
            except (ValueError, TypeError) as error:
                self._send(400, {"code": -1100, "msg": str(error)})
                return
            self._send(201, fault.as_json())
        else:
            self._send(405, {"code": -1000, "msg": "Method not allowed."})


class SimulatorHandle:
    """A running simulator: `url`, its `accounts`, `faults`, `exchange` state and `requests`.

    Stop it with `stop()` or use it as a context manager.
    """

    def __init__(self, server: SimulatorServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}"

    @property
    def exchange(self) -> Exchange:
        return self._server.exchange

    @property
    def accounts(self) -> AccountBook:
        return self._server.exchange.accounts

    @property
    def faults(self) -> FaultInjector:
        return self._server.faults

    @property
    def requests(self) -> RequestLog:
        return self._server.requests

    def stop(self) -> None:
        """Stop serving; answers held by a fault are released at once."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulator(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = DEFAULT_SEED,
    clock: Callable[[], int] = wall_clock_ms,
    symbols: tuple[SymbolSpec, ...] = DEFAULT_SYMBOLS,
) -> SimulatorHandle:
    """Serve a fresh simulator (no accounts yet) on host:port (0: any free port) in a thread.

    `seed` fixes the market: the same seed gives the same prices at the same times. `clock`
    (epoch milliseconds) is the server's time for signatures, candles and orders.
    """
    exchange = Exchange(MarketModel(seed=seed, symbols=symbols), clock)
    server = SimulatorServer((host, port), exchange=exchange, faults=FaultInjector())
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.name = f"exchange-simulator:{server.server_address[1]}"
    thread.start()
    return SimulatorHandle(server, thread)


def _without_signature(raw: str) -> str:
    return "&".join(part for part in raw.split("&") if part and not part.startswith("signature="))


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
