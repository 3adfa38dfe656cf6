"""Sign-up to 2FA, and the officer forced through 2FA for the admin, in real Chromium."""

import base64
import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests.factories import UserFactory, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "orbit-lantern-quietly-42"


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in:\n{text}"
    return match.group(0)


def _key_from_secret(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password)
    page.get_by_role("button", name="Sign In").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()


def test_sign_up_verify_enrol_2fa_and_sign_in_with_a_code_and_a_backup_code(
    page: Page, live_server, mailoutbox
):
    base = live_server.url
    # sign up
    page.goto(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.fill('input[name="email"]', "newtrader@example.com")
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # open the verification link from the captured mail
    (mail,) = mailoutbox
    link = _find(r"https?://\S+/accounts/confirm-email/\S+/", mail.body)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # sign in
    _sign_in(page, base, "newtrader@example.com", PASSWORD)
    expect(page.get_by_text("Welcome back, newtrader@example.com")).to_be_visible()

    # enrol 2FA with a code computed from the shown secret
    page.goto(base + "/accounts/security/")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    key = _key_from_secret(page.locator("#totp-secret").inner_text().strip())
    page.fill('input[name="code"]', totp_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    codes = [code.strip() for code in page.locator(".backup-codes code").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("button", name="I have saved them, continue").click()
    expect(page.get_by_text("On.", exact=False)).to_be_visible()
    _sign_out(page)

    # sign in with a code
    _sign_in(page, base, "newtrader@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.fill('input[name="code"]', totp_code(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Welcome back, newtrader@example.com")).to_be_visible()
    _sign_out(page)

    # a backup code works once
    _sign_in(page, base, "newtrader@example.com", PASSWORD)
    page.fill('input[name="code"]', codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Welcome back, newtrader@example.com")).to_be_visible()
    _sign_out(page)
    _sign_in(page, base, "newtrader@example.com", PASSWORD)
    page.fill('input[name="code"]', codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not valid")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_an_officer_is_forced_through_2fa_before_the_admin(page: Page, live_server):
    from django.contrib.auth.models import Group

    officer = UserFactory.create(email="officer@example.com", is_staff=True)
    officer.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    base = live_server.url
    _sign_in(page, base, "officer@example.com", DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    # sent to set up 2FA first
    expect(page.get_by_text("need two-factor authentication to use the admin")).to_be_visible()
    key = _key_from_secret(page.locator("#totp-secret").inner_text().strip())
    page.fill('input[name="code"]', totp_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("button", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    # the audit trail is there for the officer, read-only
    page.get_by_role("link", name="Audit events").click()
    expect(page.get_by_role("cell", name="Two-factor authentication enabled")).to_be_visible()
