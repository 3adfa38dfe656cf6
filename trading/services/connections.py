"""Users' exchange connections: add (secrets encrypted), test, remove, re-encrypt.

Venue calls never run inside a database transaction: a slow exchange must not hold locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.screening.venue_wallets import queue_venue_wallet_check
from cryptopulse.errors import ApplicationError
from trading import crypto
from trading.exchanges.base import Balance, Credentials, Venue
from trading.exchanges.errors import VenueAuthError, VenueError, VenueUnavailable
from trading.exchanges.registry import get_venue
from trading.models import ConnectionStatus, ExchangeConnection, OrderStatus

# Exchanges a user can connect an account on (market data works for any ccxt exchange).
CONNECTABLE_EXCHANGES = ("simulated", "binance", "wazirx", "coindcx")
# Only these have a separate testnet (the simulator is one already).
TESTNET_EXCHANGES = ("binance",)
WITHDRAWALS_REFUSED = (
    "This API key may withdraw funds. Create a key without withdrawal permission: "
    "CryptoPulse never needs it."
)


class ConnectionProblem(ApplicationError):
    """A connection request that cannot be honoured."""


@dataclass(frozen=True)
class ConnectionCheck:
    connection: ExchangeConnection
    balances: list[Balance]


def _get_own(user: User, connection_id: int) -> ExchangeConnection:
    connection = ExchangeConnection.objects.filter(
        user=user, pk=connection_id, removed_at__isnull=True
    ).first()
    if connection is None:
        raise ExchangeConnection.DoesNotExist
    return connection


@transaction.atomic(durable=True)
def add_connection(
    *,
    user: User,
    exchange: str,
    label: str,
    api_key: str,
    secret: str,
    passphrase: str = "",
    testnet: bool = False,
) -> ExchangeConnection:
    """Store a new connection with its secrets encrypted; it starts untested."""
    exchange = exchange.strip().lower()
    if exchange not in CONNECTABLE_EXCHANGES:
        raise ConnectionProblem(
            "unsupported_exchange",
            f"Connections are possible on {', '.join(CONNECTABLE_EXCHANGES)}.",
            "exchange",
        )
    if testnet and exchange not in TESTNET_EXCHANGES:
        raise ConnectionProblem("no_testnet", f"{exchange} has no testnet.", "testnet")
    api_key, secret, label = api_key.strip(), secret.strip(), label.strip()
    for field, value in (("label", label), ("api_key", api_key), ("secret", secret)):
        if not value:
            raise ConnectionProblem("required", "This field is required.", field)
    try:
        with transaction.atomic():
            connection = ExchangeConnection.objects.create(
                user=user,
                exchange=exchange,
                label=label,
                testnet=testnet,
                api_key_encrypted=crypto.encrypt(api_key),
                secret_encrypted=crypto.encrypt(secret),
                passphrase_encrypted=crypto.encrypt(passphrase) if passphrase else "",
                api_key_last4=api_key[-4:],
            )
    except IntegrityError:
        raise ConnectionProblem(
            "duplicate_label", "You already have a connection with this label.", "label"
        ) from None
    record(
        action=AuditAction.CONNECTION_ADDED,
        actor=user,
        target=connection,
        data={"exchange": exchange, "label": label, "last4": api_key[-4:], "testnet": testnet},
    )
    return connection


def credentials_for(connection: ExchangeConnection) -> Credentials:
    return Credentials(
        api_key=crypto.decrypt(connection.api_key_encrypted),
        secret=crypto.decrypt(connection.secret_encrypted),
        passphrase=crypto.decrypt(connection.passphrase_encrypted)
        if connection.passphrase_encrypted
        else "",
    )


def venue_for(connection: ExchangeConnection) -> Venue:
    return get_venue(
        exchange=connection.exchange,
        credentials=credentials_for(connection),
        sandbox=connection.testnet,
    )


def _probe(connection: ExchangeConnection) -> tuple[ConnectionStatus, str, list[Balance]]:
    venue = venue_for(connection)
    try:
        permissions = venue.fetch_key_permissions()
        if permissions is not None and permissions.can_withdraw:
            return ConnectionStatus.INVALID, WITHDRAWALS_REFUSED, []
        balances = venue.fetch_balance()
    except VenueAuthError as error:
        return ConnectionStatus.INVALID, f"The exchange refused the key: {error}", []
    except VenueUnavailable as error:
        raise ConnectionProblem(
            "exchange_unavailable",
            f"The exchange did not answer; try again later ({error}).",
            status=503,
        ) from error
    except VenueError as error:
        return ConnectionStatus.INVALID, f"The exchange answered with an error: {error}", []
    return ConnectionStatus.VALID, "", balances


def check_connection(
    *, user: User, connection_id: int, now: datetime | None = None
) -> ConnectionCheck:
    """Fetch balances with the key; a refused key, or one that may withdraw, is marked invalid."""
    connection = _get_own(user, connection_id)
    status, reason, balances = _probe(connection)
    with transaction.atomic(durable=True):
        connection = ExchangeConnection.objects.select_for_update().get(pk=connection.pk)
        connection.status = status
        connection.status_reason = reason[:500]
        connection.last_checked_at = now or timezone.now()
        connection.save(update_fields=["status", "status_reason", "last_checked_at"])
        record(
            action=AuditAction.CONNECTION_TESTED,
            actor=user,
            target=connection,
            data={"status": status, "reason": reason},
        )
        if status == ConnectionStatus.VALID:
            queue_venue_wallet_check(connection.pk)
    return ConnectionCheck(connection=connection, balances=balances)


def fetch_balances(*, user: User, connection_id: int) -> list[Balance]:
    """The connection's balances now (non-zero ones), straight from the exchange."""
    connection = _get_own(user, connection_id)
    try:
        balances = venue_for(connection).fetch_balance()
    except VenueAuthError as error:
        raise ConnectionProblem("invalid_key", f"The exchange refused the key: {error}") from error
    except VenueError as error:
        raise ConnectionProblem(
            "exchange_unavailable", f"The exchange did not answer: {error}", status=503
        ) from error
    return [balance for balance in balances if balance.total > 0]


