"""Candle-based backtests: `run_backtest(config, frames, strategy) -> BacktestResult`.

See docs/backtesting.md for the rules the engine follows.
"""

from trading.backtest.config import BacktestConfig, BacktestError
from trading.backtest.engine import pair_signals, run_backtest
from trading.backtest.report import ASSUMPTIONS, BacktestResult, Trade

__all__ = [
    "ASSUMPTIONS",
    "BacktestConfig",
    "BacktestError",
    "BacktestResult",
    "Trade",
    "pair_signals",
    "run_backtest",
]
