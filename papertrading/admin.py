from django.contrib import admin

from cryptopulse.admin import ReadOnlyAdminMixin
from papertrading.models import (
    EquitySnapshot,
    LedgerEntry,
    PaperAccount,
    PaperBalance,
    PaperPosition,
)


@admin.register(PaperAccount)
class PaperAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "user", "base_currency", "starting_balance", "epoch", "created_at")
    list_select_related = ("user",)
    search_fields = ("name", "user__email")


@admin.register(PaperBalance)
class PaperBalanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("account", "asset", "free", "locked")
    list_select_related = ("account",)
    search_fields = ("account__user__email", "asset")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "account",
        "epoch",
        "asset",
        "bucket",
        "kind",
        "delta",
        "balance_after",
    )
    list_filter = ("kind", "bucket")
    list_select_related = ("account",)
    search_fields = ("account__user__email", "asset", "order_ref")
    show_full_result_count = False


@admin.register(PaperPosition)
class PaperPositionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("account", "epoch", "asset", "quantity", "cost_basis", "realised_pnl")
    list_select_related = ("account",)
    search_fields = ("account__user__email", "asset")


@admin.register(EquitySnapshot)
class EquitySnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("taken_at", "account", "epoch", "equity", "cash", "positions_value", "reason")
    list_filter = ("reason",)
    list_select_related = ("account",)
    search_fields = ("account__user__email",)
    show_full_result_count = False
