"""Cross-check our backtester against freqtrade: the same trades on the same candles.

    make crosscheck                      # creates .venv-freqtrade first (make freqtrade-venv)
    .venv/bin/python benchmarks/freqtrade_crosscheck.py [--data DIR] [--json]

Runs freqtrade's SampleStrategy (the one shipped in the installed freqtrade) through
`benchmarks/freqtrade_shim/run_freqtrade.py` in a subprocess with `.venv-freqtrade`'s Python
(offline: a static markets shim, a temporary user_data dir), then our `rsi_bb_tema` (the
sample strategy's rules) through `manage.py backtest --freqtrade --json` in this process, on
ETH_BTC-5m, LTC_BTC-5m and ADA_BTC-5m (stake 0.05 BTC, wallet 1 BTC, 3 open trades, fee
0.1 %). It prints both trade counts, candles/s of each side and the trade lists side by side
keyed by (pair, open time), and exits 1 when they differ: a trade on one side only, or a
different close time or exit reason, or profits more than --tolerance percentage points apart
(freqtrade rounds exit and stop prices to a price tick guessed from the data; we do not).

candles/s, all input candles (after freqtrade's gap filling) / time; data loading excluded:
- ours, whole run: `run_backtest` (indicators, signals, trade loop, report); numba's compile /
  cache load is done by an untimed warm-up run first. Loop alone: the compiled trade loop.
- freqtrade, `Backtesting.backtest()`: signals (populate_entry/exit_trend) and the trade
  simulation, indicators excluded; with indicators: `advise_all_indicators` + `backtest()`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "ohlcv"
DRIVER = ROOT / "benchmarks" / "freqtrade_shim" / "run_freqtrade.py"
FREQTRADE_PYTHON = ROOT / ".venv-freqtrade" / "bin" / "python"
NAMES = ("ETH_BTC-5m", "LTC_BTC-5m", "ADA_BTC-5m")
SETTINGS = {"stake": 0.05, "wallet": 1.0, "max_open_trades": 3, "fee": 0.001}
# Profit, % points. freqtrade's tick rounding (1e-8 on ADA's ~5e-5 prices: 0.02 %) and its ROI
# price (see docs/backtesting.md § Cross-check) move a trade's profit by up to ~0.015 pp here.
TOLERANCE_PP = 0.05
OPEN_RATE_TOLERANCE = 1e-9  # both fill entries at the candle's open, which is on the tick


def run_freqtrade(python: Path, data: Path, names: list[str]) -> dict[str, Any]:
    """freqtrade's result (see run_freqtrade.py) from a subprocess in its own venv."""
    if not python.exists():
        sys.stderr.write(f"{python} not found: run `make freqtrade-venv` first.\n")
        sys.exit(2)
    command = [str(python), str(DRIVER), "--data", str(data), *names]
    for key, value in SETTINGS.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        sys.stderr.write(done.stderr[-5000:])
        sys.stderr.write(f"\nfreqtrade's side failed (exit {done.returncode}).\n")
        sys.exit(2)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_ours(data: Path, names: list[str]) -> dict[str, Any]:
    """Our report from `manage.py backtest --freqtrade --json`, after an untimed warm-up."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from trading.backtest import BacktestConfig, run_backtest
    from trading.strategies.candles import candles_from_json
    from trading.strategies.registry import get_strategy

    strategy = get_strategy("rsi_bb_tema", {})
    warm = candles_from_json(data / f"{names[0]}.json").iloc[: strategy.startup_candles + 50]
    run_backtest(BacktestConfig(timeframe="5m"), {"W/BTC": warm}, strategy)  # numba compile

    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "backtest",
        "--strategy=rsi_bb_tema",
        "--data",
        *(str(data / f"{name}.json") for name in names),
        f"--stake={SETTINGS['stake']}",
        f"--wallet={SETTINGS['wallet']}",
        f"--max-open-trades={SETTINGS['max_open_trades']}",
        f"--fee={SETTINGS['fee']}",
        "--freqtrade",
        "--json",
        stdout=out,
    )
    report: dict[str, Any] = json.loads(out.getvalue())
    report["command_s"] = time.perf_counter() - started
    return report


def diff_trades(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], tolerance: float
) -> list[dict[str, Any]]:
    """One row per (pair, open time) on either side, with the fields that disagree."""
    mine = {(t["pair"], t["open_time"]): t for t in ours}
    peer = {(t["pair"], t["open_time"]): t for t in theirs}
    rows = []
    for key in sorted(mine.keys() | peer.keys(), key=lambda k: (k[1], k[0])):
        a, b = mine.get(key), peer.get(key)
        row: dict[str, Any] = {"pair": key[0], "open_time": key[1], "mismatch": []}
        for side, trade in (("ours", a), ("freqtrade", b)):
            row[side] = None
            if trade is not None:
                row[side] = {
                    "open_rate": float(trade["open_rate"]),
                    "close_time": trade["close_time"],
                    "exit_reason": trade["exit_reason"],
                    "close_rate": float(trade["close_rate"]),
                    "profit_pct": float(trade["profit_pct"]),
                }
        if a is None or b is None:
            row["mismatch"].append("only " + ("freqtrade" if a is None else "ours"))
        else:
            x, y = row["ours"], row["freqtrade"]
            row["profit_diff_pp"] = x["profit_pct"] - y["profit_pct"]
            row["close_rate_diff_pct"] = (x["close_rate"] / y["close_rate"] - 1) * 100
            if abs(x["open_rate"] / y["open_rate"] - 1) > OPEN_RATE_TOLERANCE:
                row["mismatch"].append("open_rate")
            for field in ("close_time", "exit_reason"):
                if x[field] != y[field]:
                    row["mismatch"].append(field)
            if abs(row["profit_diff_pp"]) > tolerance:
                row["mismatch"].append("profit")
        rows.append(row)
    return rows


def speeds(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    s = ours["summary"]
    ft_total = theirs["indicators_s"] + theirs["backtest_s"]
    return {
        "ours": {
            "candles": s["candles"],
            "whole_run_s": s["elapsed_s"],
            "whole_run_candles_per_s": s["candles"] / s["elapsed_s"],
            "loop_s": s["loop_s"],
            "loop_candles_per_s": s["candles"] / max(s["loop_s"], 1e-9),
            "command_s": ours["command_s"],
        },
        "freqtrade": {
            "candles": theirs["candles"],
            "backtest_s": theirs["backtest_s"],
            "backtest_candles_per_s": theirs["candles"] / theirs["backtest_s"],
            "indicators_s": theirs["indicators_s"],
            "with_indicators_candles_per_s": theirs["candles"] / ft_total,
            "setup_load_s": theirs["setup_load_s"],
        },
    }


def print_report(result: dict[str, Any]) -> None:
    out = []
    ours, ft = result["speed"]["ours"], result["speed"]["freqtrade"]
    out.append(
        f"freqtrade {result['freqtrade_version']} SampleStrategy vs our rsi_bb_tema "
        f"(--freqtrade) on {', '.join(result['files'])}; stake 0.05, wallet 1, 3 slots, fee 0.1 %"
    )
    out.append(
        f"trades: ours {result['trades']['ours']}  freqtrade {result['trades']['freqtrade']}  "
        f"final balance: ours {result['final_balance']['ours']}  "
        f"freqtrade {result['final_balance']['freqtrade']}"
    )
    out.append(
        f"ours      {ours['candles']:>6} candles  whole run {ours['whole_run_s']:.4f} s = "
        f"{ours['whole_run_candles_per_s']:>12,.0f} candles/s  "
        f"loop alone {ours['loop_candles_per_s']:>12,.0f} candles/s  "
        f"(command incl. file load + JSON {ours['command_s']:.3f} s)"
    )
    out.append(
        f"freqtrade {ft['candles']:>6} candles  backtest() {ft['backtest_s']:.4f} s = "
        f"{ft['backtest_candles_per_s']:>11,.0f} candles/s  "
        f"with indicators {ft['with_indicators_candles_per_s']:>9,.0f} candles/s  "
        f"(set-up + data load {ft['setup_load_s']:.3f} s)"
    )
    out.append(
        f"{'pair':<8} {'open':<16} | {'ours close':<16} {'reason':<11} {'profit %':>9} | "
        f"{'ft close':<16} {'reason':<11} {'profit %':>9} | {'d pp':>8} {'d rate %':>9}"
    )

    def side(trade: dict[str, Any] | None) -> str:
        if trade is None:
            return f"{'-':<16} {'':<11} {'':>9}"
        return (
            f"{trade['close_time'][:16]:<16} {trade['exit_reason']:<11} {trade['profit_pct']:>9.4f}"
        )

    for row in result["rows"]:
        deltas = (
            f"{row['profit_diff_pp']:>8.4f} {row['close_rate_diff_pct']:>9.5f}"
            if "profit_diff_pp" in row
            else f"{'':>8} {'':>9}"
        )
        flag = "  <- " + ", ".join(row["mismatch"]) if row["mismatch"] else ""
        out.append(
            f"{row['pair']:<8} {row['open_time'][:16]:<16} | {side(row['ours'])} | "
            f"{side(row['freqtrade'])} | {deltas}{flag}"
        )
    mismatches = [row for row in result["rows"] if row["mismatch"]]
    out.append(
        f"{len(mismatches)} mismatching trades (profit tolerance "
        f"{result['tolerance_pp']} pp); largest |d profit| {result['max_profit_diff_pp']:.4f} pp, "
        f"largest |d close rate| {result['max_close_rate_diff_pct']:.5f} %"
    )
    print("\n".join(out))  # noqa: T201 - a benchmark prints its figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="dir of the <name>.json files")
    parser.add_argument("--freqtrade-python", type=Path, default=FREQTRADE_PYTHON)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_PP, help="profit, % points")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    data, names = args.data.resolve(), list(NAMES)

    theirs = run_freqtrade(args.freqtrade_python, data, names)
    ours = run_ours(data, names)
    rows = diff_trades(ours["trades"], theirs["trades"], args.tolerance)
    matched = [row for row in rows if "profit_diff_pp" in row]
    result = {
        "freqtrade_version": theirs["freqtrade_version"],
        "freqtrade_strategy_sha256": theirs["strategy_sha256"],
        "files": names,
        "settings": SETTINGS,
        "tolerance_pp": args.tolerance,
        "trades": {"ours": len(ours["trades"]), "freqtrade": len(theirs["trades"])},
        "final_balance": {
            "ours": float(ours["summary"]["final_balance"]),
            "freqtrade": theirs["final_balance"],
        },
        "speed": speeds(ours, theirs),
        "max_profit_diff_pp": max((abs(r["profit_diff_pp"]) for r in matched), default=0.0),
        "max_close_rate_diff_pct": max(
            (abs(r["close_rate_diff_pct"]) for r in matched), default=0.0
        ),
        "mismatches": sum(1 for row in rows if row["mismatch"]),
        "rows": rows,
    }
    result["ok"] = result["mismatches"] == 0
    if args.json:
        print(json.dumps(result, indent=2))  # noqa: T201
    else:
        print_report(result)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
