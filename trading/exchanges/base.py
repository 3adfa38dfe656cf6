"""The venue interface: what the order service, bots, market data and pages may ask an exchange.

Implementations: `ccxt_venue.CcxtVenue` (every ccxt exchange), `wazirx.WazirXVenue`,
`coindcx.CoinDCXVenue`, and later `papertrading.venue.PaperVenue`. All values are Decimal and
all times aware UTC; symbols are unified `BASE/QUOTE` strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db.models import TextChoices

from trading.exchanges.errors import OrderRejected


class OrderSide(TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class OrderType(TextChoices):
    MARKET = "market", "Market"
    LIMIT = "limit", "Limit"
    STOP_LOSS = "stop_loss", "Stop-loss (stop-market)"
    STOP_LIMIT = "stop_limit", "Stop-limit"
    TAKE_PROFIT = "take_profit", "Take-profit"


class TimeInForce(TextChoices):
    GTC = "GTC", "Good till cancelled"
    IOC = "IOC", "Immediate or cancel"


class VenueOrderStatus(TextChoices):
    OPEN = "open", "Open"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELED = "canceled", "Canceled"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


@dataclass(frozen=True)
class Credentials:
    """An exchange account's key material, decrypted only for the call that needs it."""

    api_key: str
    secret: str
    passphrase: str = ""

    def __repr__(self) -> str:  # never print secrets, not even in tracebacks
        return f"Credentials(api_key='…{self.api_key[-4:]}')"


@dataclass(frozen=True)
class MarketInfo:
    """One tradable pair with the precision and limits every order must respect."""

    symbol: str  # unified, e.g. "BTC/USDT"
    exchange_symbol: str  # the venue's own id, e.g. "BTCUSDT"
    base: str
    quote: str
    price_tick: Decimal  # smallest price increment
    amount_step: Decimal  # smallest amount increment
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_cost: Decimal | None = None  # minimum notional (price * amount) in the quote asset
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    active: bool = True


@dataclass(frozen=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    high: Decimal | None
    low: Decimal | None
    open: Decimal | None
    base_volume: Decimal | None
    quote_volume: Decimal | None
    change_pct: Decimal | None  # 24 h change in percent
    timestamp: datetime


@dataclass(frozen=True)
class Candle:
    """OHLCV of one period; `open_time` is the period's start (aware UTC)."""

    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class OrderBook:
    symbol: str
    bids: tuple[tuple[Decimal, Decimal], ...]  # (price, amount), best first
    asks: tuple[tuple[Decimal, Decimal], ...]
    timestamp: datetime


@dataclass(frozen=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True)
class KeyPermissions:
    """What an API key may do, where the venue tells (Binance `apiRestrictions`)."""

    can_read: bool
    can_trade: bool
    can_withdraw: bool


@dataclass(frozen=True)
class DepositAddress:
    """Where the venue takes deposits of `asset` for this account (checked against the lists)."""

    asset: str
    address: str
    network: str | None = None
    tag: str | None = None  # memo / destination tag, where the chain needs one


@dataclass(frozen=True)
class OrderRequest:
    """An order as the venue receives it: already validated and quantized.

    `amount` is in base; a market buy may instead give `quote_amount`, the quote to spend
    (then `amount` is None). Only the paper venue takes a quote amount: exchange venues ask
    for `base_amount`, which refuses an order without a base amount.
    """

    symbol: str
    side: OrderSide
    type: OrderType
    amount: Decimal | None
    client_order_id: str
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    quote_amount: Decimal | None = None

    @property
    def base_amount(self) -> Decimal:
        if self.amount is None:
            raise OrderRejected(
                "This venue needs the amount in the base asset.", code="quote_amount_not_supported"
            )
        return self.amount


@dataclass(frozen=True)
class Fill:
    trade_id: str
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    timestamp: datetime


@dataclass(frozen=True)
class OrderAck:
    """The venue's view of an order after a create, cancel or query."""

    exchange_order_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    type: OrderType
    status: VenueOrderStatus
    amount: Decimal
    filled: Decimal
    price: Decimal | None
    average_price: Decimal | None
    timestamp: datetime
    fills: tuple[Fill, ...] = field(default=())
    triggered: bool = False  # a stop order whose trigger fired (it may not have filled yet)


class Venue(Protocol):
    """An exchange. Methods raise `errors.VenueError` subclasses, never library exceptions."""

    exchange_id: str

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]: ...

    def market(self, symbol: str) -> MarketInfo: ...

    def fetch_ticker(self, symbol: str) -> Ticker: ...

    def fetch_tickers(self, symbols: list[str] | None = None) -> dict[str, Ticker]: ...

    def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Candle]: ...

    def fetch_order_book(self, symbol: str, *, limit: int = 20) -> OrderBook: ...

    def fetch_balance(self) -> list[Balance]: ...

    def fetch_key_permissions(self) -> KeyPermissions | None: ...

    def fetch_deposit_address(self, asset: str) -> DepositAddress | None:
        """The account's deposit address for `asset`; None where the venue's API gives none."""
        ...

    def create_order(self, request: OrderRequest) -> OrderAck: ...

    def cancel_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck: ...

    def fetch_order(
        self,
        *,
        symbol: str,
        exchange_order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> OrderAck: ...
