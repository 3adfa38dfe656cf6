"""Pre-trade checks: a small registry every order passes before anything is written.

Each check takes a `PreTradeContext` and raises an `ApplicationError` (4xx) to refuse the
order. The balance check is the venue's own (the paper venue locks funds, an exchange refuses
an order it cannot cover); the risk policy's checks (leverage, then the risk limits) are in
trading.order_risk, which registers them when the order service imports it. Compliance's
checks (trading freeze, KYC level and limits: compliance.kyc.pretrade) register from
ComplianceConfig.ready(), before the risk policy's: trading does not import compliance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.models import User
from cryptopulse.errors import ApplicationError
from trading.exchanges.base import MarketInfo, Venue
from trading.order_spec import InvalidOrder, OrderSpec

if TYPE_CHECKING:
    from papertrading.models import PaperAccount
    from trading.models import ExchangeConnection

PreTradeCheck = Callable[["PreTradeContext"], None]


@dataclass(frozen=True)
class PreTradeContext:
    user: User
    mode: str  # paper, testnet or live
    market: MarketInfo
    spec: OrderSpec
    account_currency: str | None = None  # a paper account's base currency
    account: PaperAccount | ExchangeConnection | None = None
    leverage: Decimal = Decimal(1)
    # The market price a buy would pay, when the service has one at hand (the paper book's
    # best ask): the order's notional when it gives an amount and no price.
    price: Decimal | None = None
    venue: Venue | None = None  # the account's venue: an exchange's balances and tickers
    now: datetime | None = None  # the account's clock (a replay's candle time); None: wall
    # The paper venue judges the risk limits once, under the account lock, where concurrent
    # orders cannot slip past them; the registry's pass before the lock leaves them out.
    risk_judged_under_lock: bool = False


_CHECKS: dict[str, PreTradeCheck] = {}


def pre_trade_check(
    name: str, *, before: str | None = None
) -> Callable[[PreTradeCheck], PreTradeCheck]:
    """Register a check under `name` (registering a name again replaces it).

    Checks run in registration order; `before` puts this one ahead of the named check when
    that is registered already (and where it lands anyway when that registers later), so an
    app registering from its `ready()` need not depend on import order.
    """

    def register(check: PreTradeCheck) -> PreTradeCheck:
        if before is None or before not in _CHECKS:
            _CHECKS[name] = check
            return check
        items = [(key, value) for key, value in _CHECKS.items() if key != name]
        at = [key for key, _ in items].index(before)
        _CHECKS.clear()
        _CHECKS.update([*items[:at], (name, check), *items[at:]])
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
