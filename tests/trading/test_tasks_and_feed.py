"""Scheduled market-data tasks and the feed process, against the loopback exchange."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from trading.models import Candle, Market
from trading.services.markets import ticker_key
from trading.tasks import fetch_latest_candles, refresh_tickers, sync_markets_task

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_refresh_tickers_loads_markets_first_then_caches_tickers(simulator):
    assert refresh_tickers() == 0  # no markets yet: it asks for a market sync
    assert sync_markets_task()["created"] == 5
    assert refresh_tickers() == 5
    assert cache.get(ticker_key("simulated", "SOL/USDT"))["symbol"] == "SOL/USDT"


@pytest.mark.django_db
def test_fetch_latest_candles_twice_stores_once(simulated_markets):
    Market.objects.exclude(symbol="BTC/USDT").update(active=False)
    first = fetch_latest_candles()
    second = fetch_latest_candles()
    assert first > 0
    assert second <= 3  # at most a candle that closed in between, per timeframe
    assert set(Candle.objects.values_list("timeframe", flat=True)) == {"1m", "5m", "1h"}


@pytest.mark.django_db(transaction=True)
def test_the_feed_process_publishes_until_sigterm(simulator):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cryptopulse.settings_test",
        "CRYPTOPULSE_TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SIM_EXCHANGE_URL": simulator.url,
        "MARKET_DATA_SOURCE": "simulated",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_market_feed", "--interval", "0.2"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and cache.get(ticker_key("simulated", "BTC/USDT")) is None
        ):
            time.sleep(0.2)
        assert cache.get(ticker_key("simulated", "BTC/USDT")) is not None
        assert Market.objects.filter(exchange="simulated").count() == 5  # loaded on a fresh DB
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "market feed: simulated" in output
    assert "market feed stopped" in output
