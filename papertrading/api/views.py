"""Paper trading over the API: /api/v1/paper-trading/... (input → service → output).

Every endpoint works on one of the caller's paper accounts: `account` (query or body) names
it, otherwise the first one (opened on first use). Another user's account is 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from cryptopulse.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from cryptopulse.api.pagination import PagedListView
from papertrading import replay
from papertrading.api import serializers as s
from papertrading.matching import step_replay
from papertrading.models import PaperAccount
from papertrading.portfolio import portfolio_of
from papertrading.selectors import accounts_of, ledger_of, snapshots_of
from papertrading.services import default_account, open_account, own_account, reset_account
from trading.api.order_views import acting, order_page, place_from_request
from trading.api.orders import OrderInput, OrderOutput, OrderQuery, TradeOutput
from trading.models import Order
from trading.selectors import fills_of, orders_of
from trading.services.orders import cancel_order


def account_for(user: User, account_id: int | None) -> PaperAccount:
    if account_id is None:
        return default_account(user=user)
    return own_account(user=user, account_id=account_id)


def _query(request: Request) -> dict[str, Any]:
    query = s.AccountQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class AccountListView(APIView):
    @extend_schema(responses={200: s.AccountOutput(many=True)}, operation_id="paper_accounts_list")
    def get(self, request: Request) -> Response:
        default_account(user=request.user)  # type: ignore[arg-type]  # the first one always exists
        rows = accounts_of(user=request.user)  # type: ignore[arg-type]
        return Response(s.AccountOutput(rows, many=True).data)

    @extend_schema(
        request=s.AccountInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: s.AccountOutput},
        operation_id="paper_accounts_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = s.AccountInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = open_account(user=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(s.AccountOutput(account).data, status=status.HTTP_201_CREATED)


class PaperOrderInput(OrderInput):
    account = serializers.IntegerField(required=False, help_text="default: your first account")


class PaperOrderQuery(OrderQuery):
    account = serializers.IntegerField(required=False)
    epoch = serializers.IntegerField(required=False, min_value=1)


class PaperOrderListView(PagedListView):
    @extend_schema(
        parameters=[PaperOrderQuery],
        responses={200: OrderOutput(many=True)},
        operation_id="paper_orders_list",
    )
    def get(self, request: Request) -> Response:
        query = PaperOrderQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        account = account_for(request.user, query.validated_data.get("account"))  # type: ignore[arg-type]
        epoch = query.validated_data.get("epoch") or account.epoch
        return order_page(
            request,
            self,
            PaperOrderQuery(data=request.query_params),
            paper_account_id=account.pk,
            epoch=epoch,
        )

    @extend_schema(
        request=PaperOrderInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OrderOutput, 200: OrderOutput},
        operation_id="paper_orders_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = PaperOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account = account_for(request.user, fields.pop("account", None))  # type: ignore[arg-type]
        return place_from_request(request, account, fields)


def _own_paper_order(request: Request, order_id: int) -> Order:
    order = (
        orders_of(user=request.user)  # type: ignore[arg-type]
        .filter(pk=order_id, paper_account__isnull=False)
        .first()
    )
    if order is None:
        raise Order.DoesNotExist
    return order


class PaperOrderDetailView(APIView):
    @extend_schema(responses={200: OrderOutput}, operation_id="paper_orders_retrieve")
    def get(self, request: Request, order_id: int) -> Response:
        return Response(OrderOutput(_own_paper_order(request, order_id)).data)

    @extend_schema(request=None, responses={200: OrderOutput}, operation_id="paper_orders_cancel")
    def delete(self, request: Request, order_id: int) -> Response:
        order = _own_paper_order(request, order_id)
        user, api_key = acting(request)
        cancel_order(user=user, order_id=order.pk, actor=api_key or user)
        return Response(OrderOutput(_own_paper_order(request, order_id)).data)


class PortfolioView(APIView):
    @extend_schema(
        parameters=[s.AccountQuery],
        responses={200: s.PortfolioOutput},
        operation_id="paper_portfolio",
    )
    def get(self, request: Request) -> Response:
        query = _query(request)
        account = account_for(request.user, query.get("account"))  # type: ignore[arg-type]
        curve = s.SnapshotOutput(snapshots_of(account=account), many=True).data
        body = s.PortfolioOutput(portfolio_of(account=account), context={"equity_curve": curve})
        return Response(body.data)


class TradeListView(PagedListView):
    @extend_schema(
        parameters=[s.AccountQuery],
        responses={200: TradeOutput(many=True)},
        operation_id="paper_trades_list",
    )
    def get(self, request: Request) -> Response:
        query = _query(request)
        account = account_for(request.user, query.get("account"))  # type: ignore[arg-type]
        rows = fills_of(
            user=request.user,  # type: ignore[arg-type]
            paper_account_id=account.pk,
            epoch=query.get("epoch") or account.epoch,
        )
        return self.page_response(request, rows, lambda page: TradeOutput(page, many=True).data)


class LedgerView(PagedListView):
    @extend_schema(
        parameters=[s.AccountQuery],
        responses={200: s.LedgerOutput(many=True)},
        operation_id="paper_ledger_list",
    )
    def get(self, request: Request) -> Response:
        query = _query(request)
        account = account_for(request.user, query.get("account"))  # type: ignore[arg-type]
        rows = ledger_of(account=account, epoch=query.get("epoch"))
        return self.page_response(request, rows, lambda page: s.LedgerOutput(page, many=True).data)


class ResetView(APIView):
    @extend_schema(
        request=s.ResetInput, responses={200: s.AccountOutput}, operation_id="paper_reset"
    )
    def post(self, request: Request) -> Response:
        data = s.ResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_for(request.user, data.validated_data.get("account"))  # type: ignore[arg-type]
        account = reset_account(user=request.user, account_id=account.pk)  # type: ignore[arg-type]
        return Response(s.AccountOutput(account).data)


class ReplayView(APIView):
    @extend_schema(
        request=s.ReplayInput, responses={200: s.AccountOutput}, operation_id="paper_replay_start"
    )
    def post(self, request: Request, account_id: int) -> Response:
        data = s.ReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = replay.start_replay(
            user=request.user,  # type: ignore[arg-type]
            account_id=account_id,
            **data.validated_data,
        )
        return Response(s.AccountOutput(account).data)


class ReplayStepView(APIView):
    @extend_schema(
        request=s.StepInput, responses={200: s.StepOutput}, operation_id="paper_replay_step"
    )
    def post(self, request: Request, account_id: int) -> Response:
        data = s.StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        step = step_replay(
            user=request.user,  # type: ignore[arg-type]
            account_id=account_id,
            steps=data.validated_data["steps"],
        )
        return Response(s.StepOutput(step).data)
