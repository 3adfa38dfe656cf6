"""Balance changes of one transaction: checked one by one, written together.

A `Postings` holds locked balance rows (papertrading.locks). Each `post` checks that the bucket
stays non-negative and queues its ledger row with the balance after it; `flush` writes every
changed balance once and every ledger row in one insert. So an order that locks, trades, pays
a fee and unlocks costs two balance updates and one insert, not a pair of queries per entry,
and a refused change (InsufficientBalance) raises before anything is written.
"""

from __future__ import annotations

from decimal import Decimal

from cryptopulse.errors import ApplicationError
from papertrading.models import LedgerBucket, LedgerEntry, LedgerKind, PaperAccount, PaperBalance


class InsufficientBalance(ApplicationError):
    """The free balance does not cover the amount (HTTP 409)."""

    status = 409


class Postings:
    """Queued changes to locked balances of one account; `flush()` inside the transaction."""

    def __init__(self, account: PaperAccount, balances: dict[str, PaperBalance]) -> None:
        self.account = account
        self.balances = balances
        self.entries: list[LedgerEntry] = []
        self._changed: dict[str, set[str]] = {}

    def post(
        self,
        asset: str,
        bucket: LedgerBucket,
        delta: Decimal,
        kind: LedgerKind,
        *,
        order_ref: str = "",
        fill_ref: str = "",
    ) -> None:
        """Apply `delta` to one bucket in memory; InsufficientBalance if it would go below 0."""
        if not delta:
            return
        balance = self.balances[asset]
        current: Decimal = getattr(balance, bucket)
        after = current + delta
        if after < 0:
            raise InsufficientBalance(
                "insufficient_balance",
                f"Not enough {asset}: {current.normalize():f} {bucket}, "
                f"{(-delta).normalize():f} needed.",
            )
        setattr(balance, bucket, after)
        self._changed.setdefault(asset, set()).add(str(bucket))
        self.entries.append(
            LedgerEntry(
                account_id=self.account.pk,
                epoch=self.account.epoch,
                asset=asset,
                bucket=bucket,
                kind=kind,
                delta=delta,
                balance_after=after,
                order_ref=order_ref,
                fill_ref=fill_ref,
            )
        )

    def move(
        self,
        asset: str,
        amount: Decimal,
        *,
        to: LedgerBucket,
        kind: LedgerKind,
        order_ref: str = "",
    ) -> None:
        """Move `amount` between free and locked (to locked: a lock; to free: an unlock)."""
        source = LedgerBucket.FREE if to == LedgerBucket.LOCKED else LedgerBucket.LOCKED
        self.post(asset, source, -amount, kind, order_ref=order_ref)
        self.post(asset, to, amount, kind, order_ref=order_ref)

    def flush(self) -> list[LedgerEntry]:
        """Write the changed balances (once each) and all queued ledger rows."""
        for asset, fields in self._changed.items():
            self.balances[asset].save(update_fields=sorted(fields))
        written = LedgerEntry.objects.bulk_create(self.entries) if self.entries else []
        self.entries, self._changed = [], {}
        return written
