"""How the strategy gallery and the bot pages show strategy parameters."""

from __future__ import annotations

from typing import Any

from django import template

from trading.strategies.registry import STRATEGIES

register = template.Library()

_DASH = "—"
_KINDS = {"int": "whole number", "float": "number", "bool": "on / off", "choice": "choice"}


def _field(param: Any, name: str) -> Any:
    """`param` is a `Param` or its `describe()` dict."""
    return param[name] if isinstance(param, dict) else getattr(param, name)


@register.filter
def param_value(value: Any) -> str:
    """20, 2.5, on/off or the choice."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return _DASH if value is None or value == "" else str(value)


@register.filter
def param_kind(param: Any) -> str:
    kind = _field(param, "kind")
    return _KINDS.get(kind, kind)


@register.filter
def param_range(param: Any) -> str:
    """`2 to 100`, `from 0.5`, the choices, or a dash."""
    choices = _field(param, "choices")
    if choices:
        return ", ".join(choices)
    low, high = _field(param, "low"), _field(param, "high")
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"from {low:g}"
    if high is not None:
        return f"up to {high:g}"
    return _DASH


@register.filter
def strategy_title(name: str) -> str:
    """SMA crossover for sma_crossover; the name itself for a strategy no longer built in."""
    cls = STRATEGIES.get(name)
    return cls.title if cls is not None else name
