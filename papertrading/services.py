"""Paper accounts and their ledger: open, move funds between buckets, reset, check.

Every balance change goes through `_post`, which writes the balance and its ledger row in
the caller's transaction, after locking the balance rows (papertrading.locks). A change that
would make a bucket negative raises InsufficientBalance before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from cryptopulse.errors import ApplicationError
from papertrading.locks import lock_account, lock_balances
from papertrading.models import (
    LedgerBucket,
    LedgerEntry,
    LedgerKind,
    PaperAccount,
    PaperBalance,
)

DEFAULT_ACCOUNT_NAME = "Main"


class InsufficientBalance(ApplicationError):
    """The free balance does not cover the amount (HTTP 409)."""

    status = 409


def post_entry(
    balance: PaperBalance,
    *,
    bucket: LedgerBucket,
    delta: Decimal,
    kind: LedgerKind,
    epoch: int,
    order_ref: str = "",
    fill_ref: str = "",
) -> LedgerEntry:
    """Apply `delta` to one bucket of a locked balance and write its ledger row."""
    current: Decimal = getattr(balance, bucket)
    after = current + delta
    if after < 0:
        raise InsufficientBalance(
            "insufficient_balance",
            f"Not enough {balance.asset}: {current.normalize():f} {bucket}, "
            f"{(-delta).normalize():f} needed.",
        )
    setattr(balance, bucket, after)
    balance.save(update_fields=[bucket])
    return LedgerEntry.objects.create(
        account_id=balance.account_id,
        epoch=epoch,
        asset=balance.asset,
        bucket=bucket,
        kind=kind,
        delta=delta,
        balance_after=after,
        order_ref=order_ref,
        fill_ref=fill_ref,
    )


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
    balances = lock_balances(account, [account.base_currency])
    post_entry(
        balances[account.base_currency],
        bucket=LedgerBucket.FREE,
        delta=start,
        kind=LedgerKind.DEPOSIT,
        epoch=account.epoch,
    )
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


def lock_funds(
    *, account: PaperAccount, asset: str, amount: Decimal, order_ref: str
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move `amount` from free to locked for an order; call inside the order's transaction."""
    balance = lock_balances(account, [asset])[asset]
    taken = post_entry(
        balance,
        bucket=LedgerBucket.FREE,
        delta=-amount,
        kind=LedgerKind.LOCK,
        epoch=account.epoch,
        order_ref=order_ref,
    )
    held = post_entry(
        balance,
        bucket=LedgerBucket.LOCKED,
        delta=amount,
        kind=LedgerKind.LOCK,
        epoch=account.epoch,
        order_ref=order_ref,
    )
    return taken, held


def unlock_funds(*, account: PaperAccount, asset: str, amount: Decimal, order_ref: str) -> None:
    """The reverse of lock_funds, for a cancelled or partly unused order."""
    balance = lock_balances(account, [asset])[asset]
    post_entry(
        balance,
        bucket=LedgerBucket.LOCKED,
        delta=-amount,
        kind=LedgerKind.UNLOCK,
        epoch=account.epoch,
        order_ref=order_ref,
    )
    post_entry(
        balance,
        bucket=LedgerBucket.FREE,
        delta=amount,
        kind=LedgerKind.UNLOCK,
        epoch=account.epoch,
        order_ref=order_ref,
    )


@transaction.atomic(durable=True)
def reset_account(*, user: User, account_id: int) -> PaperAccount:
    """Start over: zero every balance, deposit the starting balance, begin a new epoch.

    The old epoch's ledger (and, later, orders) stays viewable. Open orders must be
    cancelled first by the order service (it owns them); their locked funds are zeroed here.
    """
    account = lock_account(own_account(user=user, account_id=account_id).pk)
    balances = lock_balances(
        account, list(PaperBalance.objects.filter(account=account).values_list("asset", flat=True))
    )
    for balance in balances.values():
        for bucket in (LedgerBucket.FREE, LedgerBucket.LOCKED):
            amount: Decimal = getattr(balance, bucket)
            if amount:
                post_entry(
                    balance,
                    bucket=bucket,
                    delta=-amount,
                    kind=LedgerKind.RESET,
                    epoch=account.epoch,
                )
    account.epoch += 1
    account.reset_at = timezone.now()
    account.save(update_fields=["epoch", "reset_at"])
    base = lock_balances(account, [account.base_currency])[account.base_currency]
    post_entry(
        base,
        bucket=LedgerBucket.FREE,
        delta=account.starting_balance,
        kind=LedgerKind.DEPOSIT,
        epoch=account.epoch,
    )
    record(
        action=AuditAction.PAPER_ACCOUNT_RESET,
        actor=user,
        target=account,
        data={"epoch": account.epoch, "starting_balance": account.starting_balance},
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
