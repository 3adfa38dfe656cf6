"""Replay: a paper account trading on stored candles, one candle at a time, no look-ahead."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from cryptopulse.errors import ApplicationError
from papertrading.matching import open_next_candle, step_replay
from papertrading.models import EquitySnapshot, PaperBalance
from papertrading.replay import start_replay
from papertrading.services import check_ledgers, open_account
from papertrading.venue import PaperVenue
from tests.factories import UserFactory
from trading.models import Candle
from trading.services.orders import place_order

pytestmark = pytest.mark.django_db
D = Decimal
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
# (open, high, low, close) of five hourly BTC/USDT candles
PATH = [
    ("100.00", "101.00", "99.00", "100.00"),
    ("100.00", "100.50", "97.00", "98.00"),  # trades through a 98.50 buy limit
    ("98.00", "99.00", "95.00", "96.00"),
    ("96.00", "104.00", "96.00", "103.00"),  # trades through a 102.00 sell limit
    ("103.00", "103.50", "102.00", "103.00"),
]


@pytest.fixture
def replay_account(simulated_markets):
    Candle.objects.bulk_create(
        Candle(
            exchange="simulated",
            symbol="BTC/USDT",
            timeframe="1h",
            open_time=T0 + timedelta(hours=n),
            open=D(o),
            high=D(h),
            low=D(lo),
            close=D(c),
            volume=D("50"),
        )
        for n, (o, h, lo, c) in enumerate(PATH)
    )
    account = open_account(user=UserFactory.create(), starting_balance=D("1000"))
    return start_replay(
        user=account.user,
        account_id=account.pk,
        timeframe="1h",
        start=T0,
        end=T0 + timedelta(hours=4),
    )


def _place(account, **fields):
    values = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": D("1"), **fields}
    return place_order(user=account.user, account=account, **values).order


def test_the_account_sees_only_the_cursor_candle_and_earlier(replay_account):
    venue = PaperVenue(replay_account)
    assert venue.fetch_ticker("BTC/USDT").last == D("100.00")
    assert [c.open_time for c in venue.fetch_ohlcv("BTC/USDT", "1h")] == [T0]
    assert venue.now() == T0 + timedelta(hours=1)  # the cursor candle has closed
    step = step_replay(user=replay_account.user, account_id=replay_account.pk)
    assert len(PaperVenue(step.account).fetch_ohlcv("BTC/USDT", "1h")) == 2
    assert AuditEvent.objects.filter(action="papertrading.replay.started").count() == 1


def test_at_the_next_candles_open_the_account_sees_only_that_open(replay_account):
    # given: the cursor on candle 0; when: the clock moves to candle 1's open
    assert open_next_candle(user=replay_account.user, account_id=replay_account.pk)
    replay_account.refresh_from_db()
    venue = PaperVenue(replay_account)
    # then: candle 1 has opened at 100.00 (its low of 97 is not known yet)
    assert (replay_account.replay_cursor, replay_account.replay_at_open) == (T0 + HOUR, True)
    assert venue.now() == T0 + HOUR
    ticker = venue.fetch_ticker("BTC/USDT")
    assert (ticker.last, ticker.low, ticker.high) == (D("100.00"), D("100.00"), D("100.00"))
    assert [c.open_time for c in venue.fetch_ohlcv("BTC/USDT", "1h")] == [T0]
    order = _place(replay_account, type="market", amount=D("1"))
    assert (order.average_price, order.fills.get().executed_at) == (D("100.00"), T0 + HOUR)
    # when: the step completes candle 1; then its close is the price
    resting = _place(replay_account, price=D("98.50"))
    step = step_replay(user=replay_account.user, account_id=replay_account.pk)
    resting.refresh_from_db()
    assert (step.moved, step.account.replay_cursor, step.account.replay_at_open) == (
        1,
        T0 + HOUR,
        False,
    )
    assert resting.status == "filled"
    assert PaperVenue(step.account).fetch_ticker("BTC/USDT").last == D("98.00")


def test_opening_past_the_last_candle_says_so(replay_account):
    for _ in range(4):
        assert open_next_candle(user=replay_account.user, account_id=replay_account.pk)
        assert open_next_candle(user=replay_account.user, account_id=replay_account.pk)  # idem
        step_replay(user=replay_account.user, account_id=replay_account.pk)
    assert not open_next_candle(user=replay_account.user, account_id=replay_account.pk)


def test_a_market_buy_fills_at_the_cursor_close(replay_account):
    order = _place(replay_account, type="market", amount=D("2"))
    assert (order.status, order.average_price) == ("filled", D("100.00"))
    assert order.fills.get().executed_at == T0 + timedelta(hours=1)


def test_resting_orders_fill_on_the_candles_that_trade_through_them(replay_account):
    # given
    buy = _place(replay_account, price=D("98.50"))
    assert buy.status == "open"
    # when: the next candle's low (97) goes below 98.50
    step = step_replay(user=replay_account.user, account_id=replay_account.pk)
    # then
    buy.refresh_from_db()
    assert (step.moved, step.changed_orders, buy.status) == (1, 1, "filled")
    assert buy.fills.get().price == D("98.50")
    # given: a sell limit above the market; when: two more candles
    sell = _place(replay_account, side="sell", price=D("102.00"), amount=D("0.999"))
    step = step_replay(user=replay_account.user, account_id=replay_account.pk, steps=2)
    sell.refresh_from_db()
    assert (step.moved, sell.status, sell.fills.get().price) == (2, "filled", D("102.00"))
    usdt = PaperBalance.objects.get(account=replay_account, asset="USDT")
    expected = D("1000") - D("98.50") + D("0.999") * D("102.00") * (1 - D("0.001"))
    assert usdt.free == expected.quantize(D("1E-18"))
    assert check_ledgers() == []
    # then: the end of the range
    last = step_replay(user=replay_account.user, account_id=replay_account.pk, steps=10)
    assert (last.moved, last.finished) == (1, True)
    assert EquitySnapshot.objects.filter(account=replay_account, reason="replay").count() == 3


def test_an_account_with_open_orders_cannot_switch_to_replay(simulated_markets):
    account = open_account(user=UserFactory.create(), starting_balance=D("1000"))
    _place(account, price=D("1000.00"), amount=D("0.01"))
    with pytest.raises(ApplicationError) as error:
        start_replay(
            user=account.user,
            account_id=account.pk,
            timeframe="1h",
            start=T0,
            end=T0 + timedelta(hours=4),
        )
    assert error.value.code == "open_orders"


def test_a_range_without_candles_is_400_over_the_api(simulated_markets):
    user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    account_id = api.get("/api/v1/paper-trading/accounts").json()[0]["id"]
    answer = api.post(
        f"/api/v1/paper-trading/accounts/{account_id}/replay",
        {"timeframe": "1h", "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "no_candles"
    stepped = api.post(f"/api/v1/paper-trading/accounts/{account_id}/replay/step", {})
    assert stepped.status_code == 400
    assert stepped.json()["code"] == "not_replay"


def test_replay_over_the_api(replay_account):
    api = APIClient()
    api.force_authenticate(replay_account.user)
    stepped = api.post(
        f"/api/v1/paper-trading/accounts/{replay_account.pk}/replay/step", {"steps": 2}
    )
    assert stepped.status_code == 200, stepped.json()
    assert stepped.json()["account"]["replay_cursor"] == "2026-01-01T02:00:00Z"
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert (
        other.post(
            f"/api/v1/paper-trading/accounts/{replay_account.pk}/replay/step", {}
        ).status_code
        == 404
    )
