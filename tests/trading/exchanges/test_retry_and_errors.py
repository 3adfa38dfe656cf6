"""The backoff loop and the ccxt -> venue error mapping, each on its own."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import ccxt  # type: ignore[import-untyped]
import pytest

from trading.exchanges.ccxt_errors import exchange_message, map_ccxt_error, retry_after_seconds
from trading.exchanges.errors import (
    OrderNotFound,
    OrderRejected,
    UnknownSymbol,
    VenueAuthError,
    VenueError,
    VenueRateLimited,
    VenueUnavailable,
)
from trading.exchanges.retry import RetryPolicy, call_with_retries


class Ceiling(random.Random):
    """Jitter at its upper bound, to see the exponential ceiling itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


def failing(errors: list[Exception], result: str = "done"):
    calls: list[int] = []

    def operation() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return operation, calls


def test_backoff_doubles_up_to_the_cap_with_full_jitter():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=30.0)
    assert [policy.backoff(n, Ceiling()) for n in range(1, 9)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0,
    ]  # fmt: skip
    rngs = [random.Random(seed) for seed in range(50)]  # noqa: S311 - jitter, not cryptography
    jittered = [policy.backoff(3, rng) for rng in rngs]
    assert all(0 <= delay <= 2.0 for delay in jittered)
    assert len(set(jittered)) == 50


def test_transient_failures_are_retried_and_the_last_one_is_raised():
    # given
    sleeps: list[float] = []
    operation, calls = failing([VenueUnavailable(f"down {n}") for n in range(3)])
    # when
    with pytest.raises(VenueUnavailable, match="down 2"):
        call_with_retries(operation, policy=RetryPolicy(max_attempts=3), sleep=sleeps.append)
    # then
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_retry_after_is_a_floor_for_the_wait():
    sleeps: list[float] = []
    operation, _ = failing([VenueRateLimited("slow down", retry_after=7.0)])
    result = call_with_retries(
        operation, policy=RetryPolicy(max_retry_after_s=10), sleep=sleeps.append
    )
    assert result == "done"
    assert sleeps[0] >= 7.0


@pytest.mark.parametrize(
    "error",
    [
        OrderRejected("no"),
        VenueAuthError("who are you"),
        VenueRateLimited("banned", retry_after=3600),
    ],
    ids=["final rejection", "final auth", "retry_after beyond the limit"],
)
def test_final_errors_and_long_bans_are_raised_at_once(error):
    sleeps: list[float] = []
    operation, calls = failing([error])
    with pytest.raises(type(error)):
        call_with_retries(operation, policy=RetryPolicy(), sleep=sleeps.append)
    assert (len(calls), sleeps) == (1, [])


@pytest.mark.parametrize(
    ("error", "expected", "_case"),
    [
        (ccxt.RequestTimeout("binance GET url"), VenueUnavailable, "timeout"),
        (ccxt.NetworkError("binance GET url"), VenueUnavailable, "network"),
        (ccxt.ExchangeNotAvailable("binance 503"), VenueUnavailable, "5xx"),
        (ccxt.OnMaintenance("binance System is under maintenance."), VenueUnavailable, "upkeep"),
        (ccxt.OperationFailed('binance {"code":-1001,"msg":"x"}'), VenueUnavailable, "-1001"),
        (ccxt.InvalidNonce("binance -1021"), VenueUnavailable, "clock skew"),
        (ccxt.RateLimitExceeded("binance 429"), VenueRateLimited, "429"),
        (ccxt.DDoSProtection("binance 418"), VenueRateLimited, "418"),
        (ccxt.AuthenticationError("binance -1022"), VenueAuthError, "signature"),
        (ccxt.PermissionDenied("binance no"), VenueAuthError, "permission"),
        (ccxt.AccountSuspended("binance no"), VenueAuthError, "suspended"),
        (ccxt.OrderNotFound("binance -2013"), OrderNotFound, "order not found"),
        (ccxt.BadSymbol("binance -1121"), UnknownSymbol, "symbol"),
        (ccxt.InsufficientFunds("binance no money"), OrderRejected, "funds"),
        (ccxt.InvalidOrder("binance bad"), OrderRejected, "invalid order"),
        (ccxt.OrderImmediatelyFillable("binance now"), OrderRejected, "would take"),
        (ccxt.BadRequest("binance -1100"), VenueError, "bad request outside orders"),
        (ccxt.NotSupported("binance no"), VenueError, "not supported"),
        (ccxt.ExchangeError("binance ?"), VenueError, "anything else"),
    ],
)
def test_ccxt_errors_map_to_venue_errors(error, expected, _case):
    mapped = map_ccxt_error(error, exchange_id="binance")
    assert type(mapped) is expected


def test_a_bad_request_while_placing_an_order_is_a_rejection():
    error = ccxt.BadRequest('binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}')
    mapped = map_ccxt_error(error, exchange_id="binance", placing_order=True)
    assert isinstance(mapped, OrderRejected)
    assert (mapped.reason, mapped.code) == ("Filter failure: NOTIONAL", "filter_failure")


@pytest.mark.parametrize(
    ("status", "headers", "retry_after", "_case"),
    [
        (429, {"Retry-After": "3"}, 3.0, "seconds"),
        (429, {"retry-after": "1.5"}, 1.5, "any header case"),
        (429, {}, None, "no header on a 429"),
        (418, {}, 120.0, "a ban without a header lasts two minutes at least"),
    ],
)
def test_rate_limits_carry_retry_after(status, headers, retry_after, _case):
    error = ccxt.DDoSProtection(f"binance {status}")
    mapped = map_ccxt_error(error, exchange_id="binance", status=status, headers=headers)
    assert isinstance(mapped, VenueRateLimited)
    assert mapped.retry_after == retry_after


def test_retry_after_may_be_an_http_date():
    moment = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after_seconds({"Retry-After": format_datetime(moment, usegmt=True)})
    assert seconds is not None
    assert 28 <= seconds <= 30
    assert retry_after_seconds({"Retry-After": "soon"}) is None


@pytest.mark.parametrize(
    ("text", "expected", "_case"),
    [
        (
            'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}',
            "Account has insufficient balance for requested action.",
            "JSON body",
        ),
        (
            'binance order amount should be evenly divisible by lot size {"code":-1013,'
            '"msg":"Filter failure: LOT_SIZE"}',
            "Filter failure: LOT_SIZE",
            "JSON after ccxt's words",
        ),
        (
            "binance Stop price would trigger immediately.",
            "Stop price would trigger immediately.",
            "message",
        ),
        ("binance {broken", "{broken", "not JSON"),
    ],
)
def test_the_exchange_message_is_its_own_words(text, expected, _case):
    assert exchange_message(ccxt.InvalidOrder(text), exchange_id="binance") == expected
