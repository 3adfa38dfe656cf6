"""The built-in strategies by name, and their JSON description for the API and the gallery."""

from __future__ import annotations

from typing import Any

from trading.strategies.base import InvalidParameter, Strategy
from trading.strategies.bollinger_reversion import BollingerReversion
from trading.strategies.dca import Dca
from trading.strategies.donchian_breakout import DonchianBreakout
from trading.strategies.ema_crossover import EmaCrossover
from trading.strategies.grid import Grid
from trading.strategies.macd_momentum import MacdMomentum
from trading.strategies.rsi_bb_tema import RsiBbTema
from trading.strategies.rsi_mean_reversion import RsiMeanReversion
from trading.strategies.sma_crossover import SmaCrossover

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        SmaCrossover,
        EmaCrossover,
        RsiMeanReversion,
        BollingerReversion,
        MacdMomentum,
        DonchianBreakout,
        Grid,
        Dca,
        RsiBbTema,
    )
}


def get_strategy(name: str, params: dict[str, Any]) -> Strategy:
    """The strategy `name` with `params` validated (InvalidParameter names the bad field)."""
    try:
        strategy_cls = STRATEGIES[name]
    except KeyError:
        raise InvalidParameter(
            "unknown_strategy",
            f"Unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}.",
            "strategy",
        ) from None
    return strategy_cls(**params)


def describe(strategy_cls: type[Strategy]) -> dict[str, Any]:
    """Everything a form, the API or the gallery shows, as JSON-ready values.

    Exit rules are those of the default parameters; ROI keys are minutes as strings
    (JSON object keys), in increasing order, as freqtrade writes `minimal_roi`.
    """
    rules = strategy_cls().exit_rules()
    return {
        "name": strategy_cls.name,
        "title": strategy_cls.title,
        "description": strategy_cls.description,
        "timeframe": strategy_cls.timeframe,
        "startup_candles": strategy_cls.startup_candles,
        "params": [
            {
                "name": param.name,
                "kind": param.kind,
                "default": param.default,
                "low": param.low,
                "high": param.high,
                "choices": list(param.choices),
                "help": param.help,
            }
            for param in strategy_cls.params
        ],
        "exit_rules": {
            "stoploss": rules.stoploss,
            "trailing_stop": rules.trailing_stop,
            "trailing_stop_positive": rules.trailing_stop_positive,
            "trailing_stop_positive_offset": rules.trailing_stop_positive_offset,
            "trailing_only_offset_is_reached": rules.trailing_only_offset_is_reached,
            "take_profit": rules.take_profit,
            "minimal_roi": {
                str(minutes): ratio for minutes, ratio in sorted(rules.minimal_roi.items())
            },
        },
    }
