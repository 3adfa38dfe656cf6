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


class PriceSource(models.TextChoices):
    LIVE = "live", "Live prices"
    REPLAY = "replay", "Replay of stored candles"


class PaperAccount(models.Model):
    """A user's practice account. `epoch` counts resets: history rows carry the epoch they
    belong to, so a reset starts a clean page while the old one stays viewable.

    With `price_source = replay` the account trades on stored candles instead of live prices:
    `replay_cursor` is the open time of the candle whose close is "now" for this account,
    stepped forward by `papertrading.replay.step_replay` (one `replay_timeframe` at a time).
    `replay_at_open` stops the clock at that candle's open instead, before the rest of it is
    known: a bot replaying the candles sends its orders then (papertrading.replay).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_accounts"
    )
    name = models.CharField(max_length=100)
    base_currency = models.CharField(max_length=20, default="USDT")
    starting_balance = decimal_field()
    epoch = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True)
    price_source = models.CharField(
        max_length=6, choices=PriceSource.choices, default=PriceSource.LIVE
    )
    replay_timeframe = models.CharField(max_length=8, blank=True)
    replay_start = models.DateTimeField(null=True, blank=True)
    replay_end = models.DateTimeField(null=True, blank=True)
    replay_cursor = models.DateTimeField(null=True, blank=True)
    replay_at_open = models.BooleanField(default=False)

    class Meta:
        ordering = ("user", "name")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="paper_account_unique_name"),
            models.CheckConstraint(
                condition=Q(starting_balance__gt=0), name="paper_account_positive_start"
            ),
            models.CheckConstraint(
                condition=Q(price_source="live")
                | Q(
                    price_source="replay",
                    replay_cursor__isnull=False,
                    replay_start__isnull=False,
                    replay_end__isnull=False,
                ),
                name="paper_account_replay_bounds",
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
            # What an order still holds is the sum of its rows (papertrading.execution.held_by).
            models.Index(fields=["account", "order_ref"], name="ledger_account_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_never_negative")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+} {self.asset} ({self.bucket})"


class PaperPosition(models.Model):
    """What one asset bought on the account cost, per epoch.

    `quantity` is the asset held (it equals the balance's free + locked: paper accounts are
    funded in the base currency only, so every other asset arrives through trades).
    `cost_basis` is what that quantity cost in the account's base currency, fees included;
    the average entry price is `cost_basis / quantity`. A sell realises
    `proceeds - average * amount` into `realised_pnl` and takes `average * amount` off the
    cost basis, so the average entry price does not move on sells.
    """

    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="positions")
    epoch = models.PositiveIntegerField()
    asset = models.CharField(max_length=20)
    quantity = decimal_field()
    cost_basis = decimal_field()
    realised_pnl = decimal_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("account", "epoch", "asset")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "epoch", "asset"], name="paper_position_unique_asset"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(cost_basis__gte=0),
                name="paper_position_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.asset} (epoch {self.epoch})"

    @property
    def average_price(self) -> Decimal | None:
        return self.cost_basis / self.quantity if self.quantity else None


class SnapshotReason(models.TextChoices):
    FILL = "fill", "After a fill"
    SCHEDULE = "schedule", "Scheduled"
    RESET = "reset", "Reset"
    REPLAY = "replay", "Replay step"


class EquitySnapshot(models.Model):
    """The account's value in its base currency at one moment: the equity curve's points.

    `equity` = `cash` (base currency, free + locked) + `positions_value` (every other asset at
    the price of that moment). Written after each fill and every 5 minutes by beat.
    """

    account = models.ForeignKey(PaperAccount, on_delete=models.CASCADE, related_name="snapshots")
    epoch = models.PositiveIntegerField()
    taken_at = models.DateTimeField()
    equity = decimal_field()
    cash = decimal_field()
    positions_value = decimal_field()
    reason = models.CharField(max_length=8, choices=SnapshotReason.choices)

    class Meta:
        ordering = ("account", "taken_at", "id")
        indexes = [
            models.Index(fields=["account", "epoch", "taken_at"], name="snapshot_account_time")
        ]
        constraints = [
            # One scheduled point per account and slot: a repeated beat run adds nothing.
            models.UniqueConstraint(
                fields=["account", "taken_at"],
                condition=Q(reason="schedule"),
                name="snapshot_one_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.equity} at {self.taken_at:%Y-%m-%d %H:%M}"
