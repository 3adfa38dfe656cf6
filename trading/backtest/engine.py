"""`run_backtest`: a strategy over candle frames, several pairs sharing one wallet.

A pure function of its inputs (no database, no clock besides the elapsed time it reports):
the strategy's vectorised signals are computed per pair, laid on one time grid, and the
compiled loop in `trading.backtest.loop` walks the grid candle by candle. The rules it
follows are in docs/backtesting.md and in `report.ASSUMPTIONS`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trading.backtest import loop
from trading.backtest.config import BacktestConfig, BacktestError
from trading.backtest.report import BacktestResult, build_result
from trading.strategies.base import ExitRules, Strategy

FRAME_COLUMNS = ("open_time", "open", "high", "low", "close", "volume")
CHUNK = 50_000  # candles per compiled call; progress is reported between calls

Progress = Callable[[float], None]


@dataclass(frozen=True)
class PairSignals:
    """One pair's candles and decisions as arrays, row i = candle i of the frame."""

    times: np.ndarray  # int64, candle open time in ms (UTC)
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    enter: np.ndarray  # bool: the strategy wants in, decided at candle i's close
    exit: np.ndarray  # bool: the strategy wants out, decided at candle i's close
    can_enter: np.ndarray  # bool: enter at candle i's open (shifted, filtered)
    exit_now: np.ndarray  # bool: leave at candle i's open (shifted)


def frame_times_ms(frame: pd.DataFrame) -> np.ndarray:
    """The `open_time` column as int64 milliseconds since the epoch (UTC)."""
    moments = pd.DatetimeIndex(pd.to_datetime(frame["open_time"], utc=True))
    return np.asarray(moments.as_unit("ms").asi8, dtype=np.int64)


def _check_frame(pair: str, frame: pd.DataFrame, timeframe_ms: int) -> None:
    missing = [column for column in FRAME_COLUMNS if column not in frame.columns]
    if missing:
        raise BacktestError("bad_frame", f"{pair}: missing columns {', '.join(missing)}.", "data")
    if frame.empty:
        raise BacktestError("no_candles", f"{pair}: no candles.", "data")
    steps = np.diff(frame_times_ms(frame))
    if (steps <= 0).any():
        raise BacktestError("bad_frame", f"{pair}: candle times must increase.", "data")
    if (steps % timeframe_ms).any():
        raise BacktestError(
            "timeframe_mismatch",
            f"{pair}: candles are not a whole number of timeframes apart; check --timeframe.",
            "timeframe",
        )


def pair_signals(
    strategy: Strategy, frame: pd.DataFrame, *, min_confidence: float | None = None
) -> PairSignals:
    """The strategy's decisions on one pair's candles, and when the backtest acts on them.

    A signal on candle i (known at its close) acts at candle i+1's open; signals on the
    first `startup_candles` candles are dropped (indicator warm-up). An entry needs no exit
    signal on the same candle, and a confidence at or above `min_confidence` when both the
    minimum and the strategy's confidence exist; an exit signal is ignored on a candle that
    also says enter (freqtrade's rules).
    """
    df = strategy.indicators(frame.reset_index(drop=True).copy())
    n = len(df)
    enter = _bools(strategy.entry(df), n)
    exit_ = _bools(strategy.exit(df), n)
    warm = np.arange(n) >= int(getattr(strategy, "startup_candles", 0))
    enter &= warm
    exit_ &= warm
    wanted = enter.copy()
    if min_confidence is not None:
        confidence = strategy.confidence(df)
        if confidence is not None:
            scores = pd.to_numeric(pd.Series(confidence), errors="coerce").to_numpy(float)
            with np.errstate(invalid="ignore"):
                wanted &= np.nan_to_num(scores, nan=-1.0) >= min_confidence
    can_enter = np.zeros(n, dtype=bool)
    exit_now = np.zeros(n, dtype=bool)
    can_enter[1:] = wanted[:-1] & ~exit_[:-1]
    exit_now[1:] = exit_[:-1] & ~enter[:-1]
    return PairSignals(
        times=frame_times_ms(frame),
        open=frame["open"].to_numpy(np.float64),
        high=frame["high"].to_numpy(np.float64),
        low=frame["low"].to_numpy(np.float64),
        close=frame["close"].to_numpy(np.float64),
        enter=enter,
        exit=exit_,
        can_enter=can_enter,
        exit_now=exit_now,
    )


