"""Token sign-in, refresh, sign-out and the token failure modes."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from compliance.models import AuditEvent
from tests.accounts.api.conftest import bearer, login
from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_returns_a_token_pair_and_the_user(api):
    # given
    user = UserFactory.create(email="alice@example.com")
    # when
    response = login(api, "Alice@Example.com", DEFAULT_PASSWORD)
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["roles"] == []
    assert body["user"]["two_factor_enabled"] is False
    me = bearer(api, body["access"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk


@pytest.mark.parametrize(
    ("email", "password", "_case"),
    [
        ("alice@example.com", "wrong-password-123", "wrong password"),
        ("nobody@example.com", DEFAULT_PASSWORD, "unknown email"),
    ],
)
def test_wrong_credentials_are_401_without_saying_which_part(api, email, password, _case):
    UserFactory.create(email="alice@example.com")
    response = login(api, email, password)
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "The email or password is not correct.",
    }


def test_an_unverified_address_cannot_sign_in(api):
    UserFactory.create(email="new@example.com", email_verified=False)
    response = login(api, "new@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"


def test_missing_fields_are_400_with_field_messages(api):
    response = api.post("/api/v1/auth/login", {"email": "not-an-email"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "password"}


def test_malformed_json_is_a_clear_400(api):
    response = api.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_2fa_user_without_a_code_gets_otp_required(api):
    user = UserFactory.create(email="alice@example.com")
    enable_two_factor(user)
    response = login(api, "alice@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    assert response.json()["fields"] == {
        "otp_code": ["Enter the code from your authenticator app."]
    }


def test_a_2fa_user_signs_in_with_a_code_or_once_with_a_backup_code(api):
    user = UserFactory.create(email="alice@example.com")
    key, backup_codes = enable_two_factor(user)
    with_totp = login(
        api, "alice@example.com", DEFAULT_PASSWORD, otp_code=totp_code(key, steps_ahead=1)
    )
    assert with_totp.status_code == 200
    with_backup = login(api, "alice@example.com", DEFAULT_PASSWORD, otp_code=backup_codes[0])
    assert with_backup.status_code == 200
    reused = login(api, "alice@example.com", DEFAULT_PASSWORD, otp_code=backup_codes[0])
    assert reused.status_code == 401
    assert reused.json()["code"] == "otp_invalid"
    methods = list(
        AuditEvent.objects.filter(action="accounts.login.succeeded", actor_user=user)
        .order_by("seq")
        .values_list("data__method", flat=True)
    )
    assert methods == ["api+totp", "api+backup_code"]


def test_a_wrong_code_throttles_the_next_attempt(api):
    # django-otp doubles the wait after each wrong code, so codes cannot be brute-forced
    user = UserFactory.create(email="alice@example.com")
    key, _ = enable_two_factor(user)
    wrong = login(api, "alice@example.com", DEFAULT_PASSWORD, otp_code="000000")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    right_but_too_soon = login(
        api, "alice@example.com", DEFAULT_PASSWORD, otp_code=totp_code(key, steps_ahead=1)
    )
    assert right_but_too_soon.status_code == 401


def test_refresh_rotates_and_blacklists_the_old_refresh_token(api):
    UserFactory.create(email="alice@example.com")
    first = login(api, "alice@example.com", DEFAULT_PASSWORD).json()
    rotated = api.post("/api/v1/auth/refresh", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    replayed = api.post("/api/v1/auth/refresh", {"refresh": first["refresh"]})
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token(api):
    UserFactory.create(email="alice@example.com")
    pair = login(api, "alice@example.com", DEFAULT_PASSWORD).json()
    assert api.post("/api/v1/auth/logout", {"refresh": pair["refresh"]}).status_code == 204
    after = api.post("/api/v1/auth/refresh", {"refresh": pair["refresh"]})
    assert after.status_code == 401
    again = api.post("/api/v1/auth/logout", {"refresh": pair["refresh"]})
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_an_expired_access_token_is_401(api):
    user = UserFactory.create()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer(api, str(token)).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_access_token_is_401(api):
    user = UserFactory.create()
    other = UserFactory.create()
    header, _payload, signature = str(AccessToken.for_user(user)).split(".")
    _, other_payload, _ = str(AccessToken.for_user(other)).split(".")
    response = bearer(api, f"{header}.{other_payload}.{signature}").get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_password_change_revokes_earlier_tokens(api):
    user = UserFactory.create(email="alice@example.com")
    access = login(api, "alice@example.com", DEFAULT_PASSWORD).json()["access"]
    user.set_password("a-brand-new-password-9")
    user.save(update_fields=["password"])
    assert bearer(api, access).get("/api/v1/me").status_code == 401


def test_me_without_credentials_is_401_in_the_error_format(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }


def test_unknown_api_paths_and_methods_answer_in_the_error_format(api):
    user = UserFactory.create()
    api.force_authenticate(user)
    assert api.delete("/api/v1/me").json()["code"] == "method_not_allowed"
    assert api.get("/api/v1/api-keys/999999").json() == {
        "code": "not_found",
        "message": "Not found.",
    }
