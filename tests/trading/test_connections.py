"""Exchange connections through the API, against the loopback exchange (real ccxt)."""

import pytest
from rest_framework.test import APIClient

from compliance.models import AuditEvent
from tests.factories import UserFactory
from trading.models import ExchangeConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _add(api, account, **extra):
    payload = {
        "exchange": "simulated",
        "label": "sim",
        "api_key": account.api_key,
        "secret": account.secret,
        **extra,
    }
    return api.post("/api/v1/exchange-connections", payload)


def test_adding_returns_no_secret_and_stores_them_encrypted(api, simulator):
    user = UserFactory.create()
    account = simulator.accounts.create(balances={"USDT": "1500.5"})
    api.force_authenticate(user)
    created = _add(api, account)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["api_key_last4"] == account.api_key[-4:]
    assert body["status"] == "untested"
    for secret in (account.api_key, account.secret):
        assert secret not in str(body)
        assert secret not in str(api.get("/api/v1/exchange-connections").json())
    row = ExchangeConnection.objects.get()
    assert account.secret not in row.secret_encrypted
    event = AuditEvent.objects.get(action="trading.connection.added")
    assert account.secret not in str(event.data)
    assert event.data["last4"] == account.api_key[-4:]


def test_testing_a_working_key_marks_it_valid_and_shows_balances(api, simulator):
    user = UserFactory.create()
    account = simulator.accounts.create(balances={"USDT": "1500.5", "BTC": "0.25"})
    api.force_authenticate(user)
    connection_id = _add(api, account).json()["id"]
    tested = api.post(f"/api/v1/exchange-connections/{connection_id}/test")
    assert tested.status_code == 200
    assert tested.json()["status"] == "valid"
    balances = api.get(f"/api/v1/exchange-connections/{connection_id}/balances").json()
    assert {(b["asset"], b["free"]) for b in balances} == {
        ("USDT", "1500.500000000000000000"),
        ("BTC", "0.250000000000000000"),
    }


def test_a_refused_key_is_marked_invalid_with_the_reason(api, simulator):
    user = UserFactory.create()
    account = simulator.accounts.create()
    api.force_authenticate(user)
    connection_id = _add(api, account, secret="not-the-secret").json()["id"]
    tested = api.post(f"/api/v1/exchange-connections/{connection_id}/test").json()
    assert tested["status"] == "invalid"
    assert tested["status_reason"].startswith("The exchange refused the key")


def test_a_key_that_can_withdraw_is_refused(api, simulator):
    user = UserFactory.create()
    account = simulator.accounts.create(can_withdraw=True)
    api.force_authenticate(user)
    connection_id = _add(api, account).json()["id"]
    tested = api.post(f"/api/v1/exchange-connections/{connection_id}/test").json()
    assert tested["status"] == "invalid"
    assert "may withdraw funds" in tested["status_reason"]


def test_an_unreachable_exchange_is_a_503_and_keeps_the_status(api, simulator, settings):
    user = UserFactory.create()
    account = simulator.accounts.create()
    api.force_authenticate(user)
    connection_id = _add(api, account).json()["id"]
    settings.SIM_EXCHANGE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.VENUE_MAX_RETRIES = 1
    response = api.post(f"/api/v1/exchange-connections/{connection_id}/test")
    assert response.status_code == 503
    assert response.json()["code"] == "exchange_unavailable"
    assert ExchangeConnection.objects.get().status == "untested"


def test_another_users_connection_is_404_everywhere(api, simulator):
    owner, other = UserFactory.create(), UserFactory.create()
    account = simulator.accounts.create()
    api.force_authenticate(owner)
    connection_id = _add(api, account).json()["id"]
    api.force_authenticate(other)
    assert api.get("/api/v1/exchange-connections").json() == []
    for method, suffix in (("get", ""), ("delete", ""), ("post", "/test"), ("get", "/balances")):
        response = getattr(api, method)(f"/api/v1/exchange-connections/{connection_id}{suffix}")
        assert response.status_code == 404, (method, suffix)
    assert ExchangeConnection.objects.filter(pk=connection_id).exists()


def test_removing_a_connection(api, simulator):
    user = UserFactory.create()
    api.force_authenticate(user)
    connection_id = _add(api, simulator.accounts.create()).json()["id"]
    assert api.delete(f"/api/v1/exchange-connections/{connection_id}").status_code == 204
    assert not ExchangeConnection.objects.exists()
    assert AuditEvent.objects.filter(action="trading.connection.removed").count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "_case"),
    [
        ({"exchange": "kraken"}, "exchange", "not connectable"),
        ({"exchange": "wazirx", "testnet": True}, "testnet", "no testnet"),
        ({"api_key": ""}, "api_key", "empty key"),
        ({"label": ""}, "label", "empty label"),
    ],
)
def test_bad_requests_name_the_field_and_store_nothing(api, simulator, payload, field, _case):
    user = UserFactory.create()
    api.force_authenticate(user)
    response = _add(api, simulator.accounts.create(), **payload)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ExchangeConnection.objects.exists()


def test_a_duplicate_label_is_refused(api, simulator):
    user = UserFactory.create()
    api.force_authenticate(user)
    assert _add(api, simulator.accounts.create()).status_code == 201
    again = _add(api, simulator.accounts.create())
    assert again.status_code == 400
    assert again.json()["fields"] == {"label": ["You already have a connection with this label."]}
