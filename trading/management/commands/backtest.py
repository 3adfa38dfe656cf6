"""`manage.py backtest`: the backtest engine from the shell, on files or stored candles."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryptopulse.errors import ApplicationError
from trading.backtest import BacktestConfig, BacktestResult, run_backtest
from trading.backtest.config import STAKE_MODES
from trading.backtest.data import fill_gaps, load_file, load_stored
from trading.strategies.base import Strategy


def resolve_strategy(name: str, params: dict[str, str]) -> Strategy:
    """A registered strategy by name, or `package.module:Class` for one outside the registry."""
    if ":" in name:
        module_name, _, class_name = name.partition(":")
        try:
            strategy_class = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as error:
            raise CommandError(f"Cannot load strategy {name}: {error}") from error
        if not (isinstance(strategy_class, type) and issubclass(strategy_class, Strategy)):
            raise CommandError(f"{name} is not a Strategy class.")
        return strategy_class(**params)
    try:  # the registry arrives with the built-in strategies; imported only when used
        registry = importlib.import_module("trading.strategies.registry")
    except ImportError as error:
        raise CommandError(
            f"No strategy registry yet; name the class as package.module:Class ({error})."
        ) from error
    strategy: Strategy = registry.get_strategy(name, params)
    return strategy


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--param takes key=value, not {pair!r}.")
        params[key.strip()] = value.strip()
    return params


class Command(BaseCommand):
    help = (
        "Backtest a strategy on candle files (--data) or stored candles (--exchange/--symbol); "
        "the rules are in docs/backtesting.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--strategy", required=True, help="registry name or module:Class")
        parser.add_argument(
            "--param", action="append", default=[], metavar="K=V", help="strategy parameter"
        )
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--data", nargs="+", action="extend", type=Path, help="freqtrade JSON or CSV files"
        )
        source.add_argument("--exchange", help="read stored candles of this exchange")
        parser.add_argument(
            "--symbol", nargs="+", action="extend", default=[], help="with --exchange: pairs"
        )
        parser.add_argument("--timeframe", help="default: from the file names")
        parser.add_argument("--start", help="with --exchange: first candle (ISO 8601)")
        parser.add_argument("--end", help="with --exchange: last candle (ISO 8601)")
        parser.add_argument("--stake", type=float, default=0.05)
        parser.add_argument("--stake-mode", choices=STAKE_MODES, default="fixed")
        parser.add_argument("--wallet", type=float, default=1.0)
        parser.add_argument("--max-open-trades", type=int, default=3)
        parser.add_argument("--fee", type=float, default=0.001)
        parser.add_argument("--slippage", type=float, default=0.0)
        parser.add_argument("--min-confidence", type=float)
        parser.add_argument("--stop-gap-fill", choices=("open", "stop"), default="open")
        parser.add_argument("--force-exit-price", choices=("close", "open"), default="close")
        parser.add_argument(
            "--fill-gaps", action="store_true", help="add missing candles as freqtrade does"
        )
        parser.add_argument(
            "--freqtrade",
            action="store_true",
            help="freqtrade's rules: --stop-gap-fill stop --force-exit-price open --fill-gaps",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--csv", type=Path, help="also write the trades to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self._run(options)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if options["csv"]:
            options["csv"].write_text(result.trades_csv(), encoding="utf-8")
        if options["json"]:
            self.stdout.write(result.to_json(indent=2))
        else:
            self._print(result)

    def _run(self, options: dict[str, Any]) -> BacktestResult:
        strategy = resolve_strategy(options["strategy"], _params(options["param"]))
        timeframe = options["timeframe"]
        frames = {}
        if options["data"]:
            for path in options["data"]:
                pair, file_timeframe, frame = load_file(path)
                if timeframe and file_timeframe and file_timeframe != timeframe:
                    raise CommandError(
                        f"{path.name} holds {file_timeframe} candles, not {timeframe}."
                    )
                timeframe = timeframe or file_timeframe
                if pair in frames:
                    raise CommandError(f"Two files for {pair}.")
                frames[pair] = frame
        else:
            if not options["symbol"]:
                raise CommandError("--exchange needs --symbol.")
            timeframe = timeframe or strategy.timeframe
            for symbol in options["symbol"]:
                frames[symbol.upper()] = load_stored(
                    exchange=options["exchange"],
                    symbol=symbol.upper(),
                    timeframe=timeframe,
                    start=_moment(options["start"]),
                    end=_moment(options["end"]),
                )
        freqtrade = options["freqtrade"]
        config = BacktestConfig(
            timeframe=timeframe or strategy.timeframe,
            wallet=options["wallet"],
            stake=options["stake"],
            stake_mode=options["stake_mode"],
            max_open_trades=options["max_open_trades"],
            fee=options["fee"],
            slippage=options["slippage"],
            min_confidence=options["min_confidence"],
            stop_gap_fill="stop" if freqtrade else options["stop_gap_fill"],
            force_exit_price="open" if freqtrade else options["force_exit_price"],
        )
        if freqtrade or options["fill_gaps"]:
            frames = {pair: fill_gaps(frame, config.timeframe_ms) for pair, frame in frames.items()}
        return run_backtest(config, frames, strategy)

    def _print(self, result: BacktestResult) -> None:
        s = result.summary
        lines = [
            f"{s['strategy']} on {', '.join(s['pairs'])} ({s['timeframe']}), "
            f"{s['start']} .. {s['end']}",
            f"trades {s['total_trades']}  win rate {s['win_rate_pct']} %  "
            f"profit {s['profit_total_abs']} ({s['profit_total_pct']} %)  "
            f"final balance {s['final_balance']}",
            f"max drawdown {s['max_drawdown_abs']} ({s['max_drawdown_pct']} %)  "
            f"CAGR {s['cagr_pct']} %  Sharpe {s['sharpe']}  Sortino {s['sortino']}  "
            f"Calmar {s['calmar']}  profit factor {s['profit_factor']}",
            f"market change {s['market_change_pct']} %  exposure {s['exposure_pct']} %  "
            f"{s['candles']} candles in {s['elapsed_s']} s",
        ]
        for title, key, rows in (
            ("per pair", "pair", result.per_pair),
            ("per exit reason", "exit_reason", result.per_exit_reason),
        ):
            lines.append(title)
            lines.extend(
                f"  {row[key]:<20} {row['trades']:>5} trades  {row['win_rate_pct']:>8} % won  "
                f"{row['profit_total_abs']:>14} ({row['profit_total_pct']} %)"
                for row in rows
            )
        self.stdout.write("\n".join(lines))


def _moment(text: str | None) -> datetime | None:
    """An ISO 8601 time from the command line; without a zone, UTC."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"{text!r} is not an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
