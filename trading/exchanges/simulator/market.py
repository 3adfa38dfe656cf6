"""A deterministic market: each symbol's price at time t is a pure function of (seed, symbol, t).

The log-price is a sum of seeded noise at six time scales (1 s to 30 days), each piecewise
linear between Gaussian knots that are hashed from (seed, symbol, scale, knot index); scale
amplitudes grow with the square root of the period, so the path looks like a random walk at
every zoom level. Because nothing is accumulated, any past range (klines, a 24 h ticker, the
book at an instant) is reproducible in O(1) per sample, and restarts or other processes with the
same seed see the same market. Unlike a true cumulative walk it mean-reverts around the start
price over months, which keeps demo prices realistic.

Floats only generate the noise; every price, amount and volume leaves this module as a `Decimal`
on the symbol's tick or step.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from statistics import NormalDist

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

# Binance kline intervals we serve (1M is left out: months have no fixed length).
INTERVALS_MS: dict[str, int] = {
    "1s": SECOND_MS,
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": 7 * DAY_MS,
}
# Weekly candles open on Mondays; 1970-01-01 was a Thursday, so weeks start 4 days after it.
_INTERVAL_OFFSET_MS = {"1w": 4 * DAY_MS}

_SCALES_MS = (SECOND_MS, MINUTE_MS, 15 * MINUTE_MS, 4 * HOUR_MS, 3 * DAY_MS, 30 * DAY_MS)
_SAMPLES_PER_CANDLE = 12  # interior samples that decide a candle's high and low
_NORMAL = NormalDist()


@dataclass(frozen=True)
class SymbolSpec:
    """One market: its filters (as Binance reports them) and the shape of its price path."""

    symbol: str  # exchange id, e.g. BTCUSDT
    base: str
    quote: str
    start_price: Decimal
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    daily_volume: Decimal  # base units traded per day, on average
    daily_volatility: float  # standard deviation of the daily log return
    min_price: Decimal = Decimal("0.01")
    max_price: Decimal = Decimal("1000000")


DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    SymbolSpec(
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        start_price=Decimal("65000"),
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.00001"),
        min_qty=Decimal("0.00001"),
        max_qty=Decimal("9000"),
        min_notional=Decimal("5"),
        daily_volume=Decimal("20000"),
        daily_volatility=0.03,
    ),
    SymbolSpec(
        symbol="ETHUSDT",
        base="ETH",
        quote="USDT",
        start_price=Decimal("3200"),
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.0001"),
        min_qty=Decimal("0.0001"),
        max_qty=Decimal("9000"),
        min_notional=Decimal("5"),
        daily_volume=Decimal("300000"),
        daily_volatility=0.04,
    ),
    SymbolSpec(
        symbol="SOLUSDT",
        base="SOL",
        quote="USDT",
        start_price=Decimal("150"),
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("90000"),
        min_notional=Decimal("5"),
        daily_volume=Decimal("3000000"),
        daily_volatility=0.055,
    ),
    SymbolSpec(
        symbol="BNBUSDT",
        base="BNB",
        quote="USDT",
        start_price=Decimal("580"),
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("9000"),
        min_notional=Decimal("5"),
        daily_volume=Decimal("500000"),
        daily_volatility=0.035,
    ),
    SymbolSpec(
        symbol="XRPUSDT",
        base="XRP",
        quote="USDT",
        start_price=Decimal("0.55"),
        tick_size=Decimal("0.0001"),
        step_size=Decimal("0.1"),
        min_qty=Decimal("0.1"),
        max_qty=Decimal("9000000"),
        min_notional=Decimal("5"),
        daily_volume=Decimal("300000000"),
        daily_volatility=0.05,
        min_price=Decimal("0.0001"),
        max_price=Decimal("10000"),
    ),
)


@dataclass(frozen=True)
class Kline:
    open_time: int  # ms
    close_time: int  # ms, open_time + interval - 1 as Binance reports it
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int


@dataclass(frozen=True)
class Ticker24h:
    symbol: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    volume: Decimal
    quote_volume: Decimal
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    trades: int


@dataclass(frozen=True)
class Book:
    """Price levels (price, quantity), best first; a pure function of (seed, symbol, second)."""

    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    update_id: int


def on_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """`value` rounded to a multiple of `step` (the simulator's own copy: it stays standalone)."""
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)


