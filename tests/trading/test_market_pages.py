"""The markets page and a symbol's chart, live, in real Chromium."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import ARTIFACTS
from trading.exchanges.registry import get_venue
from trading.services.candles import fetch_candles
from trading.services.feed import publish_once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Feed:
    """The market feed, run in a thread for the test (make run runs it as a process)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connections

        venue = get_venue(exchange="simulated")
        try:
            while not self.stop.wait(0.5):
                publish_once(venue=venue, exchange="simulated", symbols=["BTC/USDT", "ETH/USDT"])
        finally:
            connections.close_all()


@pytest.fixture
def feed(simulated_markets):
    running = Feed()
    running.thread.start()
    yield running
    running.stop.set()
    running.thread.join(timeout=10)


def test_the_markets_page_shows_live_prices_and_the_chart_draws_candles(
    page: Page, live_server, ws_server, settings, simulated_markets, feed
):
    # given: stored hourly candles and the live feed
    settings.WS_PUBLIC_URL = ws_server
    now = timezone.now()
    stored = fetch_candles(
        venue=get_venue(exchange="simulated"),
        exchange="simulated",
        symbol="BTC/USDT",
        timeframe="1h",
        since=now - timedelta(days=5),
        now=now,
    )
    # when: the markets page is open
    page.goto(live_server.url + "/markets/")
    btc = page.locator('tr[data-symbol="BTC/USDT"]')
    # then: its row is updated live by the feed
    expect(btc).to_have_attribute("data-live", "true")
    expect(btc).to_have_attribute("data-updated", timeout=10000)
    assert float(btc.locator('[data-field="last"]').inner_text()) > 0
    expect(page.get_by_text("simulated", exact=True)).to_be_visible()
    # and the symbol page draws the stored candles and a live last price
    btc.get_by_role("link", name="BTC/USDT").click()
    chart = page.locator("#chart")
    assert stored.inserted >= 119  # five days of closed hourly candles
    expect(chart).to_have_attribute("data-candles", str(stored.inserted))
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.locator("#last-price")).not_to_have_text("—", timeout=10000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "markets-chart.png"), full_page=True)
