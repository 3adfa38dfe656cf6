"""Argon2id with OWASP's cost parameters; older hashes upgrade on the next sign-in."""

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

REAL_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_new_passwords_are_argon2id_with_the_configured_cost(settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    encoded = make_password("orbit-lantern-quietly-42")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
def test_an_old_pbkdf2_hash_is_upgraded_on_sign_in(settings, client):
    # given: a user whose hash predates Argon2
    settings.PASSWORD_HASHERS = REAL_HASHERS
    user = UserFactory.create(email="old@example.com")
    User.objects.filter(pk=user.pk).update(
        password=make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256")
    )
    # when
    response = client.post(
        "/accounts/login/", {"login": "old@example.com", "password": DEFAULT_PASSWORD}
    )
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_a_changed_cost_setting_rehashes_on_sign_in(settings, client):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    settings.ARGON2_TIME_COST = 1
    user = UserFactory.create(email="cost@example.com")
    assert ",t=1," in user.password
    settings.ARGON2_TIME_COST = 2
    client.post("/accounts/login/", {"login": "cost@example.com", "password": DEFAULT_PASSWORD})
    user.refresh_from_db()
    assert ",t=2," in user.password
