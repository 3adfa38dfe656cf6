"""The only factory of venues: services, tasks and views ask here and get a `Venue`.

Exchange ids: any ccxt exchange id (`binance`, `kraken`, ...); `simulated`, the Binance-compatible
simulator at `settings.SIM_EXCHANGE_URL`; `wazirx` and `coindcx`, adapters of their own. Each call
builds a new venue (with its own market cache): venues are cheap and not thread-safe.

Settings read: `VENUE_TIMEOUT_S` (10.0), `VENUE_MAX_RETRIES` (5, attempts), `SIM_EXCHANGE_URL`,
`MARKET_DATA_SOURCE` ("simulated" | "binance"), `WAZIRX_BASE_URL`, `COINDCX_BASE_URL`,
`COINDCX_PUBLIC_URL`, and `VENUE_MAX_RETRY_AFTER_S` (30.0: a longer Retry-After, e.g. an IP ban,
is not waited out in-process but raised for the caller to retry later).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings

from trading.exchanges.base import Credentials, Venue
from trading.exchanges.ccxt_venue import CcxtVenue, rebased_api_urls, supported_exchange_ids

if TYPE_CHECKING:
    from papertrading.models import PaperAccount
    from papertrading.venue import PaperVenue

SIMULATED = "simulated"
_SIMULATED_CCXT_ID = "binance"


def get_venue(
    *, exchange: str, credentials: Credentials | None = None, sandbox: bool = False
) -> Venue:
    """The venue for `exchange` (see the module docstring).

    `sandbox` selects the exchange's testnet (ccxt's sandbox mode); it is refused for WazirX and
    CoinDCX, which have none, and means nothing for the simulator, which is one.
    """
    if exchange == SIMULATED:
        return simulator_venue(base_url=settings.SIM_EXCHANGE_URL, credentials=credentials)
    if exchange == "wazirx":
        _refuse_sandbox(exchange, sandbox)
        from trading.exchanges.wazirx import WazirXVenue

        return WazirXVenue(credentials, base_url=settings.WAZIRX_BASE_URL, timeout_s=_timeout_s())
    if exchange == "coindcx":
        _refuse_sandbox(exchange, sandbox)
        from trading.exchanges.coindcx import CoinDCXVenue

        return CoinDCXVenue(
            credentials,
            base_url=settings.COINDCX_BASE_URL,
            public_url=settings.COINDCX_PUBLIC_URL,
            timeout_s=_timeout_s(),
        )
    if exchange in supported_exchange_ids():
        # An operator may send an exchange's API to another address (a proxy, a recording
        # gateway; the tests' loopback exchange): EXCHANGE_API_URLS = {"binance": "http://..."}.
        base_url = getattr(settings, "EXCHANGE_API_URLS", {}).get(exchange)
        return CcxtVenue(
            exchange,
            credentials=credentials,
            urls=rebased_api_urls(exchange, base_url) if base_url else None,
            sandbox=sandbox and not base_url,
            timeout_s=_timeout_s(),
            max_retries=_max_retries(),
            max_retry_after_s=_max_retry_after_s(),
        )
    raise ValueError(f"unknown exchange {exchange!r}")


def paper_venue(account: PaperAccount, *, prices: Venue | None = None) -> PaperVenue:
    """The paper exchange for one paper account; `prices` overrides its market data venue."""
    from papertrading.venue import PaperVenue

    return PaperVenue(account, prices=prices)


_per_thread = threading.local()


def public_venue(exchange: str) -> Venue:
    """A key-less venue for `exchange`, kept per thread so its market cache is reused.

    Public market data (tickers, candles) needs no credentials; building a venue costs a
    markets request, which a cold ticker request would otherwise pay every time. Venues are
    not thread-safe, hence one per thread. Keyed by the simulator URL too (tests move it).
    """
    venues: dict[tuple[str, str], Venue] | None = getattr(_per_thread, "venues", None)
    if venues is None:
        venues = _per_thread.venues = {}
    key = (exchange, settings.SIM_EXCHANGE_URL if exchange == SIMULATED else "")
    venue = venues.get(key)
    if venue is None:
        venue = venues[key] = get_venue(exchange=exchange)
    return venue


def market_data_venue() -> Venue:
    """The public (key-less) venue for prices and candles: `settings.MARKET_DATA_SOURCE`."""
    source = getattr(settings, "MARKET_DATA_SOURCE", SIMULATED)
    return get_venue(exchange=SIMULATED if source == SIMULATED else source)


def simulator_venue(
    *,
    base_url: str,
    credentials: Credentials | None = None,
    timeout_s: float | None = None,
    max_retries: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> CcxtVenue:
    """ccxt's `binance` pointed at a simulator at `base_url` (every API section, so nothing
    reaches the real Binance), reporting `exchange_id == "simulated"`.

    Tests pass the URL of the simulator they started, a short `timeout_s` and a `sleep` that
    records instead of waiting. ccxt's client-side throttle is off: the simulator does not limit
    (its 429/418 come from armed faults), and the throttle would only slow the suite down.
    """
    return CcxtVenue(
        _SIMULATED_CCXT_ID,
        credentials=credentials,
        urls=rebased_api_urls(_SIMULATED_CCXT_ID, base_url),
        timeout_s=_timeout_s() if timeout_s is None else timeout_s,
        max_retries=_max_retries() if max_retries is None else max_retries,
        max_retry_after_s=_max_retry_after_s(),
        name=SIMULATED,
        rate_limit=False,
        sleep=sleep,
        rng=rng,
    )


def _refuse_sandbox(exchange: str, sandbox: bool) -> None:
    # Never let a caller believe it trades on a testnet while it trades for real.
    if sandbox:
        raise ValueError(f"{exchange} has no sandbox")


def _timeout_s() -> float:
    return float(getattr(settings, "VENUE_TIMEOUT_S", 10.0))


def _max_retries() -> int:
    return int(getattr(settings, "VENUE_MAX_RETRIES", 5))


def _max_retry_after_s() -> float:
    return float(getattr(settings, "VENUE_MAX_RETRY_AFTER_S", 30.0))
