"""The paper exchange behind the same `Venue` interface as a real one.

`PaperVenue(account)` answers market data from the account's price source (the live market
data venue, or stored candles in replay) and keeps balances and orders in the database. Its
`create_order` and `cancel_order` run inside the order service's transaction (the service
creates the `Order` row first and applies the returned `OrderAck`), so a paper order is all
or nothing: order, locked funds, fills, ledger rows, position and equity snapshot.

`create_order` fills against the book this venue last fetched for the symbol: the order
service calls `fetch_order_book` before it opens its transaction, so no row lock ever waits
on the network. Live books come through a short cache shared by all processes
(`PAPER_BOOK_MAX_AGE_S`, 1 s), like the streamed book a real paper engine trades against.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from papertrading.execution import book_entry, book_resting, release_held
from papertrading.fill_model import (
    FillPlan,
    OrderSpec,
    RestingOrder,
    evaluate_resting,
    funds_to_lock,
    plan_order,
)
from papertrading.locks import lock_account
from papertrading.models import PaperAccount, PaperBalance, PriceSource
from papertrading.replay import ReplayPrices
from trading.exchanges.base import (
    Balance,
    Candle,
    DepositAddress,
    KeyPermissions,
    MarketInfo,
    OrderAck,
    OrderBook,
    OrderRequest,
    OrderSide,
    OrderType,
    Ticker,
    TimeInForce,
    Venue,
    VenueOrderStatus,
)
from trading.exchanges.errors import OrderNotFound, UnknownSymbol
from trading.exchanges.registry import public_venue
from trading.models import Market, Order
from trading.selectors import default_exchange, market_info_of

PAPER_EXCHANGE_ID = "paper"

_ACK_STATUS = {
    "filled": VenueOrderStatus.FILLED,
    "partially_filled": VenueOrderStatus.PARTIALLY_FILLED,
    "resting": VenueOrderStatus.OPEN,
    "cancelled_remainder": VenueOrderStatus.EXPIRED,  # as Binance reports an IOC's unfilled rest
}


def book_key(exchange: str, symbol: str) -> str:
    return f"paper:book:{exchange}:{symbol}"


def live_order_book(*, exchange: str, symbol: str) -> OrderBook:
    """The exchange's book for `symbol`, at most `PAPER_BOOK_MAX_AGE_S` old."""
    key = book_key(exchange, symbol)
    book = cache.get(key)
    if book is None:
        book = public_venue(exchange).fetch_order_book(symbol)
        cache.set(key, book, timeout=settings.PAPER_BOOK_MAX_AGE_S)
    return cast(OrderBook, book)


def spec_of(order: Order) -> OrderSpec:
    """The fill model's view of a stored order."""
    return OrderSpec(
        side=OrderSide(order.side),
        type=OrderType(order.type),
        amount=order.amount,
        quote_amount=order.quote_amount,
        price=order.price,
        stop_price=order.stop_price,
        time_in_force=TimeInForce(order.time_in_force),
    )


