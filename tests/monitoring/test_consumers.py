import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import Client

from cryptopulse.asgi import application
from monitoring.consumers import CLOSE_UNAUTHENTICATED
from monitoring.notifications import notify_user

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def _headers_for(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()), ORIGIN]


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_socket_is_closed_with_4401():
    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN])
        return await socket.connect()

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == CLOSE_UNAUTHENTICATED


@pytest.mark.django_db(transaction=True)
def test_a_socket_from_a_foreign_origin_is_refused(user):
    headers = [_headers_for(user)[0], (b"origin", b"https://evil.example")]

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        return await socket.connect()

    connected, _ = async_to_sync(scenario)()
    assert not connected


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_socket_answers_ping_and_receives_its_notifications(user):
    headers = _headers_for(user)

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "something-else"})
        ignored = await socket.receive_nothing(timeout=0.3)
        # sent from sync code (as web and worker do), delivered through the Redis layer
        await sync_to_async(notify_user)(user_id=user.pk, kind="kyc.approved", payload={"level": 1})
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return pong, ignored, message

    pong, ignored, message = async_to_sync(scenario)()
    assert pong == {"type": "pong"}
    assert ignored
    assert message == {"type": "notification", "kind": "kyc.approved", "payload": {"level": 1}}


@pytest.mark.parametrize(
    ("path", "status", "_case"),
    [("/healthz", 200, "own health check"), ("/api/v1/anything", 404, "no HTTP app here")],
)
def test_the_ws_process_answers_http_only_for_its_health(path, status, _case):
    async def scenario():
        return await HttpCommunicator(application, "GET", path).get_response()

    response = async_to_sync(scenario)()
    assert response["status"] == status
