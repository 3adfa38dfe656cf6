from __future__ import annotations

from rest_framework import serializers

from papertrading.models import EquitySnapshot, LedgerEntry, PaperAccount
from trading.api.orders import amount_field
from trading.timeframes import TIMEFRAMES


class AccountQuery(serializers.Serializer):
    account = serializers.IntegerField(
        required=False, help_text="one of your paper accounts (default: your first)"
    )
    epoch = serializers.IntegerField(
        required=False, min_value=1, help_text="an earlier page after resets (default: current)"
    )


class AccountOutput(serializers.ModelSerializer):
    class Meta:
        model = PaperAccount
        fields = (
            "id",
            "name",
            "base_currency",
            "starting_balance",
            "epoch",
            "created_at",
            "reset_at",
            "price_source",
            "replay_timeframe",
            "replay_start",
            "replay_end",
            "replay_cursor",
        )
        read_only_fields = fields


class AccountInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    starting_balance = amount_field(required=False)


class HoldingOutput(serializers.Serializer):
    asset = serializers.CharField()
    free = amount_field()
    locked = amount_field()
    quantity = amount_field()
    price = amount_field(allow_null=True)
    value = amount_field(allow_null=True)
    average_price = amount_field(allow_null=True)
    cost_basis = amount_field()
    realised_pnl = amount_field()
    unrealised_pnl = amount_field(allow_null=True)


class PortfolioOutput(serializers.Serializer):
    account = AccountOutput()
    holdings = HoldingOutput(many=True)
    cash = amount_field()
    positions_value = amount_field()
    equity = amount_field()
    realised_pnl = amount_field()
    unrealised_pnl = amount_field()
    total_pnl = amount_field()
    unpriced = serializers.ListField(child=serializers.CharField())
    equity_curve = serializers.SerializerMethodField()

    def get_equity_curve(self, portfolio: object) -> list[dict[str, str]]:
        return self.context.get("equity_curve", [])


class SnapshotOutput(serializers.ModelSerializer):
    class Meta:
        model = EquitySnapshot
        fields = ("taken_at", "equity", "cash", "positions_value", "reason")
        read_only_fields = fields


class LedgerOutput(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = (
            "id",
            "epoch",
            "asset",
            "bucket",
            "kind",
            "delta",
            "balance_after",
            "order_ref",
            "fill_ref",
            "created_at",
        )
        read_only_fields = fields


class ResetInput(serializers.Serializer):
    account = serializers.IntegerField(required=False)


class ReplayInput(serializers.Serializer):
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAMES))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class StepInput(serializers.Serializer):
    steps = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class StepOutput(serializers.Serializer):
    account = AccountOutput()
    moved = serializers.IntegerField()
    changed_orders = serializers.IntegerField()
    finished = serializers.BooleanField()
