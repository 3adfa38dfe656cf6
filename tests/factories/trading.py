from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from trading.exchanges.base import MarketInfo
from trading.models import Bot, BotDecision, DecisionAction, Fill, Order, OrderStatus
from trading.services.bot_results import bot_mode


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


FillSpec = tuple[str, str, str, str]  # price, amount, fee, fee asset


def bot_order(bot: Bot, *, symbol: str, side: str, fills: Sequence[FillSpec], key: str) -> Order:
    """A market order of `bot` with exactly these fills (rejected when there are none)."""
    amounts = [Decimal(amount) for _, amount, _, _ in fills]
    quote = sum((Decimal(price) * Decimal(amount) for price, amount, _, _ in fills), Decimal(0))
    filled = sum(amounts, Decimal(0))
    order = Order.objects.create(
        user=bot.user,
        paper_account=bot.paper_account,
        connection=bot.connection,
        mode=bot_mode(bot),
        exchange=bot.exchange,
        symbol=symbol,
        side=side,
        type="market",
        amount=filled or Decimal(1),
        status=OrderStatus.FILLED if fills else OrderStatus.REJECTED,
        filled_amount=filled,
        filled_quote=quote,
        average_price=quote / filled if filled else None,
        client_order_id=f"rt{bot.pk}-{key}",
    )
    Fill.objects.bulk_create(
        Fill(
            order=order,
            trade_id=f"{key}-{n}",
            price=Decimal(price),
            amount=Decimal(amount),
            fee=Decimal(fee),
            fee_asset=fee_asset,
            is_maker=False,
            executed_at=order.created_at,
        )
        for n, (price, amount, fee, fee_asset) in enumerate(fills)
    )
    return order


def bot_round_trip(
    bot: Bot,
    *,
    entry_at: datetime,
    buys: Sequence[FillSpec],
    exit_at: datetime | None = None,
    sells: Sequence[FillSpec] = (),
    reason: str = "exit signal",
    symbol: str = "BTC/USDT",
) -> tuple[BotDecision, BotDecision | None]:
    """The entry decision of `bot` on the candle opening at `entry_at` and, with `exit_at`,
    its exit, each with a market order filled by `buys` / `sells`: quicker than ticking a
    bot, and every price and fee is the test's own."""
    stamp = f"{symbol}-{int(entry_at.timestamp())}"
    entry = BotDecision.objects.create(
        bot=bot,
        symbol=symbol,
        candle_time=entry_at,
        action=DecisionAction.ENTER,
        reason="entry signal",
        order=bot_order(bot, symbol=symbol, side="buy", fills=buys, key=f"b{stamp}"),
    )
    if exit_at is None:
        return entry, None
    exit_ = BotDecision.objects.create(
        bot=bot,
        symbol=symbol,
        candle_time=exit_at,
        action=DecisionAction.EXIT,
        reason=reason,
        order=bot_order(bot, symbol=symbol, side="sell", fills=sells, key=f"s{stamp}"),
    )
    return entry, exit_
