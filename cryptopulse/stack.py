"""`make run`: prepare the database and start every process of the Procfile.

Starts the embedded engines when DATABASE_URL / REDIS_URL are not given, applies migrations,
creates the demo users (development only), syncs beat's schedule, then runs the Procfile
(`cryptopulse.procfile`): web (gunicorn), ws (uvicorn), worker and beat. Ctrl-C (SIGINT) or
SIGTERM stops the processes and then the embedded engines this run uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from cryptopulse import embedded
from cryptopulse.procfile import Supervisor, end_leftover_groups, parse_procfile

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True)  # noqa: S603


def prepare(env: dict[str, str]) -> None:
    _manage("migrate", "--noinput", env=env)
    if env.get("CRYPTOPULSE_ENV", "development") == "development":
        _manage("seed_demo", env=env)
    if env.get("CRYPTOPULSE_ENV") == "production":
        _manage("collectstatic", "--noinput", env=env)
    _manage("sync_periodic_tasks", env=env)


def _say(*lines: str) -> None:
    # The console may be gone (a closed pipe); the shutdown must go on regardless.
    with contextlib.suppress(OSError):
        sys.stdout.write("\n".join(lines) + "\n")  # the operator's console
        sys.stdout.flush()


def _announce(env: dict[str, str], port: str) -> None:
    host = env.get("HOST", "127.0.0.1")
    lines = [
        f"CryptoPulse: http://{host}:{port}/  (admin /admin/, health /healthz /readyz)",
        f"websockets: ws://{host}:{env.get('WS_PORT', '8001')}/ws/",
    ]
    if env.get("CRYPTOPULSE_ENV", "development") == "development":
        lines.append("demo users: trader@example.com, officer@example.com (DEMO_PASSWORD)")
    _say(*lines)


def main() -> int:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PORT", "8000")
    uses_embedded = not (env.get("DATABASE_URL") and env.get("REDIS_URL"))
    if uses_embedded:
        urls = embedded.ensure_engines()
        env.setdefault("DATABASE_URL", urls.database_url)
        env.setdefault("REDIS_URL", urls.redis_url)
    pid_file = embedded.run_dir() / "stack.pid"
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(str(os.getpid()))
    groups_file = embedded.run_dir() / "stack.groups"
    if leftovers := end_leftover_groups(groups_file):
        _say(f"ended {leftovers} process group(s) left by a run that was killed")
    specs = parse_procfile((BASE_DIR / "Procfile").read_text())
    supervisor = Supervisor(specs, env=env, cwd=BASE_DIR, out=sys.stdout, groups_file=groups_file)

    def stop(signum: int, _frame: FrameType | None) -> None:
        supervisor.request_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        prepare(env)
        _announce(env, env["PORT"])
        supervisor.start()
        return supervisor.wait()
    finally:
        if uses_embedded:
            stopped = embedded.stop_engines()
            _say(f"stopped embedded engines: {', '.join(stopped) or 'none running'}")
        pid_file.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