@lru_cache(maxsize=262_144)
def _knot(seed: int, symbol: str, scale: int, index: int) -> float:
    digest = hashlib.blake2b(f"{seed}|{symbol}|{scale}|{index}".encode(), digest_size=8).digest()
    uniform = (int.from_bytes(digest, "big") + 0.5) / 2.0**64
    return _NORMAL.inv_cdf(uniform)


def _uniform(seed: int, *parts: object) -> float:
    """A seeded uniform number in [0, 1) for (seed, *parts): volumes and book sizes."""
    key = "|".join(str(part) for part in (seed, *parts)).encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class MarketModel:
    """Prices, klines, 24 h tickers and order books for a set of symbols and one seed."""

    def __init__(self, *, seed: int, symbols: tuple[SymbolSpec, ...] = DEFAULT_SYMBOLS) -> None:
        self.seed = seed
        self.specs: dict[str, SymbolSpec] = {spec.symbol: spec for spec in symbols}

    def spec(self, symbol: str) -> SymbolSpec:
        return self.specs[symbol]

    def _log_offset(self, spec: SymbolSpec, t_ms: int) -> float:
        total = 0.0
        for scale, period in enumerate(_SCALES_MS):
            amplitude = spec.daily_volatility * math.sqrt(period / DAY_MS)
            index, into = divmod(t_ms, period)
            left = _knot(self.seed, spec.symbol, scale, index)
            right = _knot(self.seed, spec.symbol, scale, index + 1)
            total += amplitude * (left + (right - left) * (into / period))
        return total

    def price(self, symbol: str, t_ms: int) -> Decimal:
        """The traded price at `t_ms`, on the tick."""
        spec = self.specs[symbol]
        raw = float(spec.start_price) * math.exp(self._log_offset(spec, t_ms))
        price = on_step(Decimal(repr(raw)), spec.tick_size, ROUND_HALF_EVEN)
        return max(price, spec.tick_size)

    def extremes(self, symbol: str, start_ms: int, end_ms: int) -> tuple[Decimal, Decimal]:
        """(low, high) of the path sampled over [start_ms, end_ms], both ends included."""
        prices = [self.price(symbol, t) for t in _sample_times(start_ms, end_ms)]
        return min(prices), max(prices)

    def kline(self, symbol: str, interval: str, open_ms: int, now_ms: int) -> Kline:
        """The candle opening at `open_ms`; if it is still open at `now_ms`, it ends at now."""
        spec = self.specs[symbol]
        length = INTERVALS_MS[interval]
        end_ms = min(open_ms + length, now_ms)
        low, high = self.extremes(symbol, open_ms, end_ms)
        open_, close = self.price(symbol, open_ms), self.price(symbol, end_ms)
        share = Decimal(end_ms - open_ms) / Decimal(DAY_MS)
        noise = Decimal(str(round(0.4 + 1.2 * _uniform(self.seed, symbol, interval, open_ms), 6)))
        volume = on_step(spec.daily_volume * share * noise, Decimal("1E-8"), ROUND_DOWN)
        typical = (open_ + high + low + close) / 4
        quote_volume = on_step(volume * typical, Decimal("1E-8"), ROUND_DOWN)
        trade_size = spec.daily_volume / Decimal(200_000)
        return Kline(
            open_time=open_ms,
            close_time=open_ms + length - 1,
            open=open_,
            high=high,
            low=low,
            close=close,
            volume=volume,
            quote_volume=quote_volume,
            trades=int(volume / trade_size),
        )

    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        now_ms: int,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
    ) -> list[Kline]:
        """Binance's selection: from `start_ms` forward, else the last `limit` up to `end_ms`/now.

        A candle is returned if its open time lies in [start_ms, end_ms] and not after now.
        """
        length = INTERVALS_MS[interval]
        last_open = align(interval, min(end_ms if end_ms is not None else now_ms, now_ms))
        if start_ms is not None:
            first_open = align(interval, start_ms)
            if first_open < start_ms:
                first_open += length
        else:
            first_open = last_open - (limit - 1) * length
        opens = range(first_open, last_open + 1, length)[:limit]
        return [self.kline(symbol, interval, open_ms, now_ms) for open_ms in opens]

    def ticker_24h(self, symbol: str, now_ms: int) -> Ticker24h:
        """Rolling 24 h statistics ending at `now_ms`; `last` is the price at now, like klines."""
        start_ms = now_ms - DAY_MS
        times = range(start_ms, now_ms, 5 * MINUTE_MS)
        prices = [self.price(symbol, t) for t in times] + [self.price(symbol, now_ms)]
        hours = [
            self.kline(symbol, "1h", align("1h", t), now_ms)
            for t in range(start_ms, now_ms, HOUR_MS)
        ]
        book = self.book(symbol, now_ms, depth=1)
        return Ticker24h(
            symbol=symbol,
            open_time=start_ms,
            close_time=now_ms,
            open=prices[0],
            high=max(prices),
            low=min(prices),
            last=prices[-1],
            volume=sum((k.volume for k in hours), Decimal(0)),
            quote_volume=sum((k.quote_volume for k in hours), Decimal(0)),
            bid=book.bids[0][0],
            bid_qty=book.bids[0][1],
            ask=book.asks[0][0],
            ask_qty=book.asks[0][1],
            trades=sum(k.trades for k in hours),
        )

    def book(self, symbol: str, now_ms: int, *, depth: int) -> Book:
        """`depth` levels a side around the price at `now_ms`: a 1-2 tick spread, then steps of
        about half a basis point, sizes worth ~50,000 quote growing away from the touch."""
        spec = self.specs[symbol]
        second = now_ms // SECOND_MS
        mid = self.price(symbol, now_ms)
        tick = spec.tick_size
        gap = max(tick, on_step(mid * Decimal("0.00005"), tick, ROUND_DOWN))
        best_bid = max(
            tick, mid - tick * (1 + int(_uniform(self.seed, symbol, "spread", second) * 2))
        )
        best_ask = mid + tick
        unit = Decimal(50_000) / mid

        def size(side: str, level: int) -> Decimal:
            noise = Decimal(
                str(round(0.4 + 1.2 * _uniform(self.seed, symbol, side, level, second), 6))
            )
            amount = on_step(unit * (1 + Decimal(level) / 6) * noise, spec.step_size, ROUND_DOWN)
            return max(amount, spec.step_size)

        bids = tuple(
            (best_bid - gap * level, size("bid", level))
            for level in range(depth)
            if best_bid - gap * level > 0
        )
        asks = tuple((best_ask + gap * level, size("ask", level)) for level in range(depth))
        return Book(bids=bids, asks=asks, update_id=second)


def align(interval: str, t_ms: int) -> int:
    """The open time of the `interval` candle that contains `t_ms`."""
    length = INTERVALS_MS[interval]
    offset = _INTERVAL_OFFSET_MS.get(interval, 0)
    return (t_ms - offset) // length * length + offset


def _sample_times(start_ms: int, end_ms: int) -> list[int]:
    if end_ms <= start_ms:
        return [start_ms]
    span = end_ms - start_ms
    return sorted(
        {start_ms + span * i // _SAMPLES_PER_CANDLE for i in range(_SAMPLES_PER_CANDLE)} | {end_ms}
    )
