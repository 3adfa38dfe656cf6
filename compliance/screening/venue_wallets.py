"""Deposit addresses a user's exchange reports for them, checked against the listed addresses.

When a connection passes its check, when a bot starts on one, and daily for every valid
connection, the venue is asked for the account's deposit address of each asset the account
holds and of settings.VENUE_WALLET_ASSETS. Each address is registered as a `venue` wallet
(`wallets.register_wallet`: recorded once, then checked; a listed one opens a case).

Venue calls run outside any transaction (a slow exchange must not hold locks). A venue whose
API gives no deposit addresses (WazirX and CoinDCX here, paper) is skipped; an asset the venue
does not hold addresses for is skipped and logged; a refused key ends the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from compliance.models import WalletAddress
from compliance.screening.importers.chains import SUPPORTED_CHAINS, normalise_chain
from compliance.screening.wallets import register_wallet
from cryptopulse.errors import ApplicationError
from trading.exchanges.errors import VenueAuthError, VenueError
from trading.models import ConnectionStatus, ExchangeConnection

logger = logging.getLogger(__name__)


@dataclass
class VenueWalletCheck:
    """What one check found: the wallets registered (new or known) and the assets skipped."""

    wallets: list[WalletAddress] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # asset -> why

    @property
    def listed(self) -> list[WalletAddress]:
        return [wallet for wallet in self.wallets if wallet.listed]


def check_venue_wallets(*, connection: ExchangeConnection) -> VenueWalletCheck:
    """Ask the connection's venue for its deposit addresses and check each one."""
    from trading.services.connections import venue_for  # trading's services import ours

    result = VenueWalletCheck()
    venue = venue_for(connection)
    try:
        held = [balance.asset for balance in venue.fetch_balance() if balance.total > 0]
    except VenueError as error:
        result.skipped["*"] = f"balances: {error}"
        return result
    for asset in _assets(held):
        try:
            reported = venue.fetch_deposit_address(asset)
        except VenueAuthError as error:
            result.skipped[asset] = f"the exchange refused the key: {error}"
            break
        except VenueError as error:
            result.skipped[asset] = str(error)
            continue
        if reported is None:
            result.skipped["*"] = "the venue reports no deposit addresses"
            break
        try:
            wallet = register_wallet(
                user=connection.user,
                chain=asset,
                address=reported.address,
                label=f"{connection.exchange} deposit ({connection.label})",
                source="venue",
            )
        except ApplicationError as error:  # an address that is not of the asset's shape
            result.skipped[asset] = f"{reported.address!r}: {error.message}"
            continue
        result.wallets.append(wallet)
    if result.skipped:
        logger.info("venue wallets of connection %s: skipped %s", connection.pk, result.skipped)
    return result


def _assets(held: list[str]) -> list[str]:
    """The configured assets, then the held ones, once each, that the lists have a chain for."""
    wanted = [*settings.VENUE_WALLET_ASSETS, *sorted(held)]
    unique = dict.fromkeys(asset.strip().upper() for asset in wanted if asset.strip())
    return [asset for asset in unique if normalise_chain(asset) in SUPPORTED_CHAINS]


def queue_venue_wallet_check(connection_id: int) -> None:
    """Check the connection's deposit addresses in the worker once the caller commits
    (unless settings.VENUE_WALLET_CHECKS is off)."""
    from compliance.screening.tasks import check_venue_wallets_task

    if not settings.VENUE_WALLET_CHECKS:
        return

    transaction.on_commit(lambda: check_venue_wallets_task.delay(connection_id))


def checkable_connections() -> list[int]:
    """Ids of the connections the daily pass checks: working and not removed (none when
    settings.VENUE_WALLET_CHECKS is off)."""
    if not settings.VENUE_WALLET_CHECKS:
        return []
    return list(
        ExchangeConnection.objects.filter(status=ConnectionStatus.VALID, removed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
