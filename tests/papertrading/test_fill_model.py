"""The paper exchange's fill model: pure functions, no database.

The default market is BTC/USDT-like with a coarse step to keep numbers readable: tick 0.01,
step 0.001, minimum amount 0.001, minimum notional 5 USDT, taker 0.1 %, maker 0.05 % (different,
so that a test sees which one applied). Its quote step is 0.01 * 0.001 = 0.00001.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from papertrading.fill_model import (
    MAX_SLIPPAGE,
    FillPlan,
    FundsLock,
    InvalidOrder,
    OrderSpec,
    PlannedFill,
    RestingOrder,
    evaluate_resting,
    funds_to_lock,
    limit_traded_through,
    plan_order,
    quote_step,
    stop_triggered,
)
from tests.factories.trading import market_info
from trading.exchanges.base import MarketInfo, OrderBook, OrderSide, OrderType, TimeInForce
from trading.precision import PrecisionError

BUY, SELL = OrderSide.BUY, OrderSide.SELL
MARKET, LIMIT = OrderType.MARKET, OrderType.LIMIT
STOP_LOSS, STOP_LIMIT, TAKE_PROFIT = (
    OrderType.STOP_LOSS,
    OrderType.STOP_LIMIT,
    OrderType.TAKE_PROFIT,
)
D = Decimal

ASKS = (("100.00", "1.000"), ("101.00", "2.000"), ("104.00", "5.000"), ("106.00", "10.000"))
BIDS = (("99.00", "1.000"), ("98.00", "2.000"), ("95.00", "5.000"), ("94.00", "10.000"))


def market(
    *,
    price_tick: str = "0.01",
    amount_step: str = "0.001",
    min_amount: str | None = "0.001",
    min_cost: str | None = "5",
) -> MarketInfo:
    return market_info(
        price_tick=price_tick,
        amount_step=amount_step,
        min_amount=min_amount,
        max_amount=None,
        min_cost=min_cost,
        maker_fee="0.0005",
    )


def book(
    asks: tuple[tuple[str, str], ...] = ASKS, bids: tuple[tuple[str, str], ...] = BIDS
) -> OrderBook:
    return OrderBook(
        symbol="BTC/USDT",
        asks=tuple((D(price), D(amount)) for price, amount in asks),
        bids=tuple((D(price), D(amount)) for price, amount in bids),
        timestamp=datetime(2025, 1, 1, tzinfo=UTC),
    )


def spec(side: OrderSide, type_: OrderType = MARKET, **values: Any) -> OrderSpec:
    """An order with its numbers written as strings (turned into Decimals here)."""
    numbers = ("amount", "quote_amount", "price", "stop_price")
    decimals: dict[str, Any] = {
        name: D(value) if name in numbers and isinstance(value, str) else value
        for name, value in values.items()
    }
    return OrderSpec(side=side, type=type_, **decimals)


def fills_of(plan: FillPlan) -> list[tuple[Decimal, Decimal, Decimal, str, bool]]:
    return [(f.price, f.amount, f.fee, f.fee_asset, f.is_maker) for f in plan.fills]


def assert_all_decimal(plan: FillPlan) -> None:
    """Every number in the plan and its fills is a Decimal (and none is a float)."""
    items: tuple[FillPlan | PlannedFill, ...] = (plan, *plan.fills)
    for item in items:
        for field in fields(item):
            value = getattr(item, field.name)
            if field.name in ("fills", "outcome", "fee_asset", "is_maker", "triggered"):
                continue
            assert value is None or type(value) is Decimal, field.name


# --- market orders ------------------------------------------------------------------------


def test_market_buy_walks_two_levels_and_pays_the_fee_in_base_docs_example() -> None:
    # given: the worked example of docs/paper-trading.md
    info = market(amount_step="0.00001", min_amount="0.00001")
    asks = (("60000.00", "0.10000"), ("60010.00", "0.20000"))
    # when
    plan = plan_order(spec(BUY, amount="0.15000"), market=info, book=book(asks=asks))
    # then
    assert fills_of(plan) == [
        (D("60000.00"), D("0.10000"), D("0.00010"), "BTC", False),
        (D("60010.00"), D("0.05000"), D("0.00005"), "BTC", False),
    ]
    assert plan.gross_quote == D("9000.50")
    assert plan.average_price == D("60003.3333333333")  # 8 decimals past the tick
    assert plan.fee_total == D("0.00015")
    assert plan.filled_amount - plan.fee_total == D("0.14985")
    assert (plan.outcome, plan.remaining_amount) == ("filled", D(0))
    assert_all_decimal(plan)


@pytest.mark.parametrize(
    ("side", "amount", "expected", "gross", "fee_asset", "_case"),
    [
        (
            BUY,
            "2.500",
            [("100.00", "1.000", "0.001"), ("101.00", "1.500", "0.0015")],
            "251.5",
            "BTC",
            "buy takes asks; the fee is exact to the asset's 1e-8 unit",
        ),
        (
            SELL,
            "4.000",
            [("99.00", "1.000", "0.099"), ("98.00", "2.000", "0.196"), ("95.00", "1.000", "0.095")],
            "390",
            "USDT",
            "sell takes bids; fee in quote",
        ),
    ],
)
def test_market_order_walks_the_book_as_taker(
    side: OrderSide,
    amount: str,
    expected: list[tuple[str, str, str]],
    gross: str,
    fee_asset: str,
    _case: str,
) -> None:
    # given
    order = spec(side, amount=amount)
    # when
    plan = plan_order(order, market=market(), book=book())
    # then
    assert fills_of(plan) == [(D(p), D(a), D(f), fee_asset, False) for p, a, f in expected]
    assert plan.gross_quote == D(gross)
    assert plan.filled_amount == D(amount)
    assert plan.outcome == "filled"
    assert_all_decimal(plan)


@pytest.mark.parametrize(
    ("side", "filled", "excluded", "_case"),
    [
        (BUY, "8.000", D("106.00"), "106 is above 100 * 1.05"),
        (SELL, "8.000", D("94.00"), "94 is below 99 * 0.95"),
    ],
)
def test_market_order_stops_at_the_slippage_cap_and_cancels_the_rest(
    side: OrderSide, filled: str, excluded: Decimal, _case: str
) -> None:
    # given
    order = spec(side, amount="20.000")
    # when
    plan = plan_order(order, market=market(), book=book())
    # then
    assert D("0.05") == MAX_SLIPPAGE
    assert plan.filled_amount == D(filled)
    assert excluded not in {fill.price for fill in plan.fills}
    assert (plan.outcome, plan.remaining_amount) == ("cancelled_remainder", D("12.000"))


def test_market_order_takes_a_level_exactly_at_the_cap() -> None:
    # given
    asks = (("100.00", "1.000"), ("105.00", "1.000"), ("105.01", "1.000"))
    # when
    plan = plan_order(spec(BUY, amount="3.000"), market=market(), book=book(asks=asks))
    # then
    assert [fill.price for fill in plan.fills] == [D("100.00"), D("105.00")]
    assert plan.outcome == "cancelled_remainder"


def test_market_order_on_a_thin_book_fills_partly() -> None:
    # given
    thin = book(asks=(("100.00", "0.500"),))
    # when
    plan = plan_order(spec(BUY, amount="2.000"), market=market(), book=thin)
    # then
    assert plan.filled_amount == D("0.500")
    assert (plan.outcome, plan.remaining_amount) == ("cancelled_remainder", D("1.500"))


@pytest.mark.parametrize(
    ("asks", "expected", "_case"),
    [
        ((("100.00", "0.0005"), ("101.00", "1.000")), [("101.00", "1.000")], "dust level skipped"),
        ((("100.00", "1.0005"),), [("100.00", "1.000")], "level amount rounded down"),
    ],
)
def test_fills_are_whole_steps_and_dust_is_never_filled(
    asks: tuple[tuple[str, str], ...], expected: list[tuple[str, str]], _case: str
) -> None:
    # when
    plan = plan_order(spec(BUY, amount="1.000"), market=market(), book=book(asks=asks))
    # then
    assert [(f.price, f.amount) for f in plan.fills] == [(D(p), D(a)) for p, a in expected]
    assert all(f.amount % D("0.001") == 0 and f.amount > 0 for f in plan.fills)


def test_market_order_with_an_empty_side_is_rejected() -> None:
    # when
    with pytest.raises(InvalidOrder) as error:
        plan_order(spec(SELL, amount="1.000"), market=market(), book=book(bids=()))
    # then
    assert error.value.code == "no_liquidity"


# --- market buy by quote amount -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "filled", "gross", "left", "outcome", "_case"),
    [
        ("250", "2.485", "249.985", "0.015", "filled", "second level bought down to the step"),
        ("100", "1.000", "100.00", "0.00", "filled", "exactly the first level"),
        ("5000", "8.000", "822.00", "4178.00", "cancelled_remainder", "slippage cap reached"),
    ],
)
def test_market_buy_by_quote_amount_never_overspends(
    quote: str, filled: str, gross: str, left: str, outcome: str, _case: str
) -> None:
    # when
    plan = plan_order(spec(BUY, quote_amount=quote), market=market(), book=book())
    # then
    assert plan.filled_amount == D(filled)
    assert plan.gross_quote == D(gross) <= D(quote)
    assert plan.remaining_quote == D(left)
    assert plan.outcome == outcome
    assert {fill.fee_asset for fill in plan.fills} == {"BTC"}  # the fee never touches quote
    assert_all_decimal(plan)


@pytest.mark.parametrize("quote", ["5", "7.77", "10", "33.33", "99.99", "100.01", "123.456"])
def test_quote_amount_buy_at_a_non_terminating_price_stays_within_budget(quote: str) -> None:
    # given: 1/3-priced levels make every division non-terminating
    asks = (("3.33", "7.000"), ("3.34", "100.000"))
    # when
    plan = plan_order(spec(BUY, quote_amount=quote), market=market(), book=book(asks=asks))
    # then
    assert plan.gross_quote <= D(quote)
    assert plan.remaining_quote is not None
    assert plan.remaining_quote < D("3.34") * D("0.001")  # not even one more step affordable
    assert plan.outcome == "filled"


def test_quote_amount_buy_stops_when_the_next_level_costs_more_than_is_left() -> None:
    # given: step 0.01; after the first level 1.02 USDT is left, less than one step at 105
    info = market(amount_step="0.01", min_amount="0.01")
    asks = (("100.00", "1.00"), ("105.00", "1.00"))
    # when
    plan = plan_order(spec(BUY, quote_amount="101.02"), market=info, book=book(asks=asks))
    # then
    assert (plan.filled_amount, plan.remaining_quote, plan.outcome) == (
        D("1.00"),
        D("1.02"),
        "filled",
    )


def test_quote_amount_buy_survives_a_quotient_rounded_up_by_the_decimal_context() -> None:
    # given: 29 nines divided by 1 rounds to 1.000... in 28 digits, one step too much
    quote = "0." + "9" * 29
    asks = (("1.00", "5.000"),)
    # when
    plan = plan_order(
        spec(BUY, quote_amount=quote), market=market(min_cost=None), book=book(asks=asks)
    )
    # then
    assert plan.filled_amount == D("0.999")
    assert plan.gross_quote <= D(quote)


# --- limit orders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "price", "tif", "filled", "outcome", "_case"),
    [
        (BUY, "101.00", TimeInForce.GTC, "3.000", "partially_filled", "buy crosses, rest rests"),
        (BUY, "101.00", TimeInForce.IOC, "3.000", "cancelled_remainder", "buy IOC cancels rest"),
        (SELL, "98.00", TimeInForce.GTC, "3.000", "partially_filled", "sell crosses, rest rests"),
        (SELL, "98.00", TimeInForce.IOC, "3.000", "cancelled_remainder", "sell IOC cancels rest"),
        (BUY, "99.50", TimeInForce.GTC, "0", "resting", "buy below the ask rests whole"),
        (SELL, "99.50", TimeInForce.GTC, "0", "resting", "sell above the bid rests whole"),
        (BUY, "99.50", TimeInForce.IOC, "0", "cancelled_remainder", "IOC that cannot fill"),
    ],
)
def test_limit_at_entry_fills_as_taker_up_to_its_price(
    side: OrderSide, price: str, tif: TimeInForce, filled: str, outcome: str, _case: str
) -> None:
    # given
    order = spec(side, LIMIT, amount="5.000", price=price, time_in_force=tif)
    # when
    plan = plan_order(order, market=market(), book=book())
    # then
    assert plan.filled_amount == D(filled)
    assert plan.remaining_amount == D("5.000") - D(filled)
    assert plan.outcome == outcome
    assert all(not fill.is_maker for fill in plan.fills)
    limit = D(price)
    assert all(f.price <= limit if side == BUY else f.price >= limit for f in plan.fills)


def test_limit_that_the_book_covers_fills_completely_at_entry() -> None:
    # when
    plan = plan_order(
        spec(BUY, LIMIT, amount="2.000", price="101.00"), market=market(), book=book()
    )
    # then
    assert fills_of(plan) == [
        (D("100.00"), D("1.000"), D("0.001"), "BTC", False),
        (D("101.00"), D("1.000"), D("0.001"), "BTC", False),
    ]
    assert plan.outcome == "filled"


@pytest.mark.parametrize(
    ("side", "price", "last", "low", "high", "fills", "_case"),
    [
        (BUY, "99.50", "99.50", None, None, False, "buy: touching does not fill"),
        (BUY, "99.50", "99.49", None, None, True, "buy: one tick through fills"),
        (SELL, "101.00", "101.00", None, None, False, "sell: touching does not fill"),
        (SELL, "101.00", "101.01", None, None, True, "sell: one tick through fills"),
        (BUY, "99.50", "100.00", "99.49", "100.20", True, "replay: candle low went through"),
        (BUY, "99.50", "100.00", "99.50", "100.20", False, "replay: candle low only touched"),
        (SELL, "101.00", "100.00", "99.00", "101.01", True, "replay: candle high went through"),
        (SELL, "101.00", "100.00", "99.00", "101.00", False, "replay: candle high only touched"),
    ],
)
def test_resting_limit_fills_as_maker_when_traded_through(
    side: OrderSide,
    price: str,
    last: str,
    low: str | None,
    high: str | None,
    fills: bool,
    _case: str,
) -> None:
    # given
    order = RestingOrder(spec(side, LIMIT, amount="5.000", price=price), remaining_amount=D("2"))
    # when
    plan = evaluate_resting(
        order,
        market=market(),
        last_price=D(last),
        low=None if low is None else D(low),
        high=None if high is None else D(high),
    )
    # then
    if fills:
        fee, asset = ("0.001", "BTC") if side == BUY else ("0.10100", "USDT")  # maker 0.05 %
        assert fills_of(plan) == [(D(price), D("2"), D(fee), asset, True)]
        assert (plan.outcome, plan.remaining_amount) == ("filled", D(0))
    else:
        assert (plan.fills, plan.outcome, plan.remaining_amount) == ((), "resting", D("2"))
    assert not plan.triggered
    assert_all_decimal(plan)


@pytest.mark.parametrize(
    ("side", "low", "high", "expected", "_case"),
    [
        (BUY, "99.99", "100", True, "buy below"),
        (BUY, "100", "100", False, "buy touch"),
        (SELL, "100", "100.01", True, "sell above"),
        (SELL, "100", "100", False, "sell touch"),
    ],
)
def test_limit_traded_through_is_strict(
    side: OrderSide, low: str, high: str, expected: bool, _case: str
) -> None:
    assert limit_traded_through(side, D("100"), low=D(low), high=D(high)) is expected


# --- stops ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "side", "stop", "last", "expected", "_case"),
    [
        (STOP_LOSS, SELL, "95.00", "95.00", True, "stop-loss sell at the stop"),
        (STOP_LOSS, SELL, "95.00", "95.01", False, "stop-loss sell a tick above"),
        (STOP_LOSS, BUY, "105.00", "105.00", True, "stop-loss buy at the stop"),
        (STOP_LOSS, BUY, "105.00", "104.99", False, "stop-loss buy a tick below"),
        (STOP_LIMIT, SELL, "95.00", "95.00", True, "stop-limit sell at the stop"),
        (STOP_LIMIT, BUY, "105.00", "104.99", False, "stop-limit buy a tick below"),
        (TAKE_PROFIT, SELL, "105.00", "105.00", True, "take-profit sell at the stop"),
        (TAKE_PROFIT, SELL, "105.00", "104.99", False, "take-profit sell a tick below"),
        (TAKE_PROFIT, BUY, "95.00", "95.00", True, "take-profit buy at the stop"),
        (TAKE_PROFIT, BUY, "95.00", "95.01", False, "take-profit buy a tick above"),
    ],
)
def test_stops_trigger_on_the_last_price_boundary_included(
    type_: OrderType, side: OrderSide, stop: str, last: str, expected: bool, _case: str
) -> None:
    # given
    price = {"price": "94.00" if side == SELL else "106.00"} if type_ == STOP_LIMIT else {}
    order = spec(side, type_, amount="1.000", stop_price=stop, **price)
    # when
    triggered = stop_triggered(order, low=D(last), high=D(last))
    plan = evaluate_resting(
        RestingOrder(order, remaining_amount=D("1.000")), market=market(), last_price=D(last)
    )
    # then
    assert triggered is expected
    assert plan.triggered is expected
    if not expected:
        assert (plan.fills, plan.outcome) == ((), "resting")


@pytest.mark.parametrize(
    ("type_", "side", "stop", "_case"),
    [
        (STOP_LOSS, SELL, "100.00", "stop-loss sell above the last price"),
        (STOP_LOSS, BUY, "99.00", "stop-loss buy below the last price"),
        (TAKE_PROFIT, SELL, "99.50", "take-profit sell below the last price"),
        (TAKE_PROFIT, BUY, "99.50", "take-profit buy at the last price"),
    ],
)
def test_a_stop_that_would_trigger_at_once_is_rejected(
    type_: OrderType, side: OrderSide, stop: str, _case: str
) -> None:
    # when
    with pytest.raises(InvalidOrder) as error:
        plan_order(
            spec(side, type_, amount="1.000", stop_price=stop),
            market=market(),
            book=book(),
            last_price=D("99.50"),
        )
    # then
    assert (error.value.code, error.value.field) == ("stop_would_trigger", "stop_price")


@pytest.mark.parametrize(
    ("type_", "side", "stop", "_case"),
    [
        (STOP_LOSS, SELL, "97.00", "stop-loss sell"),
        (STOP_LOSS, BUY, "103.00", "stop-loss buy"),
        (TAKE_PROFIT, SELL, "103.00", "take-profit sell"),
        (TAKE_PROFIT, BUY, "97.00", "take-profit buy"),
    ],
)
def test_a_stop_at_entry_rests_without_fills(
    type_: OrderType, side: OrderSide, stop: str, _case: str
) -> None:
    # when
    plan = plan_order(
        spec(side, type_, amount="1.000", stop_price=stop),
        market=market(),
        book=book(),
        last_price=D("99.50"),
    )
    # then
    assert (plan.fills, plan.outcome, plan.remaining_amount) == ((), "resting", D("1.000"))


@pytest.mark.parametrize(
    ("type_", "side", "stop", "last", "expected", "_case"),
    [
        (STOP_LOSS, SELL, "99.50", "99.00", [("99.00", "1.000"), ("98.00", "1.000")], "sl sell"),
        (STOP_LOSS, BUY, "100.00", "100.00", [("100.00", "1.000"), ("101.00", "1.000")], "sl buy"),
        (TAKE_PROFIT, SELL, "99.00", "99.00", [("99.00", "1.000"), ("98.00", "1.000")], "tp sell"),
        (TAKE_PROFIT, BUY, "100.00", "99.9", [("100.00", "1.000"), ("101.00", "1.000")], "tp buy"),
    ],
)
def test_a_triggered_stop_market_executes_as_a_market_order_against_the_book(
    type_: OrderType,
    side: OrderSide,
    stop: str,
    last: str,
    expected: list[tuple[str, str]],
    _case: str,
) -> None:
    # given
    order = RestingOrder(spec(side, type_, amount="2.000", stop_price=stop), D("2.000"))
    # when
    plan = evaluate_resting(order, market=market(), last_price=D(last), book=book())
    # then
    assert [(f.price, f.amount) for f in plan.fills] == [(D(p), D(a)) for p, a in expected]
    assert all(not fill.is_maker for fill in plan.fills)
    assert (plan.outcome, plan.triggered) == ("filled", True)


@pytest.mark.parametrize(
    ("side", "stop", "last", "low", "high", "price", "filled", "_case"),
    [
        (SELL, "97.00", "98.00", "96.50", "99.00", "97.00", "2.000", "candle passed the stop"),
        (SELL, "97.00", "91.00", "90.00", "92.00", "92.00", "2.000", "gap down fills at high"),
        (BUY, "100.00", "101.00", "99.00", "102.00", "100.00", "2.000", "buy passed the stop"),
        # 2 * 100 * 1.05 = 210 USDT locked buys 1.909 BTC at 110: never more than locked
        (BUY, "100.00", "115.00", "110.00", "120.00", "110.00", "1.909", "gap up, within lock"),
    ],
)
def test_a_triggered_stop_market_in_replay_fills_at_the_stop_or_the_gap(
    side: OrderSide,
    stop: str,
    last: str,
    low: str,
    high: str,
    price: str,
    filled: str,
    _case: str,
) -> None:
    # given
    order = RestingOrder(spec(side, STOP_LOSS, amount="2.000", stop_price=stop), D("2.000"))
    # when
    plan = evaluate_resting(order, market=market(), last_price=D(last), low=D(low), high=D(high))
    # then
    assert {fill.price for fill in plan.fills} == {D(price)}
    assert plan.filled_amount == D(filled)
    assert plan.triggered
    assert plan.gross_quote <= funds_to_lock(order.spec, market=market()).amount or side == SELL


def test_a_triggered_stop_market_against_an_empty_side_fills_nothing() -> None:
    # given
    order = RestingOrder(spec(SELL, STOP_LOSS, amount="1.000", stop_price="95.00"), D("1.000"))
    # when
    plan = evaluate_resting(order, market=market(), last_price=D("95"), book=book(bids=()))
    # then
    assert (plan.fills, plan.outcome, plan.triggered) == ((), "cancelled_remainder", True)
    assert plan.average_price is None


def test_a_triggered_stop_limit_with_a_book_is_placed_as_a_limit() -> None:
    # given
    stop_limit = spec(BUY, STOP_LIMIT, amount="5.000", stop_price="100.00", price="101.00")
    # when
    plan = evaluate_resting(
        RestingOrder(stop_limit, D("5.000")), market=market(), last_price=D("100"), book=book()
    )
    # then
    assert [(f.price, f.amount, f.is_maker) for f in plan.fills] == [
        (D("100.00"), D("1.000"), False),
        (D("101.00"), D("2.000"), False),
    ]
    assert (plan.outcome, plan.remaining_amount, plan.triggered) == (
        "partially_filled",
        D("2.000"),
        True,
    )


def test_a_triggered_stop_limit_in_replay_rests_then_fills_as_a_limit() -> None:
    # given
    stop_limit = spec(SELL, STOP_LIMIT, amount="1.000", stop_price="95.00", price="94.00")
    order = RestingOrder(stop_limit, D("1.000"))
    # when
    first = evaluate_resting(order, market=market(), last_price=D("94.50"), low=D("93.00"))
    touched = evaluate_resting(
        RestingOrder(stop_limit, D("1.000"), triggered=True), market=market(), last_price=D("94")
    )
    through = evaluate_resting(
        RestingOrder(stop_limit, D("1.000"), triggered=True),
        market=market(),
        last_price=D("94.01"),
    )
    # then
    assert (first.fills, first.outcome, first.triggered) == ((), "resting", True)
    assert (touched.fills, touched.outcome) == ((), "resting")
    assert fills_of(through) == [(D("94.00"), D("1.000"), D("0.04700"), "USDT", True)]


# --- fees -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "fee", "asset", "_case"),
    [
        (BUY, "0.00000100", "BTC", "0.000001 BTC stays 0.000001, not a whole 0.001 step"),
        (SELL, "0.00010", "USDT", "0.000099 USDT rounds up to the quote step"),
    ],
)
def test_fee_rounds_up_in_the_received_asset(
    side: OrderSide, fee: str, asset: str, _case: str
) -> None:
    # given
    info = market(min_cost=None)
    # when
    plan = plan_order(spec(side, amount="0.001"), market=info, book=book())
    # then
    assert quote_step(info) == D("0.00001")
    assert [(f.fee, f.fee_asset) for f in plan.fills] == [(D(fee), asset)]


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "code", "field", "_case"),
    [
        (spec(BUY, LIMIT, amount="0.040", price="100.00"), "cost_below_minimum", "amount", "4 < 5"),
        (spec(SELL, amount="0.050"), "cost_below_minimum", "amount", "market: 0.05 * 99 < 5"),
        (spec(BUY, LIMIT, amount="1.0005", price="100"), "amount_not_on_step", "amount", "step"),
        (spec(BUY, LIMIT, amount="1", price="100.001"), "price_not_on_tick", "price", "tick"),
        (
            spec(SELL, STOP_LOSS, amount="1", stop_price="90.001"),
            "price_not_on_tick",
            "stop_price",
            "stop price off the tick",
        ),
        (spec(BUY, quote_amount="4.99"), "cost_below_minimum", "quote_amount", "quote below min"),
        (spec(BUY, quote_amount="-1"), "invalid_amount", "quote_amount", "negative quote"),
        (spec(SELL, amount="0"), "invalid_amount", "amount", "zero amount"),
    ],
)
def test_orders_outside_the_market_limits_are_rejected_with_the_field(
    order: OrderSpec, code: str, field: str, _case: str
) -> None:
    # when
    with pytest.raises(PrecisionError) as error:
        plan_order(order, market=market(), book=book(), last_price=D("99.50"))
    # then
    assert (error.value.code, error.value.field) == (code, field)


def test_a_quote_amount_too_small_for_one_step_is_rejected() -> None:
    # when
    with pytest.raises(PrecisionError) as error:
        plan_order(spec(BUY, quote_amount="0.05"), market=market(min_cost=None), book=book())
    # then
    assert (error.value.code, error.value.field) == ("amount_below_minimum", "quote_amount")


def test_stop_limit_notional_is_judged_on_the_limit_price() -> None:
    # given: 0.05 * 110 = 5.5 passes; at the stop, 0.05 * 90 = 4.5 would not
    order = spec(BUY, STOP_LIMIT, amount="0.050", stop_price="90.00", price="110.00")
    # when
    plan = plan_order(order, market=market(), book=book(), last_price=D("89.00"))
    # then
    assert plan.outcome == "resting"


@pytest.mark.parametrize(
    ("order", "code", "_case"),
    [
        (spec(BUY, LIMIT, amount="1"), "missing_price", "limit without price"),
        (spec(BUY, amount="1", price="100"), "unexpected_price", "market with price"),
        (spec(SELL, STOP_LOSS, amount="1"), "missing_stop_price", "stop without stop price"),
        (spec(BUY, LIMIT, amount="1", price="100", stop_price="90"), "unexpected_stop_price", "x"),
        (spec(SELL, quote_amount="100"), "quote_amount_not_allowed", "quote sell"),
        (spec(BUY, LIMIT, quote_amount="100", price="100"), "quote_amount_not_allowed", "limit"),
        (spec(BUY, amount="1", quote_amount="100"), "quote_amount_not_allowed", "both amounts"),
        (spec(BUY), "missing_amount", "no amount"),
    ],
)
def test_malformed_orders_are_rejected(order: OrderSpec, code: str, _case: str) -> None:
    with pytest.raises(InvalidOrder) as error:
        plan_order(order, market=market(), book=book(), last_price=D("99.50"))
    assert error.value.code == code


def test_an_inactive_market_takes_no_orders() -> None:
    # given
    closed = replace(market(), active=False)
    # when
    with pytest.raises(InvalidOrder) as error:
        plan_order(spec(BUY, amount="1.000"), market=closed, book=book())
    # then
    assert (error.value.code, error.value.field) == ("market_inactive", "symbol")


def test_a_stop_needs_the_last_price() -> None:
    with pytest.raises(ValueError, match="last price"):
        plan_order(spec(SELL, STOP_LOSS, amount="1", stop_price="90"), market=market(), book=book())


def test_only_open_limit_and_stop_orders_rest() -> None:
    # given
    order = RestingOrder(spec(BUY, amount="1.000"), D("1.000"))
    # when
    with pytest.raises(InvalidOrder) as error:
        evaluate_resting(order, market=market(), last_price=D("100"))
    # then
    assert error.value.code == "not_resting"


# --- funds to lock --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected", "_case"),
    [
        (spec(BUY, LIMIT, amount="5", price="101"), ("USDT", "505"), "limit: price * amount"),
        (spec(BUY, quote_amount="250"), ("USDT", "250"), "quote-amount market buy"),
        (spec(BUY, amount="2"), ("USDT", "210"), "market buy: 2 * 100 * 1.05"),
        (
            spec(BUY, STOP_LOSS, amount="1", stop_price="105"),
            ("USDT", "110.25"),
            "stop buy: 105 * 1.05 (the fee is paid in base)",
        ),
        (
            spec(BUY, STOP_LIMIT, amount="1", stop_price="105", price="106"),
            ("USDT", "106"),
            "stop-limit buy at its limit",
        ),
        (spec(SELL, LIMIT, amount="5", price="101"), ("BTC", "5"), "sell locks base"),
        (spec(SELL, amount="3"), ("BTC", "3"), "market sell locks base"),
        (spec(SELL, TAKE_PROFIT, amount="2", stop_price="110"), ("BTC", "2"), "stop sell"),
    ],
)
def test_funds_to_lock(order: OrderSpec, expected: tuple[str, str], _case: str) -> None:
    # when
    lock = funds_to_lock(order, market=market(), book=book())
    # then
    assert lock == FundsLock(expected[0], D(expected[1]))
    assert type(lock.amount) is Decimal


def test_a_market_buy_never_spends_more_than_it_locked() -> None:
    # given
    order = spec(BUY, amount="20.000")
    # when
    lock = funds_to_lock(order, market=market(), book=book())
    plan = plan_order(order, market=market(), book=book())
    # then
    assert plan.gross_quote <= lock.amount


def test_funds_for_a_market_buy_need_asks() -> None:
    with pytest.raises(InvalidOrder) as error:
        funds_to_lock(spec(BUY, amount="1"), market=market(), book=book(asks=()))
    assert error.value.code == "no_liquidity"


# --- Decimal only ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "_case"),
    [
        ("amount", 0.1, "float amount"),
        ("price", 100.0, "float price"),
        ("quote_amount", 100, "int quote amount"),
        ("stop_price", 95.5, "float stop price"),
    ],
)
def test_order_numbers_must_be_decimals(name: str, value: object, _case: str) -> None:
    with pytest.raises(TypeError, match=name):
        OrderSpec(side=BUY, type=LIMIT, **{name: value})  # type: ignore[arg-type]


def test_prices_fed_to_the_model_must_be_decimals() -> None:
    # given
    order = RestingOrder(spec(BUY, LIMIT, amount="1", price="100"), D("1"))
    float_book = OrderBook("BTC/USDT", bids=(), asks=((100.0, 1.0),), timestamp=datetime.now(UTC))  # type: ignore[arg-type]
    # then
    with pytest.raises(TypeError, match="last_price"):
        evaluate_resting(order, market=market(), last_price=99.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="low"):
        evaluate_resting(order, market=market(), last_price=D("99"), low=98.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        plan_order(spec(BUY, amount="1"), market=market(), book=float_book)
    with pytest.raises(TypeError, match="remaining_amount"):
        RestingOrder(order.spec, 1.0)  # type: ignore[arg-type]


def test_non_finite_decimals_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        OrderSpec(side=BUY, type=MARKET, amount=D("NaN"))
