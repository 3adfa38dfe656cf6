"""Real Order and Fill rows for the monitoring rules, at the times and prices a test needs.

The rows are what the order service writes (an order with its fills and filled figures),
made directly so a test can place a trade 200 days ago; tests that need the order service
itself place orders through it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from compliance.models import (
    Case,
    KycStatus,
    KycSubmission,
    ScreeningMatch,
    WatchlistEntry,
    WatchlistVersion,
)
from papertrading.models import PaperAccount
from trading.models import (
    ConnectionStatus,
    ExchangeConnection,
    Fill,
    Order,
    OrderStatus,
    TradingMode,
)

_numbers = itertools.count(1)


def live_connection(
    user: User, *, exchange: str = "binance", label: str = ""
) -> ExchangeConnection:
    """A working live key (its secrets are never used: no order goes to an exchange)."""
    return ExchangeConnection.objects.create(
        user=user,
        exchange=exchange,
        label=label or f"live {next(_numbers)}",
        api_key_encrypted="x",
        secret_encrypted="x",
        api_key_last4="abcd",
        status=ConnectionStatus.VALID,
    )


def paper_account(user: User) -> PaperAccount:
    """A paper account opened by the paper service (funded: its ledger has the deposit)."""
    from papertrading.services import open_account

    return open_account(user=user, name=f"paper {next(_numbers)}")


FillSpec = tuple[str, str]  # price, amount


def trade(
    account: ExchangeConnection | PaperAccount,
    *,
    at: datetime,
    fills: Sequence[FillSpec] = (("50000", "0.1"),),
    side: str = "buy",
    symbol: str = "BTC/USDT",
    fill_gap: timedelta = timedelta(seconds=1),
) -> Order:
    """A market order on `account` filled by `fills`, the first at `at`, one `fill_gap` apart."""
    paper: PaperAccount | None = None
    connection: ExchangeConnection | None = None
    if isinstance(account, PaperAccount):
        paper, mode, exchange = account, TradingMode.PAPER, "paper"
    else:
        connection, exchange = account, account.exchange
        mode = TradingMode.TESTNET if account.testnet else TradingMode.LIVE
    amount = sum((Decimal(a) for _, a in fills), Decimal(0))
    quote = sum((Decimal(p) * Decimal(a) for p, a in fills), Decimal(0))
    order = Order.objects.create(
        user=account.user,
        paper_account=paper,
        connection=connection,
        mode=mode,
        exchange=exchange,
        symbol=symbol,
        side=side,
        type="market",
        amount=amount,
        status=OrderStatus.FILLED,
        filled_amount=amount,
        filled_quote=quote,
        average_price=quote / amount,
        client_order_id=f"mon-{next(_numbers)}",
        closed_at=at + fill_gap * (len(fills) - 1),
    )
    Order.objects.filter(pk=order.pk).update(created_at=at)
    Fill.objects.bulk_create(
        Fill(
            order=order,
            trade_id=f"t{order.pk}-{n}",
            price=Decimal(price),
            amount=Decimal(size),
            fee=Decimal(0),
            fee_asset=symbol.split("/")[1],
            is_maker=False,
            executed_at=at + fill_gap * n,
        )
        for n, (price, size) in enumerate(fills)
    )
    order.refresh_from_db()
    return order


def worth(usd: str, *, price: str = "50000") -> tuple[FillSpec, ...]:
    """One fill of BTC/USDT worth exactly `usd` dollars at `price`."""
    return ((price, str(Decimal(usd) / Decimal(price))),)


def approved_kyc(
    user: User,
    *,
    level: int = 1,
    nationality: str = "DE",
    residence: str = "DE",
    now: datetime | None = None,
) -> KycSubmission:
    """An approved, unexpired level-`level` submission (and the ones below it)."""
    now = now or timezone.now()
    submission = None
    for each in range(1, level + 1):
        submission = KycSubmission.objects.create(
            user=user,
            level=each,
            status=KycStatus.APPROVED,
            legal_name="Erika Mustermann",
            date_of_birth=date(1984, 8, 12),
            nationality=nationality,
            residence_country=residence,
            submitted_at=now - timedelta(days=2),
            decided_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=365),
        )
    assert submission is not None
    return submission


def screening_match(
    user: User,
    *,
    status: str = "open",
    name: str = "Ivan Petrov",
    explanation: dict[str, object] | None = None,
    case: Case | None = None,
) -> ScreeningMatch:
    """A screening hit of `user` against a listed person (rows as the screening engine keeps
    them; the engine itself is tested in tests/compliance/screening)."""
    number = next(_numbers)
    version = WatchlistVersion.objects.create(
        source="ofac_sdn", version=f"v{number}", file_sha256="0" * 64
    )
    entry = WatchlistEntry.objects.create(
        source="ofac_sdn",
        entity_ref=str(number),
        kind="individual",
        name=name,
        content_hash="1" * 64,
        first_version=version,
        last_version=version,
    )
    return ScreeningMatch.objects.create(
        user=user,
        entry=entry,
        entry_hash=entry.content_hash,
        score=Decimal("91.5"),
        query={"name": name},
        explanation=explanation
        if explanation is not None
        else {"name": "token match", "date_of_birth": "not given"},
        trigger="kyc",
        status=status,
        case=case,
    )


def loopback_live_connection(user: User, *, simulator: Any, settings: Any) -> ExchangeConnection:
    """A live Binance connection whose API goes to the loopback exchange (real ccxt), with
    Binance's BTC/USDT market as the simulator lists it, for orders through the real order
    service. `simulator` is the `simulated_markets` fixture, `settings` pytest-django's."""
    from trading.models import Market
    from trading.services.connections import add_connection

    settings.EXCHANGE_API_URLS = {"binance": simulator.url}
    settings.RISK_MAX_POSITION_PCT = 100.0
    keys = simulator.accounts.create(balances={"USDT": "9000"})
    connection = add_connection(
        user=user, exchange="binance", label="real", api_key=keys.api_key, secret=keys.secret
    )
    ExchangeConnection.objects.filter(pk=connection.pk).update(status="valid")
    if not Market.objects.filter(exchange="binance", symbol="BTC/USDT").exists():
        market = Market.objects.get(exchange="simulated", symbol="BTC/USDT")
        market.pk, market.exchange = None, "binance"
        market.save()
    connection.refresh_from_db()
    return connection
