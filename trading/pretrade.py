"""Pre-trade checks: a small registry every order passes before anything is written.

Each check takes a `PreTradeContext` and raises an `ApplicationError` (4xx) to refuse the
order. The balance check is the venue's own (the paper venue locks funds, an exchange refuses
an order it cannot cover); KYC limits and risk rules register here as they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.exchanges.base import MarketInfo
from trading.order_spec import InvalidOrder, OrderSpec

PreTradeCheck = Callable[["PreTradeContext"], None]


@dataclass(frozen=True)
class PreTradeContext:
    user: User
    mode: str  # paper, testnet or live
    market: MarketInfo
    spec: OrderSpec
    account_currency: str | None = None  # a paper account's base currency


_CHECKS: dict[str, PreTradeCheck] = {}


def pre_trade_check(name: str) -> Callable[[PreTradeCheck], PreTradeCheck]:
    """Register a check under `name` (registering a name again replaces it)."""

    def register(check: PreTradeCheck) -> PreTradeCheck:
        _CHECKS[name] = check
        return check

    return register


def registered_checks() -> tuple[str, ...]:
    return tuple(_CHECKS)


def run_pre_trade_checks(context: PreTradeContext) -> None:
    """Every registered check, in registration order; the first refusal raises."""
    for check in _CHECKS.values():
        check(context)


@pre_trade_check("market_active")
def market_is_trading(context: PreTradeContext) -> None:
    if not context.market.active:
        raise InvalidOrder("market_inactive", f"{context.market.symbol} is not trading.", "symbol")


@pre_trade_check("paper_quote_currency")
def paper_trades_in_its_currency(context: PreTradeContext) -> None:
    """A paper account holds its base currency and what it bought with it, nothing else."""
    currency = context.account_currency
    if currency is not None and context.market.quote != currency:
        raise ApplicationError(
            "quote_not_supported",
            f"This paper account trades markets quoted in {currency}, not {context.market.symbol}.",
            "symbol",
        )
