from typing import Any

import pytest

from trading.strategies.base import InvalidParameter, Strategy
from trading.strategies.bollinger_reversion import BollingerReversion
from trading.strategies.macd_momentum import MacdMomentum
from trading.strategies.registry import STRATEGIES
from trading.strategies.rsi_bb_tema import RsiBbTema
from trading.strategies.rsi_mean_reversion import RsiMeanReversion
from trading.strategies.sma_crossover import SmaCrossover

ALL = pytest.mark.parametrize("strategy_cls", list(STRATEGIES.values()), ids=list(STRATEGIES))


@ALL
def test_no_values_gives_the_declared_defaults(strategy_cls: type[Strategy]) -> None:
    # when
    strategy = strategy_cls()

    # then
    assert strategy.values == {param.name: param.default for param in strategy_cls.params}
    for param in strategy_cls.params:
        assert getattr(strategy, param.name) == param.default


@pytest.mark.parametrize(
    ("strategy_cls", "values", "expected"),
    [
        pytest.param(SmaCrossover, {"fast_period": "10"}, {"fast_period": 10}, id="int_text_case"),
        pytest.param(SmaCrossover, {"fast_period": 10.0}, {"fast_period": 10}, id="int_whole_case"),
        pytest.param(
            BollingerReversion, {"bb_stddev": "2.5"}, {"bb_stddev": 2.5}, id="float_text_case"
        ),
        pytest.param(BollingerReversion, {"bb_stddev": 3}, {"bb_stddev": 3.0}, id="float_int_case"),
        pytest.param(
            SmaCrossover, {"trailing_stop": "true"}, {"trailing_stop": True}, id="bool_text_case"
        ),
        pytest.param(
            SmaCrossover, {"trailing_stop": 0}, {"trailing_stop": False}, id="bool_0_case"
        ),
        pytest.param(
            BollingerReversion, {"exit_band": "upper"}, {"exit_band": "upper"}, id="choice_case"
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": 2, "slow_period": 200},
            {"fast_period": 2, "slow_period": 200},
            id="bounds_are_inclusive_case",
        ),
    ],
)
def test_values_are_converted_to_the_declared_type(
    strategy_cls: type[Strategy], values: dict[str, Any], expected: dict[str, Any]
) -> None:
    # when
    strategy = strategy_cls(**values)

    # then
    for name, value in expected.items():
        assert strategy.values[name] == value
        assert type(strategy.values[name]) is type(value)


@pytest.mark.parametrize(
    ("strategy_cls", "values", "code", "field"),
    [
        pytest.param(
            SmaCrossover,
            {"fast_period": 10.5},
            "invalid_parameter",
            "fast_period",
            id="int_fraction_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": True},
            "invalid_parameter",
            "fast_period",
            id="int_bool_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": "ten"},
            "invalid_parameter",
            "fast_period",
            id="int_text_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": None},
            "invalid_parameter",
            "fast_period",
            id="int_none_case",
        ),
        pytest.param(
            BollingerReversion,
            {"bb_stddev": False},
            "invalid_parameter",
            "bb_stddev",
            id="float_bool_case",
        ),
        pytest.param(
            SmaCrossover,
            {"trailing_stop": "yes"},
            "invalid_parameter",
            "trailing_stop",
            id="bool_text_case",
        ),
        pytest.param(
            BollingerReversion,
            {"exit_band": "lower"},
            "invalid_parameter",
            "exit_band",
            id="choice_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": 1},
            "parameter_out_of_range",
            "fast_period",
            id="below_low_case",
        ),
        pytest.param(
            SmaCrossover,
            {"slow_period": 201},
            "parameter_out_of_range",
            "slow_period",
            id="above_high_case",
        ),
        pytest.param(
            BollingerReversion,
            {"bb_stddev": 4.01},
            "parameter_out_of_range",
            "bb_stddev",
            id="float_above_high_case",
        ),
        pytest.param(
            SmaCrossover,
            {"stoploss_pct": 0},
            "parameter_out_of_range",
            "stoploss_pct",
            id="stoploss_cannot_be_off_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_periods": 10},
            "unknown_parameter",
            "fast_periods",
            id="unknown_case",
        ),
        pytest.param(
            SmaCrossover,
            {"fast_period": 50, "slow_period": 50},
            "invalid_parameter_combination",
            "slow_period",
            id="sma_fast_not_faster_case",
        ),
        pytest.param(
            MacdMomentum,
            {"fast_period": 30},
            "invalid_parameter_combination",
            "slow_period",
            id="macd_fast_above_slow_case",
        ),
        pytest.param(
            RsiMeanReversion,
            {"oversold": 50, "overbought": 50},
            "invalid_parameter_combination",
            "overbought",
            id="rsi_levels_case",
        ),
        pytest.param(
            RsiBbTema,
            {"entry_rsi": 50, "exit_rsi": 50},
            "invalid_parameter_combination",
            "exit_rsi",
            id="rsi_bb_tema_levels_case",
        ),
    ],
)
def test_invalid_values_name_the_field(
    strategy_cls: type[Strategy], values: dict[str, Any], code: str, field: str
) -> None:
    # when
    with pytest.raises(InvalidParameter) as caught:
        strategy_cls(**values)

    # then
    assert caught.value.code == code
    assert caught.value.field == field
    assert caught.value.status == 400
    assert field in caught.value.message


@ALL
def test_every_declared_parameter_is_well_formed(strategy_cls: type[Strategy]) -> None:
    # given
    names = [param.name for param in strategy_cls.params]

    # then
    assert len(names) == len(set(names))
    for param in strategy_cls.params:
        assert param.kind in ("int", "float", "bool", "choice")
        assert param.help
        assert param.clean(param.default) == param.default
        if param.kind in ("int", "float"):
            assert param.low is not None
            assert param.high is not None
            assert param.low <= param.default <= param.high
        if param.kind == "choice":
            assert param.default in param.choices
