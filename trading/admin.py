"""Orders, fills, markets and connections in the admin: for officers to review, never to edit.

Connection secrets are not shown, not even encrypted; only the key's last four characters.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryptopulse.admin import ReadOnlyAdminMixin
from trading.models import BotHalt, ExchangeConnection, Fill, Market, Order


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


@admin.register(BotHalt)
class BotHaltAdmin(admin.ModelAdmin):
    """Staff throw the platform halt here ("Add") and lift it with the action."""

    list_display = ("halted_at", "active", "reason", "halted_by", "lifted_at", "lifted_by")
    list_select_related = ("halted_by", "lifted_by")
    fields = ("reason",)
    actions = ("lift",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: BotHalt, form: Any, change: bool) -> None:
        from trading.services.bots import halt_all_bots

        halted = halt_all_bots(staff=request.user, reason=obj.reason)  # type: ignore[arg-type]
        obj.pk, obj.halted_at, obj.halted_by = halted.pk, halted.halted_at, halted.halted_by

    @admin.action(description="Lift the halt (bots tick again)")
    def lift(self, request: HttpRequest, queryset: Any) -> None:
        from trading.services.bots import lift_bot_halt

        if lift_bot_halt(staff=request.user) is None:  # type: ignore[arg-type]
            self.message_user(request, "No halt is in force.")
        else:
            self.message_user(request, "Halt lifted: bots tick again from the next candle.")
