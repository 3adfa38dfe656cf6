"""Turning what people type (`BTC`, `btcusdt`, `BTC-USDT`, `BTC/USDT`) into a unified symbol."""

from __future__ import annotations

import re

DEFAULT_QUOTE = "USDT"
# Longest first, so BTCUSDT splits as BTC/USDT and not BTCUSD/T.
KNOWN_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "INR", "BTC", "ETH", "BNB")
_SEPARATED = re.compile(r"^([A-Z0-9]+)[/_\-:]([A-Z0-9]+)$")


def normalise_symbol(text: str) -> str:
    """`BASE/QUOTE` for any accepted spelling; a bare base means BASE/USDT.

    Raises ValueError when the text cannot be a symbol at all.
    """
    raw = text.strip().upper()
    if not raw or not re.fullmatch(r"[A-Z0-9/_\-:]+", raw):
        raise ValueError(f"{text!r} is not a market symbol")
    if match := _SEPARATED.match(raw):
        return f"{match[1]}/{match[2]}"
    if re.search(r"[/_\-:]", raw):
        raise ValueError(f"{text!r} is not a market symbol")
    for quote in sorted(KNOWN_QUOTES, key=len, reverse=True):
        if raw.endswith(quote) and len(raw) > len(quote):
            return f"{raw[: -len(quote)]}/{quote}"
    return f"{raw}/{DEFAULT_QUOTE}"
