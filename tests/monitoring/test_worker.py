"""Task delivery through the real Redis broker to a real `celery worker` process."""

import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.test import Client

from cryptopulse.asgi import application
from cryptopulse.request_context import reset_request_id, set_request_id
from monitoring.tasks import notify_user, ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_round_trips_through_the_worker(celery_worker_process, capsys):
    call_command("celery_roundtrip", "--timeout", "30")
    assert '"round_trip_ms"' in capsys.readouterr().out


def test_the_request_id_travels_into_the_task(celery_worker_process):
    token = set_request_id("req-from-web-0001")
    try:
        answer = ping.delay(time.time()).get(timeout=30)
    finally:
        reset_request_id(token)
    assert answer["request_id"] == "req-from-web-0001"


def test_every_queue_is_served(celery_worker_process):
    for queue in ("default", "bots", "screening", "reports"):
        sent_at = time.time()
        assert ping.apply_async(args=(sent_at,), queue=queue).get(timeout=30)["sent_at"] == sent_at


def test_readyz_is_200_with_the_worker_running(client, celery_worker_process):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert celery_worker_process in response.json()["checks"][2]["detail"]


def _session_cookie(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", b"http://127.0.0.1:8000")]


def test_a_notification_sent_by_a_worker_task_reaches_only_its_user(
    celery_worker_process, user, other_user
):
    # given: the user and another user each have an open notifications socket
    user_headers = _session_cookie(user)
    other_headers = _session_cookie(other_user)

    async def scenario() -> tuple[dict, bool]:
        mine = WebsocketCommunicator(application, "/ws/notifications/", headers=user_headers)
        theirs = WebsocketCommunicator(application, "/ws/notifications/", headers=other_headers)
        assert (await mine.connect())[0]
        assert (await theirs.connect())[0]
        # when: a task on the worker notifies the user
        notify_user.delay(user.pk, "order.filled", {"text": "BTC/USDT buy filled"})
        received = await mine.receive_json_from(timeout=30)
        # then: the other user's socket stays silent
        other_silent = await theirs.receive_nothing(timeout=1)
        await mine.disconnect()
        await theirs.disconnect()
        return received, other_silent

    received, other_silent = async_to_sync(scenario)()
    assert received == {
        "type": "notification",
        "kind": "order.filled",
        "payload": {"text": "BTC/USDT buy filled"},
    }
    assert other_silent


def test_the_beat_heartbeat_task_records_its_run_on_the_worker(celery_worker_process):
    from django.conf import settings
    from django_redis import get_redis_connection

    from monitoring.tasks import record_beat

    redis = get_redis_connection("default")
    redis.delete(settings.BEAT_HEARTBEAT_KEY)
    before = time.time()
    record_beat.delay().get(timeout=30)
    assert float(redis.get(settings.BEAT_HEARTBEAT_KEY)) >= before


def test_worker_log_lines_are_json_with_the_request_id(celery_worker_process, worker_log):
    token = set_request_id("req-log-line-0002")
    try:
        ping.delay(time.time()).get(timeout=30)
    finally:
        reset_request_id(token)

    def mine() -> list[dict]:
        lines = [
            json.loads(line) for line in worker_log.read_text().splitlines() if line.startswith("{")
        ]
        return [line for line in lines if line.get("request_id") == "req-log-line-0002"]

    # The result reaches us before the worker logs "succeeded": wait for that line.
    def succeeded() -> bool:
        return any("succeeded" in line["message"] for line in mine())

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not succeeded():
        time.sleep(0.1)
    assert {line["message"] for line in mine()} >= {"ping received"}
    assert succeeded()
