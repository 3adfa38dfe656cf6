"""Backtest speed in candles per second, on the real 5m files in ../shared/data/ohlcv.

    .venv/bin/python benchmarks/backtest_speed.py
    .venv/bin/python benchmarks/backtest_speed.py --strategy sma_crossover --repeat 30

Runs `run_backtest` (stake 0.05, wallet 1, 3 slots, fee 0.1 %) on ETH/BTC alone, on
ETH/LTC/ADA-BTC together, and on the three files repeated end to end (`--tile` times, each
copy shifted in time) to show the speed holds on longer histories. Prints the median of
`--repeat` runs as candles/s for the whole run (indicators, signals, loop, report) and for
the compiled trade loop alone. numba's compile time is excluded: one untimed run on a few
candles compiles the loop (or loads it from numba's cache) first.

freqtrade 2026.9's `Backtesting.backtest()` (its simulation, signals included, indicators
not), measured on this machine on the same three files with its sample strategy, took
0.32-0.39 s for 17,280 candles over seven runs of `make crosscheck`: about 50,000
candles/s (docs/backtesting.md, Cross-check with freqtrade).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ohlcv"
FILES = ("ETH_BTC-5m.json", "LTC_BTC-5m.json", "ADA_BTC-5m.json")
FREQTRADE_CANDLES_PER_S = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="rsi_bb_tema", help="a registry name")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--tile", type=int, default=20, help="copies in the long case")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    import pandas as pd

    from trading.backtest import BacktestConfig, run_backtest
    from trading.strategies.candles import candles_from_json
    from trading.strategies.registry import get_strategy

    strategy = get_strategy(args.strategy, {})
    config = BacktestConfig(timeframe="5m", stake=0.05, wallet=1, max_open_trades=3, fee=0.001)
    frames = {
        name.split("-")[0].replace("_", "/"): candles_from_json(args.data / name) for name in FILES
    }

    def tiled(frame: pd.DataFrame, copies: int) -> pd.DataFrame:
        span = frame["open_time"].iloc[-1] - frame["open_time"].iloc[0] + pd.Timedelta(minutes=5)
        parts = [frame.assign(open_time=frame["open_time"] + span * i) for i in range(copies)]
        return pd.concat(parts, ignore_index=True)

    cases = {
        "1 pair (ETH/BTC)": {"ETH/BTC": frames["ETH/BTC"]},
        "3 pairs": frames,
        f"3 pairs x {args.tile} (longer history)": {
            pair: tiled(frame, args.tile) for pair, frame in frames.items()
        },
    }
    warm = {"ETH/BTC": frames["ETH/BTC"].iloc[: strategy.startup_candles + 50]}
    started = time.perf_counter()
    run_backtest(config, warm, strategy)
    print(  # noqa: T201 - a benchmark prints its figures
        f"compile / cache load (excluded): {time.perf_counter() - started:.2f} s"
    )
    print(f"strategy {strategy.name}; median of {args.repeat} runs")  # noqa: T201
    for label, case in cases.items():
        totals, loops = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = run_backtest(config, case, strategy)
            totals.append(time.perf_counter() - started)
            loops.append(result.summary["loop_s"])
        candles = result.summary["candles"]
        whole = candles / statistics.median(totals)
        loop = candles / max(statistics.median(loops), 1e-9)
        print(  # noqa: T201
            f"{label:<34} {candles:>9,} candles  {result.summary['total_trades']:>6} trades  "
            f"whole run {whole:>12,.0f} candles/s ({whole / FREQTRADE_CANDLES_PER_S:.0f}x "
            f"freqtrade)  loop alone {loop:>14,.0f} candles/s"
        )


if __name__ == "__main__":
    main()
