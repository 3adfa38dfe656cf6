"""The "new backtest" form: strategy and parameters (as on the bot form), the stored candle
series to run on, the period and the simulation's settings.

Markets are the stored candle series (`selectors.stored_series`), one option per
(exchange, symbol, timeframe) with its stored range; the value is `<exchange>:<symbol>`
(ccxt exchange ids hold no colon), so one run's markets come from one exchange.
static/js/backtests.js shows the series of the chosen timeframe only. Ranges of the
settings are `BacktestConfig`'s to check (through `start_backtest`, on the field it names);
the form parses types only. Ratios are fractions, as in the API and the CLI (0.001 = 0.1 %).
"""

from __future__ import annotations

from typing import Any

from django import forms

from trading.backtest.config import STAKE_MODES
from trading.bot_forms import StrategyParamsForm
from trading.selectors import StoredSeries
from trading.strategies.registry import STRATEGIES
from trading.timeframes import TIMEFRAMES

SETTINGS = (
    "wallet",
    "stake",
    "stake_mode",
    "max_open_trades",
    "fee",
    "slippage",
    "min_confidence",
    "exit_fill",
    "cooldown_candles",
    "max_stoplosses_per_day",
)
_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def series_key(series: StoredSeries) -> str:
    return f"{series.exchange}:{series.symbol}"


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **attrs})


def _moment(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_LOCAL),
    )


class BacktestForm(StrategyParamsForm):
    symbols = forms.MultipleChoiceField(
        label="Markets",
        help_text="Stored candles of the chosen timeframe; pick one or more of one exchange.",
    )
    timeframe = forms.ChoiceField(choices=[(key, key) for key in TIMEFRAMES])
    start = _moment("Start (UTC)", "Blank: from the first stored candle.")
    end = _moment("End (UTC)", "Blank: to the last stored candle.")
    wallet = forms.FloatField(
        label="Wallet",
        initial=1000,
        help_text="Starting balance in the quote currency.",
        widget=_number(),
    )
    stake = forms.FloatField(
        label="Stake",
        initial=100,
        help_text="Fixed: quote currency per trade. Percent / risk: a fraction of the equity.",
        widget=_number(),
    )
    stake_mode = forms.ChoiceField(
        label="Stake mode", choices=[(mode, mode) for mode in STAKE_MODES], initial="fixed"
    )
    max_open_trades = forms.IntegerField(
        label="Max open trades",
        initial=3,
        help_text="Across all markets; -1 for no limit.",
        widget=forms.NumberInput(attrs={"step": "1"}),
    )
    fee = forms.FloatField(
        label="Fee",
        initial=0.001,
        help_text="Per leg, a fraction: 0.001 = 0.1 %.",
        widget=_number(),
    )
    slippage = forms.FloatField(
        label="Slippage",
        initial=0,
        help_text="On market fills, a fraction: 0.0005 = 0.05 %.",
        widget=_number(),
    )
    min_confidence = forms.FloatField(
        label="Min confidence",
        required=False,
        help_text="Blank: every entry signal. 0 to 100, for strategies that rate signals.",
        widget=_number(),
    )
    exit_fill = forms.ChoiceField(
        label="Stops and ROI fill",
        required=False,
        choices=[
            ("rule", "within the candle, at the rule's price"),
            ("next_open", "at the next open, as a bot's market order"),
        ],
        initial="rule",
    )
    cooldown_candles = forms.IntegerField(
        label="Cooldown",
        required=False,
        initial=0,
        min_value=0,
        help_text="Candles after an exit before the pair may enter again.",
        widget=_number(),
    )
    max_stoplosses_per_day = forms.IntegerField(
        label="Stoploss guard",
        required=False,
        initial=-1,
        min_value=-1,
        help_text="Stop-losses in 24 hours that pause entries; -1: off.",
        widget=_number(),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        series: list[StoredSeries],
        initial_strategy: str | None = None,
    ) -> None:
        strategy = initial_strategy if initial_strategy in STRATEGIES else next(iter(STRATEGIES))
        stored = {row.timeframe for row in series}
        suggested = STRATEGIES[strategy].timeframe
        # the strategy's timeframe when candles of it are stored, else the first one stored
        timeframe = suggested if suggested in stored or not series else series[0].timeframe
        super().__init__(data, initial={"strategy": strategy, "timeframe": timeframe})
        self.series = series
        self.fields["symbols"].choices = [  # type: ignore[attr-defined]
            (key, key) for key in dict.fromkeys(series_key(row) for row in series)
        ]

    # What the template needs to lay the form out.

    def series_groups(self) -> list[tuple[str, str, list[StoredSeries]]]:
        """(exchange, timeframe, series) per optgroup of the markets select."""
        groups: dict[tuple[str, str], list[StoredSeries]] = {}
        for row in self.series:
            groups.setdefault((row.exchange, row.timeframe), []).append(row)
        return [(exchange, timeframe, rows) for (exchange, timeframe), rows in groups.items()]

    def selected_symbols(self) -> list[str]:
        return [str(value) for value in self["symbols"].value() or []]

    def clean_exit_fill(self) -> str | None:
        return self.cleaned_data.get("exit_fill") or None  # blank: the engine's default

    def period_fields(self) -> list[forms.BoundField]:
        return [self["start"], self["end"]]

    def setting_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SETTINGS]

    def stored_timeframes(self) -> list[str]:
        return list(dict.fromkeys(row.timeframe for row in self.series))

    # Parsing.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        exchanges = {key.partition(":")[0] for key in cleaned.get("symbols", [])}
        if len(exchanges) > 1:
            self.add_error("symbols", "Pick markets of one exchange.")
        return cleaned

    def backtest_input(self) -> dict[str, Any]:
        """Keyword arguments of `start_backtest` (besides the user)."""
        data = self.cleaned_data
        picked = [key.partition(":") for key in data["symbols"]]
        return {
            "strategy": data["strategy"],
            "params": data["params"],
            "exchange": picked[0][0],
            "symbols": [symbol for _, _, symbol in picked],
            "timeframe": data["timeframe"],
            "start": data["start"],
            "end": data["end"],
            "settings": {name: data[name] for name in SETTINGS if data[name] is not None},
        }
