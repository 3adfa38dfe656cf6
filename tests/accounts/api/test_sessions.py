import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _browser_session(email: str) -> Client:
    browser = Client(HTTP_USER_AGENT="TestBrowser/1.0")
    response = browser.post("/accounts/login/", {"login": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def test_a_user_lists_only_their_own_sessions(api):
    alice = UserFactory.create(email="alice@example.com")
    UserFactory.create(email="bob@example.com")
    _browser_session("alice@example.com")
    _browser_session("bob@example.com")
    api.force_authenticate(alice)
    rows = api.get("/api/v1/sessions").json()
    assert len(rows) == 1
    assert rows[0]["user_agent"] == "TestBrowser/1.0"
    assert rows[0]["current"] is False


def test_user_a_cannot_end_user_b_session(api):
    alice = UserFactory.create(email="alice@example.com")
    bob = UserFactory.create(email="bob@example.com")
    bob_browser = _browser_session("bob@example.com")
    bobs = UserSession.objects.get(user=bob)
    api.force_authenticate(alice)
    assert api.delete(f"/api/v1/sessions/{bobs.pk}").status_code == 404
    assert bob_browser.get("/accounts/security/").status_code == 200


def test_ending_an_own_session_signs_that_browser_out(api):
    alice = UserFactory.create(email="alice@example.com")
    browser = _browser_session("alice@example.com")
    session = UserSession.objects.get(user=alice)
    api.force_authenticate(alice)
    assert api.delete(f"/api/v1/sessions/{session.pk}").status_code == 204
    assert browser.get("/accounts/security/").status_code == 302  # back to sign-in
