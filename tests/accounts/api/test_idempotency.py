"""`Idempotency-Key` on API POSTs, with creating an exchange connection as the subject."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import IdempotencyState, IdempotentRequest
from accounts.services.idempotency import (
    IdempotencyInProgress,
    claim_idempotency_key,
    find_idempotent_request,
    purge_expired_idempotency_keys,
    request_fingerprint,
    store_idempotent_response,
)
from accounts.tasks import purge_idempotency_keys
from tests.concurrency import run_at_once
from tests.factories import UserFactory
from trading.models import ExchangeConnection
from trading.services import connections

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange-connections"


def _payload(account, **extra):
    return {
        "exchange": "simulated",
        "label": "sim",
        "api_key": account.api_key,
        "secret": account.secret,
        **extra,
    }


def _post(api, payload, key=None):
    """POST the payload as exactly these bytes, so tests can compute its fingerprint."""
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def _row(user, key, *, fingerprint="0" * 64, **fields):
    now = timezone.now()
    defaults = {"created_at": now, "expires_at": now + timedelta(hours=24)}
    return IdempotentRequest.objects.create(
        user=user, key=key, fingerprint=fingerprint, **{**defaults, **fields}
    )


def test_a_repeat_gets_the_first_answer_and_creates_one_connection(api, simulator):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create())
    first = _post(api, payload, key="create-sim-1")
    # when
    again = _post(api, payload, key="create-sim-1")
    # then
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ExchangeConnection.objects.filter(user=user).count() == 1
    row = IdempotentRequest.objects.get(user=user, key="create-sim-1")
    assert row.state == IdempotencyState.DONE
    assert row.response_status == 201


def test_without_the_header_the_view_runs_as_usual_and_nothing_is_stored(api, simulator):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    account = simulator.accounts.create()
    # when
    first = _post(api, _payload(account, label="one"))
    second = _post(api, _payload(account, label="two"))
    # then
    assert (first.status_code, second.status_code) == (201, 201)
    assert ExchangeConnection.objects.filter(user=user).count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "_case"),
    [({"label": "other"}, "different body"), ({"testnet": True}, "extra field")],
)
def test_the_same_key_for_a_different_request_is_422(api, simulator, change, _case):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create())
    assert _post(api, payload, key="k").status_code == 201
    # when
    reused = _post(api, {**payload, **change}, key="k")
    # then
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert ExchangeConnection.objects.filter(user=user).count() == 1


def test_a_repeat_while_the_first_is_in_progress_is_409_with_retry_after(api, simulator):
    # given: the first request claimed the key and is still running
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create())
    fingerprint = request_fingerprint(method="POST", path=URL, body=json.dumps(payload).encode())
    _row(user, "busy", fingerprint=fingerprint)
    # when
    response = _post(api, payload, key="busy")
    # then
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "code": "idempotency_in_progress",
        "message": "A request with this Idempotency-Key is still being processed; retry later.",
    }
    assert not ExchangeConnection.objects.exists()
    assert IdempotentRequest.objects.get(key="busy").state == IdempotencyState.IN_PROGRESS


def test_an_abandoned_claim_frees_the_key(api, simulator):
    # given: a claim whose request died without releasing it
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create())
    fingerprint = request_fingerprint(method="POST", path=URL, body=json.dumps(payload).encode())
    _row(user, "stuck", fingerprint=fingerprint, created_at=timezone.now() - timedelta(hours=1))
    # when
    response = _post(api, payload, key="stuck")
    # then
    assert response.status_code == 201
    assert IdempotentRequest.objects.get(key="stuck").state == IdempotencyState.DONE


def test_a_validation_error_is_stored_and_replayed(api, simulator):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create(), label="")
    first = _post(api, payload, key="bad-label")
    # when
    again = _post(api, payload, key="bad-label")
    # then
    assert first.status_code == 400
    assert "label" in first.json()["fields"]
    assert again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert IdempotentRequest.objects.get(key="bad-label").response_status == 400


def test_a_domain_error_of_the_service_is_stored_like_any_answer(api, simulator):
    # given: the label is taken, so the service raises ConnectionProblem (an ApplicationError)
    user = UserFactory.create()
    api.force_authenticate(user)
    account = simulator.accounts.create()
    assert _post(api, _payload(account)).status_code == 201
    first = _post(api, _payload(account), key="dup")
    ExchangeConnection.objects.filter(user=user).delete()  # the label is free now
    # when
    again = _post(api, _payload(account), key="dup")
    # then: the stored answer, not a second run
    assert first.status_code == 400
    assert again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert not ExchangeConnection.objects.exists()


def test_an_unhandled_exception_releases_the_claim(api, simulator, monkeypatch):
    # given
    user = UserFactory.create()
    api.force_authenticate(user)
    payload = _payload(simulator.accounts.create())

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(connections, "add_connection", broken)
    # when
    with pytest.raises(RuntimeError):
        _post(api, payload, key="retry-me")
    monkeypatch.undo()
    retried = _post(api, payload, key="retry-me")
    # then
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert ExchangeConnection.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_key_give_it_to_exactly_one_request():
    # given
    user = UserFactory.create()

    def claim(_n: int) -> str:
        try:
            claim_idempotency_key(user=user, key="race", fingerprint="f" * 64)
        except IdempotencyInProgress:
            return "409"
        return "claimed"

    # when
    outcomes = run_at_once(6, claim)
    # then
    assert sorted(outcomes) == ["409"] * 5 + ["claimed"]
    assert IdempotentRequest.objects.filter(key="race").count() == 1


@pytest.mark.parametrize(
    ("status", "_case"),
    [(409, "conflict"), (429, "throttled"), (500, "server error"), (503, "unavailable")],
)
def test_answers_that_are_not_the_outcome_are_not_stored(user, status, _case):
    # given
    claim = claim_idempotency_key(user=user, key="k", fingerprint="f" * 64)
    # when
    stored = store_idempotent_response(record=claim.record, status=status, body={"code": "x"})
    # then: the claim is gone, so a retry claims the key again and runs
    assert claim.claimed
    assert not stored
    assert find_idempotent_request(user=user, key="k") is None
    assert claim_idempotency_key(user=user, key="k", fingerprint="f" * 64).claimed


@pytest.mark.parametrize(("status", "_case"), [(201, "created"), (404, "not found")])
def test_outcomes_are_stored_with_decimals_as_strings(user, status, _case):
    # given
    claim = claim_idempotency_key(user=user, key="k", fingerprint="f" * 64)
    # when
    stored = store_idempotent_response(
        record=claim.record, status=status, body={"amount": Decimal("0.10000000")}
    )
    # then
    assert stored
    replay = claim_idempotency_key(user=user, key="k", fingerprint="f" * 64)
    assert not replay.claimed
    assert replay.record.response_status == status
    assert replay.record.response_body == {"amount": "0.10000000"}


def test_an_expired_key_is_treated_as_new(api, simulator):
    # given: the key was used a day ago for another request
    user = UserFactory.create()
    api.force_authenticate(user)
    account = simulator.accounts.create()
    assert _post(api, _payload(account, label="yesterday"), key="k").status_code == 201
    IdempotentRequest.objects.filter(key="k").update(expires_at=timezone.now())
    # when
    today = _post(api, _payload(account, label="today"), key="k")
    # then
    assert today.status_code == 201, today.json()
    assert "Idempotent-Replayed" not in today
    assert today.json()["label"] == "today"
    assert ExchangeConnection.objects.filter(user=user).count() == 2
    assert IdempotentRequest.objects.filter(key="k").count() == 1


def test_purge_deletes_only_expired_rows_and_twice_has_the_effect_of_once(user, other_user):
    # given
    now = timezone.now()
    expired = _row(user, "old", expires_at=now - timedelta(seconds=1))
    _row(other_user, "old-in-progress", expires_at=now)
    live = _row(user, "live", expires_at=now + timedelta(hours=1))
    # when
    first = purge_expired_idempotency_keys(now=now)
    second = purge_expired_idempotency_keys(now=now)
    # then
    assert (first, second) == (2, 0)
    assert list(IdempotentRequest.objects.values_list("pk", flat=True)) == [live.pk]
    assert not IdempotentRequest.objects.filter(pk=expired.pk).exists()


def test_the_purge_task_twice_has_the_effect_of_once(user):
    # given
    _row(user, "old", expires_at=timezone.now() - timedelta(hours=1))
    live = _row(user, "live")
    # when
    first, second = purge_idempotency_keys(), purge_idempotency_keys()
    # then
    assert (first, second) == (1, 0)
    assert list(IdempotentRequest.objects.values_list("pk", flat=True)) == [live.pk]


def test_two_users_may_use_the_same_key(api, simulator):
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    api.force_authenticate(alice)
    assert _post(api, _payload(simulator.accounts.create()), key="same").status_code == 201
    api.force_authenticate(bob)
    # when
    response = _post(api, _payload(simulator.accounts.create(), label="bob's"), key="same")
    # then
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert ExchangeConnection.objects.filter(user=alice).count() == 1
    assert ExchangeConnection.objects.filter(user=bob).count() == 1
    assert IdempotentRequest.objects.filter(key="same").count() == 2


@pytest.mark.parametrize(("key", "_case"), [("", "empty"), ("   ", "blank"), ("k" * 256, "long")])
def test_a_bad_header_is_400_naming_it(api, simulator, key, _case):
    # given
    api.force_authenticate(UserFactory.create())
    # when
    response = _post(api, _payload(simulator.accounts.create()), key=key)
    # then
    assert response.status_code == 400
    message = "The Idempotency-Key header must be 1 to 255 characters long."
    assert response.json() == {
        "code": "invalid_idempotency_key",
        "message": message,
        "fields": {"Idempotency-Key": [message]},
    }
    assert not ExchangeConnection.objects.exists()
    assert not IdempotentRequest.objects.exists()


def test_a_key_of_255_characters_is_accepted(api, simulator):
    api.force_authenticate(UserFactory.create())
    response = _post(api, _payload(simulator.accounts.create()), key="k" * 255)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("other", "_case"),
    [
        (("PUT", URL, b"{}"), "method"),
        (("POST", URL + "?x=1", b"{}"), "query"),
        (("POST", URL, b"{} "), "body"),
        (("POST", URL + "{", b"}"), "bytes moved between parts"),
    ],
)
def test_the_fingerprint_tells_requests_apart(other, _case):
    method, path, body = other
    assert request_fingerprint(method="POST", path=URL, body=b"{}") != request_fingerprint(
        method=method, path=path, body=body
    )


def test_the_schema_documents_the_header(capsys):
    call_command("spectacular", "--format", "openapi-json")
    schema = json.loads(capsys.readouterr().out)
    parameters = schema["paths"]["/api/v1/exchange-connections"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()
