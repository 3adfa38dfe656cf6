"""Digital-currency codes and addresses, as the lists name them.

The codes are OFAC's ("XBT" for bitcoin, "ETH", "USDT", …). An address is normalised once,
here, for exact matching: Ethereum-style (0x + 40 hex digits) and bech32 ("bc1…",
"ltc1…") addresses are case-insensitive, so they are lower-cased; every other form is
case-sensitive (base58) and kept exactly as written.

One key controls the same 0x address on every EVM chain, a Tron "T…" address holds TRX
and Tron tokens alike, and a legacy bitcoin address ("1…", "3…") is the same key on the
bitcoin forks and on Omni (USDT), so `matching_chains()` widens a lookup to that family: a
listed USDT (ERC-20) address is found when a user registers it as ETH.
"""

from __future__ import annotations

import re

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_RIPPLE58 = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_B58 = f"[{_BASE58}]"

EVM = re.compile(r"0x[0-9a-fA-F]{40}")
TRON = re.compile(rf"T{_B58}{{33}}")
SOLANA = re.compile(rf"{_B58}{{32,44}}")
_BTC_LEGACY = rf"[13]{_B58}{{25,34}}"
_BTC_BECH32 = r"(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87}"

# Address shapes a user may register per chain (full match). The lists' own addresses are
# kept whatever their shape: they are only ever compared, never validated.
ADDRESS_SHAPES: dict[str, re.Pattern[str]] = {
    "XBT": re.compile(f"{_BTC_LEGACY}|{_BTC_BECH32}"),
    "BCH": re.compile(rf"{_BTC_LEGACY}|(?:bitcoincash:)?[qpQP][02-9ac-hj-np-zAC-HJ-NP-Z]{{41}}"),
    "BSV": re.compile(_BTC_LEGACY),
    "BTG": re.compile(rf"[GA]{_B58}{{33}}"),
    "LTC": re.compile(rf"[LM3]{_B58}{{26,33}}|(?:ltc1|LTC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{{11,87}}"),
    "DASH": re.compile(rf"[X7]{_B58}{{33}}"),
    "ZEC": re.compile(rf"t[13]{_B58}{{33}}|zs1[02-9ac-hj-np-z]{{75}}|z[ck]{_B58}{{93}}"),
    "XMR": re.compile(rf"[48]{_B58}{{94}}(?:{_B58}{{11}})?"),
    "XRP": re.compile(rf"r[{_RIPPLE58}]{{24,34}}"),
    "XVG": re.compile(rf"D{_B58}{{33}}"),
    "DOGE": re.compile(rf"[DA9]{_B58}{{33}}"),
    "TRX": TRON,
    "SOL": SOLANA,
    "ETH": EVM,
    "ETC": EVM,
    "ARB": EVM,
    "BSC": EVM,
    "BNB": EVM,
    "MATIC": EVM,
    "AVAX": EVM,
    "OP": EVM,
    "BASE": EVM,
    # Tokens: on an EVM chain, on Tron or on Solana; USDT also on Omni (bitcoin addresses).
    "USDT": re.compile(f"{EVM.pattern}|{TRON.pattern}|{SOLANA.pattern}|{_BTC_LEGACY}"),
    "USDC": re.compile(f"{EVM.pattern}|{TRON.pattern}|{SOLANA.pattern}"),
}
SUPPORTED_CHAINS: tuple[str, ...] = tuple(sorted(ADDRESS_SHAPES))

EVM_CHAINS = frozenset(
    {"ETH", "ETC", "ARB", "BSC", "BNB", "MATIC", "AVAX", "OP", "BASE", "USDT", "USDC"}
)
TRON_CHAINS = frozenset({"TRX", "USDT", "USDC"})
# A legacy base58 bitcoin address is the same key on the bitcoin forks and on Omni (USDT).
BITCOIN_CHAINS = frozenset({"XBT", "BCH", "BSV", "USDT"})
_BITCOIN_LEGACY = re.compile(_BTC_LEGACY)

_BECH32_PREFIXES = ("bc1", "ltc1", "tb1", "bitcoincash:")
_MAX_ADDRESS = 200


def normalise_chain(chain: str) -> str:
    """A currency code as the lists write it (upper case; "BTC" is spelt "XBT")."""
    code = chain.strip().upper()
    return "XBT" if code == "BTC" else code


def normalise_address(address: str) -> str:
    """The form addresses are stored and compared in (see the module docstring)."""
    value = address.strip()
    if EVM.fullmatch(value) or value.lower().startswith(_BECH32_PREFIXES):
        return value.lower()
    return value


def is_valid_address(chain: str, address: str) -> bool:
    """Whether `address` has the shape of an address on `chain` (length and alphabet)."""
    shape = ADDRESS_SHAPES.get(normalise_chain(chain))
    return shape is not None and len(address) <= _MAX_ADDRESS and bool(shape.fullmatch(address))


def looks_like_address(address: str) -> bool:
    """A sanity check for list addresses: long enough and no spaces or punctuation.

    A remark cut at OFAC's ~1,000 characters can end inside an address; such a stump
    ("1Gq") is reported and left out rather than stored.
    """
    return 20 <= len(address) <= _MAX_ADDRESS and address.replace(":", "").isalnum()


def matching_chains(chain: str, address: str) -> frozenset[str]:
    """The list chains on which `address` (normalised) is the same wallet as on `chain`."""
    code = normalise_chain(chain)
    if EVM.fullmatch(address) and code in EVM_CHAINS:
        return EVM_CHAINS
    if TRON.fullmatch(address) and code in TRON_CHAINS:
        return TRON_CHAINS
    if _BITCOIN_LEGACY.fullmatch(address) and code in BITCOIN_CHAINS:
        return BITCOIN_CHAINS
    return frozenset({code})
