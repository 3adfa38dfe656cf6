"""Shared fixtures: real PostgreSQL and Redis, a real Celery worker, real Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django_redis import get_redis_connection

from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


@pytest.fixture(autouse=True)
def _clean_test_cache() -> None:
    """Each test starts with an empty test cache (only the cp-test prefix is touched)."""
    cache.delete_pattern("*")  # type: ignore[attr-defined]  # django-redis adds it


@pytest.fixture
def user(db: None):
    return UserFactory.create()


@pytest.fixture
def other_user(db: None):
    return UserFactory.create()


def _wait_for_heartbeat(hostname: str, process: subprocess.Popen[bytes], log: Path) -> None:
    redis = get_redis_connection("default")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if redis.zscore(settings.WORKER_HEARTBEAT_KEY, hostname) is not None:
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"the Celery worker did not start; its log:\n{log.read_text()[-5000:]}")


@pytest.fixture(scope="session")
def worker_log(tmp_path_factory) -> Path:
    """Where the test worker writes its (JSON) log."""
    return tmp_path_factory.mktemp("worker") / "worker.log"


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, worker_log: Path, simulator_handle
) -> Iterator[str]:
    """A real `celery worker` process on the test broker, the test database and the
    session's loopback exchange (its `simulated` venues point there).

    Tests that use it need `transactional_db`, so the worker sees their committed rows.
    Yields the worker's hostname.
    """
    hostname = f"pytest-{os.getpid()}@localhost"
    log = worker_log
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cryptopulse.settings_test",
        "CRYPTOPULSE_TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SIM_EXCHANGE_URL": simulator_handle.url,
        "MARKET_DATA_SOURCE": "simulated",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cryptopulse",
                "worker",
                "--pool",
                "solo",
                "--queues",
                "default,bots,screening,reports",
                "--hostname",
                hostname,
                "--without-mingle",
                "--without-gossip",
                "--purge",  # messages an earlier run left in the test broker are not ours
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    _wait_for_heartbeat(hostname, process, log)
    yield hostname
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); "
            ".ci/run installs it."
        )
    return CHROMIUM


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keep each phase's report on the test item, so fixtures can see whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


ARTIFACTS = BASE_DIR / "test-artifacts"


@pytest.fixture
def page(chromium_path: Path, live_server, request: pytest.FixtureRequest):
    """A Playwright page in headless Debian Chromium; live_server serves the app."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's guard against
    # sync ORM calls inside a loop would otherwise trip on the test's own DB access.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context()
        page = context.new_page()
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            # A picture of the page at the failure, for CI logs and for people.
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"{request.node.name[:120]}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")  # noqa: T201
        context.close()
        browser.close()
        # While Playwright's loop runs, Django's connections are context-local: close the ones
        # the test opened in this context, or they outlive the test and block dropping the DB.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def unused_tcp_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def simulator_handle():
    """The loopback Binance-compatible exchange, shared by the session (state per account)."""
    from trading.exchanges.simulator import start_simulator

    with start_simulator(port=0) as handle:
        yield handle


@pytest.fixture
def simulator(simulator_handle, settings):
    """The simulator, with `simulated` venues pointed at it for this test."""
    settings.SIM_EXCHANGE_URL = simulator_handle.url
    settings.MARKET_DATA_SOURCE = "simulated"
    return simulator_handle


@pytest.fixture
def simulated_markets(simulator, db):
    """The simulator's markets loaded into the Market table."""
    from trading.exchanges.registry import get_venue
    from trading.services.markets import sync_markets

    sync_markets(venue=get_venue(exchange="simulated"), exchange="simulated")
    return simulator


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def ws_server(django_db_setup: None, tmp_path_factory) -> Iterator[str]:
    """The `ws` process (uvicorn, Channels) on a free port, on the test Redis and database.

    Yields its websocket base URL, for pages served by live_server (set WS_PUBLIC_URL).
    """
    import urllib.request

    port = _free_port()
    log = tmp_path_factory.mktemp("ws") / "uvicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cryptopulse.settings_test",
        "CRYPTOPULSE_TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "MARKET_DATA_SOURCE": "simulated",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "cryptopulse.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"uvicorn did not start:\n{log.read_text()[-4000:]}")
    if process.poll() is not None:
        pytest.fail(f"uvicorn exited:\n{log.read_text()[-4000:]}")
    yield f"ws://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
