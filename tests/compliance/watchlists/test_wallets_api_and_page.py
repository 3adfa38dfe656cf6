"""/api/v1/wallets and the account page's wallet section: own wallets only, never "listed"."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiKeyScope
from accounts.services.api_keys import create_api_key
from compliance.models import Case, WalletAddress
from compliance.screening import services
from compliance.screening.wallets import register_wallet
from compliance.screening.watchlists import import_watchlist
from tests.compliance.watchlists.helpers import write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTED = "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c"
CLEAN = "0x175d44451403edf28469df03a9280c1197adb92c"


@pytest.fixture
def listed_address(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "start_rescreen", lambda *, version: None, raising=False)
    lines = [
        {"id": "p1", "schema": "Person", "properties": {"name": ["Listed Person"]}},
        {"id": "w1", "schema": "CryptoWallet",
         "properties": {"publicKey": [LISTED], "currency": ["ETH"], "holder": ["p1"]}},
    ]  # fmt: skip
    path = write(tmp_path / "peps.jsonl", "\n".join(json.dumps(line) for line in lines))
    import_watchlist(source="pep", paths=[path])
    return LISTED


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_posting_a_listed_and_a_clean_wallet_answers_the_same_way(listed_address):
    # given
    api = _api(UserFactory.create())
    # when
    listed = api.post("/api/v1/wallets", {"chain": "ETH", "address": listed_address})
    clean = api.post("/api/v1/wallets", {"chain": "ETH", "address": CLEAN, "label": "hot"})
    repeat = api.post(
        "/api/v1/wallets", {"chain": "eth", "address": CLEAN.upper().replace("0X", "0x")}
    )
    # then
    assert (listed.status_code, clean.status_code, repeat.status_code) == (201, 201, 200)
    assert (
        set(listed.json())
        == set(clean.json())
        == {
            "id",
            "chain",
            "address",
            "label",
            "source",
            "created_at",
        }
    )
    assert repeat.json()["id"] == clean.json()["id"]
    assert WalletAddress.objects.get(pk=listed.json()["id"]).listed  # officers see it
    assert Case.objects.count() == 1


def test_users_see_only_their_own_wallets():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    register_wallet(user=alice, chain="ETH", address=CLEAN)
    register_wallet(user=bob, chain="XBT", address="1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    # when
    listing = _api(alice).get("/api/v1/wallets")
    # then
    assert listing.status_code == 200
    assert [(w["chain"], w["address"]) for w in listing.json()] == [("ETH", CLEAN)]


@pytest.mark.parametrize(
    ("body", "field", "_case"),
    [
        ({"chain": "NOPE", "address": CLEAN}, "chain", "unsupported chain"),
        ({"chain": "XBT", "address": CLEAN}, "address", "an ethereum address as bitcoin"),
        ({"chain": "ETH"}, "address", "no address"),
        ({"address": CLEAN}, "chain", "no chain"),
    ],
)
def test_bad_wallets_are_400_naming_the_field(body, field, _case):
    response = _api(UserFactory.create()).post("/api/v1/wallets", body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_read_only_api_key_cannot_register_wallets():
    # given
    user = UserFactory.create()
    issued = create_api_key(user=user, name="reader", scopes=[ApiKeyScope.READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.plaintext}")
    # when
    response = client.post("/api/v1/wallets", {"chain": "ETH", "address": CLEAN})
    # then
    assert response.status_code == 403
    assert client.get("/api/v1/wallets").status_code == 200


def test_anonymous_requests_are_401():
    assert APIClient().get("/api/v1/wallets").status_code == 401


def test_the_account_page_lists_wallets_and_adds_one_without_saying_it_is_listed(
    client, listed_address
):
    # given
    user = UserFactory.create()
    client.force_login(user)
    # when
    added = client.post(
        reverse("compliance:wallet_add"),
        {"chain": "ETH", "address": listed_address, "label": "exchange"},
        follow=True,
    )
    refused = client.post(
        reverse("compliance:wallet_add"), {"chain": "XBT", "address": "nope"}, follow=True
    )
    # then
    page = added.content.decode()
    assert "Wallet addresses" in page
    assert listed_address in page
    assert "Your ETH address is saved." in page
    assert "listed" not in page.lower().replace("no wallet addresses yet", "")
    assert "This is not a valid XBT address." in refused.content.decode()
    assert WalletAddress.objects.get(user=user).listed


def test_the_wallet_form_needs_a_signed_in_post(client):
    assert client.get(reverse("compliance:wallet_add")).status_code in (302, 405)
    response = client.post(reverse("compliance:wallet_add"), {"chain": "ETH", "address": CLEAN})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not WalletAddress.objects.exists()
