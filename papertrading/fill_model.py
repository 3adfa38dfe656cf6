"""The paper exchange's fill model: how paper orders fill, as pure functions over Decimals.

No Django models, no I/O, no clock: the paper venue and the order service pass in the market
(`MarketInfo`), the order book (`OrderBook`) and prices, and get back frozen plans they apply to
balances and the ledger themselves. `docs/paper-trading.md` tells users the same rules.

Rules
-----
Market orders
    Walk the book level by level (asks for a buy, bids for a sell), taking what each level
    offers at the level's price. Levels priced more than `MAX_SLIPPAGE` (5 %) away from the best
    price at entry are not taken (exactly 5 % is still taken). What is not filled is cancelled,
    as with IOC. A market buy may name a `quote_amount` to spend instead of a base amount: at
    each level it buys as much base as the remaining quote pays for, rounded down to the step,
    and never spends more than `quote_amount` (the buy's fee is taken from the base received,
    so no quote is needed for it).
Limit orders
    At entry, a limit that crosses the spread fills at once as taker against the book, walking
    levels while the level price is <= the limit (buy) or >= the limit (sell), at the level
    prices. The rest rests (GTC) or is cancelled (IOC). A resting limit fills as maker, in full,
    at its limit price (no price improvement) once the market *trades through* it: the last
    price (or the candle's low, in replay) goes strictly below a buy limit, or the last price
    (or the candle's high) strictly above a sell limit. Touching the limit does not fill: at a
    touch only part of the queue at that price trades, and a paper order has no queue position,
    so counting touches would make paper results better than a real exchange's.
Stops
    Trigger on the last price, boundary included. Stop-loss (stop-market) and stop-limit: a
    sell triggers when last <= stop price, a buy when last >= stop price. Take-profit (market):
    a sell triggers when last >= stop price, a buy when last <= stop price. In replay the
    candle's low and high count as prices traded. A stop that would trigger at once when placed
    is rejected (`stop_would_trigger`), as Binance does. Once triggered, a stop-market or
    take-profit executes as a market order against the book given then (5 % cap from that
    book's best price); with no book (candle replay) it fills at the stop price, or at the
    nearest price the candle traded if it gapped past the stop. A triggered stop buy never spends
    more than it locked. A triggered stop-limit becomes a limit at its limit price: with a book
    it is placed like a new limit (taker up to the limit, then GTC/IOC); without one it rests
    and fills by the resting-limit rule from the next price on.
Fees
    The market's maker or taker fee (0.1 % unless the venue says otherwise), charged in the
    asset received: a buy pays in base, a sell in quote. Each fill's fee is rounded up
    (`quantize_fee`) to `amount_step` for base and to `quote_step(market)` = `price_tick *
    amount_step` for quote: the step in which every notional `price * amount` is exact, taken
    from the market itself rather than from a currency table.
Amounts
    Fills are whole multiples of `amount_step` (rounded down per level); a level or remainder
    worth less than one step is never filled. Orders must already be on the step and tick and
    pass `check_limits` (minimum amount, minimum notional), else `PrecisionError` names the code
    and the field.

Using it
--------
1. `plan_order(spec, market=..., book=..., last_price=...)` validates an incoming order and
   plans its entry (fills now, and what rests).
2. `funds_to_lock(spec, market=..., book=...)` is what to lock before accepting it.
3. On each new price, `evaluate_resting(RestingOrder(...), market=..., last_price=...,
   high=..., low=..., book=...)` says whether a resting limit or a stop fills or triggers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal
from typing import Literal

from trading.exchanges.base import MarketInfo, OrderBook, OrderSide, OrderType, TimeInForce
from trading.order_spec import STOP_TYPES as _STOP_TYPES
from trading.order_spec import InvalidOrder, OrderSpec
from trading.order_spec import check_shape as _check_shape
from trading.order_spec import require_decimal as _require_decimal
from trading.precision import (
    PrecisionError,
    check_limits,
    quantize_amount,
    quantize_fee,
    quantize_price,
    quantize_to_step,
)

MAX_SLIPPAGE = Decimal("0.05")
# The smallest unit of an asset's balance on the exchanges we model (satoshi-like).
ASSET_UNIT = Decimal("1E-8")

Outcome = Literal["filled", "partially_filled", "resting", "cancelled_remainder"]
Level = tuple[Decimal, Decimal]

_ZERO = Decimal(0)
# A replay book is not from any moment; the model never reads its timestamp.
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# Extra decimals of the (informational) average price beyond the tick.
_AVERAGE_EXTRA_DIGITS = 8


@dataclass(frozen=True)
class RestingOrder:
    """An accepted order still open: `remaining_amount` base left; `triggered` for a fired stop."""

    spec: OrderSpec
    remaining_amount: Decimal
    triggered: bool = False

    def __post_init__(self) -> None:
        _require_decimal(self.remaining_amount, "remaining_amount")


@dataclass(frozen=True)
class PlannedFill:
    """One fill: `amount` base at `price`, on the step; `fee` in `fee_asset`, rounded up."""

    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool

    @property
    def notional(self) -> Decimal:
        """`price * amount` in quote, exact (both are on the market's grid)."""
        return self.price * self.amount


@dataclass(frozen=True)
class FillPlan:
    """What happens to an order now.

    Invariants: `filled_amount` is the sum of the fills' amounts and `gross_quote` the sum of
    their notionals (quote spent by a buy, received by a sell, before fees); `average_price`
    is `gross_quote / filled_amount` (None without fills). `remaining_amount` is base still
    open ("partially_filled", "resting") or cancelled ("cancelled_remainder"), 0 when
    "filled"; a quote-amount buy has no base amount, so it reports 0 here and its unspent quote
    in `remaining_quote`. `triggered` is True when a stop fired in this evaluation: from then
    on the caller stores the order as triggered (`RestingOrder.triggered`).
    """

    fills: tuple[PlannedFill, ...]
    filled_amount: Decimal
    gross_quote: Decimal
    average_price: Decimal | None
    remaining_amount: Decimal
    outcome: Outcome
    remaining_quote: Decimal | None = None
    triggered: bool = False

    @property
    def fee_total(self) -> Decimal:
        """All fills' fees; they share one asset (base for a buy, quote for a sell)."""
        return sum((fill.fee for fill in self.fills), _ZERO)


@dataclass(frozen=True)
class FundsLock:
    """Funds to lock when accepting an order: `amount` of `asset`, released when it closes."""

    asset: str
    amount: Decimal


# --- public API -----------------------------------------------------------------------------


def quote_step(market: MarketInfo) -> Decimal:
    """The quote precision for fees and locks: `price_tick * amount_step`.

    Every notional of an on-tick price and an on-step amount is a whole multiple of it, so
    gross amounts are exact at this step and only fees and estimates are rounded to it.
    """
    return market.price_tick * market.amount_step


def validate_order(
    spec: OrderSpec, *, market: MarketInfo, book: OrderBook, last_price: Decimal | None = None
) -> None:
    """Raise `InvalidOrder` or `PrecisionError` unless the paper exchange accepts `spec` now.

    Checks the order's shape for its type, then `check_limits` with the price that sets its
    notional: the limit price (limit, stop-limit), the stop price (stop-loss, take-profit), or
    the best book price on the side it takes (market; `last_price` when that side is empty).
    A stop also needs `last_price` and must not trigger at once.
    """
    _check_shape(spec)
    if not market.active:
        raise InvalidOrder("market_inactive", f"{market.symbol} is not trading.", "symbol")
    if spec.type == OrderType.MARKET:
        _validate_market(spec, market=market, book=book, last_price=last_price)
        return
    amount = _base_amount(spec)
    if spec.price is not None:
        _check(market, amount, spec.price)
    if spec.stop_price is not None:
        # The stop price must be on the tick; the notional was judged on the limit price.
        judge = market if spec.price is None else replace(market, min_cost=None)
        _check(judge, amount, spec.stop_price, price_field="stop_price")
        if last_price is None:
            raise ValueError("a stop order needs the last price to be placed")
        _require_decimal(last_price, "last_price")
        if stop_triggered(spec, low=last_price, high=last_price):
            raise InvalidOrder(
                "stop_would_trigger",
                f"The stop price {spec.stop_price} would trigger at once at the last price "
                f"{last_price}.",
                "stop_price",
            )


def plan_order(
    spec: OrderSpec, *, market: MarketInfo, book: OrderBook, last_price: Decimal | None = None
) -> FillPlan:
    """Validate `spec` (see `validate_order`) and plan its entry against `book`.

    Market: taker fills within the slippage cap, the rest cancelled. Limit: taker fills up to
    the limit, the rest resting (GTC) or cancelled (IOC). Stops: resting, nothing filled.
    """
    validate_order(spec, market=market, book=book, last_price=last_price)
    if spec.type == OrderType.MARKET:
        return _execute_market(spec, _base_or_none(spec), market=market, book=book)
    amount = _base_amount(spec)
    if spec.type == OrderType.LIMIT:
        return _place_limit(spec, amount, market=market, book=book)
    return _summarize((), market=market, remaining=amount, outcome="resting")


def funds_to_lock(
    spec: OrderSpec, *, market: MarketInfo, book: OrderBook | None = None
) -> FundsLock:
    """The funds an order needs locked from entry until it closes; call after validation.

    A sell locks its base amount. A market buy by `quote_amount` locks that quote amount. Other
    buys lock, in quote, the most they may spend: `price * amount` for a limit or stop-limit,
    `stop_price * amount * 1.05` for a stop-loss or take-profit buy, `best_ask * amount * 1.05`
    for a market buy (`book` needed). A buy's fee comes out of the base it receives, so no
    quote is locked for it (as on Binance, the whole quote balance can be spent).
    """
    _check_shape(spec)
    if spec.side == OrderSide.SELL:
        return FundsLock(market.base, _base_amount(spec))
    if spec.quote_amount is not None:
        return FundsLock(market.quote, spec.quote_amount)
    return FundsLock(market.quote, _buy_spend_bound(spec, market=market, book=book))


def evaluate_resting(
    order: RestingOrder,
    *,
    market: MarketInfo,
    last_price: Decimal,
    high: Decimal | None = None,
    low: Decimal | None = None,
    book: OrderBook | None = None,
) -> FillPlan:
    """Decide what a new price does to a resting limit or an untriggered/triggered stop.

    `high`/`low` (a replayed candle's extremes) widen the range of prices traded; the last price
    always counts. Returns a plan with no fills and outcome "resting" when nothing happens.
    """
    _require_decimal(last_price, "last_price")
    low_seen = last_price if low is None else min(_require_decimal(low, "low"), last_price)
    high_seen = last_price if high is None else max(_require_decimal(high, "high"), last_price)
    spec, remaining = order.spec, order.remaining_amount
    if spec.type == OrderType.MARKET or remaining <= 0:
        raise InvalidOrder("not_resting", "Only open limit and stop orders can rest.")
    if spec.type == OrderType.LIMIT or (spec.type == OrderType.STOP_LIMIT and order.triggered):
        return _fill_resting_limit(order, market=market, low=low_seen, high=high_seen)
    if not stop_triggered(spec, low=low_seen, high=high_seen):
        return _summarize((), market=market, remaining=remaining, outcome="resting")
    if spec.type == OrderType.STOP_LIMIT:
        if book is None:
            return _summarize(
                (), market=market, remaining=remaining, outcome="resting", triggered=True
            )
        return replace(_place_limit(spec, remaining, market=market, book=book), triggered=True)
    if book is None:
        book = _replay_book(spec, remaining, low=low_seen, high=high_seen)
    budget = _buy_spend_bound(spec, market=market) if spec.side == OrderSide.BUY else None
    plan = _execute_market(spec, remaining, market=market, book=book, budget=budget)
    return replace(plan, triggered=True)


def stop_triggered(spec: OrderSpec, *, low: Decimal, high: Decimal) -> bool:
    """Whether a stop triggers when prices from `low` to `high` traded (boundary included).

    Stop-loss and stop-limit: sell when low <= stop, buy when high >= stop. Take-profit: sell
    when high >= stop, buy when low <= stop. For a single last price pass it as both.
    """
    stop = spec.stop_price
    if spec.type not in _STOP_TYPES or stop is None:
        raise InvalidOrder("missing_stop_price", "Only stop orders trigger.", "stop_price")
    falls_to = (spec.side == OrderSide.SELL) == (spec.type != OrderType.TAKE_PROFIT)
    return low <= stop if falls_to else high >= stop


def limit_traded_through(side: OrderSide, limit: Decimal, *, low: Decimal, high: Decimal) -> bool:
    """Whether prices from `low` to `high` went strictly past `limit`; a touch is not enough."""
    return low < limit if side == OrderSide.BUY else high > limit


# --- validation -----------------------------------------------------------------------------


def _check(
    market: MarketInfo,
    amount: Decimal,
    price: Decimal | None,
    *,
    amount_field: str = "amount",
    price_field: str = "price",
) -> None:
    """`check_limits`, with the error's field renamed to the input the user actually gave."""
    try:
        check_limits(market=market, amount=amount, price=price)
    except PrecisionError as error:
        field = {"amount": amount_field, "price": price_field}.get(error.field or "", error.field)
        if field == error.field:
            raise
        raise PrecisionError(error.code, error.message, field or "") from error


def _validate_market(
    spec: OrderSpec, *, market: MarketInfo, book: OrderBook, last_price: Decimal | None
) -> None:
    """A market order needs liquidity and, at the best price, a notional above the minimum."""
    levels = _taking_levels(book, spec.side)
    if not levels:
        raise InvalidOrder("no_liquidity", "There is nothing to trade against in the book.")
    # The estimate need not be on the tick (the book's prices are), but check_limits wants one.
    reference = quantize_price(levels[0][0], market=market, rounding=ROUND_HALF_EVEN)
    if spec.quote_amount is None:
        _check(market, _base_amount(spec), reference)
        return
    quote = spec.quote_amount
    if quote <= 0:
        raise PrecisionError("invalid_amount", "The amount must be positive.", "quote_amount")
    if market.min_cost is not None and quote < market.min_cost:
        raise PrecisionError(
            "cost_below_minimum",
            f"{quote} {market.quote} is below the minimum order of {market.min_cost} "
            f"{market.quote}.",
            "quote_amount",
        )
    estimate = quantize_amount(quote / reference, market=market)
    if estimate <= 0:
        raise PrecisionError(
            "amount_below_minimum",
            f"{quote} {market.quote} buys less than one step of {market.base}.",
            "quote_amount",
        )
    _check(replace(market, min_cost=None), estimate, None, amount_field="quote_amount")


def _base_amount(spec: OrderSpec) -> Decimal:
    """The base amount of an order that has one (all but a quote-amount market buy)."""
    if spec.amount is None:
        raise InvalidOrder("missing_amount", "The order needs an amount.", "amount")
    return spec.amount


def _base_or_none(spec: OrderSpec) -> Decimal | None:
    return None if spec.quote_amount is not None else _base_amount(spec)


# --- execution ------------------------------------------------------------------------------


def _taking_levels(book: OrderBook, side: OrderSide) -> tuple[Level, ...]:
    """The levels an order on `side` takes from: asks for a buy, bids for a sell (all Decimal)."""
    levels = book.asks if side == OrderSide.BUY else book.bids
    for price, amount in levels:
        _require_decimal(price, "book price")
        _require_decimal(amount, "book amount")
    return levels


def _slippage_bound(side: OrderSide, best: Decimal) -> Decimal:
    """The worst price a market order takes: best * 1.05 for a buy, best * 0.95 for a sell."""
    return best * (1 + MAX_SLIPPAGE) if side == OrderSide.BUY else best * (1 - MAX_SLIPPAGE)


def _beyond(side: OrderSide, price: Decimal, bound: Decimal) -> bool:
    """Whether `price` is worse than `bound` for `side` (dearer for a buy, cheaper for a sell)."""
    return price > bound if side == OrderSide.BUY else price < bound


def _affordable(budget: Decimal, price: Decimal, market: MarketInfo) -> Decimal:
    """The most base, on the step, that `budget` quote buys at `price` (never overspending)."""
    amount = quantize_amount(budget / price, market=market)
    # The division is rounded to 28 digits, so the quotient may land a hair above a step.
    if amount * price > budget:
        amount -= market.amount_step
    return amount


def _fee(
    side: OrderSide, price: Decimal, amount: Decimal, *, market: MarketInfo, maker: bool
) -> tuple[Decimal, str]:
    """A fill's fee, rounded up, in the asset received: base for a buy, quote for a sell."""
    rate = market.maker_fee if maker else market.taker_fee
    if side == OrderSide.BUY:
        # Exchanges charge fees in the asset's own unit (1e-8), not in the order step: rounding
        # a 0.1 % fee up to a 0.00001 step would charge 1 % on a 0.001 BTC buy.
        return quantize_fee(amount * rate, step=min(market.amount_step, ASSET_UNIT)), market.base
    return quantize_fee(price * amount * rate, step=quote_step(market)), market.quote


def _fill(
    side: OrderSide, price: Decimal, amount: Decimal, *, market: MarketInfo, maker: bool
) -> PlannedFill:
    fee, asset = _fee(side, price, amount, market=market, maker=maker)
    return PlannedFill(price=price, amount=amount, fee=fee, fee_asset=asset, is_maker=maker)


def _take_levels(
    levels: Sequence[Level],
    *,
    side: OrderSide,
    market: MarketInfo,
    amount: Decimal | None,
    budget: Decimal | None,
    bound: Decimal,
) -> tuple[tuple[PlannedFill, ...], bool]:
    """Taker fills along `levels` (best first) at the level prices.

    Stops at the first level beyond `bound`, once `amount` base is filled, or once `budget`
    quote cannot buy one more step. Every fill is a positive multiple of the step, its amount
    at most the level's, and the fills' notionals never exceed `budget`. Also returns whether
    the budget ran out (a quote-amount buy that spent its quote counts as filled).
    """
    fills: list[PlannedFill] = []
    left, money = amount, budget
    for price, offered in levels:
        if _beyond(side, price, bound):
            break
        take = offered if left is None else min(offered, left)
        if money is not None:
            affordable = _affordable(money, price, market)
            if affordable <= 0:
                return tuple(fills), True  # deeper levels cost more still
            take = min(take, affordable)
        take = quantize_amount(take, market=market)
        if take <= 0:
            continue  # a level offering less than one step: dust is never filled
        fills.append(_fill(side, price, take, market=market, maker=False))
        if left is not None:
            left -= take
            if left <= 0:
                break
        if money is not None:
            money -= take * price
            if money < price * market.amount_step:
                return tuple(fills), True
    return tuple(fills), False


def _execute_market(
    spec: OrderSpec,
    amount: Decimal | None,
    *,
    market: MarketInfo,
    book: OrderBook,
    budget: Decimal | None = None,
) -> FillPlan:
    """Fill `amount` base (or `spec.quote_amount` quote) as taker within the slippage cap.

    Whatever is not filled is cancelled: the outcome is "filled" or "cancelled_remainder".
    """
    levels = _taking_levels(book, spec.side)
    if amount is None:
        budget = spec.quote_amount
    if not levels:
        fills: tuple[PlannedFill, ...] = ()
        spent_budget = False
    else:
        bound = _slippage_bound(spec.side, levels[0][0])
        fills, spent_budget = _take_levels(
            levels, side=spec.side, market=market, amount=amount, budget=budget, bound=bound
        )
    if amount is None:  # a quote-amount buy
        quote = spec.quote_amount or _ZERO
        left = quote - sum((fill.notional for fill in fills), _ZERO)
        outcome: Outcome = "filled" if spent_budget else "cancelled_remainder"
        return _summarize(fills, market=market, remaining=_ZERO, outcome=outcome, quote_left=left)
    remaining = amount - sum((fill.amount for fill in fills), _ZERO)
    outcome = "filled" if remaining == 0 else "cancelled_remainder"
    return _summarize(fills, market=market, remaining=remaining, outcome=outcome)


def _place_limit(
    spec: OrderSpec, amount: Decimal, *, market: MarketInfo, book: OrderBook
) -> FillPlan:
    """A limit arriving at the book: taker fills up to its price, then rest (GTC) or cancel."""
    limit = spec.price
    if limit is None:
        raise InvalidOrder("missing_price", "This order type needs a limit price.", "price")
    fills, _ = _take_levels(
        _taking_levels(book, spec.side),
        side=spec.side,
        market=market,
        amount=amount,
        budget=None,
        bound=limit,
    )
    remaining = amount - sum((fill.amount for fill in fills), _ZERO)
    outcome: Outcome
    if remaining == 0:
        outcome = "filled"
    elif spec.time_in_force == TimeInForce.IOC:
        outcome = "cancelled_remainder"
    else:
        outcome = "partially_filled" if fills else "resting"
    return _summarize(fills, market=market, remaining=remaining, outcome=outcome)


def _fill_resting_limit(
    order: RestingOrder, *, market: MarketInfo, low: Decimal, high: Decimal
) -> FillPlan:
    """A resting limit traded through fills in full as maker at its own price; else it rests."""
    spec, remaining = order.spec, order.remaining_amount
    limit = spec.price
    if limit is None:
        raise InvalidOrder("missing_price", "This order type needs a limit price.", "price")
    if not limit_traded_through(spec.side, limit, low=low, high=high):
        return _summarize((), market=market, remaining=remaining, outcome="resting")
    fill = _fill(spec.side, limit, remaining, market=market, maker=True)
    return _summarize((fill,), market=market, remaining=_ZERO, outcome="filled")


def _replay_book(spec: OrderSpec, amount: Decimal, *, low: Decimal, high: Decimal) -> OrderBook:
    """A one-level book for a triggered stop without a real book (candle replay).

    The level is at the stop price clamped into the traded range: the stop price when the
    market passed through it, the nearest traded price when it gapped past it.
    """
    stop = spec.stop_price
    if stop is None:
        raise InvalidOrder("missing_stop_price", "This order needs a stop price.", "stop_price")
    price = min(max(stop, low), high)
    level = ((price, amount),)
    if spec.side == OrderSide.BUY:
        return OrderBook(symbol="", bids=(), asks=level, timestamp=_NO_TIME)
    return OrderBook(symbol="", bids=level, asks=(), timestamp=_NO_TIME)


def _buy_spend_bound(
    spec: OrderSpec, *, market: MarketInfo, book: OrderBook | None = None
) -> Decimal:
    """The most quote a buy with a base amount may spend, before the fee reserve.

    Limit and stop-limit: price * amount. Stop-loss and take-profit: stop price * amount *
    (1 + cap), also the budget the triggered order is held to. Market: best ask * amount *
    (1 + cap). Estimates are rounded up to `quote_step`.
    """
    amount = _base_amount(spec)
    if spec.price is not None:
        return spec.price * amount
    if spec.stop_price is not None:
        reference = spec.stop_price
    else:
        asks = () if book is None else book.asks
        if not asks:
            raise InvalidOrder("no_liquidity", "There is nothing to trade against in the book.")
        reference = asks[0][0]
    bound = reference * amount * (1 + MAX_SLIPPAGE)
    return quantize_to_step(bound, step=quote_step(market), rounding=ROUND_UP)


def _summarize(
    fills: tuple[PlannedFill, ...],
    *,
    market: MarketInfo,
    remaining: Decimal,
    outcome: Outcome,
    quote_left: Decimal | None = None,
    triggered: bool = False,
) -> FillPlan:
    """Total `fills` into a `FillPlan`; the average price is rounded half-even, for display."""
    filled = sum((fill.amount for fill in fills), _ZERO)
    gross = sum((fill.notional for fill in fills), _ZERO)
    average = None
    if filled > 0:
        step = market.price_tick.scaleb(-_AVERAGE_EXTRA_DIGITS)
        average = quantize_to_step(gross / filled, step=step, rounding=ROUND_HALF_EVEN)
    return FillPlan(
        fills=fills,
        filled_amount=filled,
        gross_quote=gross,
        average_price=average,
        remaining_amount=remaining,
        outcome=outcome,
        remaining_quote=quote_left,
        triggered=triggered,
    )
