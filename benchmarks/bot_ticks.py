"""How many bot ticks per minute one worker sustains (tick_bot in one process, PostgreSQL).

    .venv/bin/python benchmarks/bot_ticks.py --bots 200 --strategy rsi_bb_tema

Uses the development database (the embedded engines under .run/, or DATABASE_URL) and Redis.
Creates `--bots` paper bots of one benchmark user, each on one symbol with 300 stored 5m
candles (a seeded random walk; `--symbols` distinct series shared by the bots), then ticks
every bot once for the newest candle, as a worker would with the solo pool, and prints ticks
per second and per minute with p50/p95 per tick. Most ticks hold (no signal), as in real
life; the entries they do make are paper market orders against an in-process simulator.
The benchmark's rows stay in the database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bots", type=int, default=200)
    parser.add_argument("--symbols", type=int, default=5, help="distinct candle series")
    parser.add_argument("--strategy", default="rsi_bb_tema")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
    os.environ["MARKET_DATA_SOURCE"] = "simulated"
    from trading.exchanges.simulator import start_simulator

    with start_simulator(port=0) as simulator:
        os.environ["SIM_EXCHANGE_URL"] = simulator.url
        import django

        django.setup()
        _run(args)


def _run(args: argparse.Namespace) -> None:
    from accounts.models import User
    from papertrading.services import open_account
    from trading.exchanges.registry import get_venue
    from trading.models import Candle, Market
    from trading.services.bots import create_bot, last_closed_candle, tick_bot
    from trading.services.markets import sync_markets

    sync_markets(venue=get_venue(exchange="simulated"), exchange="simulated")
    now = datetime.now(tz=UTC)
    newest = last_closed_candle("5m", now)
    tag = uuid.uuid4().hex[:8]
    markets = list(Market.objects.filter(exchange="simulated", quote="USDT"))
    series = []
    rng = random.Random(7)  # noqa: S311 - a repeatable price path, not a secret
    for n in range(args.symbols):
        # A series of its own per symbol: bench-only names, so real candles are not touched.
        market = markets[n % len(markets)]
        symbol = f"B{tag[:4].upper()}{n}/USDT"
        Market.objects.create(
            exchange="simulated",
            symbol=symbol,
            exchange_symbol=symbol.replace("/", ""),
            base=f"B{tag[:4].upper()}{n}",
            quote="USDT",
            price_tick=market.price_tick,
            amount_step=market.amount_step,
            min_cost=market.min_cost,
            maker_fee=market.maker_fee,
            taker_fee=market.taker_fee,
        )
        price = 100.0
        rows = []
        for k in range(300):
            price *= 1 + rng.gauss(0, 0.004)
            close = Decimal(f"{price:.2f}")
            rows.append(
                Candle(
                    exchange="simulated",
                    symbol=symbol,
                    timeframe="5m",
                    open_time=newest - timedelta(minutes=5 * (299 - k)),
                    open=close,
                    high=close * Decimal("1.001"),
                    low=close * Decimal("0.999"),
                    close=close,
                    volume=Decimal("10"),
                )
            )
        Candle.objects.bulk_create(rows)
        series.append(symbol)
    user = User.objects.create_user(email=f"bench-bots-{tag}@example.com")
    account = open_account(user=user, starting_balance=Decimal("100000000"))
    bots = [
        create_bot(
            user=user,
            name=f"bench {n}",
            strategy=args.strategy,
            params={},
            account=account,
            symbols=[series[n % len(series)]],
            timeframe="5m",
            stake_amount=Decimal("100"),
        )
        for n in range(args.bots)
    ]
    latencies = []
    actions: dict[str, int] = {}
    started = time.perf_counter()
    for bot in bots:
        t0 = time.perf_counter()
        for decision in tick_bot(bot_id=bot.pk, now=now):
            actions[str(decision.action)] = actions.get(str(decision.action), 0) + 1
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(  # noqa: T201 - a benchmark prints its figures
        f"bots={len(bots)} strategy={args.strategy} ticks/s={len(bots) / elapsed:.0f} "
        f"ticks/min={60 * len(bots) / elapsed:.0f} p50={statistics.median(latencies):.1f}ms "
        f"p95={p95:.1f}ms decisions={actions}"
    )


if __name__ == "__main__":
    main()
