from decimal import Decimal

from trading.exchanges.base import MarketInfo


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def market_info(
    *,
    price_tick: str = "0.01",
    amount_step: str = "0.00001",
    min_amount: str | None = "0.00001",
    max_amount: str | None = "9000",
    min_cost: str | None = "5",
    maker_fee: str = "0.001",
    taker_fee: str = "0.001",
) -> MarketInfo:
    """BTC/USDT as a venue describes it; override the precision and limits a test is about."""
    return MarketInfo(
        symbol="BTC/USDT",
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        price_tick=Decimal(price_tick),
        amount_step=Decimal(amount_step),
        min_amount=_decimal(min_amount),
        max_amount=_decimal(max_amount),
        min_cost=_decimal(min_cost),
        maker_fee=Decimal(maker_fee),
        taker_fee=Decimal(taker_fee),
    )
