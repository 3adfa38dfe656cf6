"""Money moving in and out of a user's accounts, for the deposit-trade-withdraw rule.

What exists today, and so what this reads:
- live (exchange connections): nothing. The platform keeps no ledger of deposits to or
  withdrawals from a user's exchange accounts (it sees orders and fills only), so there is no
  movement to read and the rule cannot fire on live activity until such a ledger exists.
- paper (only for a rule with `include_paper`): the paper ledger's `deposit` entries (the
  starting balance of each epoch). The paper ledger has no withdrawals, so the pattern cannot
  complete there either.

Nothing here invents movements; when a ledger of real deposits and withdrawals arrives, it
is read here and the rule starts to fire without further change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from compliance.valuation import usd_value
from trading.models import TradingMode

MovementKind = Literal["deposit", "withdrawal"]


@dataclass(frozen=True)
class FundMovement:
    kind: MovementKind
    at: datetime
    asset: str
    amount: Decimal
    usd: Decimal | None
    ref: str  # where it is recorded, e.g. "paper-ledger:<id>"


def fund_movements(
    *, user_id: int, modes: Sequence[str], since: datetime, until: datetime
) -> list[FundMovement]:
    """The user's deposits and withdrawals in [since, until], oldest first (see the module)."""
    movements: list[FundMovement] = []
    if TradingMode.PAPER in modes:
        from papertrading.models import LedgerBucket, LedgerEntry, LedgerKind

        entries = LedgerEntry.objects.filter(
            account__user_id=user_id,
            kind=LedgerKind.DEPOSIT,
            bucket=LedgerBucket.FREE,
            created_at__gte=since,
            created_at__lte=until,
        ).values("pk", "asset", "delta", "created_at")
        movements.extend(
            FundMovement(
                kind="deposit",
                at=entry["created_at"],
                asset=entry["asset"],
                amount=entry["delta"],
                usd=usd_value(entry["asset"], entry["delta"]),
                ref=f"paper-ledger:{entry['pk']}",
            )
            for entry in entries
        )
    return sorted(movements, key=lambda movement: movement.at)
