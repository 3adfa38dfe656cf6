"""The value of an exchange connection, for the risk policy: its balances at the venue's prices.

`connection_equity` fetches the connection's balances and values each asset in one quote
currency at the same venue's last prices; an asset with no market in that quote counts for
nothing and is named in `unpriced`. The result is cached for `EQUITY_CACHE_S` per connection,
so a burst of orders costs the exchange one balance call, and any change of an order on the
connection drops it after commit (`forget_connection_equity_on_commit`): the next order sees
the balances that change left.

A venue that does not answer is logged and yields None: the risk rules that need equity are
then skipped, and the venue's own failure handling decides about the order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction

from trading.exchanges.base import Venue
from trading.exchanges.errors import VenueError

logger = logging.getLogger(__name__)

EQUITY_CACHE_S = 5


@dataclass(frozen=True)
class ConnectionEquity:
    """Balances (free + locked) valued in `quote`; `values` and `prices` are per asset."""

    quote: str
    equity: Decimal
    values: dict[str, Decimal]
    prices: dict[str, Decimal]  # last price in `quote`
    asks: dict[str, Decimal]  # best ask in `quote` (the last price where the venue has none)
    unpriced: tuple[str, ...] = ()


def equity_key(connection_id: int) -> str:
    return f"risk:equity:{connection_id}"


def forget_connection_equity_on_commit(connection_id: int) -> None:
    """Drop the cached equity once the caller's transaction commits (an order changed)."""
    transaction.on_commit(lambda: cache.delete(equity_key(connection_id)))


def connection_equity(
    *, connection_id: int, venue: Venue, quote: str, also: tuple[str, ...] = ()
) -> ConnectionEquity | None:
    """The connection's equity in `quote` (cached briefly), priced with the tickers of `also`
    too (e.g. the asset an order buys); None when the venue did not answer (logged)."""
    cached = cache.get(equity_key(connection_id))
    if isinstance(cached, ConnectionEquity) and cached.quote == quote:
        return cached
    try:
        figure = _value_balances(venue, quote, also)
    except VenueError as error:
        logger.warning(
            "connection %s: balances or prices unavailable, equity rules skipped: %s",
            connection_id,
            error,
        )
        return None
    cache.set(equity_key(connection_id), figure, timeout=EQUITY_CACHE_S)
    return figure


def _value_balances(venue: Venue, quote: str, also: tuple[str, ...]) -> ConnectionEquity:
    balances = {b.asset: b.total for b in venue.fetch_balance() if b.total > 0}
    markets = venue.load_markets()
    symbols = {
        asset: f"{asset}/{quote}"
        for asset in dict.fromkeys([*balances, *also])
        if asset != quote and f"{asset}/{quote}" in markets
    }
    tickers = venue.fetch_tickers(list(symbols.values())) if symbols else {}
    prices: dict[str, Decimal] = {quote: Decimal(1)}
    asks: dict[str, Decimal] = {}
    for asset, symbol in symbols.items():
        ticker = tickers.get(symbol)
        if ticker is not None:
            prices[asset] = ticker.last
            asks[asset] = ticker.ask or ticker.last
    values = {asset: total * prices[asset] for asset, total in balances.items() if asset in prices}
    unpriced = tuple(sorted(asset for asset in balances if asset not in prices))
    return ConnectionEquity(
        quote=quote,
        equity=sum(values.values(), Decimal(0)),
        values=values,
        prices=prices,
        asks=asks,
        unpriced=unpriced,
    )
