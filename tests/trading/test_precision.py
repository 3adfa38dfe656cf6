"""Quantization to a market's steps and the market's order limits.

Results are compared in fixed-point (`format(x, "f")`): that checks the value and the exponent
it is written with (`0.12345`, not `0.12345000`); `str()` would switch to E notation below 1E-6.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest

from cryptopulse.errors import ApplicationError
from tests.factories.trading import market_info
from trading.exchanges.base import MarketInfo, OrderSide
from trading.precision import (
    PrecisionError,
    check_limits,
    limit_price_rounding,
    quantize_amount,
    quantize_fee,
    quantize_price,
    quantize_to_step,
)


def market(
    *,
    price_tick: str = "0.01",
    amount_step: str = "0.00001",
    min_amount: str | None = "0.00001",
    max_amount: str | None = "9000",
    min_cost: str | None = "5",
) -> MarketInfo:
    return market_info(
        price_tick=price_tick,
        amount_step=amount_step,
        min_amount=min_amount,
        max_amount=max_amount,
        min_cost=min_cost,
    )


@pytest.mark.parametrize(
    ("value", "step", "expected", "_case"),
    [
        ("0.123456789", "0.00001000", "0.12345", "padded step as Binance writes it"),
        ("0.123456789", "1E-8", "0.12345678", "exponent step as ccxt floats give it"),
        ("0.999999999", "0.00001", "0.99999", "never rounds up"),
        ("1", "0.00001000", "1.00000", "written with the step's exponent"),
        ("5.99", "1", "5", "whole units"),
        ("1234.5", "10", "1230", "step above one, no E notation"),
        ("0.000009", "0.00001", "0.00000", "below one step is zero"),
        ("0.35", "0.1", "0.3", "XRP-like step"),
        ("-0.123456", "0.001", "-0.123", "toward zero for negatives"),
    ],
)
def test_quantize_amount_rounds_down_to_the_step(value, step, expected, _case):
    # given
    info = market(amount_step=step)
    # when
    result = quantize_amount(Decimal(value), market=info)
    # then
    assert format(result, "f") == expected


@pytest.mark.parametrize(
    ("value", "tick", "expected", "_case"),
    [
        ("100.005", "0.01", "100.00", "tie goes to the even tick"),
        ("100.015", "0.01", "100.02", "tie goes to the even tick, upward"),
        ("100.0151", "0.01", "100.02", "above the tie rounds up"),
        ("100.0149", "0.01", "100.01", "below the tie rounds down"),
        ("1.025", "0.05", "1.00", "non-decimal tick, tie to even multiple (20)"),
        ("1.075", "0.05", "1.10", "non-decimal tick, tie to even multiple (22)"),
        ("1.026", "0.05", "1.05", "non-decimal tick, nearest"),
        ("0.55004", "1E-4", "0.5500", "exponent tick"),
    ],
)
def test_quantize_price_defaults_to_the_nearest_tick_half_even(value, tick, expected, _case):
    assert format(quantize_price(Decimal(value), market=market(price_tick=tick)), "f") == expected


@pytest.mark.parametrize(
    ("side", "value", "expected", "_case"),
    [
        (OrderSide.BUY, "100.019", "100.01", "a buy limit never pays more than asked"),
        (OrderSide.SELL, "100.011", "100.02", "a sell limit never accepts less than asked"),
        (OrderSide.BUY, "100.01", "100.01", "on the tick stays"),
    ],
)
def test_limit_prices_round_against_the_trader_never(side, value, expected, _case):
    # given
    rounding = limit_price_rounding(side)
    # when
    result = quantize_price(Decimal(value), market=market(), rounding=rounding)
    # then
    assert rounding == (ROUND_FLOOR if side == OrderSide.BUY else ROUND_CEILING)
    assert format(result, "f") == expected


@pytest.mark.parametrize(
    ("value", "step", "expected", "_case"),
    [
        ("0.0000000101", "1E-8", "0.00000002", "any remainder rounds up"),
        ("0.00000001", "0.00000001", "0.00000001", "on the step stays"),
        ("0.1234", "0.01", "0.13", "cents"),
        ("0", "0.01", "0.00", "zero"),
    ],
)
def test_quantize_fee_rounds_up(value, step, expected, _case):
    assert format(quantize_fee(Decimal(value), step=Decimal(step)), "f") == expected


@pytest.mark.parametrize(
    ("value", "step", "rounding", "expected", "_case"),
    [
        ("2.5", "1", ROUND_HALF_UP, "3", "half up"),
        ("-2.5", "1", ROUND_HALF_UP, "-3", "half up is away from zero"),
        ("-2.5", "1", ROUND_FLOOR, "-3", "floor"),
        ("-1.5", "1", "ROUND_HALF_EVEN", "-2", "negative tie to even"),
        ("1" + "0" * 30 + ".123456789", "1E-8", ROUND_FLOOR, "1" + "0" * 30 + ".12345678", "big"),
    ],
)
def test_quantize_to_step_is_exact_for_every_mode(value, step, rounding, expected, _case):
    result = quantize_to_step(Decimal(value), step=Decimal(step), rounding=rounding)
    assert format(result, "f") == expected


@pytest.mark.parametrize(
    ("step", "_case"), [("0", "zero"), ("-0.01", "negative"), ("NaN", "not a number")]
)
def test_quantize_to_step_refuses_a_bad_step(step, _case):
    with pytest.raises(ValueError, match="step"):
        quantize_to_step(Decimal("1"), step=Decimal(step), rounding=ROUND_FLOOR)


@pytest.mark.parametrize(
    ("amount", "price", "code", "field", "message", "_case"),
    [
        ("0", "65000", "invalid_amount", "amount", "must be positive", "zero amount"),
        ("0.000015", "65000", "amount_not_on_step", "amount", "step 0.00001", "off step"),
        ("0.001", "0", "invalid_price", "price", "must be positive", "zero price"),
        ("0.001", "65000.001", "price_not_on_tick", "price", "tick 0.01", "off tick"),
        ("0.00001", None, "amount_below_minimum", "amount", "minimum 0.0001 BTC", "min amount"),
        ("9000.00001", None, "amount_above_maximum", "amount", "maximum 9000 BTC", "max amount"),
        ("0.0001", "65000", "cost_below_minimum", "amount", "6.5 USDT, below the", "min cost"),
    ],
)
def test_check_limits_names_the_rule_and_the_field(amount, price, code, field, message, _case):
    # given
    info = market(min_amount="0.0001", min_cost="10")
    # when
    with pytest.raises(PrecisionError) as caught:
        check_limits(
            market=info,
            amount=Decimal(amount),
            price=None if price is None else Decimal(price),
        )
    # then
    assert caught.value.code == code
    assert caught.value.field == field
    assert message in caught.value.message
    assert isinstance(caught.value, ApplicationError)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("amount", "price", "info", "_case"),
    [
        ("0.001", "65000.01", market(), "within every limit"),
        ("0.00001", None, market(), "market order without an estimate skips the notional"),
        ("123456", "0.01", market(min_amount=None, max_amount=None, min_cost=None), "no limits"),
    ],
)
def test_check_limits_accepts_orders_within_the_limits(amount, price, info, _case):
    check_limits(
        market=info, amount=Decimal(amount), price=None if price is None else Decimal(price)
    )
