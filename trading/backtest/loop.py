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
P_EXIT_NEXT_OPEN = 14  # 1: a rule hit on candle t exits at t+1's open (a bot's market order)
# Protections and risk limits on entries (as trading.risk applies them to bots); off: -1 / NaN
P_COOLDOWN = 15  # candles after an exit before the pair may enter again
P_MAX_STOPS = 16  # stop-loss exits within 24 hours that pause entries (stoploss guard)
P_MAX_PER_DAY = 17  # entries per UTC day
P_MAX_DRAWDOWN = 18  # fraction below the equity's peak that pauses entries
P_MAX_DAILY_LOSS = 19  # fraction lost since the day's start that pauses entries
P_MAX_TRADE_RISK = 20  # stake x stoploss distance as a fraction of equity
P_MAX_POSITION = 21  # stake as a fraction of equity
N_PARAMS = 22

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
POS_PENDING = 11  # next_open exits: the rule's reason found on the previous candle, else 0
POS_LAST_EXIT = 12  # candle index of the pair's last exit, -1 before any
N_POS = 13

# state[...]
S_FREE = 0
S_TIED = 1  # open trades at cost (stake + entry fee)
S_N_TRADES = 2
S_OPEN_COUNT = 3
S_REJECTED_SLOTS = 4
S_REJECTED_FUNDS = 5
S_SEQ = 6
S_REJECTED_RISK = 7  # entries a protection or risk limit refused
S_EQUITY = 8  # equity at the previous candle's close (the entry rules judge it)
S_PEAK = 9
S_DAY = 10  # the UTC day (days since the epoch) of the last entry decision judged
S_DAY_ENTRIES = 11
S_DAY_START_EQUITY = 12
S_STOPS = 13  # stop-loss exits so far; their decision times are a ring in `stop_times`
N_STATE = 14

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
def _open_position(p, t, o, stake, params, positions, state):  # pragma: no cover - compiled
    fee = params[P_FEE]
    sl = params[P_STOPLOSS]
    rate = o * (1.0 + params[P_SLIPPAGE])
    positions[p, POS_OPEN] = 1.0
    positions[p, POS_ENTRY_T] = t
    positions[p, POS_OPEN_RATE] = rate
    positions[p, POS_AMOUNT] = stake / rate
    positions[p, POS_STAKE] = stake
    positions[p, POS_STOP] = rate * (1.0 - sl)
    positions[p, POS_INITIAL_STOP] = rate * (1.0 - sl)
    positions[p, POS_STOP_PCT] = sl
    positions[p, POS_MAX_RATE] = rate
    positions[p, POS_MIN_RATE] = rate
    positions[p, POS_PENDING] = 0.0
    positions[p, POS_SEQ] = state[S_SEQ]
    state[S_SEQ] += 1
    state[S_FREE] -= stake * (1.0 + fee)
    state[S_TIED] += stake * (1.0 + fee)
    state[S_OPEN_COUNT] += 1
    state[S_DAY_ENTRIES] += 1


@njit(cache=True)
def _entry_refused(t, p, times, stake, params, positions, state, stop_times):  # pragma: no cover
    """Whether a protection or risk limit refuses entering pair p at candle t's open.

    The rules are trading.risk's for bots, judged where a bot judges them: at the close of
    the signal's candle (t - 1), on the equity at that close (holdings at the close price).
    """
    day_ms = 86_400_000.0
    decided = times[t] - params[P_TF_MINUTES] * 60_000.0
    cooldown = params[P_COOLDOWN]
    last_exit = positions[p, POS_LAST_EXIT]
    if cooldown > 0 and last_exit >= 0 and (t - 1) - last_exit - 1 < cooldown:
        return True
    max_stops = int(params[P_MAX_STOPS])
    # the ring holds the last max_stops stop times; the oldest of them is at the next slot
    if (
        max_stops > 0
        and state[S_STOPS] >= max_stops
        and stop_times[int(state[S_STOPS]) % max_stops] > decided - day_ms
    ):
        return True
    if params[P_MAX_PER_DAY] >= 0 and state[S_DAY_ENTRIES] >= params[P_MAX_PER_DAY]:
        return True
    equity = state[S_EQUITY]
    if equity <= 0.0:
        return False
    limit = params[P_MAX_TRADE_RISK]
    if not np.isnan(limit) and stake * params[P_STOPLOSS] / equity > limit + 1e-12:
        return True
    limit = params[P_MAX_POSITION]
    if not np.isnan(limit) and stake / equity > limit + 1e-12:
        return True
    limit = params[P_MAX_DAILY_LOSS]
    start = state[S_DAY_START_EQUITY]
    if not np.isnan(limit) and start > 0.0 and (start - equity) / start >= limit:
        return True
    limit = params[P_MAX_DRAWDOWN]
    peak = state[S_PEAK]
    return not np.isnan(limit) and peak > 0.0 and (peak - equity) / peak >= limit


