import time

import pytest
from django.conf import settings
from django.test import override_settings
from django_redis import get_redis_connection

from monitoring import health


@pytest.fixture
def clean_heartbeats():
    redis = get_redis_connection("default")
    redis.delete(settings.WORKER_HEARTBEAT_KEY)
    yield redis
    redis.delete(settings.WORKER_HEARTBEAT_KEY)


def test_healthz_answers_without_a_database(client):
    # no db fixture: pytest-django makes any database access here an error
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_postgres_redis_and_a_worker_are_up(client, clean_heartbeats):
    # given: a worker reported a moment ago
    health.record_worker_heartbeat("worker-a@host")
    # when
    response = client.get("/readyz")
    # then
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert [check["name"] for check in body["checks"]] == ["postgresql", "redis", "celery_worker"]
    assert "worker-a@host" in body["checks"][2]["detail"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_worker_when_no_worker_reported(client, clean_heartbeats):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["celery_worker"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_newest_heartbeat_is_stale(client, clean_heartbeats):
    health.record_worker_heartbeat(
        "worker-old@host", now=time.time() - settings.WORKER_HEARTBEAT_MAX_AGE_S - 5
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"][2]
    assert check["ok"] is False
    assert "worker-old@host" in check["detail"]


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_when_redis_is_down(client, unused_tcp_port):
    # given: the cache points at a port where no Redis listens (a real refused connection)
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{unused_tcp_port}/0",
        }
    }
    with override_settings(CACHES=caches):
        # when
        response = client.get("/readyz")
    # then
    body = response.json()
    assert response.status_code == 503
    assert set(body["failing"]) == {"redis", "celery_worker"}
    assert "ConnectionError" in body["checks"][1]["detail"]


def test_forget_worker_removes_its_heartbeat(clean_heartbeats):
    health.record_worker_heartbeat("worker-b@host")
    health.forget_worker("worker-b@host")
    assert clean_heartbeats.zscore(settings.WORKER_HEARTBEAT_KEY, "worker-b@host") is None


def test_heartbeats_older_than_a_day_are_pruned(clean_heartbeats):
    health.record_worker_heartbeat("gone@host", now=time.time() - 2 * 24 * 3600)
    health.record_worker_heartbeat("alive@host")
    assert clean_heartbeats.zscore(settings.WORKER_HEARTBEAT_KEY, "gone@host") is None
    assert clean_heartbeats.zscore(settings.WORKER_HEARTBEAT_KEY, "alive@host") is not None


def test_record_beat_run_stores_the_time():
    health.record_beat_run(now=1234.5)
    stored = get_redis_connection("default").get(settings.BEAT_HEARTBEAT_KEY)
    assert float(stored) == 1234.5


@pytest.mark.django_db
def test_readyz_reports_the_age_of_the_last_beat_run_without_failing_on_it(client):
    get_redis_connection("default").delete(settings.BEAT_HEARTBEAT_KEY)
    assert client.get("/readyz").json()["beat_last_run_age_s"] is None
    health.record_beat_run(now=time.time() - 42)
    assert 41 <= client.get("/readyz").json()["beat_last_run_age_s"] <= 45


def test_beat_age_is_unknown_while_redis_is_down(unused_tcp_port):
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{unused_tcp_port}/0",
        }
    }
    with override_settings(CACHES=caches):
        assert health.beat_age_seconds() is None
