from __future__ import annotations

from typing import Any

from django import forms

from trading.risk import platform_limits
from trading.services.connections import CONNECTABLE_EXCHANGES

EXCHANGE_LABELS = {
    "simulated": "Simulated exchange (loopback demo)",
    "binance": "Binance",
    "wazirx": "WazirX",
    "coindcx": "CoinDCX",
}


class ConnectionForm(forms.Form):
    exchange = forms.ChoiceField(
        choices=[(key, EXCHANGE_LABELS[key]) for key in CONNECTABLE_EXCHANGES]
    )
    label = forms.CharField(max_length=100)
    api_key = forms.CharField(label="API key", max_length=500)
    secret = forms.CharField(
        label="API secret", max_length=500, widget=forms.PasswordInput(render_value=False)
    )
    passphrase = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Only for exchanges that issue one.",
    )
    testnet = forms.BooleanField(required=False, label="Testnet / sandbox key")


# The account page's name for each risk limit, and what it applies to (docs/risk.md).
RISK_LIMIT_LABELS: dict[str, tuple[str, str]] = {
    "max_position_pct": ("Position in one asset after a buy, % of equity", "all orders"),
    "max_trades_per_day": ("Buy orders per account per UTC day", "all orders"),
    "max_daily_loss_pct": ("No buys after losing today, %", "all orders (paper)"),
    "max_drawdown_pct": ("No buys this far below the peak, %", "all orders (paper)"),
    "max_trade_risk_pct": ("A trade's loss at its stoploss, % of equity", "bots"),
    "max_open_trades": ("Open trades of a bot", "bots"),
    "min_confidence": ("Signal confidence, at least", "bots"),
    "cooldown_candles": ("Candles to wait after an exit, at least", "bots"),
    "max_stoplosses_per_day": ("Stop-loss exits in 24 hours before entries pause", "bots"),
}


class RiskLimitsForm(forms.Form):
    """A user's own risk limits; a blank one follows the platform's. Whether each is tighter
    than the platform's is the service's to say (trading.services.risk_limits)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        platform = platform_limits()
        for name, (label, _applies) in RISK_LIMIT_LABELS.items():
            kind = (
                forms.IntegerField if isinstance(getattr(platform, name), int) else forms.FloatField
            )
            self.fields[name] = kind(label=label, required=False, min_value=0)

    def limits(self) -> dict[str, float]:
        return {name: value for name, value in self.cleaned_data.items() if value is not None}
