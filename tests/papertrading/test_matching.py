"""The matcher: resting paper orders against new prices, positions and P&L, snapshots."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from compliance.models import AuditEvent
from papertrading.matching import PricePoint, match_open_orders
from papertrading.models import EquitySnapshot, PaperBalance, PaperPosition
from papertrading.portfolio import portfolio_of, snapshot_live_accounts
from papertrading.services import check_ledgers, open_account
from papertrading.tasks import match_orders
from tests.factories import UserFactory
from trading.models import Order
from trading.services.orders import cancel_order, place_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def account(simulated_markets):
    return open_account(user=UserFactory.create(), starting_balance=D("10000"))


def _place(account, **fields):
    values = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": D("0.01"), **fields}
    return place_order(user=account.user, account=account, **values).order


def _balances(account):
    return {b.asset: (b.free, b.locked) for b in PaperBalance.objects.filter(account=account)}


def _match(price: str, high: str | None = None, low: str | None = None) -> int:
    point = PricePoint(D(price), D(high) if high else None, D(low) if low else None)
    return match_open_orders(exchange="simulated", prices={"BTC/USDT": point})


def test_a_resting_buy_fills_as_maker_at_its_price_once_traded_through(account):
    order = _place(account, price=D("1000.00"))
    # when: a touch is not enough
    assert _match("1000.00") == 0
    # when: traded through
    assert _match("999.99") == 1
    # then
    order.refresh_from_db()
    (fill,) = order.fills.all()
    assert (order.status, fill.price, fill.amount, fill.is_maker) == (
        "filled",
        D("1000.00"),
        D("0.01"),
        True,
    )
    assert fill.fee == D("0.00001")  # 0.1 % maker, in BTC
    assert _balances(account) == {"USDT": (D("9990"), D(0)), "BTC": (D("0.00999"), D(0))}
    position = PaperPosition.objects.get(account=account, asset="BTC")
    assert (position.quantity, position.cost_basis) == (D("0.00999"), D("10"))
    assert check_ledgers() == []
    event = AuditEvent.objects.get(action="trading.order.filled")
    assert event.actor_kind == "system"
    assert event.data["status"] == "filled"
    assert _match("900") == 0, "a filled order never fills twice"


def test_a_cancelled_order_is_not_matched(account):
    order = _place(account, price=D("1000.00"))
    cancel_order(user=account.user, order_id=order.pk)
    assert _match("1") == 0
    assert Order.objects.get(pk=order.pk).fills.count() == 0


def test_a_stop_loss_sell_triggers_and_sells_against_the_book(account):
    place_order(
        user=account.user,
        account=account,
        symbol="BTC/USDT",
        side="buy",
        type="market",
        amount=D("0.02"),
    )
    stop = _place(account, side="sell", type="stop_loss", amount=D("0.01"), stop_price=D("1000.00"))
    assert stop.status == "open"
    # when
    assert _match("1000.00") == 1  # the boundary counts for stops
    # then
    stop.refresh_from_db()
    assert stop.status == "filled"
    assert stop.triggered
    assert stop.fills.count() >= 1
    assert all(not fill.is_maker for fill in stop.fills.all())
    assert check_ledgers() == []


def test_buying_then_selling_realises_the_exact_pnl(account):
    buy = _place(account, price=D("1000.00"), amount=D("0.02"))
    _match("999")
    # far above the market, so it rests instead of filling at once as taker
    sell = _place(account, side="sell", price=D("1000000.00"), amount=D("0.01"))
    assert sell.status == "open"
    # when
    _match("1000000.01")
    # then
    buy.refresh_from_db()
    sell.refresh_from_db()
    assert (buy.status, sell.status) == ("filled", "filled")
    position = PaperPosition.objects.get(account=account, asset="BTC")
    held_after_buy = D("0.02") - D("0.00002")  # the buy's fee, in BTC
    cost_share = D("20") * D("0.01") / held_after_buy  # 0.01 BTC's share of the 20 USDT cost
    proceeds = D("10000") - D("10")  # 0.01 * 1,000,000, less the 0.1 % fee in USDT
    assert position.quantity == held_after_buy - D("0.01")
    assert abs(position.realised_pnl - (proceeds - cost_share)) < D("1E-17")
    assert abs(position.cost_basis - (D("20") - cost_share)) < D("1E-17")
    btc = _balances(account)["BTC"]
    assert btc[0] + btc[1] == position.quantity, "the position is the balance"
    snapshot = portfolio_of(account=account)
    assert snapshot.realised_pnl == position.realised_pnl


def test_the_beat_fallback_matches_at_cached_tickers(account):
    from django.core.cache import cache

    from trading.services.markets import ticker_key

    order = _place(account, price=D("1000.00"))
    cache.set(ticker_key("simulated", "BTC/USDT"), {"last": "990.00"}, timeout=30)
    # when
    assert match_orders() == 1
    # then
    order.refresh_from_db()
    assert order.status == "filled"


def test_scheduled_snapshots_are_one_per_account_and_slot(account):
    at = datetime(2026, 12, 2, 12, 3, tzinfo=UTC)
    assert snapshot_live_accounts(now=at) >= 1
    assert snapshot_live_accounts(now=at.replace(minute=4)) == 0, "same 5-minute slot"
    rows = EquitySnapshot.objects.filter(account=account, reason="schedule")
    assert [(r.taken_at, r.equity) for r in rows] == [
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), D("10000"))
    ]
    assert snapshot_live_accounts(now=at.replace(minute=5)) >= 1
