"""Pages in real Chromium (Playwright) against the live server."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ["Dashboard", "Markets", "Paper trading", "Bots", "Backtests"]


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
    # staff-only entries are hidden from visitors
    expect(nav.get_by_text("Admin", exact=True)).to_have_count(0)


def test_a_staff_member_signs_in_from_the_nav_and_reaches_the_admin(page, live_server):
    # given
    officer = UserFactory(email="officer@example.com", is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/")
    # when: sign in through the navigation
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # then: back on the dashboard, signed in, with the staff entries
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text("Welcome back, officer@example.com")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    # and the dashboard link leads home again
    page.goto(live_server.url + "/admin/")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
