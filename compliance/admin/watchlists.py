"""Watchlists in the officers' admin: list versions with their import reports, the listed
entries (names, aliases with strength, dates of birth, countries, wallets) and the wallet
addresses users registered. All read-only: lists change only by importing a version."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from compliance.models import CryptoAddress, WalletAddress, WatchlistEntry, WatchlistVersion
from compliance.screening.wallets import listed_addresses
from cryptopulse.admin import ReadOnlyAdminMixin


def _pre(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def _items(values: list[Any]) -> str:
    if not values:
        return "-"
    return format_html_join("", "<div>{}</div>", ((value,) for value in values))


@admin.register(WatchlistVersion)
class WatchlistVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "source",
        "version",
        "imported_at",
        "is_current",
        "entries",
        "added",
        "changed",
        "removed",
        "skipped",
    )
    list_filter = ("source", "is_current")
    ordering = ("-imported_at",)
    exclude = ("report",)
    readonly_fields = ("import_report",)

    @admin.display(description="Import report")
    def import_report(self, version: WatchlistVersion) -> str:
        return _pre(version.report)


class CryptoAddressInline(admin.TabularInline):
    model = CryptoAddress
    fields = ("chain", "address")
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "source", "entity_ref", "kind", "active", "last_version")
    list_filter = ("source", "kind", "active")
    # aliases is JSON: icontains searches its text, so an alias finds its entry.
    search_fields = ("name", "=entity_ref", "aliases", "=wallets__address")
    list_select_related = ("last_version",)
    show_full_result_count = False
    inlines = (CryptoAddressInline,)
    fieldsets = (
        (None, {"fields": ("name", "source", "entity_ref", "kind", "active", "programs")}),
        (
            "Identity",
            {
                "fields": (
                    "alias_list",
                    "birth_dates",
                    "places_of_birth",
                    "nationalities",
                    "countries",
                    "address_list",
                    "details_text",
                )
            },
        ),
        ("List", {"fields": ("remarks", "first_version", "last_version", "content_hash")}),
    )
    readonly_fields = ("alias_list", "birth_dates", "address_list", "details_text")

    @admin.display(description="Aliases")
    def alias_list(self, entry: WatchlistEntry) -> str:
        return _items(
            [f"{a['name']} ({a['strength']}, {a.get('type', 'aka')})" for a in entry.aliases]
        )

    @admin.display(description="Dates of birth")
    def birth_dates(self, entry: WatchlistEntry) -> str:
        return _items(
            [
                value
                if isinstance(value, str)
                else f"{value['from']}-{value['to']}"
                + (f" (circa {value['circa']})" if value.get("circa") else "")
                for value in entry.dates_of_birth
            ]
        )

    @admin.display(description="Addresses")
    def address_list(self, entry: WatchlistEntry) -> str:
        return _items(entry.addresses)

    @admin.display(description="Details")
    def details_text(self, entry: WatchlistEntry) -> str:
        return _pre(entry.details)


@admin.register(WalletAddress)
class WalletAddressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("address", "chain", "user", "label", "source", "listed", "created_at")
    list_filter = ("listed", "chain", "source")
    search_fields = ("=address", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("list_entries",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[WalletAddress]:
        return super().get_queryset(request).select_related("user")

    @admin.display(description="On the lists as")
    def list_entries(self, wallet: WalletAddress) -> str:
        hits = listed_addresses(chain=wallet.chain, address=wallet.address)
        return _items(
            [f"{h.entry.source} {h.entry.entity_ref}: {h.entry.name} ({h.chain})" for h in hits]
        )
