"""Orders over the API: the same shapes for paper accounts and exchange connections.

Input → `trading.services.orders` → output. Decimals travel as strings; a repeated
`client_order_id` (or `Idempotency-Key`) answers 200 with the first order instead of 201.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from trading.exchanges.base import OrderSide, OrderType
from trading.models import Fill, Order, OrderStatus


def amount_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=38, decimal_places=18, **kwargs)


class OrderInput(serializers.Serializer):
    """An order to place; exactly one of `amount` (base) and `quote_amount` (market buy)."""

    symbol = serializers.CharField(max_length=40)
    side = serializers.ChoiceField(choices=OrderSide.choices)
    type = serializers.ChoiceField(choices=OrderType.choices)
    amount = amount_field(required=False, allow_null=True)
    quote_amount = amount_field(required=False, allow_null=True)
    price = amount_field(required=False, allow_null=True)
    stop_price = amount_field(required=False, allow_null=True)
    time_in_force = serializers.ChoiceField(choices=["GTC", "IOC"], default="GTC")
    client_order_id = serializers.RegexField(
        r"^[A-Za-z0-9_\-.:]{1,36}$",
        required=False,
        help_text="Up to 36 of A-Z a-z 0-9 _ - . : (as Binance allows); unique per account.",
    )
    leverage = amount_field(
        required=False,
        help_text='Default "1", the only value spot markets take (they trade without '
        "leverage); never more than the platform's maximum (docs/risk.md). Not stored on "
        "the order.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("amount") is None and attrs.get("quote_amount") is None:
            raise serializers.ValidationError({"amount": "Give an amount (or a quote_amount)."})
        if attrs.get("amount") is not None and attrs.get("quote_amount") is not None:
            raise serializers.ValidationError(
                {"quote_amount": "Give either an amount or a quote_amount, not both."}
            )
        return attrs


class FillOutput(serializers.ModelSerializer):
    class Meta:
        model = Fill
        fields = ("trade_id", "price", "amount", "fee", "fee_asset", "is_maker", "executed_at")
        read_only_fields = fields


class OrderOutput(serializers.ModelSerializer):
    fills = FillOutput(many=True, read_only=True)

    class Meta:
        model = Order
        fields = (
            "id",
            "mode",
            "paper_account",
            "connection",
            "epoch",
            "exchange",
            "symbol",
            "side",
            "type",
            "time_in_force",
            "amount",
            "quote_amount",
            "price",
            "stop_price",
            "status",
            "triggered",
            "filled_amount",
            "filled_quote",
            "average_price",
            "client_order_id",
            "exchange_order_id",
            "reject_reason",
            "created_at",
            "updated_at",
            "closed_at",
            "fills",
        )
        read_only_fields = fields


class OrderQuery(serializers.Serializer):
    """List filters: status (`open` = new, open or partly filled), symbol, time range."""

    FILTERS = ("status", "symbol", "since", "until")

    status = serializers.ChoiceField(choices=["open", *OrderStatus.values], required=False)
    symbol = serializers.CharField(required=False, max_length=40)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "Must be after since."})
        return attrs


class TradeOutput(serializers.ModelSerializer):
    order_id = serializers.IntegerField(source="order.pk")
    symbol = serializers.CharField(source="order.symbol")
    side = serializers.CharField(source="order.side")

    class Meta:
        model = Fill
        fields = (
            "trade_id",
            "order_id",
            "symbol",
            "side",
            "price",
            "amount",
            "fee",
            "fee_asset",
            "is_maker",
            "executed_at",
        )
        read_only_fields = fields
