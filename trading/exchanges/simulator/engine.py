"""Accounts, orders, trades and matching: the state behind the simulator's signed endpoints.

Invariants, kept under one lock:
- an account's `free` and `locked` balances never go negative; an open order's `locked` amount
  is exactly what it holds of one asset (quote for buys, base for sells), released on fill,
  cancel or expiry;
- a `newClientOrderId` is unique among an account's *open* orders, as on Binance (a closed
  order's id may be reused; a lookup by client id returns the most recent order);
- market orders fill at once against the book at that instant (taker); a limit order takes what
  crosses the book when it arrives and rests for the rest, then fills at its price (maker) as soon
  as the deterministic price path reaches it; stop and take-profit orders wait for their trigger.
  Resting orders are matched lazily: every account request first sweeps the price path since the
  last sweep, so the outcome does not depend on how often clients poll.
- fees: 0.1 % maker and taker, charged in the asset received, rounded up to 8 decimals.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from trading.exchanges.simulator.market import MarketModel, SymbolSpec, on_step

FEE_RATE = Decimal("0.001")
COMMISSION_STEP = Decimal("1E-8")
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
ORDER_TYPES = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)
_TRIGGERED_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
_LIMIT_TYPES = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_SWEEP_SAMPLES = 240
_BOOK_DEPTH = 100
_KEY_ALPHABET = string.ascii_letters + string.digits
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_RIPPLE58 = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"


class BinanceError(Exception):
    """An error answer in Binance's shape: HTTP status plus `{"code": ..., "msg": ...}`."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg


def filter_failure(name: str) -> BinanceError:
    return BinanceError(400, -1013, f"Filter failure: {name}")


def rejected(msg: str) -> BinanceError:
    return BinanceError(400, -2010, msg)


INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."


def _digits(number: int, alphabet: str, length: int) -> str:
    """`length` digits of `number` written in `alphabet` (least significant first)."""
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def new_key(length: int = 64) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))


@dataclass
class Account:
    """An API key pair with spot balances and the key's permissions."""

    api_key: str
    secret: str
    balances: dict[str, list[Decimal]] = field(default_factory=dict)  # asset -> [free, locked]
    can_read: bool = True
    can_trade: bool = True
    can_withdraw: bool = False
    created_ms: int = 0
    # Deposit addresses a test planted (coin -> address); other coins get `deposit_address`'s.
    deposit_addresses: dict[str, str] = field(default_factory=dict)

    def deposit_address(self, coin: str) -> str:
        """This account's deposit address for `coin`: a planted one, or one derived from the
        key, stable across restarts and shaped like the coin's real addresses."""
        planted = self.deposit_addresses.get(coin)
        if planted is not None:
            return planted
        number = int.from_bytes(hashlib.sha256(f"{self.api_key}:{coin}".encode()).digest())
        if coin == "BTC":  # P2WPKH-shaped bech32: bc1q and 38 characters
            return "bc1q" + _digits(number, _BECH32, 38)
        if coin == "XRP":
            return "r" + _digits(number, _RIPPLE58, 30)
        if coin == "SOL":
            return _digits(number, _BASE58, 43)
        return "0x" + f"{number:064x}"[:40]  # ETH and every EVM-chain token (USDT, BNB, ...)

    def free(self, asset: str) -> Decimal:
        return self.balances.get(asset, [Decimal(0), Decimal(0)])[0]

    def locked(self, asset: str) -> Decimal:
        return self.balances.get(asset, [Decimal(0), Decimal(0)])[1]

    def _entry(self, asset: str) -> list[Decimal]:
        return self.balances.setdefault(asset, [Decimal(0), Decimal(0)])

    def credit(self, asset: str, amount: Decimal) -> None:
        self._entry(asset)[0] += amount

    def debit(self, asset: str, amount: Decimal) -> None:
        entry = self._entry(asset)
        if entry[0] < amount:
            raise rejected(INSUFFICIENT_BALANCE)
        entry[0] -= amount

    def lock(self, asset: str, amount: Decimal) -> None:
        self.debit(asset, amount)
        self._entry(asset)[1] += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        entry = self._entry(asset)
        entry[1] -= amount
        entry[0] += amount

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        self._entry(asset)[1] -= amount


@dataclass
class Trade:
    trade_id: int
    order_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.qty