def _bools(values: pd.Series | np.ndarray, n: int) -> np.ndarray:
    series = pd.Series(values).reset_index(drop=True)
    if len(series) != n:
        raise BacktestError("bad_signal", "A signal Series must have one value per candle.")
    return series.fillna(False).astype(bool).to_numpy(copy=True)


def _params(config: BacktestConfig, rules: ExitRules) -> np.ndarray:
    params = np.zeros(loop.N_PARAMS, dtype=np.float64)
    params[loop.P_FEE] = config.fee
    params[loop.P_SLIPPAGE] = config.slippage
    params[loop.P_STAKE_MODE] = {"fixed": 0, "percent": 1, "risk": 2}[config.stake_mode]
    params[loop.P_STAKE] = config.stake
    params[loop.P_MAX_OPEN] = config.max_open_trades
    stoploss = 1.0 if rules.stoploss is None else min(abs(float(rules.stoploss)), 1.0)
    if config.stake_mode == "risk" and rules.stoploss is None:
        raise BacktestError(
            "risk_needs_stoploss", "Risk-based stakes need a strategy with a stoploss.", "stake"
        )
    params[loop.P_STOPLOSS] = stoploss
    params[loop.P_TRAILING] = 1.0 if rules.trailing_stop else 0.0
    positive = rules.trailing_stop_positive
    params[loop.P_TSP] = math.nan if positive is None else abs(float(positive))
    params[loop.P_TSP_OFFSET] = float(rules.trailing_stop_positive_offset or 0.0)
    params[loop.P_ONLY_OFFSET] = 1.0 if rules.trailing_only_offset_is_reached else 0.0
    take_profit = rules.take_profit
    params[loop.P_TAKE_PROFIT] = math.nan if take_profit is None else abs(float(take_profit))
    params[loop.P_GAP_AT_OPEN] = 1.0 if config.stop_gap_fill == "open" else 0.0
    params[loop.P_TF_MINUTES] = config.timeframe_ms // 60_000
    params[loop.P_FORCE_AT_OPEN] = 1.0 if config.force_exit_price == "open" else 0.0
    params[loop.P_EXIT_NEXT_OPEN] = 1.0 if config.exit_fill == "next_open" else 0.0
    params[loop.P_COOLDOWN] = config.cooldown_candles
    params[loop.P_MAX_STOPS] = config.max_stoplosses_per_day
    params[loop.P_MAX_PER_DAY] = config.max_entries_per_day
    for index, pct in (
        (loop.P_MAX_TRADE_RISK, config.max_trade_risk_pct),
        (loop.P_MAX_POSITION, config.max_position_pct),
        (loop.P_MAX_DAILY_LOSS, config.max_daily_loss_pct),
        (loop.P_MAX_DRAWDOWN, config.max_drawdown_pct),
    ):
        params[index] = math.nan if pct is None else pct / 100
    return params


def _roi_table(rules: ExitRules) -> tuple[np.ndarray, np.ndarray]:
    table = sorted((int(minutes), float(ratio)) for minutes, ratio in rules.minimal_roi.items())
    keys = np.array([minutes for minutes, _ in table], dtype=np.int64)
    values = np.array([ratio for _, ratio in table], dtype=np.float64)
    if (keys < 0).any():
        raise BacktestError("bad_roi", "minimal_roi keys are minutes, 0 or more.")
    return keys, values


