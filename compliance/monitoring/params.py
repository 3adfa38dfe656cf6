"""Rule parameters: what each key may hold, checked when an officer saves a rule and again
before every run (a rule whose stored parameters do not parse is skipped and logged).

Amounts, percentages and factors are stored as decimal strings in the rule's JSON (`"5000"`),
so no float ever reaches a threshold; counts and durations are integers; switches booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

ParamKind = Literal["decimal", "int", "bool"]


class InvalidParams(ValueError):
    """The parameters do not fit the rule's schema; `errors` maps each key to its problem."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in self.errors.items()))


@dataclass(frozen=True)
class Param:
    kind: ParamKind
    help: str
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None

    def parse(self, value: Any) -> Decimal | int | bool:
        """The typed value, or ValueError saying what is wrong with it."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("must be a whole number")
            parsed: Decimal | int = value
        else:
            # Strings (or whole numbers) only: a JSON float would already have lost digits.
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise ValueError('must be a decimal number written as a string, e.g. "5000"')
            try:
                parsed = Decimal(str(value).strip())
            except InvalidOperation:
                raise ValueError(f"{value!r} is not a number") from None
            if not parsed.is_finite():
                raise ValueError("must be a finite number")
        if self.minimum is not None and parsed < self.minimum:
            raise ValueError(f"must be at least {self.minimum}")
        if self.maximum is not None and parsed > self.maximum:
            raise ValueError(f"must be at most {self.maximum}")
        return parsed


def parse_params(schema: Mapping[str, Param], params: Any) -> dict[str, Any]:
    """`params` checked against `schema`: every key present, no unknown key, each value typed.

    Raises InvalidParams listing every problem at once (for the admin form).
    """
    if not isinstance(params, Mapping):
        raise InvalidParams({"params": "must be a JSON object"})
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, param in schema.items():
        if key not in params:
            errors[key] = "is missing"
            continue
        try:
            parsed[key] = param.parse(params[key])
        except ValueError as error:
            errors[key] = str(error)
    for key in params:
        if key not in schema:
            errors[str(key)] = "is not a parameter of this rule"
    if errors:
        raise InvalidParams(errors)
    return parsed


def usd(help: str) -> Param:
    return Param("decimal", help, minimum=Decimal(0))


def percent(help: str) -> Param:
    return Param("decimal", help, minimum=Decimal(0), maximum=Decimal(100))


def count(help: str, *, minimum: int = 1) -> Param:
    return Param("int", help, minimum=minimum)


def duration(help: str) -> Param:
    return Param("int", help, minimum=1)


def factor(help: str) -> Param:
    return Param("decimal", help, minimum=Decimal("0.01"))


def switch(help: str) -> Param:
    return Param("bool", help)