@dataclass
class Order:
    account: Account
    symbol: str
    order_id: int
    client_order_id: str
    side: str  # BUY | SELL
    type: str  # one of ORDER_TYPES
    time_in_force: str | None
    orig_qty: Decimal
    price: Decimal  # 0 when none, as Binance reports it
    stop_price: Decimal
    time: int
    status: str = "NEW"
    executed_qty: Decimal = Decimal(0)
    cummulative_quote_qty: Decimal = Decimal(0)
    update_time: int = 0
    triggered: bool = False  # a stop or take-profit order whose trigger was hit
    locked_asset: str = ""
    locked: Decimal = Decimal(0)
    checked_ms: int = 0  # the price path is swept up to here
    fills: list[Trade] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def working(self) -> bool:
        return self.type not in _TRIGGERED_TYPES or self.triggered


@dataclass(frozen=True)
class NewOrder:
    """A validated `POST /api/v3/order`."""

    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: str | None
    client_order_id: str


class AccountBook:
    """The simulator's accounts by API key (the object tests reach as `handle.accounts`)."""

    def __init__(self, lock: threading.RLock, clock: Callable[[], int]) -> None:
        self._lock = lock
        self._clock = clock
        self._accounts: dict[str, Account] = {}

    def create(
        self,
        *,
        balances: dict[str, str | Decimal] | None = None,
        api_key: str | None = None,
        secret: str | None = None,
        can_trade: bool = True,
        can_withdraw: bool = False,
        can_read: bool = True,
    ) -> Account:
        """A new account (random 64-character key and secret unless given)."""
        account = Account(
            api_key=api_key or new_key(),
            secret=secret or new_key(),
            can_read=can_read,
            can_trade=can_trade,
            can_withdraw=can_withdraw,
            created_ms=self._clock(),
        )
        for asset, amount in (balances or {}).items():
            account.credit(asset, Decimal(amount))
        with self._lock:
            if account.api_key in self._accounts:
                raise ValueError("an account with this API key exists")
            self._accounts[account.api_key] = account
        return account

    def get(self, api_key: str) -> Account | None:
        with self._lock:
            return self._accounts.get(api_key)

    def __iter__(self) -> Iterator[Account]:
        with self._lock:
            return iter(list(self._accounts.values()))


