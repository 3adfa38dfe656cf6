"""Paper accounts: virtual balances whose every change is a ledger row.

Invariant (checked by `manage.py check_ledgers`): for every (account, asset), the sum of the
ledger's deltas per bucket equals the balance's `free` and `locked`; balances never go
negative (database check constraints back the service checks up).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


def decimal_field() -> models.DecimalField:
    return models.DecimalField(max_digits=38, decimal_places=18)


class PaperAccount(models.Model):
    """A user's practice account. `epoch` counts resets: history rows carry the epoch they
    belong to, so a reset starts a clean page while the old one stays viewable."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_accounts"
    )
    name = models.CharField(max_length=100)
    base_currency = models.CharField(max_length=20, default="USDT")
    starting_balance = decimal_field()
    epoch = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("user", "name")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="paper_account_unique_name"),
            models.CheckConstraint(
                condition=Q(starting_balance__gt=0), name="paper_account_positive_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class PaperBalance(models.Model):
    """Free and locked amounts of one asset; locked funds back open orders."""

    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="balances")
    asset = models.CharField(max_length=20)
    free = decimal_field()
    locked = decimal_field()

    class Meta:
        ordering = ("account", "asset")
        constraints = [
            models.UniqueConstraint(fields=["account", "asset"], name="paper_balance_unique_asset"),
            models.CheckConstraint(
                condition=Q(free__gte=0), name="paper_balance_free_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(locked__gte=0), name="paper_balance_locked_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.free} free, {self.locked} locked"

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class LedgerBucket(models.TextChoices):
    FREE = "free", "Free"
    LOCKED = "locked", "Locked"


class LedgerKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    TRADE = "trade", "Trade"
    FEE = "fee", "Fee"
    LOCK = "lock", "Lock for an order"
    UNLOCK = "unlock", "Unlock"
    RESET = "reset", "Reset"


class LedgerEntry(models.Model):
    """One change of one bucket of one balance, written in the same transaction as it.

    `balance_after` is the bucket's value after this entry, so any row can be checked on its
    own; append-only by use (services never update or delete entries).
    """

    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="ledger")
    epoch = models.PositiveIntegerField()
    asset = models.CharField(max_length=20)
    bucket = models.CharField(max_length=6, choices=LedgerBucket.choices)
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    delta = decimal_field()
    balance_after = decimal_field()
    order_ref = models.CharField(max_length=64, blank=True)
    fill_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(fields=["account", "epoch", "id"], name="ledger_account_epoch"),
            models.Index(fields=["account", "asset", "bucket"], name="ledger_account_asset"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_never_negative")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+} {self.asset} ({self.bucket})"
