"""Orders on exchange connections (testnet or live): /api/v1/orders.

Paper orders have the same shapes under /api/v1/paper-trading/orders.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey, User
from cryptopulse.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from cryptopulse.api.pagination import PagedListView
from trading.api.orders import OrderInput, OrderOutput, OrderQuery
from trading.models import ExchangeConnection, Order
from trading.selectors import connections_of, orders_of
from trading.services.orders import PlacedOrder, TradingAccount, cancel_order, place_order


def acting(request: Request) -> tuple[User, ApiKey | None]:
    """The user, and the API key when one authenticated the request (audit actor)."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    return request.user, api_key  # type: ignore[return-value]


def place_from_request(request: Request, account: TradingAccount, data: dict[str, Any]) -> Response:
    """Place the validated order, answer 201 (or 200 for a repeated client order id)."""
    user, api_key = acting(request)
    placed: PlacedOrder = place_order(user=user, account=account, actor=api_key or user, **data)
    code = status.HTTP_201_CREATED if placed.created else status.HTTP_200_OK
    return Response(OrderOutput(placed.order).data, status=code)


def order_page(request: Request, view: PagedListView, query: OrderQuery, **scope: Any) -> Response:
    """A page of the user's orders within `scope` (selector filters), filtered by `query`."""
    query.is_valid(raise_exception=True)
    filters = {k: v for k, v in query.validated_data.items() if k in OrderQuery.FILTERS}
    rows = orders_of(user=request.user, **scope, **filters)  # type: ignore[arg-type]
    return view.page_response(request, rows, lambda page: OrderOutput(page, many=True).data)


class ConnectionOrderInput(OrderInput):
    connection = serializers.IntegerField(help_text="id of one of your exchange connections")


class ConnectionOrderQuery(OrderQuery):
    connection = serializers.IntegerField(required=False, help_text="only this connection")


class OrderListView(PagedListView):
    """Orders on the user's exchange connections (testnet and live)."""

    @extend_schema(
        parameters=[ConnectionOrderQuery],
        responses={200: OrderOutput(many=True)},
        operation_id="orders_list",
    )
    def get(self, request: Request) -> Response:
        query = ConnectionOrderQuery(data=request.query_params)
        connection = request.query_params.get("connection")
        if connection is None:
            return order_page(request, self, query, on_exchange=True)
        query.is_valid(raise_exception=True)
        return order_page(request, self, query, connection_id=query.validated_data["connection"])

    @extend_schema(
        request=ConnectionOrderInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OrderOutput, 200: OrderOutput},
        operation_id="orders_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = ConnectionOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        connection_id = fields.pop("connection")
        connection = connections_of(user=request.user).filter(pk=connection_id).first()  # type: ignore[arg-type]
        if connection is None:
            raise ExchangeConnection.DoesNotExist
        return place_from_request(request, connection, fields)


class OrderDetailView(APIView):
    """One order of the user's (paper or exchange); DELETE cancels it."""

    @extend_schema(responses={200: OrderOutput}, operation_id="orders_retrieve")
    def get(self, request: Request, order_id: int) -> Response:
        order = orders_of(user=request.user).filter(pk=order_id).first()  # type: ignore[arg-type]
        if order is None:
            raise Order.DoesNotExist
        return Response(OrderOutput(order).data)

    @extend_schema(request=None, responses={200: OrderOutput}, operation_id="orders_cancel")
    def delete(self, request: Request, order_id: int) -> Response:
        user, api_key = acting(request)
        order = cancel_order(user=user, order_id=order_id, actor=api_key or user)
        return Response(OrderOutput(orders_of(user=user).get(pk=order.pk)).data)