class Exchange:
    """Order entry, lazy matching and queries over a `MarketModel`. Thread-safe."""

    def __init__(self, market: MarketModel, clock: Callable[[], int]) -> None:
        self.market = market
        self.clock = clock
        self.lock = threading.RLock()
        self.accounts = AccountBook(self.lock, clock)
        self._orders: list[Order] = []
        self._next_order_id = 1000
        self._next_trade_id = 5000

    # --- queries ----------------------------------------------------------------------------
    def orders(self, account: Account | None = None, *, symbol: str | None = None) -> list[Order]:
        """Every order (of `account`, on `symbol`), oldest first. For tests and the endpoints."""
        with self.lock:
            return [
                order
                for order in self._orders
                if (account is None or order.account is account)
                and (symbol is None or order.symbol == symbol)
            ]

    def find(
        self, account: Account, symbol: str, *, order_id: int | None, client_order_id: str | None
    ) -> Order | None:
        with self.lock:
            for order in reversed(self._orders):  # the most recent one with that client id
                if order.account is not account or order.symbol != symbol:
                    continue
                if order_id is not None and order.order_id == order_id:
                    return order
                if order_id is None and order.client_order_id == client_order_id:
                    return order
            return None

    def trades(self, account: Account, symbol: str) -> list[Trade]:
        with self.lock:
            return [trade for order in self.orders(account, symbol=symbol) for trade in order.fills]

    # --- order entry ------------------------------------------------------------------------
    def place(self, account: Account, request: NewOrder) -> Order:
        """Validate, lock funds, match what crosses now, and record the order; or raise."""
        with self.lock:
            now = self.clock()
            self.sweep(now)
            spec = self.market.spec(request.symbol)
            self._check_filters(spec, request, now)
            if any(
                order.account is account and order.client_order_id == request.client_order_id
                for order in self._orders
                if order.is_open
            ):
                raise rejected("Duplicate order sent.")
            order = Order(
                account=account,
                symbol=request.symbol,
                order_id=self._next_order_id,
                client_order_id=request.client_order_id,
                side=request.side,
                type=request.type,
                time_in_force=request.time_in_force,
                orig_qty=request.quantity,
                price=request.price or Decimal(0),
                stop_price=request.stop_price or Decimal(0),
                time=now,
                update_time=now,
                checked_ms=now,
            )
            if order.type in _TRIGGERED_TYPES and self._triggered_at(order, now):
                raise rejected("Stop price would trigger immediately.")
            if order.type == "LIMIT_MAKER" and self._crosses_book(order, now):
                raise rejected("Order would immediately match and take.")
            if order.type == "MARKET":
                self._take(order, now, limit=None, strict_funds=True)
                if order.is_open:  # the book ran out first: a market order never rests
                    order.status = "EXPIRED"
            else:
                self._lock_funds(order)
                if order.working:
                    self._work_limit(order, now)
            self._next_order_id += 1
            self._orders.append(order)
            return order

    def cancel(self, account: Account, order: Order) -> Order:
        with self.lock:
            self.sweep(self.clock())
            if not order.is_open:
                raise BinanceError(400, -2011, "Unknown order sent.")
            self._release(order)
            order.status = "CANCELED"
            order.update_time = self.clock()
            return order

    # --- matching ---------------------------------------------------------------------------
    def sweep(self, now: int) -> None:
        """Match every open order against the price path from its last sweep up to `now`."""
        with self.lock:
            for order in self._orders:
                if order.is_open and now > order.checked_ms:
                    self._sweep_order(order, now)

    def _sweep_order(self, order: Order, now: int) -> None:
        start = order.checked_ms
        step = max(1_000, (now - start) // _SWEEP_SAMPLES)
        times = [*range(start + step, now, step), now]
        for t in times:
            if not order.is_open:
                break
            if not order.working:
                if self._triggered_at(order, t):
                    order.triggered = True
                    order.update_time = t
                    if order.type in ("STOP_LOSS", "TAKE_PROFIT"):
                        self._release(order)
                        self._take(order, t, limit=None, strict_funds=False)
                        if order.is_open:
                            order.status = "EXPIRED"
                    else:
                        self._work_limit(order, t)
                continue
            price = self.market.price(order.symbol, t)
            crossed = price <= order.price if order.side == "BUY" else price >= order.price
            if crossed:
                self._fill(order, order.price, order.remaining, t, is_maker=True)
        order.checked_ms = now

    def _triggered_at(self, order: Order, t: int) -> bool:
        price = self.market.price(order.symbol, t)
        stop_like = order.type in ("STOP_LOSS", "STOP_LOSS_LIMIT")
        # A sell stop fires when the price falls to it; a sell take-profit when it rises to it.
        falls = (order.side == "SELL") == stop_like
        return price <= order.stop_price if falls else price >= order.stop_price

    def _crosses_book(self, order: Order, t: int) -> bool:
        book = self.market.book(order.symbol, t, depth=1)
        if order.side == "BUY":
            return order.price >= book.asks[0][0]
        return order.price <= book.bids[0][0]

    def _work_limit(self, order: Order, t: int) -> None:
        """A limit order arriving at `t`: take what crosses, then rest, or expire (IOC/FOK)."""
        if order.time_in_force == "FOK" and self._available(order, t) < order.remaining:
            order.status = "EXPIRED"
            self._release(order)
            return
        self._take(order, t, limit=order.price, strict_funds=False)
        if order.is_open and order.time_in_force in ("IOC", "FOK"):
            order.status = "EXPIRED"
            self._release(order)

    def _levels(self, order: Order, t: int) -> tuple[tuple[Decimal, Decimal], ...]:
        book = self.market.book(order.symbol, t, depth=_BOOK_DEPTH)
        return book.asks if order.side == "BUY" else book.bids

    def _available(self, order: Order, t: int) -> Decimal:
        limit = order.price
        return sum(
            (
                qty
                for price, qty in self._levels(order, t)
                if (price <= limit if order.side == "BUY" else price >= limit)
            ),
            Decimal(0),
        )

    def _take(self, order: Order, t: int, *, limit: Decimal | None, strict_funds: bool) -> None:
        """Fill against the book at `t`, best level first, as far as `limit` allows.

        `strict_funds`: refuse the whole order (-2010) if the account cannot pay for it, as a new
        market order is refused; otherwise fill only what the funds cover.
        """
        plan: list[tuple[Decimal, Decimal]] = []
        remaining = order.remaining
        for price, qty in self._levels(order, t):
            if remaining <= 0:
                break
            if limit is not None and (price > limit if order.side == "BUY" else price < limit):
                break
            take = min(qty, remaining)
            plan.append((price, take))
            remaining -= take
        if order.locked:  # a resting order pays from what it holds
            affordable = None
        elif order.side == "BUY":
            affordable = order.account.free(self.market.spec(order.symbol).quote)
        else:
            affordable = order.account.free(self.market.spec(order.symbol).base)
        if affordable is not None:
            need = sum(
                (price * qty if order.side == "BUY" else qty for price, qty in plan), Decimal(0)
            )
            if need > affordable:
                if strict_funds:
                    raise rejected(INSUFFICIENT_BALANCE)
                plan = self._trim(plan, affordable, order)
        for price, qty in plan:
            self._fill(order, price, qty, t, is_maker=False)

    def _trim(
        self, plan: list[tuple[Decimal, Decimal]], budget: Decimal, order: Order
    ) -> list[tuple[Decimal, Decimal]]:
        step = self.market.spec(order.symbol).step_size
        trimmed = []
        for price, qty in plan:
            cost = price * qty if order.side == "BUY" else qty
            if cost <= budget:
                trimmed.append((price, qty))
                budget -= cost
                continue
            part = on_step(budget / price if order.side == "BUY" else budget, step, ROUND_DOWN)
            if part > 0:
                trimmed.append((price, part))
            break
        return trimmed

    def _fill(self, order: Order, price: Decimal, qty: Decimal, t: int, *, is_maker: bool) -> None:
        spec = self.market.spec(order.symbol)
        account = order.account
        quote = price * qty
        if order.side == "BUY":
            if order.locked:  # held at the limit (or stop) price; refund any price improvement
                held = min(order.locked, order.price * qty if order.price else quote)
                account.spend_locked(spec.quote, held)
                order.locked -= held
                account.credit(spec.quote, held - quote)
            else:
                account.debit(spec.quote, quote)
            commission = on_step(qty * FEE_RATE, COMMISSION_STEP, ROUND_UP)
            account.credit(spec.base, qty - commission)
            commission_asset = spec.base
        else:
            if order.locked:
                account.spend_locked(spec.base, qty)
                order.locked -= qty
            else:
                account.debit(spec.base, qty)
            commission = on_step(quote * FEE_RATE, COMMISSION_STEP, ROUND_UP)
            account.credit(spec.quote, quote - commission)
            commission_asset = spec.quote
        order.fills.append(
            Trade(
                trade_id=self._next_trade_id,
                order_id=order.order_id,
                symbol=order.symbol,
                price=price,
                qty=qty,
                commission=commission,
                commission_asset=commission_asset,
                time=t,
                is_buyer=order.side == "BUY",
                is_maker=is_maker,
            )
        )
        self._next_trade_id += 1
        order.executed_qty += qty
        order.cummulative_quote_qty += quote
        order.update_time = t
        order.status = "FILLED" if order.remaining <= 0 else "PARTIALLY_FILLED"
        if order.status == "FILLED" and order.locked:
            self._release(order)

    def _lock_funds(self, order: Order) -> None:
        spec = self.market.spec(order.symbol)
        if order.side == "BUY":
            reference = order.price if order.type in _LIMIT_TYPES else order.stop_price
            asset, amount = spec.quote, reference * order.orig_qty
        else:
            asset, amount = spec.base, order.orig_qty
        order.account.lock(asset, amount)
        order.locked_asset, order.locked = asset, amount

    def _release(self, order: Order) -> None:
        if order.locked:
            order.account.unlock(order.locked_asset, order.locked)
            order.locked = Decimal(0)

    # --- validation -------------------------------------------------------------------------
    def _check_filters(self, spec: SymbolSpec, request: NewOrder, now: int) -> None:
        qty = request.quantity
        if qty < spec.min_qty or qty > spec.max_qty or qty % spec.step_size:
            raise filter_failure("LOT_SIZE")
        for price in (request.price, request.stop_price):
            if price is not None and (
                price < spec.min_price or price > spec.max_price or price % spec.tick_size
            ):
                raise filter_failure("PRICE_FILTER")
        reference = request.price or request.stop_price or self.market.price(spec.symbol, now)
        if reference * qty < spec.min_notional:
            raise filter_failure("NOTIONAL")


def parse_decimal(name: str, raw: str | None, *, required: bool) -> Decimal | None:
    """A numeric parameter as Binance reads it (digits, optional fraction; no sign or exponent)."""
    if raw is None or raw == "":
        if required:
            raise missing(name)
        return None
    if not _DECIMAL.match(raw):
        raise BinanceError(
            400,
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        )
    return Decimal(raw)


def check_client_order_id(raw: str) -> str:
    if not _CLIENT_ID.match(raw):
        raise BinanceError(
            400,
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; "
            "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
        )
    return raw


def missing(name: str) -> BinanceError:
    return BinanceError(
        400,
        -1102,
        f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
    )
