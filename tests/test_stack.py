"""`make run`'s process tree, end to end: embedded engines, web, ws, worker, beat, then Ctrl-C.

Runs `python -m cryptopulse.stack` (what `make run` runs after set-up) with a private run
directory, so it starts its own PostgreSQL and Redis and must stop them again.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cryptopulse.embedded import _postmaster, _read_pid, _stop_redis

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> dict:
    deadline = time.monotonic() + 120
    body: dict = {}
    while time.monotonic() < deadline and process.poll() is None:
        try:
            status, raw = _get(url)
            body = json.loads(raw)
            if status == 200:
                return body
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    process.kill()
    pytest.fail(f"never ready: {body}\n{log.read_text()[-6000:]}")


def test_the_stack_serves_reports_a_lost_redis_and_stops_cleanly_with_its_engines(tmp_path):
    # given: no external engines, a private run directory and free ports
    run_dir = tmp_path / "run"
    port, ws_port, sim_port = _free_port(), _free_port(), _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        CRYPTOPULSE_RUN_DIR=str(run_dir),
        CRYPTOPULSE_ENV="development",
        PORT=str(port),
        WS_PORT=str(ws_port),
        SIM_EXCHANGE_PORT=str(sim_port),
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
        DEMO_PASSWORD="stack-test-password",
    )
    log = tmp_path / "stack.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cryptopulse.stack"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # when: it comes up
        ready = _wait_ready(f"http://127.0.0.1:{port}/readyz", process, log)
        # then: every part is up and each process answers
        assert ready["failing"] == []
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/admin/login/")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")[0] == 200
        assert json.loads(_get(f"http://127.0.0.1:{ws_port}/healthz")[1])["process"] == "ws"
        assert _postmaster(run_dir / "pg") is not None
        assert _read_pid(run_dir / "redis" / "redis.pid", program="redis-server") is not None
        # when: Redis goes away, readiness fails and names it
        assert _stop_redis(run_dir / "redis")
        status, raw = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503
        assert "redis" in json.loads(raw)["failing"]
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200  # liveness does no I/O
    finally:
        # when: Ctrl-C
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"the stack ignored SIGINT\n{log.read_text()[-6000:]}")
    # then: the processes and the embedded engines are gone
    output = log.read_text()
    assert "stopped embedded engines: postgresql" in output, output[-6000:]
    assert _postmaster(run_dir / "pg") is None
    assert _read_pid(run_dir / "redis" / "redis.pid", program="redis-server") is None
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        _get(f"http://127.0.0.1:{port}/healthz")
