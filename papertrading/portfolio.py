"""Positions, valuation and the equity curve of paper accounts.

Paper accounts are funded in their base currency (USDT) and trade only markets quoted in it,
so every other asset is a position whose cost is known exactly: `apply_fill` keeps quantity,
cost basis (fees included) and realised P&L per (account, epoch, asset) in the fill's
transaction. Prices for valuation come from the cached live tickers, or for a replay account
from the stored candle at its cursor; an asset without a price is valued at nothing and
reported as unpriced rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.cache import cache
from django.utils import timezone

from papertrading.models import (
    EquitySnapshot,
    PaperAccount,
    PaperBalance,
    PaperPosition,
    PriceSource,
    SnapshotReason,
)
from trading.models import Candle
from trading.precision import quantize_to_step
from trading.selectors import default_exchange
from trading.services.markets import ticker_key

# The database keeps 18 decimals; a share of the cost basis is rounded there explicitly.
_DB_STEP = Decimal("1E-18")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class FillChange:
    """One fill as it changes a position: `amount` base at `price` quote; fee in `fee_asset`."""

    side: str
    amount: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str


def apply_fills(*, account: PaperAccount, asset: str, fills: Iterable[FillChange]) -> PaperPosition:
    """Update the position in `asset` for `fills` (call with the account's balances locked).

    Buy: quantity += amount - fee (the fee is paid in the asset received); cost += price *
    amount. Sell: the share `amount / quantity` of the cost leaves with the coins; realised
    P&L += price * amount - fee - that share. A position sold to zero has no cost left.
    """
    position = (
        PaperPosition.objects.select_for_update(of=("self",))
        .filter(account=account, epoch=account.epoch, asset=asset)
        .first()
    )
    if position is None:
        position = PaperPosition(
            account=account,
            epoch=account.epoch,
            asset=asset,
            quantity=_ZERO,
            cost_basis=_ZERO,
            realised_pnl=_ZERO,
        )
    for fill in fills:
        notional = fill.price * fill.amount
        if fill.side == "buy":
            fee_in_base = fill.fee if fill.fee_asset == asset else _ZERO
            position.quantity += fill.amount - fee_in_base
            position.cost_basis += notional
            continue
        held = position.quantity
        if fill.amount >= held:
            share = position.cost_basis
        else:
            share = quantize_to_step(
                position.cost_basis * fill.amount / held, step=_DB_STEP, rounding=ROUND_HALF_EVEN
            )
        fee_in_quote = fill.fee if fill.fee_asset != asset else _ZERO
        position.quantity = max(held - fill.amount, _ZERO)
        position.cost_basis -= share
        position.realised_pnl += notional - fee_in_quote - share
    if position.pk is None:
        position.save()
    else:
        position.save(update_fields=["quantity", "cost_basis", "realised_pnl", "updated_at"])
    return position


def current_prices(*, account: PaperAccount, assets: Iterable[str]) -> dict[str, Decimal]:
    """The last price in the base currency of each asset that has one (base itself is 1)."""
    wanted = [asset for asset in dict.fromkeys(assets) if asset != account.base_currency]
    prices = {account.base_currency: Decimal(1)}
    if not wanted:
        return prices
    symbols = {asset: f"{asset}/{account.base_currency}" for asset in wanted}
    if account.price_source == PriceSource.REPLAY and account.replay_cursor is not None:
        rows = Candle.objects.filter(
            exchange=default_exchange(),
            symbol__in=list(symbols.values()),
            timeframe=account.replay_timeframe,
            open_time=account.replay_cursor,
        ).values_list("symbol", "open" if account.replay_at_open else "close")
        closes = dict(rows)
        for asset, symbol in symbols.items():
            if symbol in closes:
                prices[asset] = closes[symbol]
        return prices
    exchange = default_exchange()
    keys = {asset: ticker_key(exchange, symbol) for asset, symbol in symbols.items()}
    cached = cache.get_many(list(keys.values()))
    for asset, key in keys.items():
        ticker = cached.get(key)
        if ticker is not None and ticker.get("last") is not None:
            prices[asset] = Decimal(ticker["last"])
    return prices


@dataclass(frozen=True)
class Holding:
    asset: str
    free: Decimal
    locked: Decimal
    price: Decimal | None
    value: Decimal | None
    quantity: Decimal
    average_price: Decimal | None
    cost_basis: Decimal
    realised_pnl: Decimal
    unrealised_pnl: Decimal | None


@dataclass(frozen=True)
class Portfolio:
    """Everything the portfolio page and API show, valued at one set of prices."""

    account: PaperAccount
    holdings: tuple[Holding, ...]
    cash: Decimal
    positions_value: Decimal
    equity: Decimal
    realised_pnl: Decimal
    unrealised_pnl: Decimal
    total_pnl: Decimal  # equity - starting balance
    unpriced: tuple[str, ...]


def value_balances(
    *,
    account: PaperAccount,
    balances: Iterable[PaperBalance],
    prices: Mapping[str, Decimal],
) -> tuple[Decimal, Decimal, tuple[str, ...]]:
    """(cash, positions value, assets without a price) of `balances` at `prices`."""
    cash = positions = _ZERO
    unpriced = []
    for balance in balances:
        if balance.asset == account.base_currency:
            cash += balance.total
        elif balance.total:
            price = prices.get(balance.asset)
            if price is None:
                unpriced.append(balance.asset)
            else:
                positions += balance.total * price
    return cash, positions, tuple(unpriced)


def portfolio_of(*, account: PaperAccount) -> Portfolio:
    """Balances, positions, value and P&L of the account's current epoch."""
    balances = list(PaperBalance.objects.filter(account=account).order_by("asset"))
    positions = {
        row.asset: row for row in PaperPosition.objects.filter(account=account, epoch=account.epoch)
    }
    prices = current_prices(
        account=account, assets=[b.asset for b in balances if b.total] + list(positions)
    )
    cash, positions_value, unpriced = value_balances(
        account=account, balances=balances, prices=prices
    )
    holdings = []
    unrealised_total = _ZERO
    for balance in balances:
        position = positions.get(balance.asset)
        price = prices.get(balance.asset)
        if balance.asset == account.base_currency:
            price = Decimal(1)
        value = balance.total * price if price is not None else None
        unrealised = None
        if position is not None and price is not None:
            unrealised = position.quantity * price - position.cost_basis
            unrealised_total += unrealised
        if not balance.total and position is None:
            continue
        holdings.append(
            Holding(
                asset=balance.asset,
                free=balance.free,
                locked=balance.locked,
                price=price,
                value=value,
                quantity=position.quantity if position else balance.total,
                average_price=position.average_price if position else None,
                cost_basis=position.cost_basis if position else _ZERO,
                realised_pnl=position.realised_pnl if position else _ZERO,
                unrealised_pnl=unrealised,
            )
        )
    equity = cash + positions_value
    realised = sum((p.realised_pnl for p in positions.values()), _ZERO)
    return Portfolio(
        account=account,
        holdings=tuple(holdings),
        cash=cash,
        positions_value=positions_value,
        equity=equity,
        realised_pnl=realised,
        unrealised_pnl=unrealised_total,
        total_pnl=equity - account.starting_balance,
        unpriced=unpriced,
    )


def take_snapshot(
    *,
    account: PaperAccount,
    reason: SnapshotReason,
    now: datetime,
    prices: Mapping[str, Decimal],
    balances: list[PaperBalance] | None = None,
) -> EquitySnapshot:
    """One point of the equity curve; `prices` (e.g. the fill's price) win over the cache.

    `balances`: every balance of the account as the caller holds them (locked and current),
    to save reading them again.
    """
    if balances is None:
        balances = list(PaperBalance.objects.filter(account=account))
    missing = [b.asset for b in balances if b.total and b.asset not in prices]
    known = {**current_prices(account=account, assets=missing), **prices}
    cash, positions_value, _unpriced = value_balances(
        account=account, balances=balances, prices=known
    )
    return EquitySnapshot.objects.create(
        account=account,
        epoch=account.epoch,
        taken_at=now,
        equity=cash + positions_value,
        cash=cash,
        positions_value=positions_value,
        reason=reason,
    )


SNAPSHOT_SLOT_S = 300


def cached_last_prices(*, exchange: str) -> dict[str, Decimal]:
    """Last prices of the symbols with open paper orders, from the ticker cache."""
    from trading.models import Order, OrderStatus, TradingMode

    symbols = list(
        Order.objects.filter(
            mode=TradingMode.PAPER,
            exchange=exchange,
            status__in=[OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED],
        )
        .values_list("symbol", flat=True)
        .distinct()
    )
    keys = {ticker_key(exchange, symbol): symbol for symbol in symbols}
    cached = cache.get_many(list(keys))
    return {
        keys[key]: Decimal(ticker["last"])
        for key, ticker in cached.items()
        if ticker.get("last") is not None
    }


def snapshot_live_accounts(*, now: datetime | None = None) -> int:
    """One scheduled snapshot per live-priced account and 5-minute slot; returns rows added.

    The slot's start is the snapshot time and the database refuses a second one for the same
    account and slot, so a repeated or overlapping run adds nothing.
    """
    now = now or timezone.now()
    slot = datetime.fromtimestamp(
        int(now.timestamp()) // SNAPSHOT_SLOT_S * SNAPSHOT_SLOT_S, tz=now.tzinfo
    )
    accounts = {
        account.pk: account
        for account in PaperAccount.objects.filter(price_source=PriceSource.LIVE)
    }
    by_account: dict[int, list[PaperBalance]] = {}
    for balance in PaperBalance.objects.filter(account_id__in=list(accounts)):
        by_account.setdefault(balance.account_id, []).append(balance)
    exchange = default_exchange()
    assets = {b.asset for rows in by_account.values() for b in rows if b.total}
    keys = {
        ticker_key(exchange, f"{asset}/{base}"): asset
        for asset in assets
        for base in {a.base_currency for a in accounts.values()}
    }
    prices = {
        keys[key]: Decimal(ticker["last"])
        for key, ticker in cache.get_many(list(keys)).items()
        if ticker.get("last") is not None
    }
    rows = []
    for account_id, account in accounts.items():
        cash, positions_value, _ = value_balances(
            account=account, balances=by_account.get(account_id, []), prices=prices
        )
        rows.append(
            EquitySnapshot(
                account=account,
                epoch=account.epoch,
                taken_at=slot,
                equity=cash + positions_value,
                cash=cash,
                positions_value=positions_value,
                reason=SnapshotReason.SCHEDULE,
            )
        )
    existing = EquitySnapshot.objects.filter(reason=SnapshotReason.SCHEDULE, taken_at=slot)
    before = existing.count()
    EquitySnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return existing.count() - before
