"""Placing paper orders against the simulated book: funds, fills, ledger, idempotency."""

from decimal import Decimal

import pytest

from compliance.models import AuditEvent
from cryptopulse.errors import ApplicationError
from papertrading.models import LedgerEntry, PaperAccount, PaperBalance
from papertrading.services import InsufficientBalance, check_ledgers, open_account
from tests.concurrency import run_at_once
from tests.factories import UserFactory
from trading.models import Fill, Order
from trading.services.orders import place_order


def _place(account: PaperAccount, **fields):
    """A 0.01 BTC market buy on `account`, changed by `fields`."""
    values = {"symbol": "BTC", "side": "buy", "type": "market", "amount": Decimal("0.01"), **fields}
    return place_order(user=account.user, account=account, **values)


def _balances(account: PaperAccount) -> dict[str, tuple[Decimal, Decimal]]:
    return {b.asset: (b.free, b.locked) for b in PaperBalance.objects.filter(account=account)}


@pytest.fixture
def account(simulated_markets):
    return open_account(user=UserFactory.create(), starting_balance=Decimal("10000"))


@pytest.mark.django_db
def test_a_market_buy_fills_and_books_everything_in_the_ledger(account):
    # when
    placed = _place(account, client_order_id="m-1")
    # then
    order = placed.order
    assert placed.created
    assert (order.status, order.filled_amount, order.mode) == ("filled", Decimal("0.01"), "paper")
    fills = list(Fill.objects.filter(order=order))
    assert sum(f.amount for f in fills) == Decimal("0.01")
    spent = sum(f.price * f.amount for f in fills)
    fee = sum(f.fee for f in fills)
    balances = _balances(account)
    assert balances["USDT"] == (Decimal("10000") - spent, Decimal(0))
    assert balances["BTC"] == (Decimal("0.01") - fee, Decimal(0))
    assert check_ledgers() == []
    assert AuditEvent.objects.get(action="trading.order.placed").data["status"] == "filled"


@pytest.mark.django_db
def test_a_limit_far_below_the_market_rests_with_its_funds_locked(account):
    placed = _place(account, symbol="BTC/USDT", type="limit", price=Decimal("1000.00"))
    assert placed.order.status == "open"
    assert _balances(account)["USDT"] == (Decimal("9990"), Decimal("10"))
    assert check_ledgers() == []


@pytest.mark.django_db
def test_the_same_client_order_id_returns_the_first_order(account):
    first = _place(
        account, symbol="ETH", amount=None, quote_amount=Decimal("100"), client_order_id="same"
    )
    again = _place(
        account, symbol="ETH", amount=None, quote_amount=Decimal("100"), client_order_id="same"
    )
    assert (again.created, again.order.pk) == (False, first.order.pk)
    assert Order.objects.count() == 1
    assert Decimal("9900") <= _balances(account)["USDT"][0] < Decimal("9901")  # one buy, dust back


@pytest.mark.django_db
def test_an_order_the_balance_cannot_cover_is_409_and_writes_nothing(account, settings):
    settings.RISK_MAX_POSITION_PCT = 1e9  # else the position cap (200 % here) refuses it first
    ledger_before = LedgerEntry.objects.count()
    with pytest.raises(InsufficientBalance) as error:
        _place(account, amount=None, quote_amount=Decimal("20000"))
    assert error.value.status == 409
    assert not Order.objects.exists()
    assert LedgerEntry.objects.count() == ledger_before


@pytest.mark.parametrize(
    ("fields", "code", "_case"),
    [
        ({"symbol": "DOGE"}, "unknown_symbol", "unknown symbol"),
        ({"amount": Decimal("0.0000001")}, "amount_not_on_step", "too many decimals"),
        ({"amount": Decimal("-1")}, "invalid_amount", "negative amount"),
        ({"price": Decimal("50000")}, "unexpected_price", "price on a market order"),
        ({"amount": Decimal("0.00001")}, "cost_below_minimum", "below the minimum value"),
        ({"side": "hold"}, "invalid_side", "unknown side"),
        ({"type": "trailing"}, "invalid_type", "unknown type"),
        ({"time_in_force": "FOK"}, "invalid_time_in_force", "unknown time in force"),
    ],
)
@pytest.mark.django_db
def test_bad_orders_are_400_naming_the_problem_and_write_nothing(account, fields, code, _case):
    with pytest.raises(ApplicationError) as error:
        _place(account, **fields)
    assert (error.value.code, error.value.status) == (code, 400)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_another_users_account_is_not_found(account):
    with pytest.raises(PaperAccount.DoesNotExist):
        place_order(
            user=UserFactory.create(),
            account=account,
            symbol="BTC",
            side="buy",
            type="market",
            amount=Decimal("0.01"),
        )


@pytest.mark.parametrize("run", range(3))
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_100_usdt_buys_on_1000_usdt_fill_exactly_ten(
    simulated_markets, run, settings
):
    # given: the position cap off, since this test is about balances (the cap under
    # concurrency: tests/trading/test_order_risk.py)
    settings.RISK_MAX_POSITION_PCT = 1e9
    account = open_account(user=UserFactory.create(), starting_balance=Decimal("1000"))

    def buy_100(n: int) -> str:
        try:
            _place(account, amount=None, quote_amount=Decimal("100"), client_order_id=f"t-{n}")
        except InsufficientBalance:
            return "refused"
        return "filled"

    # when
    outcomes = run_at_once(50, buy_100)
    # then
    assert outcomes.count("filled") == 10
    assert outcomes.count("refused") == 40
    usdt_free, usdt_locked = _balances(account)["USDT"]
    assert usdt_locked == 0
    # each buy returns its step-rounding dust; never enough for an eleventh 100 USDT buy
    assert Decimal(0) <= usdt_free < Decimal("100")
    assert Order.objects.filter(paper_account=account).count() == 10
    assert not LedgerEntry.objects.filter(balance_after__lt=0).exists()
    assert check_ledgers() == []
