"""Races on real PostgreSQL: cancel against the matcher, reset against orders."""

from decimal import Decimal

import pytest

from papertrading.matching import PricePoint, match_open_orders
from papertrading.models import LedgerEntry, PaperBalance
from papertrading.services import InsufficientBalance, check_ledgers, open_account, reset_account
from tests.concurrency import run_at_once
from tests.factories import UserFactory
from trading.models import Order
from trading.order_status import IllegalTransition
from trading.services.orders import cancel_order, place_order

D = Decimal


@pytest.mark.parametrize("run", range(3))
@pytest.mark.django_db(transaction=True)
def test_a_cancel_racing_the_matcher_ends_in_exactly_one_outcome(simulated_markets, run):
    # given: ten resting limit buys
    account = open_account(user=UserFactory.create(), starting_balance=D("1000"))
    orders = [
        place_order(
            user=account.user,
            account=account,
            symbol="BTC/USDT",
            side="buy",
            type="limit",
            amount=D("0.01"),
            price=D("1000.00"),
        ).order
        for _ in range(10)
    ]

    def act(n: int) -> str:
        if n % 2 == 0:
            prices = {"BTC/USDT": PricePoint(D("999.00"))}
            return f"matched {match_open_orders(exchange='simulated', prices=prices)}"
        try:
            cancel_order(user=account.user, order_id=orders[n // 2].pk)
        except IllegalTransition:
            return "too late"
        return "cancelled"

    # when: five matcher runs and ten cancels at once
    run_at_once(20, act)
    # then: every order is either filled (with its one fill) or cancelled (with none)
    statuses = {}
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        statuses[order.pk] = order.status
        assert order.status in ("filled", "canceled")
        assert order.fills.count() == (1 if order.status == "filled" else 0)
    filled = sum(1 for status in statuses.values() if status == "filled")
    usdt = PaperBalance.objects.get(account=account, asset="USDT")
    assert usdt.locked == 0
    assert usdt.free == D("1000") - D("10") * filled
    assert check_ledgers() == []


@pytest.mark.django_db(transaction=True)
def test_orders_racing_a_reset_never_leave_funds_locked_or_negative(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("1000"))

    def act(n: int) -> str:
        if n == 0:
            reset_account(user=account.user, account_id=account.pk)
            return "reset"
        try:
            place_order(
                user=account.user,
                account=account,
                symbol="BTC/USDT",
                side="buy",
                type="limit",
                amount=D("0.01"),
                price=D("1000.00"),
            )
        except InsufficientBalance:
            return "refused"
        return "placed"

    outcomes = run_at_once(30, act)
    assert outcomes.count("reset") == 1
    account.refresh_from_db()
    usdt = PaperBalance.objects.get(account=account, asset="USDT")
    open_now = Order.objects.filter(paper_account=account, status="open")
    # after the reset only orders placed after it are open, and they hold what is locked
    assert all(order.epoch == account.epoch for order in open_now)
    assert usdt.locked == D("10") * open_now.count()
    assert usdt.free + usdt.locked == D("1000")
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()
    assert check_ledgers() == []
