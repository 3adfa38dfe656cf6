"""Market data endpoints, commands and the feed, against the loopback exchange."""

from datetime import timedelta
from itertools import pairwise

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from cryptopulse.asgi import application
from trading.exchanges.registry import get_venue
from trading.models import Candle, Market
from trading.services.feed import publish_once
from trading.services.markets import get_ticker, ticker_key

pytestmark = pytest.mark.django_db

# Browsers always send it; the websocket routes refuse other origins.
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


@pytest.fixture
def api():
    return APIClient()


def test_sync_markets_loads_precision_and_is_idempotent(simulator, capsys):
    call_command("sync_markets", "--exchange", "simulated")
    call_command("sync_markets", "--exchange", "simulated")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("simulated: 5 markets created")
    assert out[1] == "simulated: 0 markets created, 0 updated, 0 deactivated"
    btc = Market.objects.get(exchange="simulated", symbol="BTC/USDT")
    assert btc.price_tick > 0
    assert btc.amount_step > 0


@pytest.mark.parametrize("spelling", ["BTC", "BTCUSDT", "BTC-USDT", "btc_usdt"])
def test_the_ticker_accepts_every_spelling(api, simulated_markets, spelling):
    response = api.get(f"/api/v1/market-data/ticker/{spelling}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["symbol"], body["exchange"], body["simulated"]) == ("BTC/USDT", "simulated", True)
    assert float(body["last"]) > 0


def test_the_ticker_is_served_from_the_cache_once_fetched(simulated_markets):
    cache.delete(ticker_key("simulated", "ETH/USDT"))
    venue = get_venue(exchange="simulated")
    first, first_hit = get_ticker(venue=venue, exchange="simulated", symbol="ETH/USDT")
    second, second_hit = get_ticker(venue=venue, exchange="simulated", symbol="ETH/USDT")
    assert (first_hit, second_hit) == (False, True)
    assert first == second


def test_an_unknown_symbol_is_404_unknown_symbol(api, simulated_markets):
    for symbol in ("DOGE", "NOT-A-PAIR", "BTC-USDT-X"):
        response = api.get(f"/api/v1/market-data/ticker/{symbol}")
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_symbol"


def test_markets_list(api, simulated_markets):
    rows = api.get("/api/v1/market-data/markets").json()
    assert [row["symbol"] for row in rows] == [
        "BNB/USDT",
        "BTC/USDT",
        "ETH/USDT",
        "SOL/USDT",
        "XRP/USDT",
    ]


def test_fetch_candles_paginates_resumes_and_serves_ranges(api, simulated_markets, capsys):
    since = (timezone.now() - timedelta(minutes=2500)).replace(second=0, microsecond=0)
    args = ["fetch_candles", "--exchange", "simulated", "--symbol", "BTC", "--timeframe", "1m"]
    call_command(*args, "--since", since.isoformat())
    stored = Candle.objects.filter(exchange="simulated", symbol="BTC/USDT", timeframe="1m")
    count = stored.count()
    assert 2490 <= count <= 2500  # more than two pages of 1000, closed candles only
    times = list(stored.order_by("open_time").values_list("open_time", flat=True))
    assert all(b - a == timedelta(minutes=1) for a, b in pairwise(times))
    call_command(*args, "--since", since.isoformat())  # resumes after the newest: nothing new
    assert stored.count() - count <= 1
    assert " new" in capsys.readouterr().out
    # the candles endpoint reads ranges from the stored rows
    start = times[10]
    response = api.get(
        "/api/v1/market-data/candles",
        {"symbol": "BTC-USDT", "timeframe": "1m", "start": start.isoformat(), "limit": 5},
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 5
    assert body[0]["open"].count(".") == 1  # decimals as strings


@pytest.mark.parametrize(
    ("params", "field", "_case"),
    [
        ({"symbol": "BTC", "timeframe": "7m"}, "timeframe", "unknown timeframe"),
        ({"symbol": "BTC", "limit": 5000}, "limit", "too many"),
        ({"timeframe": "1m"}, "symbol", "no symbol"),
        (
            {"symbol": "BTC", "start": "2024-02-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"},
            "end",
            "end before start",
        ),
    ],
)
def test_bad_candle_queries_are_400_naming_the_field(api, simulated_markets, params, field, _case):
    response = api.get("/api/v1/market-data/candles", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_public_endpoints_are_throttled_per_address(api, simulated_markets, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "public", "2/min")
    codes = [api.get("/api/v1/market-data/markets").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_the_feed_pushes_one_frame_per_symbol_to_its_sockets(simulated_markets):
    async def scenario():
        btc = WebsocketCommunicator(application, "/ws/market/BTC-USDT/", headers=ORIGIN)
        eth = WebsocketCommunicator(application, "/ws/market/ETHUSDT/", headers=ORIGIN)
        assert (await btc.connect())[0]
        assert (await eth.connect())[0]
        from asgiref.sync import sync_to_async

        sent = await sync_to_async(publish_once)(
            venue=get_venue(exchange="simulated"),
            exchange="simulated",
            symbols=["BTC/USDT", "ETH/USDT"],
        )
        btc_frame = await btc.receive_json_from(timeout=5)
        eth_frame = await eth.receive_json_from(timeout=5)
        only_one = await btc.receive_nothing(timeout=0.3)
        await btc.disconnect()
        await eth.disconnect()
        return sent, btc_frame, eth_frame, only_one

    sent, btc_frame, eth_frame, only_one = async_to_sync(scenario)()
    assert sent == 2
    assert (btc_frame["symbol"], eth_frame["symbol"]) == ("BTC/USDT", "ETH/USDT")
    assert float(btc_frame["ticker"]["last"]) > 0
    assert set(btc_frame["candle"]) == {"open_time", "open", "high", "low", "close", "volume"}
    assert only_one
    assert cache.get(ticker_key("simulated", "BTC/USDT"))["last"] == btc_frame["ticker"]["last"]


def test_a_nonsense_symbol_socket_is_closed(simulated_markets):
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/market/BTC-USDT-X/", headers=ORIGIN)
        return await socket.connect()

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == 4404
