"""Personal API keys: shown once, stored hashed, scoped, expiring, address-bound, private."""

import hashlib
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.models import ApiKey
from accounts.services.api_keys import create_api_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _key_client(api, plaintext: str, **extra):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}", **extra)
    return api


def test_a_created_key_is_shown_once_and_stored_as_a_digest(api):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    # when
    created = api.post("/api/v1/api-keys", {"name": "bot", "scopes": ["read"]})
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    plaintext = body["key"]
    assert plaintext.startswith(f"cp_{body['prefix']}_")
    row = ApiKey.objects.get(pk=body["id"])
    assert row.key_hash == hashlib.sha256(plaintext.split("_", 2)[2].encode()).hexdigest()
    assert plaintext not in str(ApiKey.objects.filter(pk=row.pk).values().get())
    listed = api.get("/api/v1/api-keys").json()
    assert [row["prefix"] for row in listed] == [body["prefix"]]
    assert "key" not in listed[0]
    assert "key_hash" not in listed[0]


class _WriteProbe(APIView):
    """A write endpoint with the default permissions (the trading API is not built yet)."""

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [path("probe", _WriteProbe.as_view())]


@override_settings(ROOT_URLCONF=__name__)
def test_a_read_key_reads_but_gets_403_on_any_write_while_a_trade_key_writes(api):
    user = UserFactory.create()
    reader = create_api_key(user=user, name="reader", scopes=["read"])
    trader = create_api_key(user=user, name="trader", scopes=["trade"])
    denied = _key_client(api, reader.plaintext).post("/probe", {})
    allowed = _key_client(APIClient(), trader.plaintext).post("/probe", {})
    assert denied.status_code == 403
    assert denied.json() == {"code": "api_key_read_only", "message": "This API key is read-only."}
    assert allowed.status_code == 200


def test_keys_cannot_manage_keys(api):
    user = UserFactory.create()
    issued = create_api_key(user=user, name="trader", scopes=["read", "trade"])
    response = _key_client(api, issued.plaintext).post(
        "/api/v1/api-keys", {"name": "escalate", "scopes": ["trade"]}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "api_key_not_allowed"
    assert ApiKey.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("_case", ["revoked", "expired", "wrong secret", "unknown prefix"])
def test_unusable_keys_are_401(api, _case):
    user = UserFactory.create()
    issued = create_api_key(user=user, name="k", scopes=["read"])
    plaintext = issued.plaintext
    if _case == "revoked":
        ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())
    elif _case == "expired":
        ApiKey.objects.filter(pk=issued.api_key.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif _case == "wrong secret":
        plaintext = plaintext[:-4] + "AAAA"
    else:
        plaintext = "cp_00000000_" + plaintext.split("_", 2)[2]
    response = _key_client(api, plaintext).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


def test_an_allow_listed_key_works_only_from_its_networks(api):
    user = UserFactory.create()
    issued = create_api_key(user=user, name="k", scopes=["read"], allowed_ips=["203.0.113.0/24"])
    inside = _key_client(api, issued.plaintext, REMOTE_ADDR="203.0.113.50").get("/api/v1/me")
    outside = _key_client(api, issued.plaintext, REMOTE_ADDR="198.51.100.1").get("/api/v1/me")
    assert inside.status_code == 200
    assert outside.status_code == 401


def test_last_use_is_recorded(api):
    user = UserFactory.create()
    issued = create_api_key(user=user, name="k", scopes=["read"])
    _key_client(api, issued.plaintext).get("/api/v1/me")
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_user_a_cannot_see_or_revoke_user_b_keys(api):
    alice, bob = UserFactory.create(), UserFactory.create()
    bobs = create_api_key(user=bob, name="bob's", scopes=["read"]).api_key
    api.force_authenticate(alice)
    assert api.get(f"/api/v1/api-keys/{bobs.pk}").status_code == 404
    assert api.delete(f"/api/v1/api-keys/{bobs.pk}").status_code == 404
    assert api.get("/api/v1/api-keys").json() == []
    bobs.refresh_from_db()
    assert bobs.revoked_at is None


def test_revoking_own_key(api):
    user = UserFactory.create()
    key = create_api_key(user=user, name="k", scopes=["read"]).api_key
    api.force_authenticate(user)
    assert api.delete(f"/api/v1/api-keys/{key.pk}").status_code == 204
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize(
    ("payload", "field", "_case"),
    [
        ({"name": "k", "scopes": ["withdraw"]}, "scopes", "withdraw never exists"),
        ({"name": "k", "scopes": []}, "scopes", "no scope"),
        ({"name": "k", "scopes": ["read"], "allowed_ips": ["not-an-ip"]}, "allowed_ips", "bad ip"),
        (
            {"name": "k", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"},
            "expires_at",
            "past expiry",
        ),
        ({"scopes": ["read"]}, "name", "no name"),
    ],
)
def test_bad_key_requests_are_400_naming_the_field_and_create_nothing(api, payload, field, _case):
    user = UserFactory.create()
    api.force_authenticate(user)
    response = api.post("/api/v1/api-keys", payload)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ApiKey.objects.filter(user=user).exists()
