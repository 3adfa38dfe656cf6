"""Pages in real Chromium (Playwright) against the live server."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["Dashboard", "Markets", "Strategies"]


def test_the_home_page_renders_with_styles_and_navigation(page, live_server):
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Dashboard · CryptoPulse")
    nav = page.get_by_role("navigation", name="Main")
    for section in SECTIONS:
        expect(nav.get_by_text(section, exact=True)).to_be_visible()
    # Pico (from npm, served by the app) styled the page: the container is centred, not full width
    container_width = page.locator("main.container").evaluate(
        "e => e.getBoundingClientRect().width"
    )
    assert container_width < page.viewport_size["width"]
    assert page.evaluate("typeof window.htmx") == "object"
    # staff-only entries and the signed-in sections are hidden from visitors
    expect(nav.get_by_text("Admin", exact=True)).to_have_count(0)
    expect(nav.get_by_text("Paper trading", exact=True)).to_have_count(0)
    expect(nav.get_by_text("Bots", exact=True)).to_have_count(0)
    expect(nav.get_by_text("Backtests", exact=True)).to_have_count(0)


def _sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password)
    page.get_by_role("button", name="Sign In").click()


def test_a_trader_signs_in_from_the_nav_sees_the_dashboard_and_signs_out(page, live_server):
    # given
    UserFactory.create(email="trader@example.com")
    # when
    _sign_in(page, live_server, "trader@example.com", DEFAULT_PASSWORD)
    # then: back on the dashboard, signed in, without staff entries
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text("Welcome back, trader@example.com")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text("Admin", exact=True)).to_have_count(0)
    # paper trading is a real page now, not a pending section
    nav.get_by_role("link", name="Paper trading").click()
    expect(page).to_have_url(live_server.url + "/paper-trading/")
    expect(nav.get_by_role("link", name="Paper trading")).to_have_attribute("aria-current", "page")
    # and so are bots
    nav.get_by_role("link", name="Bots").click()
    expect(page).to_have_url(live_server.url + "/bots/")
    expect(nav.get_by_role("link", name="Bots")).to_have_attribute("aria-current", "page")
    # and backtests
    nav.get_by_role("link", name="Backtests").click()
    expect(page).to_have_url(live_server.url + "/backtests/")
    expect(nav.get_by_role("link", name="Backtests")).to_have_attribute("aria-current", "page")
    # and signing out returns to the visitor's view
    page.get_by_role("button", name="Sign out").click()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()


def test_a_wrong_password_is_refused_with_a_clear_message(page, live_server):
    UserFactory.create(email="trader@example.com")
    _sign_in(page, live_server, "trader@example.com", "not-the-password")
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.locator('input[name="login"]')).to_have_value("trader@example.com")


def test_a_staff_member_with_2fa_reaches_the_admin_from_the_nav(page, live_server):
    officer = UserFactory.create(email="officer@example.com", is_staff=True, is_superuser=True)
    key, _ = enable_two_factor(officer)
    _sign_in(page, live_server, "officer@example.com", DEFAULT_PASSWORD)
    page.fill('input[name="code"]', totp_code(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="View site").click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/$"))