@transaction.atomic(durable=True)
def remove_connection(*, user: User, connection_id: int) -> None:
    """Forget a connection: deleted, or, when orders were placed through it, its secrets
    erased and the row kept (removed) so that those orders keep their account.

    A connection with open orders is refused (409): cancel them first, or they would be left
    on the exchange with nobody watching.
    """
    from trading.services.order_updates import OPEN_STATUSES

    connection = _get_own(user, connection_id)
    if connection.orders.filter(status__in=[OrderStatus.NEW, *OPEN_STATUSES]).exists():
        raise ConnectionProblem(
            "open_orders",
            "This connection has open orders: cancel them before removing it.",
            status=409,
        )
    record(
        action=AuditAction.CONNECTION_REMOVED,
        actor=user,
        target=connection,
        data={"exchange": connection.exchange, "label": connection.label},
    )
    if not connection.orders.exists():
        connection.delete()
        return
    connection.api_key_encrypted = connection.secret_encrypted = ""
    connection.passphrase_encrypted = ""
    connection.removed_at = timezone.now()
    connection.save(
        update_fields=[
            "api_key_encrypted",
            "secret_encrypted",
            "passphrase_encrypted",
            "removed_at",
        ]
    )


def rotate_encryption(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored secret with the newest key; return the rows rewritten.

    Batches commit one by one, so a long rotation never holds many locks; rows not reached
    yet still decrypt with the older keys meanwhile.
    """
    rotated = 0
    last_pk = 0
    while True:
        with transaction.atomic(durable=True):
            batch = list(
                ExchangeConnection.objects.select_for_update()
                .filter(pk__gt=last_pk, removed_at__isnull=True)  # removed ones hold no secrets
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            for connection in batch:
                connection.api_key_encrypted = crypto.rotate(connection.api_key_encrypted)
                connection.secret_encrypted = crypto.rotate(connection.secret_encrypted)
                if connection.passphrase_encrypted:
                    connection.passphrase_encrypted = crypto.rotate(connection.passphrase_encrypted)
            ExchangeConnection.objects.bulk_update(
                batch, ["api_key_encrypted", "secret_encrypted", "passphrase_encrypted"]
            )
            rotated += len(batch)
            last_pk = batch[-1].pk
    with transaction.atomic(durable=True):
        record(action=AuditAction.EXCHANGE_KEYS_ROTATED, data={"rows": rotated})
    return rotated


DEMO_LABEL = "Simulated exchange (demo)"


def ensure_demo_connection(*, user: User, api_key: str, secret: str) -> ExchangeConnection:
    """The demo trader's connection to the simulator's demo account (development only)."""
    existing = ExchangeConnection.objects.filter(
        user=user, label=DEMO_LABEL, removed_at__isnull=True
    ).first()
    if existing is not None and credentials_for(existing).api_key == api_key:
        return existing
    if existing is not None:  # the simulator's demo account changed (new .run/)
        remove_connection(user=user, connection_id=existing.pk)
    return add_connection(
        user=user, exchange="simulated", label=DEMO_LABEL, api_key=api_key, secret=secret
    )