class PaperVenue:
    """A paper account as a venue (see the module docstring)."""

    exchange_id = PAPER_EXCHANGE_ID

    def __init__(self, account: PaperAccount, *, prices: Venue | None = None) -> None:
        self.account = account
        self.exchange = default_exchange()
        self.replay = ReplayPrices(account) if account.price_source == PriceSource.REPLAY else None
        self._prices = prices
        self._books: dict[str, OrderBook] = {}
        self._markets: dict[str, MarketInfo] = {}

    # --- market data -----------------------------------------------------------------------
    @property
    def prices(self) -> Venue | ReplayPrices:
        if self.replay is not None:
            return self.replay
        if self._prices is None:
            self._prices = public_venue(self.exchange)
        return self._prices

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        rows = Market.objects.filter(exchange=self.exchange, active=True)
        return {row.symbol: market_info_of(row) for row in rows}

    def market(self, symbol: str) -> MarketInfo:
        """The stored market (one query per venue and symbol: a venue lives for one use)."""
        if symbol not in self._markets:
            row = Market.objects.filter(exchange=self.exchange, symbol=symbol).first()
            if row is None:
                raise UnknownSymbol(symbol)
            self._markets[symbol] = market_info_of(row)
        return self._markets[symbol]

    def fetch_ticker(self, symbol: str) -> Ticker:
        return self.prices.fetch_ticker(symbol)

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]:
        return self.prices.fetch_tickers(symbols)

    def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        return self.prices.fetch_ohlcv(symbol, timeframe, since=since, limit=limit)

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> OrderBook:
        if self.replay is not None:
            book = self.replay.fetch_order_book(symbol, limit=limit)
        elif self._prices is not None:
            book = self._prices.fetch_order_book(symbol, limit=limit)
        else:
            book = live_order_book(exchange=self.exchange, symbol=symbol)
        self._books[symbol] = book
        return book

    # --- account ---------------------------------------------------------------------------
    def lock_account(self) -> PaperAccount:
        """Lock the account row for this transaction (before any order row that refers to it)."""
        self.account = lock_account(self.account.pk)
        return self.account

    def fetch_balance(self) -> list[Balance]:
        rows = PaperBalance.objects.filter(account=self.account).order_by("asset")
        return [Balance(asset=row.asset, free=row.free, locked=row.locked) for row in rows]

    def fetch_key_permissions(self) -> KeyPermissions | None:
        return KeyPermissions(can_read=True, can_trade=True, can_withdraw=False)

    def fetch_deposit_address(self, asset: str) -> DepositAddress | None:
        return None  # virtual money: nothing can be deposited

    # --- orders (inside the order service's transaction) -----------------------------------
    def create_order(self, request: OrderRequest) -> OrderAck:
        """Book the order the service created for `request` (see `book_order`)."""
        return self.book_order(self._order(client_order_id=request.client_order_id))

    def book_order(self, order: Order) -> OrderAck:
        """Plan a new order against the last fetched book and book it; InvalidOrder (400) or
        InsufficientBalance (409) roll the caller's transaction back."""
        market = self.market(order.symbol)
        book = self._books.get(order.symbol) or self.fetch_order_book(order.symbol)
        spec = spec_of(order)
        last = self._last_price(book)
        plan = plan_order(spec, market=market, book=book, last_price=last)
        lock = funds_to_lock(spec, market=market, book=book)
        fills = book_entry(
            account=self.account,
            order_ref=str(order.pk),
            side=spec.side,
            market=market,
            plan=plan,
            lock=lock,
            now=self.now(),
        )
        return self._ack(order, plan, _ACK_STATUS[plan.outcome], fills)

    def cancel_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        """Give back what the order holds; the caller moves it to cancelled."""
        order = self._order(exchange_order_id=exchange_order_id, client_order_id=client_order_id)
        market = self.market(order.symbol)
        asset = market.quote if order.side == OrderSide.BUY else market.base
        release_held(account=self.account, order_ref=str(order.pk), asset=asset)
        return self._ack(order, None, VenueOrderStatus.CANCELED, ())

    def fetch_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck:
        order = self._order(exchange_order_id=exchange_order_id, client_order_id=client_order_id)
        return self._ack(order, None, VenueOrderStatus(order.status), ())

    def match_resting(
        self,
        order: Order,
        *,
        last_price: Decimal,
        high: Decimal | None = None,
        low: Decimal | None = None,
    ) -> OrderAck | None:
        """What a new price does to a resting order (the matcher calls it with both locked).

        None when nothing happens; else an ack with the new fills, or a triggered stop.
        """
        market = self.market(order.symbol)
        spec = spec_of(order)
        remaining = (order.amount or Decimal(0)) - order.filled_amount
        book = None
        if order.type in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT, OrderType.STOP_LIMIT):
            book = None if self.replay is not None else self.fetch_order_book(order.symbol)
        plan = evaluate_resting(
            RestingOrder(spec, remaining, triggered=order.triggered),
            market=market,
            last_price=last_price,
            high=high,
            low=low,
            book=book,
        )
        if not plan.fills and plan.triggered == order.triggered:
            return None
        fills = book_resting(
            account=self.account,
            order_ref=str(order.pk),
            side=spec.side,
            market=market,
            plan=plan,
            first_number=order.fills.count() + 1,
            now=self.now(),
        )
        status = _ACK_STATUS[plan.outcome]
        if plan.outcome == "resting" and order.filled_amount:
            status = VenueOrderStatus.PARTIALLY_FILLED
        return self._ack(order, plan, status, fills)

    # --- helpers -----------------------------------------------------------------------------
    def now(self) -> datetime:
        """The account's clock: wall time, or the replay's candle close."""
        if self.replay is not None:
            return self.replay.now()
        return timezone.now()

    def _last_price(self, book: OrderBook) -> Decimal | None:
        if book.bids and book.asks:
            return (book.bids[0][0] + book.asks[0][0]) / 2
        side = book.bids or book.asks
        return side[0][0] if side else None

    def _order(
        self, *, exchange_order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        orders = Order.objects.filter(paper_account=self.account)
        if exchange_order_id:
            row = orders.filter(pk=int(exchange_order_id)).first()
        else:
            row = orders.filter(client_order_id=client_order_id).first()
        if row is None:
            raise OrderNotFound(exchange_order_id or client_order_id or "")
        return row

    def _ack(
        self,
        order: Order,
        plan: FillPlan | None,
        status: VenueOrderStatus,
        fills: tuple,
    ) -> OrderAck:
        return OrderAck(
            exchange_order_id=str(order.pk),
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=OrderSide(order.side),
            type=OrderType(order.type),
            status=status,
            amount=order.amount or Decimal(0),
            filled=order.filled_amount + (plan.filled_amount if plan else Decimal(0)),
            price=order.price,
            average_price=None,
            timestamp=self.now(),
            fills=fills,
            triggered=order.triggered or bool(plan and plan.triggered),
        )
