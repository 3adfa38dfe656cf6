"""Your risk limits over the API: GET / PUT /api/v1/risk-limits (docs/risk.md).

GET answers the platform's limits, your own and the effective ones (the tighter of each pair,
what your orders are judged by). PUT replaces your own: every name is optional, a name left
out follows the platform's, and a value looser than the platform's is a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from trading.api.order_views import acting
from trading.services.risk_limits import risk_limits_of, set_user_limits


def _pct(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, help_text=f"{help_text} (percent)")


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, help_text=help_text)


class RiskLimitsOutput(serializers.Serializer):
    """Every limit (trading.risk.RiskLimits); caps unless the text says "at least"."""

    max_trade_risk_pct = _pct("a bot trade's loss at its stoploss, as a share of equity")
    max_daily_loss_pct = _pct("buys stop when the account lost this much today")
    max_drawdown_pct = _pct("buys stop when the account is this far below its peak")
    max_open_trades = _count("a bot's open trades")
    max_trades_per_day = _count("buy orders per account per UTC day (a bot's entries, too)")
    min_confidence = serializers.FloatField(
        min_value=0, help_text="at least: a graded bot signal's confidence"
    )
    max_position_pct = _pct("the position in one asset after a buy, as a share of equity")
    cooldown_candles = _count("at least: candles a bot waits after an exit")
    max_stoplosses_per_day = _count("a bot's stop-loss exits in 24 hours before entries pause")


class RiskLimitsInput(RiskLimitsOutput):
    """Your own limits: any of the names, each at least as tight as the platform's. PUT
    replaces them all; a name left out follows the platform's, `{}` clears them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: f"There is no risk limit {name!r}." for name in unknown}
            )
        return attrs


class UserRiskLimitsOutput(serializers.Serializer):
    platform = RiskLimitsOutput(help_text="the platform's caps (settings RISK_*)")
    limits = RiskLimitsInput(source="own", help_text="your own; absent: the platform's")
    effective = RiskLimitsOutput(help_text="what your orders are judged by: the tighter of each")


def _answer(user: User) -> Response:
    return Response(UserRiskLimitsOutput(risk_limits_of(user)).data)


class RiskLimitsView(APIView):
    """Your risk limits; they apply to every order you or your bots place."""

    @extend_schema(responses={200: UserRiskLimitsOutput}, operation_id="risk_limits_retrieve")
    def get(self, request: Request) -> Response:
        return _answer(request.user)  # type: ignore[arg-type]

    @extend_schema(
        request=RiskLimitsInput,
        responses={200: UserRiskLimitsOutput},
        operation_id="risk_limits_update",
    )
    def put(self, request: Request) -> Response:
        data = RiskLimitsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, api_key = acting(request)
        set_user_limits(user=user, limits=dict(data.validated_data), actor=api_key or user)
        return _answer(user)
