"""Backtests over the API: queue (202), list, one report, trades as CSV."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cryptopulse.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from cryptopulse.api.pagination import PagedListView
from cryptopulse.errors import ApplicationError
from trading.backtest.config import STAKE_MODES
from trading.backtest.report import trades_csv_from_dict
from trading.models import Backtest
from trading.services.backtests import start_backtest
from trading.strategies.registry import STRATEGIES
from trading.timeframes import TIMEFRAMES


class BacktestInput(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=list(STRATEGIES))
    params = serializers.DictField(required=False, default=dict)
    symbols = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1)
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAMES))
    exchange = serializers.CharField(required=False, max_length=32)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    wallet = serializers.FloatField(default=1000.0, min_value=0.00000001)
    stake = serializers.FloatField(default=100.0, min_value=0.00000001)
    stake_mode = serializers.ChoiceField(choices=list(STAKE_MODES), default="fixed")
    max_open_trades = serializers.IntegerField(default=3, min_value=-1)
    fee = serializers.FloatField(default=0.001, min_value=0, max_value=0.5)
    slippage = serializers.FloatField(default=0.0, min_value=0, max_value=0.5)
    min_confidence = serializers.FloatField(required=False, min_value=0, max_value=100)
    exit_fill = serializers.ChoiceField(
        choices=["rule", "next_open"],
        default="rule",
        help_text="rule: stops/ROI fill within the candle; next_open: at the next open, as bots",
    )
    cooldown_candles = serializers.IntegerField(default=0, min_value=0)
    max_stoplosses_per_day = serializers.IntegerField(default=-1, min_value=-1)
    max_entries_per_day = serializers.IntegerField(default=-1, min_value=-1)
    max_trade_risk_pct = serializers.FloatField(required=False, min_value=0.0001)
    max_position_pct = serializers.FloatField(required=False, min_value=0.0001)
    max_daily_loss_pct = serializers.FloatField(required=False, min_value=0.0001)
    max_drawdown_pct = serializers.FloatField(required=False, min_value=0.0001)


SETTINGS = (
    "wallet",
    "stake",
    "stake_mode",
    "max_open_trades",
    "fee",
    "slippage",
    "min_confidence",
    "exit_fill",
    "cooldown_candles",
    "max_stoplosses_per_day",
    "max_entries_per_day",
    "max_trade_risk_pct",
    "max_position_pct",
    "max_daily_loss_pct",
    "max_drawdown_pct",
)


LIST_FIELDS: tuple[str, ...] = (
    "id",
    "strategy",
    "params",
    "exchange",
    "symbols",
    "timeframe",
    "start",
    "end",
    "config",
    "status",
    "progress",
    "error",
    "created_at",
    "started_at",
    "finished_at",
    "summary",
)


class BacktestOutput(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Backtest
        fields = LIST_FIELDS
        read_only_fields = fields

    def get_summary(self, backtest: Backtest) -> dict[str, Any] | None:
        return (backtest.result or {}).get("summary")


class BacktestDetailOutput(BacktestOutput):
    result = serializers.JSONField()

    class Meta(BacktestOutput.Meta):
        fields = (*LIST_FIELDS, "result")
        read_only_fields = fields


def _with_summaries(page: list[Backtest]) -> Any:
    """The list shows summaries; the summary lives in `result`, read per page only."""
    ids = [row.pk for row in page]
    summaries = dict(Backtest.objects.filter(pk__in=ids).values_list("pk", "result__summary"))
    body = BacktestOutput(page, many=True).data
    for item in body:
        item["summary"] = summaries.get(item["id"])
    return body


def _own(request: Request, backtest_id: int) -> Backtest:
    row = Backtest.objects.filter(user=request.user, pk=backtest_id).first()  # type: ignore[misc]
    if row is None:
        raise Backtest.DoesNotExist
    return row


class BacktestListView(PagedListView):
    @extend_schema(responses={200: BacktestOutput(many=True)}, operation_id="backtests_list")
    def get(self, request: Request) -> Response:
        rows = Backtest.objects.filter(user=request.user).defer("result")  # type: ignore[misc]
        return self.page_response(request, rows.order_by("-created_at"), _with_summaries)

    @extend_schema(
        request=BacktestInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: BacktestOutput},
        operation_id="backtests_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = BacktestInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        settings = {name: fields.pop(name) for name in SETTINGS if name in fields}
        backtest = start_backtest(user=request.user, settings=settings, **fields)  # type: ignore[arg-type]
        return Response(BacktestOutput(backtest).data, status=status.HTTP_202_ACCEPTED)


class BacktestDetailView(APIView):
    @extend_schema(responses={200: BacktestDetailOutput}, operation_id="backtests_retrieve")
    def get(self, request: Request, backtest_id: int) -> Response:
        return Response(BacktestDetailOutput(_own(request, backtest_id)).data)


class BacktestTradesCsvView(APIView):
    @extend_schema(
        responses={200: OpenApiResponse(description="text/csv: one row per trade")},
        operation_id="backtests_trades_csv",
    )
    def get(self, request: Request, backtest_id: int) -> HttpResponse:
        backtest = _own(request, backtest_id)
        if backtest.result is None:
            raise ApplicationError(
                "not_ready", f"The backtest is {backtest.status}: no report yet.", status=409
            )
        response = HttpResponse(
            trades_csv_from_dict(backtest.result), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="backtest-{backtest.pk}.csv"'
        return response
