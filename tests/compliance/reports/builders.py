"""Rows for the report tests, with the timestamps a scenario needs.

Most compliance timestamps are `auto_now_add`; the builders create the row, then set the
time with a queryset update (these are not audit rows, which never change)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.models import (
    Alert,
    Case,
    FreezeRequest,
    KycSubmission,
    MonitoringRule,
    ScreeningMatch,
    WatchlistEntry,
    WatchlistVersion,
)
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory


def at(day: int, hour: int = 0, minute: int = 0, *, month: int = 3) -> datetime:
    """A moment of 2025 (March unless told), UTC."""
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


PERIOD_START = at(1)
PERIOD_END = at(1, month=4)


def officer(**kwargs: Any) -> User:
    """A staff member in the compliance_officer group."""
    sync_roles()
    user = UserFactory.create(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return user


def signed_in_officer(client: Any, **kwargs: Any) -> User:
    user = officer(**kwargs)
    login_with_second_factor(client, user)
    return user


def kyc(
    user: User,
    *,
    level: int = 1,
    status: str,
    submitted_at: datetime | None,
    decided_at: datetime | None = None,
    **fields: Any,
) -> KycSubmission:
    return KycSubmission.objects.create(
        user=user,
        level=level,
        status=status,
        submitted_at=submitted_at,
        decided_at=decided_at,
        **fields,
    )


def watchlist_entry(source: str, ref: str, name: str, **fields: Any) -> WatchlistEntry:
    version, _ = WatchlistVersion.objects.get_or_create(
        source=source, version="2025-03-01", defaults={"file_sha256": "0" * 64}
    )
    return WatchlistEntry.objects.create(
        source=source,
        entity_ref=ref,
        kind="individual",
        name=name,
        content_hash=f"hash-{source}-{ref}",
        first_version=version,
        last_version=version,
        **fields,
    )


def screening_match(
    user: User,
    entry: WatchlistEntry,
    *,
    status: str = "open",
    created_at: datetime,
    case: Case | None = None,
    score: str = "91.50",
    explanation: dict[str, Any] | None = None,
) -> ScreeningMatch:
    match = ScreeningMatch.objects.create(
        user=user,
        entry=entry,
        entry_hash=entry.content_hash,
        score=Decimal(score),
        query={"name": "query name"},
        explanation=explanation or {"summary": "name and date of birth match"},
        trigger="kyc",
        status=status,
        case=case,
    )
    ScreeningMatch.objects.filter(pk=match.pk).update(created_at=created_at)
    match.refresh_from_db()
    return match


def rule(code: str, name: str | None = None) -> MonitoringRule:
    found, _ = MonitoringRule.objects.get_or_create(
        code=code, defaults={"name": name or code.replace("_", " ").capitalize()}
    )
    return found


def alert(
    user: User,
    rule_code: str,
    *,
    status: str = "open",
    created_at: datetime,
    case: Case | None = None,
    facts: dict[str, Any] | None = None,
    key: str,
) -> Alert:
    created = Alert.objects.create(
        rule=rule(rule_code),
        user=user,
        score=20,
        facts=facts or {},
        dedup_key=key,
        status=status,
        case=case,
    )
    Alert.objects.filter(pk=created.pk).update(created_at=created_at)
    created.refresh_from_db()
    return created


def case(
    user: User,
    *,
    kind: str,
    status: str = "open",
    opened_at: datetime,
    closed_at: datetime | None = None,
    title: str = "A case",
) -> Case:
    created = Case.objects.create(user=user, kind=kind, title=title, status=status)
    Case.objects.filter(pk=created.pk).update(opened_at=opened_at, closed_at=closed_at)
    created.refresh_from_db()
    return created


def freeze_request(
    user: User,
    case_: Case,
    *,
    action: str,
    status: str,
    requested_by: User,
    requested_at: datetime,
    decided_by: User | None = None,
) -> FreezeRequest:
    created = FreezeRequest.objects.create(
        case=case_,
        user=user,
        action=action,
        reason="evidence",
        status=status,
        requested_by=requested_by,
        decided_by=decided_by,
    )
    FreezeRequest.objects.filter(pk=created.pk).update(requested_at=requested_at)
    return created


def connection(user: User) -> Any:
    """The user's live connection (one per user here)."""
    from trading.models import ExchangeConnection

    return ExchangeConnection.objects.get_or_create(
        user=user,
        label="live account",
        defaults={
            "exchange": "simulated",
            "api_key_encrypted": "x",
            "secret_encrypted": "x",
            "api_key_last4": "abcd",
        },
    )[0]


def order(
    user: User,
    *,
    symbol: str = "BTC/USDT",
    side: str = "buy",
    fills: Sequence[tuple[str, str, datetime]] = (),
    created_at: datetime,
    live: Any = None,
    paper: Any = None,
    amount: str = "1",
    price: str | None = None,
    key: str,
) -> Any:
    """An order on the live connection `live` (or the paper account `paper`) with these fills
    (price, amount, executed at)."""
    from trading.models import Fill, Order

    filled = sum((Decimal(amount_) for _, amount_, _ in fills), Decimal(0))
    created = Order.objects.create(
        user=user,
        connection=live,
        paper_account=paper,
        mode="live" if live is not None else "paper",
        exchange="simulated",
        symbol=symbol,
        side=side,
        type="limit" if price else "market",
        amount=Decimal(amount),
        price=Decimal(price) if price else None,
        status="filled" if fills else "open",
        filled_amount=filled,
        client_order_id=key,
    )
    Order.objects.filter(pk=created.pk).update(created_at=created_at)
    for n, (price_, amount_, executed_at) in enumerate(fills):
        Fill.objects.create(
            order=created,
            trade_id=f"{key}-{n}",
            price=Decimal(price_),
            amount=Decimal(amount_),
            fee=Decimal(0),
            fee_asset="USDT",
            is_maker=False,
            executed_at=executed_at,
        )
    created.refresh_from_db()
    return created
