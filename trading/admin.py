"""Orders, fills, markets and connections in the admin: for officers to review, never to edit.

Connection secrets are not shown, not even encrypted; only the key's last four characters.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryptopulse.admin import ReadOnlyAdminMixin
from trading.models import ExchangeConnection, Fill, Market, Order


class FillInline(admin.TabularInline):
    model = Fill
    fields = ("trade_id", "price", "amount", "fee", "fee_asset", "is_maker", "executed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "user",
        "mode",
        "exchange",
        "symbol",
        "side",
        "type",
        "amount",
        "quote_amount",
        "price",
        "status",
        "filled_amount",
        "average_price",
    )
    list_filter = ("mode", "status", "side", "type", "exchange")
    list_select_related = ("user",)
    search_fields = ("user__email", "client_order_id", "exchange_order_id", "symbol")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = (FillInline,)


@admin.register(Market)
class MarketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("exchange", "symbol", "price_tick", "amount_step", "min_cost", "active")
    list_filter = ("exchange", "active")
    search_fields = ("symbol",)


@admin.register(ExchangeConnection)
class ExchangeConnectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("label", "user", "exchange", "testnet", "api_key_last4", "status")
    list_filter = ("exchange", "testnet", "status")
    list_select_related = ("user",)
    search_fields = ("user__email", "label")
    fields = (
        "user",
        "exchange",
        "label",
        "testnet",
        "api_key_last4",
        "status",
        "status_reason",
        "last_checked_at",
        "created_at",
    )
