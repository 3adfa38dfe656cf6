# mypy: disable-error-code="import-not-found"
# (freqtrade lives only in .venv-freqtrade; the project's mypy runs in .venv.)
"""freqtrade's side of benchmarks/freqtrade_crosscheck.py; runs in .venv-freqtrade, not .venv.

    .venv-freqtrade/bin/python benchmarks/freqtrade_shim/run_freqtrade.py \
        --data ../shared/data/ohlcv ETH_BTC-5m LTC_BTC-5m ADA_BTC-5m > freqtrade.json

Our own driver (it imports freqtrade, it contains none of its code). It backtests the
SampleStrategy shipped in the installed freqtrade (`freqtrade/templates/sample_strategy.py`,
copied unchanged into a temporary user_data/strategies) offline:

- a temporary user_data dir; the candle files (JSON `[ts_ms, o, h, l, c, v]`) are stored in
  freqtrade's default data format (feather, under data/binance/) with freqtrade's data handler;
- a config file with the run's settings, read through freqtrade's `Configuration` (the path
  `freqtrade backtesting --config ...` takes: schema validation, defaults);
- the markets shim: `Exchange.reload_markets` is replaced by one that sets a static
  spot-markets dict (the pairs, no precision, no limits) instead of asking the exchange, so
  nothing goes to the network. With no price precision in the markets freqtrade's backtesting
  uses the tick it derives from the data's decimals (`get_tick_size_over_time`), as it does in
  any backtest. Everything else (config validation, fee from the config) is freqtrade's own.

Then it runs the steps of `Backtesting.backtest_one_strategy` (load data, indicators, trim
for the start-up candles, `backtest()`), timing each, and prints one JSON object on stdout:
version, strategy source hash, candles, timings and the trade list. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

import freqtrade
import pandas as pd
from freqtrade.configuration import Configuration
from freqtrade.data import history
from freqtrade.data.converter import trim_dataframes
from freqtrade.data.history import get_datahandler
from freqtrade.enums import CandleType, RunMode
from freqtrade.exchange import Exchange
from freqtrade.optimize.backtesting import Backtesting
from freqtrade.util import dt_ts

EXCHANGE = "binance"  # any ccxt exchange class works offline; its markets come from the shim


def spot_market(pair: str) -> dict[str, Any]:
    """A ccxt unified spot market without precision or limits (the data has neither)."""
    base, quote = pair.split("/")
    return {
        "id": base + quote,
        "symbol": pair,
        "base": base,
        "quote": quote,
        "baseId": base,
        "quoteId": quote,
        "active": True,
        "type": "spot",
        "spot": True,
        "margin": False,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "linear": None,
        "inverse": None,
        "settle": None,
        "settleId": None,
        "contractSize": None,
        "precision": {"price": None, "amount": None, "base": None, "quote": None},
        "limits": {
            "amount": {"min": None, "max": None},
            "cost": {"min": None, "max": None},
            "price": {"min": None, "max": None},
            "leverage": {"min": None, "max": None},
        },
        "info": {},
    }


def offline_markets(markets: dict[str, dict[str, Any]]) -> Any:
    """A stand-in for `Exchange.reload_markets` that installs `markets` instead of fetching."""

    def reload_markets(self: Any, force: bool = False, *, load_leverage_tiers: bool = True) -> None:
        self._markets = markets
        self._api.set_markets(list(markets.values()))
        self._api_async.set_markets(list(markets.values()))
        self._last_markets_refresh = dt_ts()

    return reload_markets


def store_candles(source: Path, datadir: Path, pair: str, timeframe: str) -> int:
    """Write one JSON candle file into datadir in freqtrade's default (feather) format."""
    rows = json.loads(source.read_text(encoding="utf-8"))
    frame = pd.DataFrame(rows, columns=["date", "open", "high", "low", "close", "volume"])
    frame["date"] = pd.to_datetime(frame["date"], unit="ms", utc=True)
    get_datahandler(datadir, "feather").ohlcv_store(pair, timeframe, frame, CandleType.SPOT)
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="file stems, e.g. ETH_BTC-5m")
    parser.add_argument("--data", type=Path, required=True, help="dir of <name>.json files")
    parser.add_argument("--strategy", default="SampleStrategy")
    parser.add_argument("--stake", type=float, default=0.05)
    parser.add_argument("--wallet", type=float, default=1.0)
    parser.add_argument("--max-open-trades", type=int, default=3)
    parser.add_argument("--fee", type=float, default=0.001)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    pairs, timeframes = [], set()
    for name in args.names:
        symbol, _, timeframe = name.partition("-")
        pairs.append(symbol.replace("_", "/"))
        timeframes.add(timeframe)
    if len(timeframes) != 1:
        parser.error(f"one timeframe for all files, not {sorted(timeframes)}")
    timeframe = timeframes.pop()
    template = Path(freqtrade.__file__).parent / "templates" / "sample_strategy.py"

    with tempfile.TemporaryDirectory(prefix="ft-crosscheck-") as tmp:
        user_data = Path(tmp)
        (user_data / "strategies").mkdir()
        shutil.copy(template, user_data / "strategies" / template.name)
        datadir = user_data / "data" / EXCHANGE
        datadir.mkdir(parents=True)
        file_candles = {
            pair: store_candles(args.data / f"{name}.json", datadir, pair, timeframe)
            for pair, name in zip(pairs, args.names, strict=True)
        }
        config_file = user_data / "config.json"
        config_file.write_text(
            json.dumps(
                {
                    "trading_mode": "spot",
                    "dry_run": True,
                    "dry_run_wallet": args.wallet,
                    "stake_currency": "BTC",
                    "stake_amount": args.stake,
                    "max_open_trades": args.max_open_trades,
                    "fee": args.fee,
                    "timeframe": timeframe,
                    "dataformat_ohlcv": "feather",
                    "entry_pricing": {"price_side": "same", "use_order_book": False},
                    "exit_pricing": {"price_side": "same", "use_order_book": False},
                    "exchange": {"name": EXCHANGE, "pair_whitelist": pairs},
                    "pairlists": [{"method": "StaticPairList"}],
                }
            ),
            encoding="utf-8",
        )
        markets = {pair: spot_market(pair) for pair in pairs}
        with patch.object(Exchange, "reload_markets", offline_markets(markets)):
            config = Configuration(
                {
                    "config": [str(config_file)],
                    "user_data_dir": str(user_data),
                    "datadir": str(datadir),
                    "strategy": args.strategy,
                    "strategy_path": str(user_data / "strategies"),
                    "export": "none",
                },
                RunMode.BACKTEST,
            ).get_config()
            started = time.perf_counter()
            backtesting = Backtesting(config)
            data, timerange = backtesting.load_bt_data()
            loaded = time.perf_counter()
            strategy = backtesting.strategylist[0]
            backtesting._set_strategy(strategy)
            preprocessed = backtesting.strategy.advise_all_indicators(data)
            trimmed = trim_dataframes(preprocessed, timerange, backtesting.required_startup)
            start_date, end_date = history.get_timerange(trimmed)
            indicated = time.perf_counter()
            result = backtesting.backtest(
                processed=preprocessed, start_date=start_date, end_date=end_date
            )
            finished = time.perf_counter()

    trades = [
        {
            "pair": row.pair,
            "open_time": row.open_date.isoformat(),
            "close_time": row.close_date.isoformat(),
            "open_rate": row.open_rate,
            "close_rate": row.close_rate,
            "exit_reason": row.exit_reason,
            "profit_pct": row.profit_ratio * 100,
            "profit_abs": row.profit_abs,
        }
        for row in result["results"].itertuples()
    ]
    output = {
        "freqtrade_version": freqtrade.__version__,
        "strategy": args.strategy,
        "strategy_file": str(template),
        "strategy_sha256": hashlib.sha256(template.read_bytes()).hexdigest(),
        "file_candles": file_candles,
        "candles": int(sum(len(frame) for frame in data.values())),
        "setup_load_s": loaded - started,
        "indicators_s": indicated - loaded,
        "backtest_s": finished - indicated,
        "final_balance": result["final_balance"],
        "trades": trades,
    }
    json.dump(output, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
