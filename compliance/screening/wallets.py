"""Users' wallet addresses, checked against the digital-currency addresses the lists name.

A match is exact, per chain: the address as normalised by
`compliance.screening.importers.chains` (0x and bech32 addresses case-insensitive, base58
exact), on the same chain or, for one key that is the same wallet on several chains (an EVM
0x address, a Tron T address, a legacy bitcoin address), on any chain of that family. Only
active entries count. A hit marks the wallet `listed`, records WALLET_LISTED and opens (or
joins) the user's critical wallet case. The user is never told: `listed` is for officers.
A wallet stays `listed` when its entry is later removed from the list; the case records why.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import ApiKey, User
from compliance.audit import AuditAction, record
from compliance.cases import open_case
from compliance.models import CaseKind, CryptoAddress, Severity, WalletAddress
from compliance.screening.importers.chains import (
    SUPPORTED_CHAINS,
    is_valid_address,
    matching_chains,
    normalise_address,
    normalise_chain,
)
from cryptopulse.errors import ApplicationError

WALLET_SOURCES = ("user", "venue")
_LABEL_MAX = 100


def register_wallet(
    *,
    user: User,
    chain: str,
    address: str,
    label: str = "",
    source: str = "user",
    actor: User | ApiKey | None = None,
) -> WalletAddress:
    """Register a wallet address for `user` (idempotent per chain and address) and check it.

    `chain` is a list currency code (XBT, ETH, USDT, …; "BTC" is read as XBT) and `address`
    must have that chain's shape, else ApplicationError naming the field. `source` is
    "user" (the user typed it; `actor` defaults to the user) or "venue" (an exchange
    reported it; the system acts). WALLET_ADDED is recorded when the address is new.
    """
    code = normalise_chain(chain)
    if code not in SUPPORTED_CHAINS:
        raise ApplicationError(
            "unsupported_chain",
            f"Unsupported chain {chain.strip()!r}. Supported: {', '.join(SUPPORTED_CHAINS)}.",
            "chain",
        )
    value = address.strip()
    if not is_valid_address(code, value):
        raise ApplicationError("invalid_address", f"This is not a valid {code} address.", "address")
    if source not in WALLET_SOURCES:
        raise ApplicationError("invalid_source", "A wallet's source is user or venue.", "source")
    if actor is None and source == "user":
        actor = user
    with transaction.atomic(durable=True):
        wallet, created = WalletAddress.objects.get_or_create(
            user=user,
            chain=code,
            address=normalise_address(value),
            defaults={"label": label.strip()[:_LABEL_MAX], "source": source},
        )
        if created:
            record(
                action=AuditAction.WALLET_ADDED,
                actor=actor,
                subject=user,
                target=wallet,
                data={
                    "chain": code,
                    "address": wallet.address,
                    "label": wallet.label,
                    "source": source,
                },
            )
        check_wallet(wallet)
    return wallet


def listed_addresses(*, chain: str, address: str) -> list[CryptoAddress]:
    """The active list entries' addresses that are this wallet (see the module docstring)."""
    value = normalise_address(address)
    return list(
        CryptoAddress.objects.filter(
            address=value, chain__in=matching_chains(chain, value), entry__active=True
        )
        .select_related("entry")
        .order_by("entry__source", "entry__entity_ref")
    )


def check_wallet(wallet: WalletAddress) -> list[CryptoAddress]:
    """Check one wallet against the lists; on a first hit, flag it and open a case.

    Running it again on a flagged wallet changes nothing (no second event, the open case is
    the same). Runs inside the caller's transaction when there is one.
    """
    hits = listed_addresses(chain=wallet.chain, address=wallet.address)
    if not hits:
        return []
    with transaction.atomic():
        locked = WalletAddress.objects.select_for_update().select_related("user").get(pk=wallet.pk)
        wallet.listed = True
        if locked.listed:
            return hits
        locked.listed = True
        locked.save(update_fields=["listed"])
        entries = [
            {
                "source": hit.entry.source,
                "entity_ref": hit.entry.entity_ref,
                "name": hit.entry.name,
                "chain": hit.chain,
            }
            for hit in hits
        ]
        record(
            action=AuditAction.WALLET_LISTED,
            actor=None,
            subject=locked.user,
            target=locked,
            data={"chain": locked.chain, "address": locked.address, "entries": entries},
        )
        first = hits[0].entry
        open_case(
            user=locked.user,
            kind=CaseKind.WALLET,
            title=f"Wallet {locked.chain} {locked.address} is listed ({first.source} "
            f"{first.entity_ref}: {first.name})",
            severity=Severity.CRITICAL,
        )
    return hits


def recheck_wallets(*, addresses: Iterable[str]) -> int:
    """Check the not-yet-listed wallets whose address is among `addresses` (normalised);
    returns how many are now listed. Users are taken in id order (audit stream locks)."""
    candidates = WalletAddress.objects.filter(address__in=set(addresses), listed=False)
    hits = 0
    for wallet in candidates.order_by("user_id", "pk"):
        if check_wallet(wallet):
            hits += 1
    return hits


def wallets_of(user: User) -> list[WalletAddress]:
    """The user's own wallet addresses, newest first."""
    return list(WalletAddress.objects.filter(user=user).order_by("-created_at", "-pk"))
