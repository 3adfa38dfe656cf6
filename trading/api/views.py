"""Market data (public, throttled per address) and exchange connections (owner only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cryptopulse.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from cryptopulse.errors import ApplicationError
from trading.api import serializers as s
from trading.api.throttling import PublicIpThrottle
from trading.exchanges.errors import UnknownSymbol, VenueError
from trading.exchanges.registry import public_venue
from trading.models import ExchangeConnection, Market
from trading.selectors import (
    UnknownSymbolError,
    candles_of,
    connections_of,
    default_exchange,
    markets_of,
    resolve_market,
)
from trading.services import connections
from trading.services.markets import get_ticker

EXCHANGE_PARAM = OpenApiParameter("exchange", str, description="default: the market data source")


def _unknown_symbol(symbol: str, exchange: str) -> ApplicationError:
    return ApplicationError(
        "unknown_symbol", f"No market {symbol!r} on {exchange}.", "symbol", status=404
    )


class PublicMarketView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicIpThrottle]

    def exchange(self, request: Request) -> str:
        return str(request.query_params.get("exchange") or default_exchange())

    def market(self, request: Request, text: str) -> Market:
        exchange = self.exchange(request)
        try:
            return resolve_market(exchange=exchange, text=text)
        except UnknownSymbolError as error:
            raise _unknown_symbol(str(error), exchange) from error


class TickerView(PublicMarketView):
    @extend_schema(
        parameters=[EXCHANGE_PARAM], responses={200: s.TickerOutput}, operation_id="ticker"
    )
    def get(self, request: Request, symbol: str) -> Response:
        market = self.market(request, symbol)
        try:
            ticker, _hit = get_ticker(
                venue=public_venue(market.exchange),
                exchange=market.exchange,
                symbol=market.symbol,
            )
        except UnknownSymbol as error:
            raise _unknown_symbol(market.symbol, market.exchange) from error
        except VenueError as error:
            raise ApplicationError(
                "exchange_unavailable", f"{market.exchange} did not answer: {error}", status=503
            ) from error
        return Response(
            {**ticker, "exchange": market.exchange, "simulated": market.exchange == "simulated"}
        )


class CandlesView(PublicMarketView):
    @extend_schema(parameters=[s.CandleQuery], responses={200: s.CandleOutput(many=True)})
    def get(self, request: Request) -> Response:
        query = s.CandleQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        market = self.market(request, query.validated_data["symbol"])
        rows = candles_of(
            exchange=market.exchange,
            symbol=market.symbol,
            timeframe=query.validated_data["timeframe"],
            start=query.validated_data.get("start"),
            end=query.validated_data.get("end"),
            limit=query.validated_data["limit"],
        )
        return Response(s.CandleOutput(rows, many=True).data)


class MarketsView(PublicMarketView):
    @extend_schema(parameters=[EXCHANGE_PARAM], responses={200: s.MarketOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response(s.MarketOutput(markets_of(exchange=self.exchange(request)), many=True).data)


class ConnectionListView(APIView):
    api_key_allowed = False

    @extend_schema(responses={200: s.ConnectionOutput(many=True)}, operation_id="connections_list")
    def get(self, request: Request) -> Response:
        rows = connections_of(user=request.user)  # type: ignore[arg-type]
        return Response(s.ConnectionOutput(rows, many=True).data)

    @extend_schema(
        request=s.ConnectionInput,
        responses={201: s.ConnectionOutput},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        operation_id="connections_create",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = s.ConnectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        connection = connections.add_connection(user=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(s.ConnectionOutput(connection).data, status=status.HTTP_201_CREATED)


class ConnectionDetailView(APIView):
    api_key_allowed = False

    @extend_schema(responses={200: s.ConnectionOutput}, operation_id="connections_retrieve")
    def get(self, request: Request, connection_id: int) -> Response:
        row = connections_of(user=request.user).filter(pk=connection_id).first()  # type: ignore[arg-type]
        if row is None:
            raise ExchangeConnection.DoesNotExist
        return Response(s.ConnectionOutput(row).data)

    @extend_schema(responses={204: None}, operation_id="connections_delete")
    def delete(self, request: Request, connection_id: int) -> Response:
        connections.remove_connection(user=request.user, connection_id=connection_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionTestView(APIView):
    api_key_allowed = False

    @extend_schema(
        request=None, responses={200: s.ConnectionOutput}, operation_id="connections_test"
    )
    def post(self, request: Request, connection_id: int) -> Response:
        check = connections.check_connection(user=request.user, connection_id=connection_id)  # type: ignore[arg-type]
        return Response(s.ConnectionOutput(check.connection).data)


class ConnectionBalancesView(APIView):
    @extend_schema(responses={200: s.BalanceOutput(many=True)}, operation_id="connections_balances")
    def get(self, request: Request, connection_id: int) -> Response:
        balances = connections.fetch_balances(user=request.user, connection_id=connection_id)  # type: ignore[arg-type]
        return Response(s.BalanceOutput(balances, many=True).data)
