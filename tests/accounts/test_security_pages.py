"""The security settings page and its forms (2FA, API keys, sessions), through the client."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import ApiKey
from accounts.services import two_factor
from accounts.services.api_keys import create_api_key
from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = UserFactory.create(email="alice@example.com")
    client.force_login(user)
    return client, user


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_shows_2fa_keys_sessions_and_events_in_few_queries(
    signed_in, django_assert_max_num_queries
):
    client, user = signed_in
    for n in range(5):
        create_api_key(user=user, name=f"key {n}", scopes=["read"])
    with django_assert_max_num_queries(20):
        response = client.get("/accounts/security/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Set up two-factor authentication" in page
    assert page.count("cp_") >= 5
    assert "API key created" in page  # the recent security events


def test_setting_up_2fa_shows_the_codes_once_and_verifies_the_session(signed_in):
    client, user = signed_in
    page = client.get("/accounts/2fa/setup/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    key = two_factor.start_enrolment(user=user).device.bin_key
    done = client.post("/accounts/2fa/setup/", {"code": totp_code(key)})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get("/accounts/2fa/setup/").status_code == 302  # already on


def test_a_wrong_setup_code_is_a_field_error(signed_in):
    client, _ = signed_in
    client.get("/accounts/2fa/setup/")
    response = client.post("/accounts/2fa/setup/", {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()


def test_a_foreign_next_url_is_ignored(signed_in):
    client, _ = signed_in
    page = client.get("/accounts/2fa/setup/?next=https://evil.example/")
    assert page.context["next_url"] == "/accounts/security/"


def test_turning_2fa_off_from_the_page(signed_in):
    client, user = signed_in
    key, _ = enable_two_factor(user)
    wrong = client.post(
        "/accounts/2fa/disable/", {"password": "nope-nope-nope", "code": "1"}, follow=True
    )
    assert "The password is not correct." in wrong.content.decode()
    empty = client.post("/accounts/2fa/disable/", {}, follow=True)
    assert "Enter your password and a code" in empty.content.decode()
    done = client.post(
        "/accounts/2fa/disable/",
        {"password": DEFAULT_PASSWORD, "code": totp_code(key, steps_ahead=1)},
        follow=True,
    )
    assert "Two-factor authentication is off." in done.content.decode()
    assert not two_factor.is_enabled(user)


def test_new_backup_codes_from_the_page(signed_in):
    client, user = signed_in
    key, old = enable_two_factor(user)
    refused = client.post("/accounts/2fa/backup-codes/", {"code": "000000"}, follow=True)
    assert "That code is not valid." in refused.content.decode()
    user_devices = user.totpdevice_set.all()
    user_devices.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post("/accounts/2fa/backup-codes/", {"code": totp_code(key, steps_ahead=1)})
    assert done.status_code == 200
    assert not set(done.context["codes"]) & set(old)


def test_verifying_an_older_session_for_the_admin(client):
    officer = UserFactory.create(is_staff=True, is_superuser=True)
    key, _ = enable_two_factor(officer)
    client.force_login(officer)
    form = client.get("/accounts/2fa/verify/?next=/admin/")
    assert form.status_code == 200
    wrong = client.post("/accounts/2fa/verify/?next=/admin/", {"code": "000000"})
    assert "That code is not valid." in wrong.content.decode()
    officer.totpdevice_set.update(throttling_failure_count=0, throttling_failure_timestamp=None)  # type: ignore[attr-defined]
    done = client.post(
        "/accounts/2fa/verify/", {"code": totp_code(key, steps_ahead=1), "next": "/admin/"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_verify_without_2fa_goes_to_setup(signed_in):
    client, _ = signed_in
    response = client.get("/accounts/2fa/verify/")
    assert response["Location"] == "/accounts/2fa/setup/"


def test_creating_an_api_key_from_the_page_shows_it_once(signed_in):
    client, user = signed_in
    response = client.post(
        "/accounts/security/api-keys/",
        {
            "name": "my bot",
            "scopes": ["read", "trade"],
            "expires_in_days": "30",
            "allowed_ips": "203.0.113.0/24, 198.51.100.7",
        },
    )
    assert response.status_code == 200
    plaintext = response.context["issued"].plaintext
    assert plaintext in response.content.decode()
    key = ApiKey.objects.get(user=user)
    assert key.allowed_ips == ["203.0.113.0/24", "198.51.100.7/32"]
    assert key.expires_at is not None
    assert plaintext not in client.get("/accounts/security/").content.decode()


@pytest.mark.parametrize(
    ("form", "message", "_case"),
    [
        ({"name": "", "scopes": ["read"]}, "The API key was not created", "no name"),
        (
            {"name": "k", "scopes": ["read"], "allowed_ips": "bogus"},
            "is not an IP address",
            "bad ip",
        ),
    ],
)
def test_a_bad_api_key_form_creates_nothing_and_says_why(signed_in, form, message, _case):
    client, user = signed_in
    response = client.post("/accounts/security/api-keys/", form, follow=True)
    assert message in response.content.decode()
    assert not ApiKey.objects.filter(user=user).exists()


def test_revoking_from_the_page_and_not_someone_elses(signed_in):
    client, user = signed_in
    mine = create_api_key(user=user, name="mine", scopes=["read"]).api_key
    theirs = create_api_key(user=UserFactory.create(), name="theirs", scopes=["read"]).api_key
    done = client.post(f"/accounts/security/api-keys/{mine.pk}/revoke/", follow=True)
    assert "is revoked" in done.content.decode()
    refused = client.post(f"/accounts/security/api-keys/{theirs.pk}/revoke/", follow=True)
    assert "No such API key." in refused.content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_signing_out_other_sessions_keeps_this_one():
    user = UserFactory.create(email="alice@example.com")
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    response = browsers[0].post("/accounts/security/sessions/end-others/", follow=True)
    assert "Signed out 1 other session(s)." in response.content.decode()
    assert browsers[0].get("/accounts/security/").status_code == 200
    assert browsers[1].get("/accounts/security/").status_code == 302
