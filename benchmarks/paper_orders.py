"""place_order throughput and latency on PostgreSQL (market buys, paper accounts).

    .venv/bin/python benchmarks/paper_orders.py --orders 500 --processes 1
    .venv/bin/python benchmarks/paper_orders.py --orders 500 --processes 2

Uses the development database (the embedded engines under .run/, or DATABASE_URL) and Redis,
and an in-process simulator on a loopback port for the order book, read as the order service
reads it in production: through the shared book cache (PAPER_BOOK_MAX_AGE_S). Each process
trades on its own user's account, so processes do not contend on one account's lock. Prints
orders/s and p50/p95 per order. The benchmark users and their orders stay in the database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path


def _setup(sim_url: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
    os.environ["SIM_EXCHANGE_URL"] = sim_url
    os.environ["MARKET_DATA_SOURCE"] = "simulated"
    # The benchmark measures the order path, risk checks included, not the platform's caps:
    # thousands of buys a day on one account would be refused at the 50th (docs/risk.md).
    os.environ.setdefault("RISK_MAX_TRADES_PER_DAY", "10000000")
    os.environ.setdefault("RISK_MAX_POSITION_PCT", "100")
    import django

    django.setup()


def _run(sim_url: str, orders: int, results: multiprocessing.Queue) -> None:
    _setup(sim_url)
    from accounts.models import User
    from papertrading.services import open_account
    from trading.services.orders import place_order

    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:12]}@example.com")
    account = open_account(user=user, starting_balance=Decimal("1000000000"))
    latencies = []
    started = time.perf_counter()
    for _ in range(orders):
        t0 = time.perf_counter()
        place_order(
            user=user,
            account=account,
            symbol="BTC/USDT",
            side="buy",
            type="market",
            amount=Decimal("0.001"),
        )
        latencies.append((time.perf_counter() - t0) * 1000)
    results.put((orders, time.perf_counter() - started, latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=500, help="orders per process")
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    _setup("http://127.0.0.1:1")  # placeholder until the simulator runs
    from trading.exchanges.registry import get_venue
    from trading.exchanges.simulator import start_simulator
    from trading.services.markets import sync_markets

    with start_simulator(port=0) as simulator:
        from django.conf import settings

        settings.SIM_EXCHANGE_URL = simulator.url
        sync_markets(venue=get_venue(exchange="simulated"), exchange="simulated")
        from django.db import connections

        connections.close_all()  # children open their own
        results: multiprocessing.Queue = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=_run, args=(simulator.url, args.orders, results))
            for _ in range(args.processes)
        ]
        wall = time.perf_counter()
        for worker in workers:
            worker.start()
        outcomes = [results.get() for _ in workers]
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - wall
    total = sum(count for count, _, _ in outcomes)
    latencies = sorted(ms for _, _, sample in outcomes for ms in sample)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    per_process = [count / seconds for count, seconds, _ in outcomes]
    print(  # noqa: T201 - a benchmark prints its figures
        f"processes={args.processes} orders={total} "
        f"throughput={total / wall:.0f}/s (per process: "
        + ", ".join(f"{rate:.0f}/s" for rate in per_process)
        + f") p50={statistics.median(latencies):.1f}ms p95={p95:.1f}ms"
    )


if __name__ == "__main__":
    main()
