"""The compiled trade loop: every candle, every pair in order, one wallet.

Inputs are float64 / bool arrays shaped (time, pair) on one time grid (a pair without a
candle at a time has `valid` False there). Signals arrive already shifted by the engine:
`can_enter[t, p]` / `exit_now[t, p]` say to act at the *open* of candle t. The loop keeps its
state in arrays it updates in place (`positions`, `state`, `trades`), so the engine can run
it in chunks of time and report progress between them; docs/backtesting.md states each rule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# params[...] (all float64)
P_FEE = 0
P_SLIPPAGE = 1
P_STAKE_MODE = 2  # 0 fixed, 1 percent, 2 risk
P_STAKE = 3
P_MAX_OPEN = 4  # -1: no limit
P_STOPLOSS = 5  # positive distance (0.1 = 10 % below entry); 1.0 = no stop
P_TRAILING = 6  # 0/1
P_TSP = 7  # trailing_stop_positive; NaN when unset
P_TSP_OFFSET = 8
P_ONLY_OFFSET = 9  # 0/1
P_TAKE_PROFIT = 10  # NaN when unset
P_GAP_AT_OPEN = 11  # 1: a candle opening below the stop fills at the open
P_TF_MINUTES = 12
P_FORCE_AT_OPEN = 13  # 1: force_exit at the last candle's open instead of its close
N_PARAMS = 14

# positions[pair, ...]
POS_OPEN = 0
POS_ENTRY_T = 1
POS_OPEN_RATE = 2
POS_AMOUNT = 3
POS_STAKE = 4
POS_STOP = 5
POS_INITIAL_STOP = 6
POS_STOP_PCT = 7
POS_MAX_RATE = 8
POS_MIN_RATE = 9
POS_SEQ = 10  # order of opening: pairs holding the oldest trade are processed first
N_POS = 11

# state[...]
S_FREE = 0
S_TIED = 1  # open trades at cost (stake + entry fee)
S_N_TRADES = 2
S_OPEN_COUNT = 3
S_REJECTED_SLOTS = 4
S_REJECTED_FUNDS = 5
S_SEQ = 6
N_STATE = 7

# trades[row, ...]
T_PAIR = 0
T_ENTRY_T = 1
T_EXIT_T = 2
T_OPEN_RATE = 3
T_CLOSE_RATE = 4
T_AMOUNT = 5
T_STAKE = 6
T_FEE_OPEN = 7
T_FEE_CLOSE = 8
T_PROFIT_ABS = 9
T_PROFIT_RATIO = 10
T_REASON = 11
T_INITIAL_STOP = 12
T_STOP = 13
T_MAX_RATE = 14
T_MIN_RATE = 15
N_TRADE = 16

EXIT_SIGNAL = 1
STOP_LOSS = 2
ROI = 3
TAKE_PROFIT = 4
TRAILING_STOP_LOSS = 5
FORCE_EXIT = 6
EXIT_REASONS = {
    EXIT_SIGNAL: "exit_signal",
    STOP_LOSS: "stop_loss",
    ROI: "roi",
    TAKE_PROFIT: "take_profit",
    TRAILING_STOP_LOSS: "trailing_stop_loss",
    FORCE_EXIT: "force_exit",
}


@njit(cache=True)
def _close(p, t, rate, reason, params, positions, state, trades):  # pragma: no cover - compiled
    fee = params[P_FEE]
    amount = positions[p, POS_AMOUNT]
    stake = positions[p, POS_STAKE]
    cost = stake * (1.0 + fee)
    proceeds = amount * rate * (1.0 - fee)
    row = int(state[S_N_TRADES])
    trades[row, T_PAIR] = p
    trades[row, T_ENTRY_T] = positions[p, POS_ENTRY_T]
    trades[row, T_EXIT_T] = t
    trades[row, T_OPEN_RATE] = positions[p, POS_OPEN_RATE]
    trades[row, T_CLOSE_RATE] = rate
    trades[row, T_AMOUNT] = amount
    trades[row, T_STAKE] = stake
    trades[row, T_FEE_OPEN] = stake * fee
    trades[row, T_FEE_CLOSE] = amount * rate * fee
    trades[row, T_PROFIT_ABS] = proceeds - cost
    trades[row, T_PROFIT_RATIO] = (proceeds - cost) / cost
    trades[row, T_REASON] = reason
    trades[row, T_INITIAL_STOP] = positions[p, POS_INITIAL_STOP]
    trades[row, T_STOP] = positions[p, POS_STOP]
    trades[row, T_MAX_RATE] = positions[p, POS_MAX_RATE]
    trades[row, T_MIN_RATE] = positions[p, POS_MIN_RATE]
    state[S_N_TRADES] += 1
    state[S_FREE] += proceeds
    state[S_TIED] -= cost
    state[S_OPEN_COUNT] -= 1
    positions[p, POS_OPEN] = 0.0


@njit(cache=True)
def _stake(o, params, state):  # pragma: no cover - compiled
    """Quote to spend on a new trade (0 when the wallet cannot pay it)."""
    fee = params[P_FEE]
    free = state[S_FREE]
    mode = params[P_STAKE_MODE]
    if mode == 0:
        stake = params[P_STAKE]
        if stake * (1.0 + fee) > free * (1.0 + 1e-12):
            return 0.0
        return stake
    equity = free + state[S_TIED]
    if mode == 1:
        stake = params[P_STAKE] * equity
    else:
        slip = params[P_SLIPPAGE]
        loss_per_stake = (1.0 + fee) - (1.0 - params[P_STOPLOSS]) * (1.0 - slip) * (1.0 - fee)
        stake = params[P_STAKE] * equity / loss_per_stake
    stake = min(stake, free / (1.0 + fee))
    if stake <= 1e-12:
        return 0.0
    return stake


@njit(cache=True)
def simulate(
    t0,
    t1,
    times,
    open_,
    high,
    low,
    close,
    valid,
    can_enter,
    exit_now,
    roi_keys,
    roi_values,
    params,
    positions,
    state,
    trades,
    last_close,
    balance,
    equity,
    open_counts,
):  # pragma: no cover - compiled
    """Run candles t0..t1-1; update the state arrays in place."""
    n_times, n_pairs = open_.shape
    fee = params[P_FEE]
    slip = params[P_SLIPPAGE]
    max_open = params[P_MAX_OPEN]
    sl = params[P_STOPLOSS]
    trailing = params[P_TRAILING] > 0.5
    tsp = params[P_TSP]
    has_tsp = not np.isnan(tsp)
    offset = params[P_TSP_OFFSET]
    only_offset = params[P_ONLY_OFFSET] > 0.5
    tp = params[P_TAKE_PROFIT]
    has_tp = not np.isnan(tp)
    gap_at_open = params[P_GAP_AT_OPEN] > 0.5
    tf_minutes = int(params[P_TF_MINUTES])
    n_roi = roi_keys.shape[0]
    last_t = n_times - 1
    order = np.empty(n_pairs, np.int64)
    for t in range(t0, t1):
        # Pairs holding a trade go first, oldest trade first, then the others in the given
        # order (as freqtrade); a slot freed by an exit is free for the pairs after it.
        n_held = 0
        for p in range(n_pairs):
            if positions[p, POS_OPEN] > 0.5:
                k = n_held
                while k > 0 and positions[order[k - 1], POS_SEQ] > positions[p, POS_SEQ]:
                    order[k] = order[k - 1]
                    k -= 1
                order[k] = p
                n_held += 1
        k = n_held
        for p in range(n_pairs):
            if positions[p, POS_OPEN] < 0.5:
                order[k] = p
                k += 1
        for i in range(n_pairs):
            p = order[i]
            if not valid[t, p]:
                continue
            o = open_[t, p]
            h = high[t, p]
            lo = low[t, p]
            last_close[p] = close[t, p]

            # 1. entry at this candle's open, from the previous candle's signal
            if positions[p, POS_OPEN] < 0.5 and can_enter[t, p] and t != last_t:
                if max_open >= 0 and state[S_OPEN_COUNT] >= max_open:
                    state[S_REJECTED_SLOTS] += 1
                else:
                    stake = _stake(o, params, state)
                    if stake <= 0.0:
                        state[S_REJECTED_FUNDS] += 1
                    else:
                        rate = o * (1.0 + slip)
                        positions[p, POS_OPEN] = 1.0
                        positions[p, POS_ENTRY_T] = t
                        positions[p, POS_OPEN_RATE] = rate
                        positions[p, POS_AMOUNT] = stake / rate
                        positions[p, POS_STAKE] = stake
                        stop = rate * (1.0 - sl)
                        positions[p, POS_STOP] = stop
                        positions[p, POS_INITIAL_STOP] = stop
                        positions[p, POS_STOP_PCT] = sl
                        positions[p, POS_MAX_RATE] = rate
                        positions[p, POS_MIN_RATE] = rate
                        state[S_FREE] -= stake * (1.0 + fee)
                        state[S_TIED] += stake * (1.0 + fee)
                        state[S_OPEN_COUNT] += 1
                        positions[p, POS_SEQ] = state[S_SEQ]
                        state[S_SEQ] += 1

            if positions[p, POS_OPEN] < 0.5:
                continue

            # 2. exits: exit signal -> stoploss -> ROI -> take profit -> trailing stop
            open_rate = positions[p, POS_OPEN_RATE]
            entry_t = int(positions[p, POS_ENTRY_T])
            minutes = (times[t] - times[entry_t]) // 60000
            positions[p, POS_MAX_RATE] = max(positions[p, POS_MAX_RATE], h)
            positions[p, POS_MIN_RATE] = min(positions[p, POS_MIN_RATE], lo)
            stop_at_open = positions[p, POS_STOP]
            profit_at_high = h * (1.0 - fee) / (open_rate * (1.0 + fee)) - 1.0
            # the stop trails the high only while the low has not reached it (freqtrade)
            if trailing and stop_at_open < lo and not (only_offset and profit_at_high < offset):
                distance = sl
                if has_tsp and profit_at_high > offset:
                    distance = tsp
                new_stop = h * (1.0 - distance)
                if new_stop > positions[p, POS_STOP]:
                    positions[p, POS_STOP] = new_stop
                    positions[p, POS_STOP_PCT] = distance
            stop = positions[p, POS_STOP]
            stop_hit = stop > 0.0 and stop >= lo
            trailed = stop != positions[p, POS_INITIAL_STOP]

            roi_hit = False
            roi_key = -1
            roi = 0.0
            for k in range(n_roi):
                if roi_keys[k] <= minutes:
                    roi_key = roi_keys[k]
                    roi = roi_values[k]
            if roi_key >= 0 and profit_at_high > roi:
                roi_hit = True
            tp_price = open_rate * (1.0 + tp) if has_tp else 0.0
            tp_hit = has_tp and h >= tp_price

            reason = 0
            rate = 0.0
            if exit_now[t, p]:
                reason = EXIT_SIGNAL
                rate = o * (1.0 - slip)
            elif stop_hit and not trailed:
                reason = STOP_LOSS
            elif roi_hit:
                reason = ROI
                if roi == -1.0 and roi_key % tf_minutes == 0:
                    rate = o
                else:
                    # the price whose value after the exit fee is the entry's cost with its
                    # fee x (1 + roi): the profit ratio after both fees is exactly roi
                    roi_rate = open_rate * (1.0 + fee) * (1.0 + roi) / (1.0 - fee)
                    if minutes > 0 and minutes == roi_key and roi_key % tf_minutes == 0:
                        # a new ROI step starts at this open: the open already pays it
                        rate = o if roi_rate < o else min(max(roi_rate, lo), h)
                    else:
                        rate = min(max(roi_rate, lo), h)
            elif tp_hit:
                reason = TAKE_PROFIT
                rate = max(tp_price, o)
            elif stop_hit:
                reason = TRAILING_STOP_LOSS

            if reason in (STOP_LOSS, TRAILING_STOP_LOSS):
                if (gap_at_open and o < stop_at_open) or (not gap_at_open and stop > h):
                    rate = o
                elif reason == TRAILING_STOP_LOSS and minutes == 0:
                    # trailing stop armed and hit on the entry candle: assume the worst path
                    if only_offset and has_tsp and tsp > 0.0:
                        rate = o * (1.0 + offset - tsp)
                    else:
                        rate = o * (1.0 - positions[p, POS_STOP_PCT])
                    rate = max(rate, lo)
                else:
                    rate = stop
                rate = rate * (1.0 - slip)
            if reason != 0:
                _close(p, t, rate, reason, params, positions, state, trades)

        tied_at_close = 0.0
        for p in range(n_pairs):
            if positions[p, POS_OPEN] > 0.5:
                tied_at_close += positions[p, POS_AMOUNT] * last_close[p] * (1.0 - fee)
        balance[t] = state[S_FREE] + state[S_TIED]
        equity[t] = state[S_FREE] + tied_at_close
        open_counts[t] = state[S_OPEN_COUNT]


@njit(cache=True)
def force_exit(last_rows, open_, close, params, positions, state, trades):  # pragma: no cover
    """Close what is still open at its pair's last candle (reason force_exit), oldest first."""
    slip = params[P_SLIPPAGE]
    price = open_ if params[P_FORCE_AT_OPEN] > 0.5 else close
    for _ in range(positions.shape[0]):
        oldest = -1
        for p in range(positions.shape[0]):
            if positions[p, POS_OPEN] > 0.5 and (
                oldest < 0 or positions[p, POS_SEQ] < positions[oldest, POS_SEQ]
            ):
                oldest = p
        if oldest < 0:
            return
        t = last_rows[oldest]
        rate = price[t, oldest] * (1.0 - slip)
        _close(oldest, t, rate, FORCE_EXIT, params, positions, state, trades)
