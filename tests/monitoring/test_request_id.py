import json
import logging

import pytest

from cryptopulse.logging import JsonFormatter, RequestIdFilter
from cryptopulse.request_context import (
    clean_request_id,
    get_request_id,
    reset_request_id,
    set_request_id,
)


def test_a_response_carries_a_generated_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_a_well_formed_caller_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "trace-abc-12345"})
    assert response["X-Request-ID"] == "trace-abc-12345"


@pytest.mark.parametrize(
    ("candidate", "_case"),
    [
        ("short", "too short"),
        ("x" * 200, "too long"),
        ("evil\ninjected-line", "newline"),
        ("has spaces in it", "spaces"),
        (None, "absent"),
    ],
)
def test_a_malformed_request_id_is_replaced(candidate, _case):
    cleaned = clean_request_id(candidate)
    assert cleaned != candidate
    assert len(cleaned) == 32


def test_the_request_id_is_reset_after_the_request(client):
    client.get("/healthz", headers={"X-Request-ID": "trace-abc-12345"})
    assert get_request_id() is None


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("cryptopulse.test", logging.INFO, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_log_lines_carry_the_current_request_id_and_extras():
    # given
    token = set_request_id("req-0123456789")
    record = _record("order %s", symbol="BTC/USDT")
    record.args = ("placed",)
    try:
        # when
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_request_id(token)
    # then
    assert line["message"] == "order placed"
    assert line["request_id"] == "req-0123456789"
    assert line["symbol"] == "BTC/USDT"
    assert line["level"] == "INFO"
    assert line["logger"] == "cryptopulse.test"


def test_json_log_lines_include_the_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exc_info"]
    assert line["request_id"] is None


@pytest.mark.django_db
def test_each_request_writes_one_access_line_with_timing_and_user(client, user, caplog):
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="cryptopulse.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-access-0001"})
    (record,) = [r for r in caplog.records if r.name == "cryptopulse.access"]
    assert record.getMessage() == "GET /healthz 200"
    assert record.status == 200
    assert record.user_id == user.pk
    assert record.duration_ms >= 0
    assert record.request_id == "trace-access-0001"