@njit(cache=True)
def rule_exit(pos, minutes, o, h, lo, roi_keys, roi_values, params):  # pragma: no cover
    """Stoploss, ROI, take-profit or trailing stop of one open position on one candle.

    `pos` is the position's row (N_POS values; its stop and extremes are updated in place),
    `minutes` the time from the trade's open to this candle's open. Returns (reason, rate),
    reason 0 when no rule exits. The backtest and the bots (trading.backtest.exits) both call
    this, so both judge exits by the same code.
    """
    fee = params[P_FEE]
    slip = params[P_SLIPPAGE]
    sl = params[P_STOPLOSS]
    tsp = params[P_TSP]
    has_tsp = not np.isnan(tsp)
    offset = params[P_TSP_OFFSET]
    only_offset = params[P_ONLY_OFFSET] > 0.5
    tp = params[P_TAKE_PROFIT]
    has_tp = not np.isnan(tp)
    tf_minutes = int(params[P_TF_MINUTES])
    open_rate = pos[POS_OPEN_RATE]
    pos[POS_MAX_RATE] = max(pos[POS_MAX_RATE], h)
    pos[POS_MIN_RATE] = min(pos[POS_MIN_RATE], lo)
    stop_at_open = pos[POS_STOP]
    profit_at_high = h * (1.0 - fee) / (open_rate * (1.0 + fee)) - 1.0
    # the stop trails the high only while the low has not reached it (freqtrade)
    if (
        params[P_TRAILING] > 0.5
        and stop_at_open < lo
        and not (only_offset and profit_at_high < offset)
    ):
        distance = sl
        if has_tsp and profit_at_high > offset:
            distance = tsp
        new_stop = h * (1.0 - distance)
        if new_stop > pos[POS_STOP]:
            pos[POS_STOP] = new_stop
            pos[POS_STOP_PCT] = distance
    stop = pos[POS_STOP]
    stop_hit = stop > 0.0 and stop >= lo
    trailed = stop != pos[POS_INITIAL_STOP]

    roi_key = -1
    roi = 0.0
    for k in range(roi_keys.shape[0]):
        if roi_keys[k] <= minutes:
            roi_key = roi_keys[k]
            roi = roi_values[k]
    roi_hit = roi_key >= 0 and profit_at_high > roi
    tp_price = open_rate * (1.0 + tp) if has_tp else 0.0

    reason = 0
    rate = 0.0
    if stop_hit and not trailed:
        reason = STOP_LOSS
    elif roi_hit:
        reason = ROI
        if roi == -1.0 and roi_key % tf_minutes == 0:
            rate = o
        else:
            # the price whose value after the exit fee is the entry's cost with its fee x
            # (1 + roi): the profit ratio after both fees is exactly roi
            roi_rate = open_rate * (1.0 + fee) * (1.0 + roi) / (1.0 - fee)
            if minutes > 0 and minutes == roi_key and roi_key % tf_minutes == 0:
                # a new ROI step starts at this open: the open already pays it
                rate = o if roi_rate < o else min(max(roi_rate, lo), h)
            else:
                rate = min(max(roi_rate, lo), h)
    elif has_tp and h >= tp_price:
        reason = TAKE_PROFIT
        rate = max(tp_price, o)
    elif stop_hit:
        reason = TRAILING_STOP_LOSS

    if reason in (STOP_LOSS, TRAILING_STOP_LOSS):
        gap_at_open = params[P_GAP_AT_OPEN] > 0.5
        if (gap_at_open and o < stop_at_open) or (not gap_at_open and stop > h):
            rate = o
        elif reason == TRAILING_STOP_LOSS and minutes == 0:
            # trailing stop armed and hit on the entry candle: assume the worst path
            if only_offset and has_tsp and tsp > 0.0:
                rate = o * (1.0 + offset - tsp)
            else:
                rate = o * (1.0 - pos[POS_STOP_PCT])
            rate = max(rate, lo)
        else:
            rate = stop
        rate = rate * (1.0 - slip)
    return reason, rate


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
    stop_times,
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
    next_open = params[P_EXIT_NEXT_OPEN] > 0.5
    tf_ms = params[P_TF_MINUTES] * 60_000.0
    max_stops = int(params[P_MAX_STOPS])
    last_t = n_times - 1
    order = np.empty(n_pairs, np.int64)
    for t in range(t0, t1):
        day = np.floor((times[t] - tf_ms) / 86_400_000.0)
        if day != state[S_DAY]:
            state[S_DAY] = day
            state[S_DAY_ENTRIES] = 0.0
            state[S_DAY_START_EQUITY] = state[S_EQUITY]
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
                    elif _entry_refused(t, p, times, stake, params, positions, state, stop_times):
                        state[S_REJECTED_RISK] += 1
                    else:
                        _open_position(p, t, o, stake, params, positions, state)

            if positions[p, POS_OPEN] < 0.5:
                continue

            # 2. exits: exit signal -> stoploss -> ROI -> take profit -> trailing stop
            minutes = (times[t] - times[int(positions[p, POS_ENTRY_T])]) // 60000
            decided_at = t  # the candle whose close decided the exit
            reason = 0
            rate = 0.0
            if exit_now[t, p] or positions[p, POS_PENDING] > 0.5:
                positions[p, POS_MAX_RATE] = max(positions[p, POS_MAX_RATE], h)
                positions[p, POS_MIN_RATE] = min(positions[p, POS_MIN_RATE], lo)
                reason = EXIT_SIGNAL if exit_now[t, p] else int(positions[p, POS_PENDING])
                rate = o * (1.0 - slip)
                decided_at = t - 1
            else:
                reason, rate = rule_exit(
                    positions[p], minutes, o, h, lo, roi_keys, roi_values, params
                )
                if reason != 0 and next_open:
                    positions[p, POS_PENDING] = reason  # a market exit at the next open
                    reason = 0
            if reason != 0:
                _close(p, t, rate, reason, params, positions, state, trades)
                positions[p, POS_PENDING] = 0.0
                positions[p, POS_LAST_EXIT] = decided_at
                if reason in (STOP_LOSS, TRAILING_STOP_LOSS) and max_stops > 0:
                    stop_times[int(state[S_STOPS]) % max_stops] = times[decided_at]
                    state[S_STOPS] += 1

        tied_at_close = 0.0
        held_at_close = 0.0
        for p in range(n_pairs):
            if positions[p, POS_OPEN] > 0.5:
                held_at_close += positions[p, POS_AMOUNT] * last_close[p]
                tied_at_close += positions[p, POS_AMOUNT] * last_close[p] * (1.0 - fee)
        balance[t] = state[S_FREE] + state[S_TIED]
        equity[t] = state[S_FREE] + tied_at_close
        open_counts[t] = state[S_OPEN_COUNT]
        state[S_EQUITY] = state[S_FREE] + held_at_close
        state[S_PEAK] = max(state[S_PEAK], state[S_EQUITY])


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


@njit(cache=True)
def first_rule_exit(
    open_rate, times, open_, high, low, roi_keys, roi_values, params
):  # pragma: no cover
    """The first candle on which a rule exits a trade opened at `open_rate` at the open of
    candle 0 (`times` etc. run from that candle on): (index, reason), or (-1, 0)."""
    pos = np.zeros(N_POS, dtype=np.float64)
    stop = open_rate * (1.0 - params[P_STOPLOSS])
    pos[POS_OPEN] = 1.0
    pos[POS_OPEN_RATE] = open_rate
    pos[POS_STOP] = stop
    pos[POS_INITIAL_STOP] = stop
    pos[POS_STOP_PCT] = params[P_STOPLOSS]
    pos[POS_MAX_RATE] = open_rate
    pos[POS_MIN_RATE] = open_rate
    for i in range(times.shape[0]):
        minutes = (times[i] - times[0]) // 60000
        reason, _ = rule_exit(pos, minutes, open_[i], high[i], low[i], roi_keys, roi_values, params)
        if reason != 0:
            return i, reason
    return -1, 0
