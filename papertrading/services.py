"""Paper accounts and their ledger: open, reset, check.

Every balance change goes through `papertrading.ledger.Postings`, which writes the balances
and their ledger rows in the caller's transaction, after locking the balance rows
(papertrading.locks). A change that would make a bucket negative raises InsufficientBalance
before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.ledger import InsufficientBalance, Postings
from papertrading.locks import lock_balances, lock_own_account
from papertrading.models import (
    LedgerBucket,
    LedgerEntry,
    LedgerKind,
    PaperAccount,
    PaperBalance,
    SnapshotReason,
)
from papertrading.portfolio import take_snapshot
from trading.services.order_updates import cancel_open_orders_for_reset

__all__ = [
    "InsufficientBalance",
    "check_ledgers",
    "default_account",
    "open_account",
    "own_account",
    "reset_account",
]

DEFAULT_ACCOUNT_NAME = "Main"


@transaction.atomic(durable=True)
def open_account(
    *, user: User, name: str = DEFAULT_ACCOUNT_NAME, starting_balance: Decimal | None = None
) -> PaperAccount:
    """A new paper account funded with the starting balance (settings: 10,000 USDT)."""
    start = (
        starting_balance
        if starting_balance is not None
        else Decimal(settings.PAPER_STARTING_BALANCE)
    )
    if start <= 0:
        raise ApplicationError(
            "invalid_amount", "The starting balance must be positive.", "starting_balance"
        )
    name = name.strip() or DEFAULT_ACCOUNT_NAME
    if PaperAccount.objects.filter(user=user, name=name).exists():
        raise ApplicationError(
            "duplicate_name", "You already have an account with this name.", "name"
        )
    account = PaperAccount.objects.create(
        user=user, name=name, base_currency=settings.PAPER_BASE_CURRENCY, starting_balance=start
    )
    postings = Postings(account, lock_balances(account, [account.base_currency]))
    postings.post(account.base_currency, LedgerBucket.FREE, start, LedgerKind.DEPOSIT)
    postings.flush()
    record(
        action=AuditAction.PAPER_ACCOUNT_OPENED,
        actor=user,
        target=account,
        data={"name": name, "starting_balance": start, "currency": account.base_currency},
    )
    return account


def default_account(*, user: User) -> PaperAccount:
    """The user's first paper account, opened on first use."""
    account = PaperAccount.objects.filter(user=user).order_by("pk").first()
    return account or open_account(user=user)


def own_account(*, user: User, account_id: int) -> PaperAccount:
    account = PaperAccount.objects.filter(user=user, pk=account_id).first()
    if account is None:
        raise PaperAccount.DoesNotExist
    return account


@transaction.atomic(durable=True)
def reset_account(*, user: User, account_id: int, now: datetime | None = None) -> PaperAccount:
    """Start over: cancel open orders, empty every balance, deposit the starting balance.

    The new page is a new epoch: orders, ledger rows, positions and snapshots of the old epoch
    stay viewable. Locking the account first serialises the reset against orders and the
    matcher (both lock it before its balances).
    """
    now = now or timezone.now()
    account = lock_own_account(user=user, account_id=account_id)
    cancelled = cancel_open_orders_for_reset(account=account)
    assets = list(PaperBalance.objects.filter(account=account).values_list("asset", flat=True))
    postings = Postings(account, lock_balances(account, [*assets, account.base_currency]))
    for asset, balance in postings.balances.items():
        for bucket in (LedgerBucket.FREE, LedgerBucket.LOCKED):
            amount: Decimal = getattr(balance, bucket)
            postings.post(asset, bucket, -amount, LedgerKind.RESET)
    postings.flush()
    old_epoch = account.epoch
    account.epoch += 1
    account.reset_at = now
    account.save(update_fields=["epoch", "reset_at"])
    postings = Postings(account, postings.balances)
    postings.post(
        account.base_currency, LedgerBucket.FREE, account.starting_balance, LedgerKind.DEPOSIT
    )
    postings.flush()
    take_snapshot(account=account, reason=SnapshotReason.RESET, now=now, prices={})
    record(
        action=AuditAction.PAPER_ACCOUNT_RESET,
        actor=user,
        target=account,
        data={
            "old_epoch": old_epoch,
            "epoch": account.epoch,
            "starting_balance": account.starting_balance,
            "cancelled_orders": cancelled,
        },
    )
    return account


@dataclass(frozen=True)
class LedgerMismatch:
    account_id: int
    asset: str
    bucket: str
    balance: Decimal
    ledger_sum: Decimal


def check_ledgers() -> list[LedgerMismatch]:
    """Every (account, asset, bucket) whose balance differs from the sum of its ledger."""
    sums: dict[tuple[int, str], dict[str, Decimal]] = {}
    rows = LedgerEntry.objects.values("account_id", "asset").annotate(
        free=Sum("delta", filter=Q(bucket=LedgerBucket.FREE), default=Decimal(0)),
        locked=Sum("delta", filter=Q(bucket=LedgerBucket.LOCKED), default=Decimal(0)),
    )
    for row in rows:
        sums[(row["account_id"], row["asset"])] = {"free": row["free"], "locked": row["locked"]}
    mismatches = []
    for balance in PaperBalance.objects.order_by("account_id", "asset").iterator():
        expected = sums.get(
            (balance.account_id, balance.asset), {"free": Decimal(0), "locked": Decimal(0)}
        )
        for bucket in ("free", "locked"):
            actual: Decimal = getattr(balance, bucket)
            if actual != expected[bucket]:
                mismatches.append(
                    LedgerMismatch(
                        balance.account_id, balance.asset, bucket, actual, expected[bucket]
                    )
                )
    return mismatches
