"""What an amount is worth in US dollars, for KYC limits and monitoring thresholds.

Dollar stablecoins count at par; other assets at the cached ticker of ASSET/USDT on the
market data exchange (refreshed by beat every few seconds). An asset without a price is
None: callers decide what an unknown value means for them (and say so).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache

from trading.selectors import default_exchange
from trading.services.markets import ticker_key

USD_AT_PAR = frozenset({"USD", "USDT", "USDC", "BUSD", "DAI", "FDUSD", "TUSD"})


def usd_price(asset: str) -> Decimal | None:
    """The dollar price of one unit of `asset`, or None when no price is known."""
    asset = asset.upper()
    if asset in USD_AT_PAR:
        return Decimal(1)
    ticker = cache.get(ticker_key(default_exchange(), f"{asset}/USDT"))
    if ticker is None or ticker.get("last") is None:
        return None
    return Decimal(str(ticker["last"]))


def usd_value(asset: str, amount: Decimal) -> Decimal | None:
    price = usd_price(asset)
    return None if price is None else amount * price
