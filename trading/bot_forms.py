"""The "new bot" form: the bot's fields, plus one field per parameter of every strategy.

`StrategyParamsForm` holds the strategy part (also the new-backtest form's): parameter
fields are named `<strategy>__<param>` (strategies share names like `stoploss_pct`);
static/js/bots.js shows the chosen strategy's set and disables the others, and only the
chosen strategy's fields are read. Each value goes through its `Param.clean` (all errors at
once, typed values stored); `create_bot` then checks the whole bot, and `add_service_error`
puts its `ApplicationError` on the field it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from cryptopulse.errors import ApplicationError
from papertrading.models import PaperAccount
from trading.models import ExchangeConnection, Market, TradingMode
from trading.services.orders import TradingAccount, mode_of
from trading.strategies.base import InvalidParameter, Param
from trading.strategies.registry import STRATEGIES
from trading.timeframes import TIMEFRAMES

MODE_LABELS = {
    TradingMode.PAPER: "PAPER",
    TradingMode.TESTNET: "TESTNET",
    TradingMode.LIVE: "LIVE, real money",
}


@dataclass(frozen=True)
class AccountChoice:
    """One account a bot can trade on, as the account select offers it."""

    key: str  # "paper-3" or "connection-7"
    account: TradingAccount
    exchange: str  # where its markets (and the bot's candles) come from

    @property
    def mode(self) -> TradingMode:
        return mode_of(self.account)

    @property
    def label(self) -> str:
        if isinstance(self.account, PaperAccount):
            return f"{self.account.name}: paper account ({MODE_LABELS[self.mode]})"
        return f"{self.account.label}: {self.exchange} ({MODE_LABELS[self.mode]})"


def account_choices(
    *,
    paper_accounts: list[PaperAccount],
    connections: list[ExchangeConnection],
    paper_exchange: str,
) -> list[AccountChoice]:
    return [
        *(AccountChoice(f"paper-{row.pk}", row, paper_exchange) for row in paper_accounts),
        *(AccountChoice(f"connection-{row.pk}", row, row.exchange) for row in connections),
    ]


def param_field_name(strategy: str, param: str) -> str:
    return f"{strategy}__{param}"


def _param_field(param: Param) -> forms.Field:
    """The input a parameter declares: its type, bounds and default; the value is parsed by
    `Param.clean`, so the field itself accepts any text."""
    help_text = param.help
    if param.kind == "bool":
        return forms.BooleanField(
            label=param.name, required=False, initial=param.default, help_text=help_text
        )
    if param.kind == "choice":
        return forms.CharField(
            label=param.name,
            required=False,
            initial=param.default,
            help_text=help_text,
            widget=forms.Select(choices=[(choice, choice) for choice in param.choices]),
        )
    attrs: dict[str, Any] = {"step": "1" if param.kind == "int" else "any"}
    if param.low is not None:
        attrs["min"] = f"{param.low:g}"
    if param.high is not None:
        attrs["max"] = f"{param.high:g}"
    return forms.CharField(
        label=param.name,
        required=False,
        initial=param.default,
        help_text=f"{help_text} {param.describe().capitalize()}; blank for {param.default:g}.",
        widget=forms.NumberInput(attrs=attrs),
    )


class SymbolsField(forms.MultipleChoiceField):
    """The markets picked; whether they trade on the account's exchange is the service's
    call (`create_bot` refuses an unknown symbol on the `symbols` field)."""

    def valid_value(self, value: str) -> bool:
        return True


class StrategyParamsForm(forms.Form):
    """A strategy select plus one field per parameter of every strategy; `clean` puts the
    chosen strategy's typed parameters in `cleaned_data["params"]`."""

    strategy = forms.ChoiceField(
        choices=[(name, cls.title) for name, cls in STRATEGIES.items()],
        initial=next(iter(STRATEGIES)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, cls in STRATEGIES.items():
            for param in cls.params:
                self.fields[param_field_name(name, param.name)] = _param_field(param)

    def strategy_fieldsets(self) -> list[dict[str, Any]]:
        """Per strategy: its name, title, description, suggested timeframe and fields."""
        return [
            {
                "name": name,
                "title": cls.title,
                "description": cls.description,
                "timeframe": cls.timeframe,
                "fields": [self[param_field_name(name, param.name)] for param in cls.params],
            }
            for name, cls in STRATEGIES.items()
        ]

    def selected_strategy(self) -> str:
        value = self["strategy"].value()
        return value if value in STRATEGIES else next(iter(STRATEGIES))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        strategy = cleaned.get("strategy")
        if strategy in STRATEGIES:
            cleaned["params"] = self._clean_params(strategy)
        return cleaned

    def _clean_params(self, strategy: str) -> dict[str, Any]:
        """The strategy's parameters, typed; a blank one takes its default."""
        params: dict[str, Any] = {}
        for param in STRATEGIES[strategy].params:
            field = param_field_name(strategy, param.name)
            raw = self.cleaned_data.get(field)
            if raw in (None, ""):
                params[param.name] = param.default
                continue
            try:
                params[param.name] = param.clean(raw)
            except InvalidParameter as error:
                self.add_error(field, error.message)
        return params

    def add_service_error(self, error: ApplicationError) -> None:
        """The service's error on the field it names: a parameter's own field, another
        field of the form, or the form as a whole."""
        strategy = self.cleaned_data.get("strategy", "")
        field = error.field
        if strategy in STRATEGIES and field in {p.name for p in STRATEGIES[strategy].params}:
            field = param_field_name(strategy, field)
        self.add_error(field if field in self.fields else None, error.message)


class BotForm(StrategyParamsForm):
    field_order = ["name", "strategy"]

    name = forms.CharField(max_length=100)
    account = forms.ChoiceField(label="Account")
    symbols = SymbolsField(
        label="Markets", help_text="Active markets of the account's exchange; pick one or more."
    )
    timeframe = forms.ChoiceField(
        choices=[(key, key) for key in TIMEFRAMES],
        help_text="The bot judges each closed candle of this length.",
    )
    stake_amount = forms.DecimalField(
        label="Stake per entry",
        max_digits=38,
        decimal_places=18,
        help_text="Quote currency (e.g. USDT) spent on each entry.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    confirm_live = forms.BooleanField(
        label="I understand this bot trades real money on my exchange account.", required=False
    )

    def __init__(
        self,
        data: Any = None,
        *,
        accounts: list[AccountChoice],
        markets: list[Market],
        initial_strategy: str | None = None,
    ) -> None:
        strategy = initial_strategy if initial_strategy in STRATEGIES else None
        strategy = strategy or next(iter(STRATEGIES))
        super().__init__(
            data,
            initial={"strategy": strategy, "timeframe": STRATEGIES[strategy].timeframe},
        )
        self.accounts = {choice.key: choice for choice in accounts}
        self.markets = markets
        self.fields["account"].choices = [(choice.key, choice.label) for choice in accounts]  # type: ignore[attr-defined]
        self.fields["symbols"].choices = sorted({(row.symbol, row.symbol) for row in markets})  # type: ignore[attr-defined]

    # What the template needs to lay the form out.

    def market_groups(self) -> list[tuple[str, list[Market]]]:
        """The markets per exchange of the offered accounts (exchange order of the accounts)."""
        exchanges = list(dict.fromkeys(choice.exchange for choice in self.accounts.values()))
        return [
            (exchange, [m for m in self.markets if m.exchange == exchange])
            for exchange in exchanges
        ]

    def selected_symbols(self) -> list[str]:
        return [str(value) for value in self["symbols"].value() or []]

    # Parsing.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        choice = self.accounts.get(cleaned.get("account", ""))
        if (
            choice is not None
            and choice.mode == TradingMode.LIVE
            and not cleaned.get("confirm_live")
        ):
            self.add_error("confirm_live", "Tick this to let a bot trade real money.")
        return cleaned

    def bot_input(self) -> dict[str, Any]:
        """Keyword arguments of `create_bot` (besides the user)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "strategy": data["strategy"],
            "params": data["params"],
            "account": self.accounts[data["account"]].account,
            "symbols": data["symbols"],
            "timeframe": data["timeframe"],
            "stake_amount": data["stake_amount"],
        }
