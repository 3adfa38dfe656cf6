import json

import pytest

from trading.strategies.base import InvalidParameter, Strategy
from trading.strategies.registry import STRATEGIES, describe, get_strategy
from trading.timeframes import TIMEFRAMES

ALL = pytest.mark.parametrize("strategy_cls", list(STRATEGIES.values()), ids=list(STRATEGIES))


def test_the_nine_built_ins_are_registered_under_their_names() -> None:
    # then
    assert list(STRATEGIES) == [
        "sma_crossover",
        "ema_crossover",
        "rsi_mean_reversion",
        "bollinger_reversion",
        "macd_momentum",
        "donchian_breakout",
        "grid",
        "dca",
        "rsi_bb_tema",
    ]
    assert all(cls.name == name for name, cls in STRATEGIES.items())


@ALL
def test_describe_is_json_and_its_defaults_pass_the_strategys_own_checks(
    strategy_cls: type[Strategy],
) -> None:
    # when
    description = json.loads(json.dumps(describe(strategy_cls)))

    # then
    assert description["name"] == strategy_cls.name
    assert description["title"]
    assert len(description["description"]) > 80
    assert description["timeframe"] in TIMEFRAMES
    assert description["startup_candles"] == strategy_cls.startup_candles
    assert set(description["exit_rules"]) >= {"stoploss", "take_profit", "minimal_roi"}
    defaults = {param["name"]: param["default"] for param in description["params"]}
    for param in strategy_cls.params:
        assert param.clean(defaults[param.name]) == param.default
    strategy = get_strategy(strategy_cls.name, defaults)
    assert isinstance(strategy, strategy_cls)
    assert strategy.values == defaults


def test_describe_lists_parameters_and_the_roi_table() -> None:
    # when
    description = describe(STRATEGIES["rsi_bb_tema"])

    # then
    assert description["exit_rules"]["minimal_roi"] == {"0": 0.04, "30": 0.02, "60": 0.01}
    assert description["exit_rules"]["stoploss"] == -0.10
    assert description["params"][0] == {
        "name": "entry_rsi",
        "kind": "int",
        "default": 30,
        "low": 1,
        "high": 50,
        "choices": [],
        "help": "Buy when RSI crosses above this.",
    }


def test_an_unknown_strategy_is_an_invalid_strategy_field() -> None:
    # when
    with pytest.raises(InvalidParameter) as caught:
        get_strategy("moon_shot", {})

    # then
    assert caught.value.code == "unknown_strategy"
    assert caught.value.field == "strategy"
    assert "sma_crossover" in caught.value.message


def test_get_strategy_validates_the_parameters() -> None:
    # when
    with pytest.raises(InvalidParameter) as caught:
        get_strategy("grid", {"step_pct": 50})

    # then
    assert caught.value.field == "step_pct"
    assert get_strategy("grid", {"step_pct": "2"}).values["step_pct"] == 2.0
