"""A suspicious-activity report (SAR/STR) draft from a case: who, what was seen, which trades.

The draft gathers what an officer would copy into the regulator's form: the subject (account
and KYC identity), the facts (the case's alerts with their evidence, its screening matches with
score and explanation, listed wallet addresses, the notes timeline) and the transactions.

Transactions are the orders the alerts' facts name (`order_id` keys, `order_ids` or `orders`
lists, at any depth: see `referenced_order_ids`), whatever their mode, only the case user's;
when the facts name none, the user's live orders with activity in the case period (30 days
before the case opened until it closed, or until now). One row per fill, or one per order that
never filled. USD values use today's price of the quote asset (dollar stablecoins at par), not
the price on the day; a row without a known price has no USD value and is counted in
`unpriced`. The officer's narrative is not part of this data: `services.generate_report`
requires it and stores it next to the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from compliance.models import (
    Alert,
    Case,
    CaseNote,
    ComplianceProfile,
    KycStatus,
    KycSubmission,
    ScreeningMatch,
    WalletAddress,
)
from compliance.valuation import usd_value
from trading.models import Fill, Order, TradingMode

TRANSACTION_LOOKBACK = timedelta(days=30)
MAX_FACTS_DEPTH = 5


def build_sar(*, case: Case, now: datetime | None = None) -> dict[str, Any]:
    """The draft's data for `case`, as plain JSON (amounts as exact decimal text)."""
    now = now or timezone.now()
    case = Case.objects.select_related("user", "assigned_to", "decided_by").get(pk=case.pk)
    alerts = list(case.alerts.select_related("rule").order_by("created_at", "id"))
    matches = list(
        case.screening_matches.select_related("entry", "entry__last_version").order_by(
            "created_at", "id"
        )
    )
    return {
        "type": "sar",
        "case": _case(case),
        "subject": _subject(case),
        "alerts": [_alert(alert) for alert in alerts],
        "screening_matches": [_match(match) for match in matches],
        "listed_wallets": _listed_wallets(case),
        "notes": _notes(case),
        "transactions": _transactions(case, alerts, now=now),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _email(user: Any) -> str | None:
    return None if user is None else user.email


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "title": case.title,
        "severity": case.severity,
        "status": case.status,
        "status_label": case.get_status_display(),
        "opened_at": _iso(case.opened_at),
        "closed_at": _iso(case.closed_at),
        "assigned_to": _email(case.assigned_to),
        "decided_by": _email(case.decided_by),
        "decision_reason": case.decision_reason,
    }


