from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from trading.models import Candle
from trading.timeframes import timeframe_length

Price = str | int | Decimal
CandleSpec = Price | tuple[Price, Price, Price, Price]  # a flat close, or open/high/low/close


def store_candles(
    prices: Sequence[CandleSpec],
    *,
    start: datetime,
    timeframe: str = "1h",
    symbol: str = "BTC/USDT",
    exchange: str = "simulated",
    volume: Price = "10",
) -> list[Candle]:
    """Stored candles one `timeframe` apart from `start`: a price makes a flat candle at it,
    a tuple gives its open, high, low and close."""
    step = timeframe_length(timeframe)

    def candle(n: int, spec: CandleSpec) -> Candle:
        o, h, lo, c = spec if isinstance(spec, tuple) else (spec, spec, spec, spec)
        return Candle(
            exchange=exchange,
            symbol=symbol,
            timeframe=timeframe,
            open_time=start + n * step,
            open=Decimal(o),
            high=Decimal(h),
            low=Decimal(lo),
            close=Decimal(c),
            volume=Decimal(volume),
        )

    return Candle.objects.bulk_create(candle(n, spec) for n, spec in enumerate(prices))
