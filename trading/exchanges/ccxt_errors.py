"""ccxt exceptions to venue errors: the one place that knows ccxt's error classes.

Transient (retried by `retry.call_with_retries`): `VenueRateLimited` for ccxt's
`RateLimitExceeded`/`DDoSProtection` (HTTP 429/418), with `retry_after` from the response's
`Retry-After`, and `VenueUnavailable` for `OperationFailed` and below (`NetworkError`,
`RequestTimeout`, `ExchangeNotAvailable`, `OnMaintenance`, `InvalidNonce`, `BadResponse`).

Final: `VenueAuthError` (`AuthenticationError`, `PermissionDenied`, `AccountSuspended`),
`OrderNotFound`, `UnknownSymbol` (`BadSymbol`), `OrderRejected` (`InsufficientFunds`,
`InvalidOrder` and its kin; while placing an order also `BadRequest`/`OperationRejected`, which
is how Binance's filter failures arrive), and `VenueError` for anything else ccxt raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import ccxt  # type: ignore[import-untyped]  # ccxt ships no type information

from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
    VenueRateLimited,
    VenueUnavailable,
)
from trading.exchanges.retry import parse_retry_after

IP_BAN_STATUS = 418
# Binance bans an IP for 2 minutes at least; without a Retry-After, assume that much.
DEFAULT_BAN_S = 120.0

_DUPLICATE_MESSAGES = frozenset({"Duplicate order sent."})


def map_ccxt_error(
    error: Exception,
    *,
    exchange_id: str,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    placing_order: bool = False,
) -> VenueError:
    """The venue error for a ccxt exception; `status`/`headers` are those of the last response.

    Returns (does not raise) so callers can `raise ... from error`. Exceptions that are not
    ccxt's are programming errors and are not mapped: callers let them propagate.
    """
    message = exchange_message(error, exchange_id=exchange_id)
    if isinstance(error, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        retry_after = retry_after_seconds(headers or {})
        if retry_after is None and status == IP_BAN_STATUS:
            retry_after = DEFAULT_BAN_S
        return VenueRateLimited(message, retry_after=retry_after)
    if isinstance(error, ccxt.OperationFailed):
        return VenueUnavailable(message)
    if isinstance(error, ccxt.AuthenticationError):
        return VenueAuthError(message)
    if isinstance(error, ccxt.OrderNotFound):
        return OrderNotFound(message)
    if isinstance(error, ccxt.BadSymbol):
        return UnknownSymbol(message)
    if isinstance(error, ccxt.InsufficientFunds | ccxt.InvalidOrder) or (
        placing_order and isinstance(error, ccxt.BadRequest | ccxt.OperationRejected)
    ):
        return OrderRejected(message, code=_rejection_code(error, message))
    return VenueError(message)


def exchange_message(error: Exception, *, exchange_id: str) -> str:
    """The exchange's own words: the `msg` of a JSON error body inside ccxt's message if there
    is one (Binance: `{"code": -2010, "msg": "..."}`), else ccxt's message without its prefix."""
    text = str(error)
    start = text.find("{")
    if start >= 0:
        try:
            body, _end = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("msg"), str):
            return str(body["msg"])
    prefix = f"{exchange_id} "
    return text[len(prefix) :] if text.startswith(prefix) else text


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds (it may be a number of seconds or an HTTP date), if present."""
    return parse_retry_after(
        next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    )


def _rejection_code(error: Exception, message: str) -> str:
    if isinstance(error, ccxt.InsufficientFunds):
        return "insufficient_funds"
    if isinstance(error, ccxt.DuplicateOrderId) or message in _DUPLICATE_MESSAGES:
        return "duplicate_client_order_id"
    if isinstance(error, ccxt.OrderImmediatelyFillable):
        return "would_execute_immediately"
    if message.startswith("Filter failure"):
        return "filter_failure"
    return "order_rejected"
