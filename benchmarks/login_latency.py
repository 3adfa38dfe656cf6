"""Sign-in latency against a running stack: N sequential `POST /api/v1/auth/login`.

    THROTTLE_AUTH=1000/min make run          # in another terminal (the default 20/min would
                                             # throttle the run)
    .venv/bin/python benchmarks/login_latency.py --count 50

Prints p50 / p95 / max in milliseconds. Each login verifies an Argon2id hash with the
production cost (19 MiB, 2 passes), which dominates the time. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request


def login_once(url: str, email: str, password: str) -> float:
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL from the operator
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()
        if response.status != 200:
            raise RuntimeError(f"login answered {response.status}")
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="trader@example.com")
    parser.add_argument("--password", default="cryptopulse-demo")
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    url = args.base_url.rstrip("/") + "/api/v1/auth/login"
    login_once(url, args.email, args.password)  # warm-up: connections, caches
    samples = sorted(login_once(url, args.email, args.password) for _ in range(args.count))
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(  # noqa: T201 - a benchmark prints its figures
        f"logins={len(samples)} p50={statistics.median(samples):.1f}ms "
        f"p95={p95:.1f}ms max={samples[-1]:.1f}ms mean={statistics.fmean(samples):.1f}ms"
    )


if __name__ == "__main__":
    main()
