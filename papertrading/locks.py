"""Row locks for balance changes, always taken in primary-key order (no deadlocks)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from papertrading.models import PaperAccount, PaperBalance


def lock_account(account_id: int) -> PaperAccount:
    """Serialises whole-account operations (reset) against each other and against orders."""
    return PaperAccount.objects.select_for_update(of=("self",)).get(pk=account_id)


def lock_own_account(*, user: User, account_id: int) -> PaperAccount:
    """`lock_account` of one of `user`'s accounts, in one query; another user's account
    raises PaperAccount.DoesNotExist and locks nothing."""
    account = (
        PaperAccount.objects.select_for_update(of=("self",))
        .filter(user=user, pk=account_id)
        .first()
    )
    if account is None:
        raise PaperAccount.DoesNotExist
    return account


def lock_balances(
    account: PaperAccount, assets: list[str], *, whole_account: bool = False
) -> dict[str, PaperBalance]:
    """The account's balances of `assets`, created at zero if missing, locked in pk order.

    Usually every row exists and this is one query; a missing one is created (a concurrent
    creator's row wins, ON CONFLICT DO NOTHING) and the set locked again, still in pk order.
    `whole_account` locks (and returns) every balance of the account, for callers that value
    it afterwards; it costs nothing extra, since every writer holds the account lock anyway.
    """
    rows: QuerySet[PaperBalance] = PaperBalance.objects.select_for_update(of=("self",)).filter(
        account=account
    )
    if not whole_account:
        rows = rows.filter(asset__in=assets)
    rows = rows.order_by("pk")
    locked = {row.asset: row for row in rows}
    missing = [asset for asset in dict.fromkeys(assets) if asset not in locked]
    if not missing:
        return locked
    PaperBalance.objects.bulk_create(
        [PaperBalance(account=account, asset=a, free=0, locked=0) for a in missing],
        ignore_conflicts=True,
    )
    return {row.asset: row for row in rows.all()}
