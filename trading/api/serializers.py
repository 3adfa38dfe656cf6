from __future__ import annotations

from rest_framework import serializers

from trading.models import Candle, ExchangeConnection, Market
from trading.services.connections import CONNECTABLE_EXCHANGES
from trading.timeframes import TIMEFRAMES


class MarketOutput(serializers.ModelSerializer):
    class Meta:
        model = Market
        fields = (
            "exchange",
            "symbol",
            "base",
            "quote",
            "price_tick",
            "amount_step",
            "min_amount",
            "max_amount",
            "min_cost",
            "maker_fee",
            "taker_fee",
        )
        read_only_fields = fields


class TickerOutput(serializers.Serializer):
    exchange = serializers.CharField()
    symbol = serializers.CharField()
    last = serializers.CharField()
    bid = serializers.CharField(allow_null=True)
    ask = serializers.CharField(allow_null=True)
    high = serializers.CharField(allow_null=True)
    low = serializers.CharField(allow_null=True)
    open = serializers.CharField(allow_null=True)
    base_volume = serializers.CharField(allow_null=True)
    quote_volume = serializers.CharField(allow_null=True)
    change_pct = serializers.CharField(allow_null=True)
    timestamp = serializers.CharField()
    simulated = serializers.BooleanField()


class CandleQuery(serializers.Serializer):
    exchange = serializers.CharField(required=False)
    symbol = serializers.CharField()
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAMES), default="1h")
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "The end must not be before the start."})
        return attrs


class CandleOutput(serializers.ModelSerializer):
    class Meta:
        model = Candle
        fields = ("open_time", "open", "high", "low", "close", "volume")
        read_only_fields = fields


class ConnectionInput(serializers.Serializer):
    exchange = serializers.ChoiceField(choices=list(CONNECTABLE_EXCHANGES))
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]  # the API's name
    api_key = serializers.CharField(max_length=500, trim_whitespace=True)
    secret = serializers.CharField(max_length=500, trim_whitespace=True, write_only=True)
    passphrase = serializers.CharField(
        max_length=500, required=False, allow_blank=True, write_only=True
    )
    testnet = serializers.BooleanField(default=False)


class ConnectionOutput(serializers.ModelSerializer):
    """Never the key, the secret or the passphrase: the key's last 4 characters only."""

    class Meta:
        model = ExchangeConnection
        fields = (
            "id",
            "exchange",
            "label",
            "testnet",
            "api_key_last4",
            "status",
            "status_reason",
            "last_checked_at",
            "created_at",
        )
        read_only_fields = fields


class BalanceOutput(serializers.Serializer):
    asset = serializers.CharField()
    free = serializers.DecimalField(max_digits=38, decimal_places=18)
    locked = serializers.DecimalField(max_digits=38, decimal_places=18)
    total = serializers.DecimalField(max_digits=38, decimal_places=18)
