"""Paper accounts and their ledger, on PostgreSQL (concurrency included)."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from compliance.models import AuditEvent
from papertrading.ledger import Postings
from papertrading.locks import lock_balances
from papertrading.models import LedgerBucket, LedgerEntry, LedgerKind, PaperAccount, PaperBalance
from papertrading.services import (
    InsufficientBalance,
    check_ledgers,
    default_account,
    open_account,
    own_account,
    reset_account,
)
from tests.concurrency import run_at_once
from tests.factories import UserFactory


def _move(account: PaperAccount, asset: str, amount: Decimal, to: str, order_ref: str) -> None:
    """Lock (to="locked") or unlock (to="free") funds, as the paper venue does for orders."""
    postings = Postings(account, lock_balances(account, [asset]))
    kind = LedgerKind.LOCK if to == LedgerBucket.LOCKED else LedgerKind.UNLOCK
    postings.move(asset, amount, to=LedgerBucket(to), kind=kind, order_ref=order_ref)
    postings.flush()


def lock_funds(*, account: PaperAccount, asset: str, amount: Decimal, order_ref: str) -> None:
    _move(account, asset, amount, "locked", order_ref)


def unlock_funds(*, account: PaperAccount, asset: str, amount: Decimal, order_ref: str) -> None:
    _move(account, asset, amount, "free", order_ref)


def _balance(account: PaperAccount, asset: str = "USDT") -> tuple[Decimal, Decimal]:
    row = PaperBalance.objects.get(account=account, asset=asset)
    return row.free, row.locked


@pytest.mark.django_db
def test_a_new_account_holds_the_starting_balance_as_one_deposit():
    user = UserFactory.create()
    account = default_account(user=user)
    assert default_account(user=user).pk == account.pk
    assert _balance(account) == (Decimal(10000), Decimal(0))
    (entry,) = LedgerEntry.objects.filter(account=account)
    assert (entry.kind, entry.bucket, entry.delta, entry.balance_after) == (
        "deposit",
        "free",
        Decimal(10000),
        Decimal(10000),
    )
    event = AuditEvent.objects.get(action="papertrading.account.opened")
    assert event.data == {"name": "Main", "starting_balance": "10000", "currency": "USDT"}


@pytest.mark.django_db
def test_lock_and_unlock_move_funds_between_buckets_with_ledger_rows():
    account = open_account(user=UserFactory.create(), starting_balance=Decimal("1000"))
    with transaction.atomic():
        lock_funds(account=account, asset="USDT", amount=Decimal("250.5"), order_ref="o-1")
    assert _balance(account) == (Decimal("749.5"), Decimal("250.5"))
    with transaction.atomic():
        unlock_funds(account=account, asset="USDT", amount=Decimal("50.5"), order_ref="o-1")
    assert _balance(account) == (Decimal("800"), Decimal("200"))
    assert check_ledgers() == []
    kinds = list(LedgerEntry.objects.filter(order_ref="o-1").values_list("kind", "bucket", "delta"))
    assert kinds == [
        ("lock", "free", Decimal("-250.5")),
        ("lock", "locked", Decimal("250.5")),
        ("unlock", "locked", Decimal("-50.5")),
        ("unlock", "free", Decimal("50.5")),
    ]


@pytest.mark.django_db
def test_locking_more_than_is_free_is_refused_and_writes_nothing():
    account = open_account(user=UserFactory.create(), starting_balance=Decimal("100"))
    before = LedgerEntry.objects.count()
    with (
        pytest.raises(InsufficientBalance, match=r"Not enough USDT: 100 free, 100\.01 needed"),
        transaction.atomic(),
    ):
        lock_funds(account=account, asset="USDT", amount=Decimal("100.01"), order_ref="o")
    assert _balance(account) == (Decimal(100), Decimal(0))
    assert LedgerEntry.objects.count() == before
    assert InsufficientBalance.status == 409


@pytest.mark.django_db
def test_reset_restores_the_start_in_a_new_epoch_and_keeps_history():
    user = UserFactory.create()
    account = open_account(user=user, starting_balance=Decimal("1000"))
    with transaction.atomic():
        lock_funds(account=account, asset="USDT", amount=Decimal("300"), order_ref="o-9")
    reset = reset_account(user=user, account_id=account.pk)
    assert reset.epoch == 2
    assert _balance(account) == (Decimal(1000), Decimal(0))
    assert LedgerEntry.objects.filter(account=account, epoch=1).count() == 5
    assert LedgerEntry.objects.filter(account=account, epoch=2).count() == 1
    assert check_ledgers() == []
    assert AuditEvent.objects.get(action="papertrading.account.reset").data["epoch"] == 2


@pytest.mark.django_db
def test_another_users_account_does_not_exist_for_you():
    owner, other = UserFactory.create(), UserFactory.create()
    account = open_account(user=owner)
    with pytest.raises(PaperAccount.DoesNotExist):
        own_account(user=other, account_id=account.pk)
    with pytest.raises(PaperAccount.DoesNotExist):
        reset_account(user=other, account_id=account.pk)


@pytest.mark.django_db
def test_check_ledgers_names_a_tampered_balance(capsys):
    account = open_account(user=UserFactory.create(), starting_balance=Decimal("500"))
    call_command("check_ledgers")
    assert "ledgers consistent: 1 balances checked" in capsys.readouterr().out
    with connection.cursor() as cursor:  # raw SQL: the services never allow this
        cursor.execute(
            "UPDATE papertrading_paperbalance SET free = free + 1 WHERE account_id = %s",
            [account.pk],
        )
    with pytest.raises(CommandError, match="1 balance"):
        call_command("check_ledgers")
    assert f"account {account.pk} USDT free: balance 501" in capsys.readouterr().err


@pytest.mark.django_db
def test_bad_accounts_are_refused():
    user = UserFactory.create()
    open_account(user=user, name="Main")
    with pytest.raises(Exception, match="already have an account with this name"):
        open_account(user=user, name="Main")
    with pytest.raises(Exception, match="must be positive"):
        open_account(user=user, name="Other", starting_balance=Decimal(0))


@pytest.mark.parametrize("run", range(3))
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_100_usdt_locks_on_1000_usdt_lock_exactly_ten(run):
    # given
    account = open_account(user=UserFactory.create(), starting_balance=Decimal("1000"))

    def lock_100(n: int) -> str:
        try:
            with transaction.atomic():
                lock_funds(account=account, asset="USDT", amount=Decimal(100), order_ref=f"o-{n}")
        except InsufficientBalance:
            return "refused"
        return "locked"

    # when
    outcomes = run_at_once(50, lock_100)
    # then
    assert outcomes.count("locked") == 10
    assert outcomes.count("refused") == 40
    assert _balance(account) == (Decimal(0), Decimal(1000))
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()
    assert check_ledgers() == []
