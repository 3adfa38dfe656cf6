"""Venue errors: transient ones are retried with backoff; final ones carry the reason."""

from __future__ import annotations


class VenueError(Exception):
    """Anything a venue call can fail with."""


class VenueUnavailable(VenueError):
    """Transient: network trouble, 5xx, maintenance. Retried with backoff and jitter."""


class VenueRateLimited(VenueUnavailable):
    """The venue asked us to slow down (HTTP 429/418); `retry_after` seconds if it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VenueAuthError(VenueError):
    """The key or signature was refused, or the key lacks a permission. Final."""


class UnknownSymbol(VenueError):
    """The venue has no such market."""


class OrderRejected(VenueError):
    """Final: the venue refused the order; `reason` is its own words."""

    def __init__(self, reason: str, code: str = "order_rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class OrderNotFound(VenueError):
    """No order with that id (or client order id) on the venue."""
