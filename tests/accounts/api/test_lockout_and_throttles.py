"""Lockout after 5 failures per account + address (django-axes), and the auth throttle."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from compliance.models import AuditEvent
from tests.accounts.api.conftest import login
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_account_for_this_address_with_a_clear_429(api):
    # given
    user = UserFactory.create(email="alice@example.com")
    # when: five wrong passwords
    statuses = [
        login(api, "alice@example.com", f"wrong-{n}-password").status_code for n in range(5)
    ]
    # then: the fifth already locks; even the right password is refused now
    assert statuses[:4] == [401, 401, 401, 401]
    locked = login(api, "alice@example.com", DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "Try again in 15 minutes" in locked.json()["message"]
    assert locked["Retry-After"] == "900"
    lockouts = AuditEvent.objects.filter(
        action="accounts.login.locked_out", stream=f"user:{user.pk}"
    )
    assert lockouts.count() == 1
    assert lockouts.get().data["email"] == "alice@example.com"
    failures = AuditEvent.objects.filter(action="accounts.login.failed", stream=f"user:{user.pk}")
    assert failures.count() >= 5


def test_the_lockout_is_per_address_so_another_address_can_still_sign_in(api, client):
    UserFactory.create(email="alice@example.com")
    for n in range(5):
        api.post(
            "/api/v1/auth/login",
            {"email": "alice@example.com", "password": f"wrong-{n}"},
            REMOTE_ADDR="198.51.100.7",
        )
    elsewhere = api.post(
        "/api/v1/auth/login",
        {"email": "alice@example.com", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert elsewhere.status_code == 200


def test_the_browser_sign_in_shares_the_lockout(api, client):
    UserFactory.create(email="alice@example.com")
    for n in range(5):
        login(api, "alice@example.com", f"wrong-{n}-password")
    page = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == 429
    assert "Too many failed sign-in attempts" in page.content.decode()


def test_the_auth_scope_throttle_answers_429_with_retry_after(api, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "3/min")
    answers = [
        api.post("/api/v1/auth/register", {"email": "x@example.com", "password": "p"}).status_code
        for _ in range(4)
    ]
    assert answers[:3] == [400, 400, 400]
    throttled = api.post("/api/v1/auth/register", {"email": "x@example.com", "password": "p"})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
