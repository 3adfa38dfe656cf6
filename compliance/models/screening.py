"""Screening results: matches of users against watchlist entries, rescreen jobs, and the
wallet addresses users register (checked against the lists' digital-currency addresses)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from compliance.models.cases import Case
from compliance.models.watchlists import WatchlistEntry, WatchlistVersion


class ScreeningTrigger(models.TextChoices):
    SIGNUP = "signup", "Sign-up"
    KYC = "kyc", "KYC submission"
    NAME_CHANGE = "name_change", "Name change"
    RESCREEN = "rescreen", "List changed"
    MANUAL = "manual", "Officer"
    WALLET = "wallet", "Wallet address"


class MatchStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed true match"
    FALSE_POSITIVE = "false_positive", "False positive"


class ScreeningMatch(models.Model):
    """A user scoring above the threshold against one entry. `explanation` says why (which
    name and alias matched, how, what the date of birth and country did to the score), for
    the officer. `entry_hash` is the entry's content hash when matched: a false positive
    suppresses that entity for that user until the entry's record changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screening_matches"
    )
    entry = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="matches")
    entry_hash = models.CharField(max_length=64)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    query = models.JSONField(default=dict)  # what was screened: name, dob, country
    explanation = models.JSONField(default=dict)
    trigger = models.CharField(max_length=12, choices=ScreeningTrigger.choices)
    status = models.CharField(max_length=16, choices=MatchStatus.choices, default=MatchStatus.OPEN)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="screening_matches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "screening match"
        verbose_name_plural = "screening matches"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entry"],
                condition=models.Q(status="open"),
                name="screening_one_open_match",
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="screening_queue"),
            models.Index(fields=["user", "entry", "status"], name="screening_user_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ~ {self.entry_id} ({self.score})"


class RescreenStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RescreenJob(models.Model):
    """Everyone screened again after a list version changed, in chunks, with progress."""

    version = models.ForeignKey(
        WatchlistVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=RescreenStatus.choices, default=RescreenStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    matches = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Rescreen #{self.pk} ({self.status} {self.done}/{self.total})"


class WalletAddress(models.Model):
    """A wallet address a user registered (or a venue reported for them), per chain."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_addresses"
    )
    chain = models.CharField(max_length=12)  # the lists' codes: XBT, ETH, USDT, TRX, ...
    address = models.CharField(max_length=200)
    label = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20, default="user")  # user | venue
    listed = models.BooleanField(default=False)  # matched a listed address
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "wallet address"
        verbose_name_plural = "wallet addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "chain", "address"], name="wallet_unique_per_user"
            )
        ]
        indexes = [models.Index(fields=["chain", "address"], name="wallet_lookup")]

    def __str__(self) -> str:
        return f"{self.chain} {self.address}"
