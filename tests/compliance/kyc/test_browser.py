"""In real Chromium: a trader completes KYC level 1 (with a real PNG) and an officer with
2FA approves it in the admin; the trader's page then shows level 1 approved."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from compliance.models import KycStatus, KycSubmission
from tests.compliance.kyc.helpers import make_officer, png_bytes
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()


def test_a_trader_completes_level_one_and_an_officer_approves_it(page: Page, live_server):
    base = live_server.url
    UserFactory.create(email="trader@example.com")
    officer = make_officer(email="officer@example.com")
    key, _codes = enable_two_factor(officer)
    expiry = (timezone.now().date() + timedelta(days=4 * 365)).isoformat()

    # the trader fills in level 1 and uploads a photo of the passport
    _sign_in(page, base, "trader@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KYC").click()
    expect(page.locator("#kyc-current-level")).to_have_text("0")
    form = page.locator("#kyc-form-1")
    form.get_by_label("Legal name").fill("Ada Lovelace")
    form.get_by_label("Date of birth").fill("1990-12-10")
    form.get_by_label("Nationality").select_option("GB")
    form.get_by_label("Country of residence").select_option(label="United Kingdom")
    form.get_by_label("Street address").fill("12 St James's Square")
    form.get_by_label("City").fill("London")
    form.get_by_label("Postal code").fill("SW1Y 4JH")
    form.get_by_label("ID document type").select_option("passport")
    form.get_by_label("ID document number").fill("123456789")
    form.get_by_label("ID document expiry date").fill(expiry)
    form.locator('input[name="id_document"]').set_input_files(
        files=FilePayload(name="passport.png", mimeType="image/png", buffer=png_bytes((320, 200)))
    )
    form.get_by_role("button", name="Send level 1 for review").click()
    expect(page.get_by_text("Level 1 sent for review.")).to_be_visible()
    expect(page.locator("#kyc-step-1")).to_contain_text("Pending review")
    _sign_out(page)

    # the officer signs in with the second factor and approves it in the admin
    _sign_in(page, base, "officer@example.com")
    page.fill('input[name="code"]', totp_code(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="KYC submissions").click()
    page.get_by_role("link", name="trader@example.com").click()
    expect(page.get_by_text("Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="Government ID document")).to_be_visible()
    page.get_by_role("link", name="Decide on this submission").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Approve: 1 submission(s).")).to_be_visible()
    submission = KycSubmission.objects.get()
    assert (submission.status, submission.reviewer_id) == (KycStatus.APPROVED, officer.pk)
    page.goto(base + "/")
    _sign_out(page)

    # the trader's page shows level 1 approved, with its limits
    _sign_in(page, base, "trader@example.com")
    page.goto(base + "/kyc/")
    expect(page.locator("#kyc-current-level")).to_have_text("1")
    expect(page.locator("#kyc-step-1")).to_contain_text("Level 1 approved")
    expect(page.locator("#kyc-limits")).to_contain_text("10,000.00")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kyc.png"), full_page=True)
