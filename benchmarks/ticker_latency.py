"""Ticker endpoint latency against a running stack (`make run`), cold and warm cache.

    .venv/bin/python benchmarks/ticker_latency.py --count 200

Warm: the ticker is in Redis (as the feed keeps it). Cold: the cached ticker is deleted
before each request, so every request goes to the exchange (the simulator in development).
Sequential single requests on loopback; prints p50 / p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback URL
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{name}: n={len(ordered)} p50={statistics.median(ordered):.2f}ms p95={p95:.2f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--symbol", default="BTC/USDT")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
    import django

    django.setup()
    from django.core.cache import cache

    from trading.selectors import default_exchange
    from trading.services.markets import ticker_key

    url = f"{args.base_url.rstrip('/')}/api/v1/market-data/ticker/{args.symbol.replace('/', '-')}"
    key = ticker_key(default_exchange(), args.symbol)
    timed_get(url)  # warm-up: connections, code paths
    warm = [timed_get(url) for _ in range(args.count)]
    cold = []
    for _ in range(args.count):
        cache.delete(key)
        cold.append(timed_get(url))
    print(summary("warm cache", warm))  # noqa: T201 - a benchmark prints its figures
    print(summary("cold cache", cold))  # noqa: T201


if __name__ == "__main__":
    main()
