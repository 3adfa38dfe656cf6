"""The embedded engines really start, answer, keep their data and stop (in a temporary dir)."""

import os
import socket

import psycopg
import pytest
import redis

from cryptopulse.embedded import ensure_engines, stop_engines


@pytest.fixture
def engine_dir(tmp_path):
    yield tmp_path
    stop_engines(tmp_path)


def test_engines_start_once_keep_data_across_restarts_and_stop(engine_dir):
    # given: freshly started engines
    urls = ensure_engines(engine_dir)
    assert ensure_engines(engine_dir) == urls  # a second call reuses the running engines
    with psycopg.connect(urls.database_url, autocommit=True) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("cryptopulse",)
        conn.execute("CREATE TABLE kept (value int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    redis.Redis.from_url(urls.redis_url).set("kept", "yes")

    # when: stopped and started again
    assert stop_engines(engine_dir) == ["postgresql", "redis"]
    assert stop_engines(engine_dir) == []
    restarted = ensure_engines(engine_dir)

    # then: the data is still there
    with psycopg.connect(restarted.database_url) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == (42,)
    assert redis.Redis.from_url(restarted.redis_url).get("kept") == b"yes"


def test_embedded_redis_refuses_clients_without_the_password(engine_dir):
    urls = ensure_engines(engine_dir)
    port = redis.Redis.from_url(urls.redis_url).connection_pool.connection_kwargs["port"]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=port).ping()


def test_a_stale_pid_file_naming_another_program_is_not_taken_for_a_running_engine(engine_dir):
    # given: pid files left by a crash, naming a pid now used by something else (this test)
    (engine_dir / "redis").mkdir()
    (engine_dir / "redis" / "redis.pid").write_text(str(os.getpid()))
    # and the port it used is now taken by another program
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        (engine_dir / "redis" / "port").write_text(str(taken))
        # when
        urls = ensure_engines(engine_dir)
    # then: a real Redis was started, on another port
    assert redis.Redis.from_url(urls.redis_url).ping()
    assert f":{taken}/" not in urls.redis_url
