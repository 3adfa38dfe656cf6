"""Paper trading in real Chromium: the ticket, the portfolio, open orders and live updates."""

import math
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Page, expect

from papertrading.models import EquitySnapshot, SnapshotReason
from papertrading.services import default_account
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from trading.exchanges.registry import get_venue
from trading.models import Order
from trading.services.markets import store_tickers
from trading.services.orders import place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

T = TypeVar("T")


def _sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.\-]", "", text.split()[0]))


def _in_thread(work: Callable[[], T]) -> T:
    """Run `work` off Playwright's event loop thread, as the API or a bot would place it
    (Django's sync code, e.g. async_to_sync in a push, must not run inside a running loop)."""
    results: list[T] = []

    def run() -> None:
        try:
            results.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert results, "the order was not placed"
    return results[0]


def _seed_equity_curve(user) -> None:
    """Scheduled points of the last hours, as beat writes them every 5 minutes."""
    account = default_account(user=user)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=4)
    for n in range(48):
        wave = Decimal(f"{math.sin(n / 5) * 60 + math.sin(n / 2) * 12:.2f}")
        equity = Decimal("10000") + wave + Decimal(n) * Decimal("1.5")
        EquitySnapshot.objects.create(
            account=account,
            epoch=account.epoch,
            taken_at=start + timedelta(minutes=5 * n),
            equity=equity,
            cash=equity,
            positions_value=Decimal(0),
            reason=SnapshotReason.SCHEDULE,
        )


def test_buy_on_paper_then_rest_and_cancel_a_limit_with_live_updates(
    page: Page, live_server, ws_server, celery_worker_process, settings, simulated_markets
):
    # The worker sends the order notifications (monitoring.notify_user) to the ws process.
    # given: a signed-in trader, last prices in the cache (as the feed keeps them)
    settings.WS_PUBLIC_URL = ws_server
    venue = get_venue(exchange="simulated")
    store_tickers(exchange="simulated", tickers=venue.fetch_tickers(["BTC/USDT", "ETH/USDT"]))
    user = UserFactory.create(email="paper@example.com")
    _seed_equity_curve(user)
    # The session cookie goes only to the host it was set for: browse on the websocket's host
    # (live_server says "localhost", ws_server "127.0.0.1"), or the socket is anonymous.
    base = live_server.url.replace("//localhost:", "//127.0.0.1:")
    _sign_in(page, base, "paper@example.com", DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Paper trading").click()
    expect(page.get_by_role("heading", name="Paper trading")).to_be_visible()
    expect(page.locator("#cash")).to_contain_text("10,000.00")
    expect(page.locator("#equity-chart canvas").first).to_be_visible()
    expect(page.locator("#equity-chart")).to_have_attribute("data-points", "48")

    # when: a market buy of 0.01 BTC from the ticket
    page.select_option("#id_symbol", "BTC/USDT")
    page.get_by_label("Buy", exact=True).check()
    page.select_option("#id_type", "market")
    expect(page.locator("#id_price")).to_be_hidden()
    page.fill("#id_amount", "0.01")
    page.get_by_role("button", name="Buy BTC (paper)").click()

    # then: USDT fell and a BTC holding appeared
    expect(page.get_by_text("Market buy BTC/USDT: filled")).to_be_visible()
    btc = page.locator('#holdings tr[data-asset="BTC"]')
    expect(btc).to_be_visible()
    assert Decimal("0.0099") < _number(btc.locator('[data-field="quantity"]').inner_text())
    assert _number(page.locator("#cash").inner_text()) < Decimal("10000")
    filled = page.locator("#order-history tr[data-order-id]")
    expect(filled).to_have_count(1)
    expect(filled).to_contain_text("PAPER")
    expect(filled).to_contain_text("Filled")

    # when: a limit buy far below the market
    page.select_option("#id_type", "limit")
    expect(page.locator("#id_price")).to_be_visible()
    expect(page.locator("#id_time_in_force")).to_be_visible()
    page.fill("#id_amount", "0.01")
    page.fill("#id_price", "1000")
    page.get_by_role("button", name="Buy BTC (paper)").click()

    # then: it rests under open orders, labelled paper, and cancelling removes it
    resting = page.locator("#open-orders tr[data-order-id]")
    expect(resting).to_have_count(1)
    expect(resting).to_contain_text("PAPER")
    expect(resting).to_contain_text("Limit")
    resting.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("cancelled; its funds are free again")).to_be_visible()
    expect(page.locator("#open-orders tr[data-order-id]")).to_have_count(0)
    expect(page.locator("#open-orders")).to_contain_text("No open orders.")

    # when: an order is placed elsewhere (the API, a bot) while the page is open
    expect(page.locator("body")).to_have_attribute("data-ws-state", "open")
    elsewhere = _in_thread(
        lambda: (
            place_order(
                user=user,
                account=default_account(user=user),
                symbol="BTC/USDT",
                side="buy",
                type="limit",
                amount=Decimal("0.002"),
                price=Decimal("20000.00"),
            ).order
        )
    )
    # then: the page shows it without a reload
    live_row = page.locator(f'#open-orders tr[data-order-id="{elsewhere.pk}"]')
    expect(live_row).to_be_visible(timeout=10000)
    expect(page.locator("#paper-trading")).to_have_attribute("data-refreshed", re.compile(r"\d+"))
    assert Order.objects.filter(user=user).count() == 3

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "paper-trading.png"), full_page=True)
