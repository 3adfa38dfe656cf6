"""Watchlists: sanctions and PEP lists as imported, one version per import."""

from __future__ import annotations

from django.db import models


class WatchlistSource(models.TextChoices):
    OFAC_SDN = "ofac_sdn", "OFAC SDN"
    OFAC_CONS = "ofac_cons", "OFAC consolidated (non-SDN)"
    UN = "un", "UN Security Council consolidated"
    EU = "eu", "EU consolidated financial sanctions"
    UK = "uk", "UK sanctions list"
    PEP = "pep", "Politically exposed persons"


class EntryKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ENTITY = "entity", "Entity"
    VESSEL = "vessel", "Vessel"
    AIRCRAFT = "aircraft", "Aircraft"


class WatchlistVersion(models.Model):
    """One import of one list: what the file was, and what changed against the last one."""

    source = models.CharField(max_length=12, choices=WatchlistSource.choices)
    version = models.CharField(max_length=100)  # the list's own date/version, else the file hash
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    entries = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # rows the loader reported and left out
    report = models.JSONField(default=dict, blank=True)  # skipped rows and their reasons, etc.
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ("-imported_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(is_current=True),
                name="watchlist_one_current_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.version}"


class WatchlistEntry(models.Model):
    """One listed person or organisation, as the list states it.

    `aliases` is a list of {"name", "strength": "strong"|"weak"}; `dates_of_birth` holds
    "YYYY-MM-DD", "YYYY-MM" or "YYYY" strings or {"from": "YYYY", "to": "YYYY"} ranges;
    `nationalities` and `countries` ISO 3166-1 alpha-2 codes (countries of the addresses);
    `details` holds what officers read but the matcher does not weigh (gender, titles,
    positions, countries of birth, listing date, vessel facts; see
    `compliance.screening.importers.records`). `content_hash` covers all of it, so a changed
    record is noticed and an officer's "false positive" on it lapses.
    """

    source = models.CharField(max_length=12, choices=WatchlistSource.choices)
    entity_ref = models.CharField(max_length=64)  # the list's own id (OFAC ent_num, UN ref ...)
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    name = models.CharField(max_length=500)
    aliases = models.JSONField(default=list, blank=True)
    dates_of_birth = models.JSONField(default=list, blank=True)
    places_of_birth = models.JSONField(default=list, blank=True)
    nationalities = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    programs = models.JSONField(default=list, blank=True)
    remarks = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    active = models.BooleanField(default=True)  # False once a newer version dropped it
    first_version = models.ForeignKey(
        WatchlistVersion, on_delete=models.PROTECT, related_name="first_entries"
    )
    last_version = models.ForeignKey(
        WatchlistVersion, on_delete=models.PROTECT, related_name="current_entries"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "watchlist entry"
        verbose_name_plural = "watchlist entries"
        constraints = [
            models.UniqueConstraint(fields=["source", "entity_ref"], name="watchlist_entry_ref")
        ]
        indexes = [models.Index(fields=["source", "active"], name="watchlist_source_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.source} {self.entity_ref})"


class CryptoAddress(models.Model):
    """A digital-currency address a list names (OFAC remarks: "Digital Currency Address - XBT
    …"); `chain` is the list's currency code, `address` normalised for exact matching."""

    entry = models.ForeignKey(WatchlistEntry, on_delete=models.CASCADE, related_name="wallets")
    chain = models.CharField(max_length=12)
    address = models.CharField(max_length=200)

    class Meta:
        verbose_name = "listed crypto address"
        verbose_name_plural = "listed crypto addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "address", "entry"], name="watchlist_wallet_unique"
            )
        ]
        indexes = [models.Index(fields=["chain", "address"], name="watchlist_wallet_lookup")]

    def __str__(self) -> str:
        return f"{self.chain} {self.address}"
