"""Strategies and bots over the API: /api/v1/strategies, /api/v1/bots (+ pause, resume, stop,
backtest, trades)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cryptopulse.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from cryptopulse.api.pagination import PagedListView
from papertrading.models import PaperAccount
from papertrading.services import default_account, own_account
from trading.api.backtests import BacktestOutput
from trading.api.orders import amount_field
from trading.models import Bot, BotDecision, BotStatus, ExchangeConnection
from trading.selectors import connections_of
from trading.services import bot_results, bots
from trading.services.backtests import backtest_bot
from trading.services.bot_replay import MAX_REPLAY_STEPS, queue_bot_replay
from trading.services.orders import TradingAccount
from trading.strategies.registry import STRATEGIES, describe
from trading.timeframes import TIMEFRAMES


class StrategyParamOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    default = serializers.JSONField()
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField())
    help = serializers.CharField()


class StrategyOutput(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    timeframe = serializers.CharField()
    startup_candles = serializers.IntegerField()
    params = StrategyParamOutput(many=True)
    exit_rules = serializers.JSONField()


class StrategyListView(APIView):
    @extend_schema(responses={200: StrategyOutput(many=True)}, operation_id="strategies_list")
    def get(self, request: Request) -> Response:
        return Response([describe(cls) for cls in STRATEGIES.values()])


class BotInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    strategy = serializers.ChoiceField(choices=list(STRATEGIES))
    params = serializers.DictField(required=False, default=dict)
    paper_account = serializers.IntegerField(required=False, help_text="default: your first")
    connection = serializers.IntegerField(required=False, help_text="an exchange connection")
    symbols = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1)
    timeframe = serializers.ChoiceField(choices=list(TIMEFRAMES))
    stake_amount = amount_field()
    risk_limits = serializers.DictField(
        required=False,
        default=dict,
        help_text="tighter than the platform's caps, e.g. max_open_trades",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("paper_account") is not None and attrs.get("connection") is not None:
            raise serializers.ValidationError(
                {"connection": "Give a paper account or a connection, not both."}
            )
        return attrs


class DecisionOutput(serializers.ModelSerializer):
    class Meta:
        model = BotDecision
        fields = ("symbol", "candle_time", "action", "reason", "confidence", "order", "created_at")
        read_only_fields = fields


class BotOutput(serializers.ModelSerializer):
    mode = serializers.SerializerMethodField()

    class Meta:
        model = Bot
        fields = (
            "id",
            "name",
            "strategy",
            "params",
            "paper_account",
            "connection",
            "mode",
            "exchange",
            "symbols",
            "timeframe",
            "stake_amount",
            "risk_limits",
            "status",
            "status_reason",
            "last_candle_time",
            "created_at",
        )
        read_only_fields = fields

    def get_mode(self, bot: Bot) -> str:
        from trading.services.orders import mode_of

        return str(mode_of(bot.paper_account or bot.connection))  # type: ignore[arg-type]


def _account(request: Request, data: dict[str, Any]) -> TradingAccount:
    user = request.user
    connection_id = data.pop("connection", None)
    paper_id = data.pop("paper_account", None)
    if connection_id is not None:
        row = connections_of(user=user).filter(pk=connection_id).first()  # type: ignore[arg-type]
        if row is None:
            raise ExchangeConnection.DoesNotExist
        return row
    if paper_id is not None:
        return own_account(user=user, account_id=paper_id)  # type: ignore[arg-type]
    account: PaperAccount = default_account(user=user)  # type: ignore[arg-type]
    return account


def _own_bot(request: Request, bot_id: int) -> Bot:
    bot = (
        Bot.objects.filter(user=request.user, pk=bot_id)  # type: ignore[misc]
        .select_related("paper_account", "connection")
        .first()
    )
    if bot is None:
        raise Bot.DoesNotExist
    return bot


class BotListView(APIView):
    @extend_schema(responses={200: BotOutput(many=True)}, operation_id="bots_list")
    def get(self, request: Request) -> Response:
        rows = Bot.objects.filter(user=request.user).select_related(  # type: ignore[misc]
            "paper_account", "connection"
        )
        return Response(BotOutput(rows.order_by("name"), many=True).data)

    @extend_schema(
        request=BotInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: BotOutput},
        operation_id="bots_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = BotInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account = _account(request, fields)
        bot = bots.create_bot(user=request.user, account=account, **fields)  # type: ignore[arg-type]
        return Response(BotOutput(bot).data, status=status.HTTP_201_CREATED)


class BotDetailView(APIView):
    @extend_schema(responses={200: BotOutput}, operation_id="bots_retrieve")
    def get(self, request: Request, bot_id: int) -> Response:
        bot = _own_bot(request, bot_id)
        body = dict(BotOutput(bot).data)
        recent = bot.decisions.order_by("-candle_time", "symbol")[:50]
        body["decisions"] = DecisionOutput(recent, many=True).data
        return Response(body)


def _status_view(target: BotStatus, operation: str) -> type[APIView]:
    class BotStatusView(APIView):
        @extend_schema(request=None, responses={200: BotOutput}, operation_id=operation)
        def post(self, request: Request, bot_id: int) -> Response:
            _own_bot(request, bot_id)
            bot = bots.set_bot_status(user=request.user, bot_id=bot_id, status=target)  # type: ignore[arg-type]
            return Response(BotOutput(bot).data)

    BotStatusView.__name__ = f"Bot{operation.title().replace('_', '')}View"
    return BotStatusView


BotPauseView = _status_view(BotStatus.PAUSED, "bots_pause")
BotResumeView = _status_view(BotStatus.RUNNING, "bots_resume")
BotStopView = _status_view(BotStatus.STOPPED, "bots_stop")


class BotBacktestInput(serializers.Serializer):
    start = serializers.DateTimeField(required=False, help_text="default: when the bot was created")
    end = serializers.DateTimeField(required=False)
    wallet = serializers.FloatField(required=False, min_value=0.00000001, default=10_000.0)


class BotBacktestView(APIView):
    """Backtest the bot as configured over a period (202; the run is at /backtests/<id>)."""

    @extend_schema(
        request=BotBacktestInput, responses={202: BacktestOutput}, operation_id="bots_backtest"
    )
    def post(self, request: Request, bot_id: int) -> Response:
        _own_bot(request, bot_id)
        data = BotBacktestInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = backtest_bot(user=request.user, bot_id=bot_id, **data.validated_data)  # type: ignore[arg-type]
        return Response(BacktestOutput(run).data, status=status.HTTP_202_ACCEPTED)


class BotReplayInput(serializers.Serializer):
    steps = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_REPLAY_STEPS, default=MAX_REPLAY_STEPS
    )


class BotReplayView(APIView):
    """Replay the stored candles of the bot's replay paper account (202; runs in the worker).

    The decisions and trades appear on the bot as the replay goes (`/bots/<id>`,
    `/bots/<id>/trades`); docs/bots.md says how a replay ticks.
    """

    @extend_schema(request=BotReplayInput, responses={202: BotOutput}, operation_id="bots_replay")
    def post(self, request: Request, bot_id: int) -> Response:
        _own_bot(request, bot_id)
        data = BotReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        bot = queue_bot_replay(
            user=request.user,  # type: ignore[arg-type]
            bot_id=bot_id,
            steps=data.validated_data["steps"],
        )
        return Response(BotOutput(bot).data, status=status.HTTP_202_ACCEPTED)


def _decimal_string(help_text: str) -> serializers.CharField:
    return serializers.CharField(help_text=f"{help_text} (a decimal, as a string)")


class BotTradeOutput(serializers.Serializer):
    """A round trip in a backtest trade's shape (`BotTrade.to_dict()`): times are the fills'
    candles (a decision's candle plus one timeframe), rates the average fill prices."""

    pair = serializers.CharField()
    open_time = serializers.DateTimeField()
    close_time = serializers.DateTimeField(allow_null=True, help_text="null while open")
    duration_s = serializers.IntegerField(allow_null=True)
    open_rate = _decimal_string("average price of the entry's fills")
    close_rate = serializers.CharField(
        allow_null=True, help_text="average price of the exit's fills; null while open"
    )
    amount = _decimal_string("base held: bought, less fees paid in base")
    cost = _decimal_string("quote spent on the entry, quote fees included")
    profit_abs = serializers.CharField(
        allow_null=True, help_text="quote received after fees minus cost; null while open"
    )
    profit_pct = serializers.CharField(
        allow_null=True, help_text="profit_abs as a percent of cost; null while open"
    )
    exit_reason = serializers.CharField(
        allow_null=True,
        help_text=(
            f"the backtest's names ({', '.join(bot_results.EXIT_REASONS)}); a reason the "
            "backtest does not know is kept as the bot wrote it; null while open"
        ),
    )
    entry_order = serializers.IntegerField(allow_null=True)
    exit_order = serializers.IntegerField(allow_null=True)


class BotTradesQuery(serializers.Serializer):
    start = serializers.DateTimeField(required=False, help_text="trades opened from then")
    end = serializers.DateTimeField(required=False, help_text="trades opened until then")


class BotTradesView(PagedListView):
    """The bot's round trips, newest first, read from its decisions and their orders' fills
    (trading.services.bot_results); paginated like the other lists (limit, offset)."""

    @extend_schema(
        parameters=[BotTradesQuery],
        responses={200: BotTradeOutput(many=True)},
        operation_id="bots_trades",
    )
    def get(self, request: Request, bot_id: int) -> Response:
        bot = _own_bot(request, bot_id)
        query = BotTradesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        trades = bot_results.bot_trades(bot, **query.validated_data)[::-1]
        return self.page_response(
            request,
            trades,
            lambda page: BotTradeOutput([trade.to_dict() for trade in page], many=True).data,
        )
