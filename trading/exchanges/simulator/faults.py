"""Fault injection: tests arm a fault, the next matching request(s) suffer it, then it is gone.

Each fault is counted (`times`, default one-shot) and matches on path (exact, or any path when
None), method and, for signatures, API key. Stages, in the order a request meets them:
- `before` (answered instead of the request): `http_error` (5xx), `rate_limit` (429 with
  Retry-After), `ip_ban` (418 with Retry-After);
- `auth`: `bad_signature` for one API key (answered -1022 as if the signature were wrong);
- `after` (the request is executed, e.g. the order is recorded, then the answer is lost):
  `timeout_after_accept` (the server holds the answer `delay_s`, past the client's timeout) and
  `drop_after_accept` (the server closes the connection without answering).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS_BY_STAGE: dict[str, frozenset[str]] = {
    "before": frozenset({"http_error", "rate_limit", "ip_ban"}),
    "auth": frozenset({"bad_signature"}),
    "after": frozenset({"timeout_after_accept", "drop_after_accept"}),
}
KINDS = frozenset().union(*KINDS_BY_STAGE.values())


@dataclass
class Fault:
    id: int
    kind: str
    path: str | None = None
    method: str | None = None
    times: int = 1  # requests still to be hit
    status: int = 503  # http_error only
    retry_after: float | None = None  # rate_limit and ip_ban: the Retry-After header, seconds
    delay_s: float = 0.0  # timeout_after_accept: how long the answer is held
    api_key: str | None = None  # bad_signature: whose requests fail
    hits: int = 0

    def matches(self, *, method: str, path: str, api_key: str | None) -> bool:
        return (
            (self.path is None or self.path == path)
            and (self.method is None or self.method == method)
            and (self.api_key is None or self.api_key == api_key)
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """The armed faults of one simulator (`handle.faults`); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        kind: str,
        *,
        path: str | None = None,
        method: str | None = None,
        times: int = 1,
        status: int = 503,
        retry_after: float | None = None,
        delay_s: float = 0.0,
        api_key: str | None = None,
    ) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if kind == "http_error" and not 500 <= status <= 599:
            raise ValueError("http_error needs a 5xx status")
        if kind == "bad_signature" and not api_key:
            raise ValueError("bad_signature needs the api_key it applies to")
        with self._lock:
            fault = Fault(
                id=self._next_id,
                kind=kind,
                path=path,
                method=method.upper() if method else None,
                times=times,
                status=status,
                retry_after=retry_after,
                delay_s=delay_s,
                api_key=api_key,
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def http_error(
        self,
        path: str | None = None,
        *,
        status: int = 503,
        times: int = 1,
        method: str | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` (a 5xx)."""
        return self.add("http_error", path=path, status=status, times=times, method=method)

    def rate_limit(
        self,
        path: str | None = None,
        *,
        retry_after: float = 1.0,
        times: int = 1,
        method: str | None = None,
    ) -> Fault:
        """Answer 429 (-1003) with `Retry-After: retry_after`."""
        return self.add(
            "rate_limit", path=path, retry_after=retry_after, times=times, method=method
        )

    def ip_ban(
        self,
        path: str | None = None,
        *,
        retry_after: float | None = 120.0,
        times: int = 1,
        method: str | None = None,
    ) -> Fault:
        """Answer 418 (an IP ban, -1003) with `Retry-After: retry_after` (None: no header)."""
        return self.add("ip_ban", path=path, retry_after=retry_after, times=times, method=method)

    def bad_signature(self, api_key: str, *, path: str | None = None, times: int = 1) -> Fault:
        """Refuse the signature of `api_key`'s next signed requests (-1022)."""
        return self.add("bad_signature", api_key=api_key, path=path, times=times)

    def timeout_after_accept(
        self,
        path: str = "/api/v3/order",
        *,
        delay_s: float = 2.0,
        times: int = 1,
        method: str = "POST",
    ) -> Fault:
        """Execute the request (record the order), then hold the answer for `delay_s`."""
        return self.add(
            "timeout_after_accept", path=path, delay_s=delay_s, times=times, method=method
        )

    def drop_after_accept(
        self, path: str = "/api/v3/order", *, times: int = 1, method: str = "POST"
    ) -> Fault:
        """Execute the request (record the order), then close the connection unanswered."""
        return self.add("drop_after_accept", path=path, times=times, method=method)

    def take(self, stage: str, *, method: str, path: str, api_key: str | None) -> Fault | None:
        """Consume one hit of the first armed fault of `stage` matching this request."""
        kinds = KINDS_BY_STAGE[stage]
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(method=method, path=path, api_key=api_key):
                    fault.hits += 1
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