def exit_rule_params(
    config: BacktestConfig, rules: ExitRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The compiled loop's parameters and ROI table for `rules` under `config`."""
    return (_params(config, rules), *_roi_table(rules))


def run_backtest(
    config: BacktestConfig,
    frames: Mapping[str, pd.DataFrame],
    strategy: Strategy,
    *,
    progress: Progress | None = None,
) -> BacktestResult:
    """Backtest `strategy` on `frames` (pair -> candles, processed in that order).

    `progress`, when given, is called with the fraction done (0..1) between steps, so a
    Celery task can report it. The result serialises to JSON with `to_dict()`.
    """
    started = time.perf_counter()
    report = progress or (lambda fraction: None)
    if not frames:
        raise BacktestError("no_data", "Give at least one pair's candles.", "data")
    pairs = list(frames)
    for pair in pairs:
        _check_frame(pair, frames[pair], config.timeframe_ms)

    signals: list[PairSignals] = []
    for number, pair in enumerate(pairs, start=1):
        signals.append(pair_signals(strategy, frames[pair], min_confidence=config.min_confidence))
        report(0.3 * number / len(pairs))

    grid = np.unique(np.concatenate([s.times for s in signals]))
    n_times, n_pairs = len(grid), len(pairs)
    shape = (n_times, n_pairs)
    prices = {name: np.full(shape, np.nan) for name in ("open", "high", "low", "close")}
    valid = np.zeros(shape, dtype=bool)
    can_enter = np.zeros(shape, dtype=bool)
    exit_now = np.zeros(shape, dtype=bool)
    rows = []
    for p, s in enumerate(signals):
        at = np.searchsorted(grid, s.times)
        rows.append(at)
        for name, array in prices.items():
            array[at, p] = getattr(s, name)
        valid[at, p] = True
        can_enter[at, p] = s.can_enter
        exit_now[at, p] = s.exit_now
    last_rows = np.array([at[-1] for at in rows], dtype=np.int64)

    rules = strategy.exit_rules()
    params = _params(config, rules)
    roi_keys, roi_values = _roi_table(rules)
    positions = np.zeros((n_pairs, loop.N_POS), dtype=np.float64)
    positions[:, loop.POS_LAST_EXIT] = -1.0
    state = np.zeros(loop.N_STATE, dtype=np.float64)
    state[loop.S_FREE] = config.wallet
    state[loop.S_EQUITY] = state[loop.S_PEAK] = state[loop.S_DAY_START_EQUITY] = config.wallet
    state[loop.S_DAY] = -1.0
    stop_times = np.zeros(max(config.max_stoplosses_per_day, 1), dtype=np.float64)
    trades = np.zeros((0, loop.N_TRADE), dtype=np.float64)
    last_close = np.full(n_pairs, np.nan)
    balance = np.zeros(n_times, dtype=np.float64)
    equity = np.zeros(n_times, dtype=np.float64)
    open_counts = np.zeros(n_times, dtype=np.int64)
    loop_seconds = 0.0
    for t0 in range(0, n_times, CHUNK):
        t1 = min(t0 + CHUNK, n_times)
        # one closed trade per pair and candle at most, plus the force exits at the end
        trades = _ensure_capacity(trades, int(state[loop.S_N_TRADES]) + (t1 - t0 + 1) * n_pairs)
        loop_started = time.perf_counter()
        loop.simulate(
            t0, t1, grid, prices["open"], prices["high"], prices["low"], prices["close"],
            valid, can_enter, exit_now, roi_keys, roi_values, params, positions, state,
            stop_times, trades, last_close, balance, equity, open_counts,
        )  # fmt: skip
        loop_seconds += time.perf_counter() - loop_started
        report(0.3 + 0.65 * t1 / n_times)
    loop.force_exit(last_rows, prices["open"], prices["close"], params, positions, state, trades)
    if n_times:
        balance[-1] = state[loop.S_FREE] + state[loop.S_TIED]
        equity[-1] = balance[-1]

    result = build_result(
        config=config,
        strategy=strategy,
        pairs=pairs,
        grid=grid,
        trades=trades[: int(state[loop.S_N_TRADES])],
        balance=balance,
        equity=equity,
        open_counts=open_counts,
        first_closes=[s.close[min(_startup(strategy), len(s.close) - 1)] for s in signals],
        last_closes=[s.close[-1] for s in signals],
        start_ms=min(int(s.times[min(_startup(strategy), len(s.times) - 1)]) for s in signals),
        candles=int(sum(len(s.times) for s in signals)),
        rejected_no_slot=int(state[loop.S_REJECTED_SLOTS]),
        rejected_no_funds=int(state[loop.S_REJECTED_FUNDS]),
        rejected_by_risk=int(state[loop.S_REJECTED_RISK]),
        elapsed_s=time.perf_counter() - started,
        loop_s=loop_seconds,
    )
    report(1.0)
    return result


def _startup(strategy: Strategy) -> int:
    return int(getattr(strategy, "startup_candles", 0))


def _ensure_capacity(trades: np.ndarray, needed: int) -> np.ndarray:
    if trades.shape[0] >= needed:
        return trades
    grown = np.zeros((max(needed, 2 * trades.shape[0]), loop.N_TRADE), dtype=np.float64)
    grown[: trades.shape[0]] = trades
    return grown