def _identity(user_id: int) -> dict[str, Any] | None:
    """The level-1 identity: the approved submission if any, else the latest submitted one."""
    submission = (
        KycSubmission.objects.filter(user_id=user_id, level=1, submitted_at__isnull=False)
        .annotate(
            approved_first=When_(
                When(status=KycStatus.APPROVED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("approved_first", "-submitted_at", "-id")
        .first()
    )
    if submission is None:
        return None
    return {
        "submission_id": submission.pk,
        "status": submission.status,
        "legal_name": submission.legal_name,
        "date_of_birth": _iso_date(submission.date_of_birth),
        "nationality": submission.nationality,
        "residence_country": submission.residence_country,
        "address": {
            "line": submission.address_line,
            "city": submission.city,
            "postal_code": submission.postal_code,
            "country": submission.residence_country,
        },
        "id_document": {
            "type": submission.id_document_type,
            "type_label": submission.get_id_document_type_display(),
            "number": submission.id_document_number,
            "expiry": _iso_date(submission.id_document_expiry),
        },
        "submitted_at": _iso(submission.submitted_at),
        "decided_at": _iso(submission.decided_at),
    }


def _iso_date(day: Any) -> str | None:
    return None if day is None else day.isoformat()


def _subject(case: Case) -> dict[str, Any]:
    user = case.user
    profile = ComplianceProfile.objects.filter(user_id=user.pk).first()
    return {
        "user_id": user.pk,
        "email": user.email,
        "joined_at": _iso(user.date_joined),
        "kyc_level": profile.kyc_level if profile else 0,
        "risk_score": profile.risk_score if profile else 0,
        "risk_level": profile.risk_level if profile else "low",
        "risk_reasons": profile.risk_reasons if profile else [],
        "trading_frozen": profile.trading_frozen if profile else False,
        "identity": _identity(user.pk),
    }


def _alert(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "rule": alert.rule.code,
        "rule_name": alert.rule.name,
        "score": alert.score,
        "status": alert.status,
        "created_at": _iso(alert.created_at),
        "facts": alert.facts,
    }


def _match(match: ScreeningMatch) -> dict[str, Any]:
    entry = match.entry
    return {
        "id": match.pk,
        "source": entry.source,
        "source_label": entry.get_source_display(),
        "entity_ref": entry.entity_ref,
        "list_version": entry.last_version.version,
        "name": entry.name,
        "kind": entry.kind,
        "programs": entry.programs,
        "score": str(match.score),
        "status": match.status,
        "trigger": match.trigger,
        "query": match.query,
        "explanation": match.explanation,
        "created_at": _iso(match.created_at),
        "decided_at": _iso(match.decided_at),
    }


def _listed_wallets(case: Case) -> list[dict[str, Any]]:
    wallets = WalletAddress.objects.filter(user_id=case.user_id, listed=True).order_by("id")
    return [
        {
            "chain": wallet.chain,
            "address": wallet.address,
            "label": wallet.label,
            "source": wallet.source,
            "registered_at": _iso(wallet.created_at),
        }
        for wallet in wallets
    ]


def _notes(case: Case) -> list[dict[str, Any]]:
    notes = CaseNote.objects.filter(case=case).select_related("author").order_by("created_at", "id")
    return [
        {"at": _iso(note.created_at), "author": note.author.email, "text": note.text}
        for note in notes
    ]


def referenced_order_ids(facts_list: Iterable[Any]) -> list[int]:
    """The order ids that alert facts name, in first-seen order: the values of `order_id`
    keys and the items of `order_ids` / `orders` lists (ids, or objects with `id` or
    `order_id`), at any depth, as the monitoring rules nest them (`trade`, `buy`, `sell`,
    `trades`)."""
    seen: dict[int, None] = {}

    def add(value: Any) -> None:
        order_id = _as_id(value)
        if order_id is not None:
            seen.setdefault(order_id, None)

    def walk(value: Any, depth: int) -> None:
        if depth > MAX_FACTS_DEPTH:
            return
        if isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
            return
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if key == "order_id":
                add(item)
            elif key in ("order_ids", "orders") and isinstance(item, list):
                for ref in item:
                    if isinstance(ref, dict):
                        add(ref.get("id", ref.get("order_id")))
                    else:
                        add(ref)
            else:
                walk(item, depth + 1)

    for facts in facts_list:
        walk(facts, 0)
    return list(seen)


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def case_period(case: Case, *, now: datetime) -> tuple[datetime, datetime]:
    return case.opened_at - TRANSACTION_LOOKBACK, case.closed_at or now


def _transactions(case: Case, alerts: list[Alert], *, now: datetime) -> dict[str, Any]:
    referenced = referenced_order_ids(alert.facts for alert in alerts)
    start, end = case_period(case, now=now)
    orders = Order.objects.filter(user_id=case.user_id)
    if referenced:
        basis = "referenced"
        orders = orders.filter(pk__in=referenced)
    else:
        basis = "case_period"
        active = Q(created_at__gte=start, created_at__lt=end) | Q(
            fills__executed_at__gte=start, fills__executed_at__lt=end
        )
        orders = orders.filter(active, mode=TradingMode.LIVE).distinct()
    orders = orders.prefetch_related(Prefetch("fills", queryset=Fill.objects.order_by("id")))
    rows: list[dict[str, Any]] = []
    for order in orders.order_by("created_at", "id"):
        fills = list(order.fills.all())
        if fills:
            rows.extend(_fill_row(order, fill) for fill in fills)
        else:
            rows.append(_order_row(order))
    rows.sort(key=lambda row: (row["time"], row["order_id"], row["fill_id"] or 0))
    valued = [Decimal(row["usd_value"]) for row in rows if row["usd_value"] is not None]
    return {
        "basis": basis,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "referenced_order_ids": referenced,
        "rows": rows,
        "count": len(rows),
        "total_usd": _text(sum(valued, Decimal(0))) if valued else None,
        "unpriced": sum(1 for row in rows if row["usd_value"] is None),
    }


def _quote(symbol: str) -> str:
    _, _, quote = symbol.partition("/")
    return quote.split(":", 1)[0] or symbol


def _usd(symbol: str, quote_amount: Decimal | None) -> str | None:
    if quote_amount is None:
        return None
    return _text(usd_value(_quote(symbol), quote_amount))


def _text(value: Decimal | None) -> str | None:
    """Exact decimal text without exponent or trailing zeros ("1000", "0.5")."""
    return None if value is None else format(value.normalize(), "f")


def _base_row(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "exchange": order.exchange,
        "mode": order.mode,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "status": order.status,
    }


def _fill_row(order: Order, fill: Fill) -> dict[str, Any]:
    return {
        **_base_row(order),
        "fill_id": fill.pk,
        "time": fill.executed_at.isoformat(),
        "amount": _text(fill.amount),
        "price": _text(fill.price),
        "usd_value": _usd(order.symbol, fill.amount * fill.price),
    }


def _order_row(order: Order) -> dict[str, Any]:
    price = order.price if order.price is not None else order.average_price
    if order.quote_amount is not None:
        quote_amount: Decimal | None = order.quote_amount
    elif order.amount is not None and price is not None:
        quote_amount = order.amount * price
    else:
        quote_amount = None
    return {
        **_base_row(order),
        "fill_id": None,
        "time": order.created_at.isoformat(),
        "amount": _text(order.amount),
        "price": _text(price),
        "usd_value": _usd(order.symbol, quote_amount),
    }
