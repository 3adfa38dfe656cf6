"""A small Procfile runner for `make run` (the role honcho or foreman play).

Each process runs in a session of its own and is stopped as a whole process group, so
gunicorn's and Celery's pool children go with it. Output lines are prefixed with the time
and the process name. The runner outlives its console: if stdout is closed (say, `| tee`
killed by Ctrl-C), lines are dropped and the shutdown still completes, which is where
honcho hung and left every process running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: str


def parse_procfile(text: str) -> list[ProcessSpec]:
    """`name: command` lines; blank lines and `#` comments are skipped."""
    specs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"Procfile line {number} is not `name: command`: {raw!r}")
        specs.append(ProcessSpec(name=name.strip(), command=command.strip()))
    if len({spec.name for spec in specs}) != len(specs):
        raise ValueError("Procfile names must be unique.")
    return specs


class Supervisor:
    """Start every process, stop all of them when one exits or a stop is requested."""

    def __init__(
        self,
        specs: list[ProcessSpec],
        *,
        env: Mapping[str, str],
        cwd: Path,
        out: IO[str],
        grace_s: float = 20.0,
        groups_file: Path | None = None,
    ) -> None:
        self.specs = specs
        self.env = dict(env)
        self.cwd = cwd
        self.out = out
        self.grace_s = grace_s
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._readers: list[threading.Thread] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._width = max((len(spec.name) for spec in specs), default=6)
        # The process groups it started, on disk: if this supervisor is killed outright
        # (SIGKILL, OOM), the next run ends them instead of finding the ports taken.
        self.groups_file = groups_file

    def request_stop(self) -> None:
        """Safe from a signal handler: the waiting loop does the stopping."""
        self._stop.set()

    def emit(self, name: str, line: str) -> None:
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")
        with self._lock, contextlib.suppress(OSError, ValueError):
            self.out.write(f"{stamp} {name:<{self._width}} | {line}\n")
            self.out.flush()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.emit(name, raw.decode(errors="replace").rstrip("\n"))
        stream.close()

    def start(self) -> None:
        for spec in self.specs:
            process = subprocess.Popen(  # noqa: S603 - commands come from our own Procfile
                ["/bin/sh", "-c", spec.command],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.processes[spec.name] = process
            self._record_groups()
            self.emit("system", f"{spec.name} started (pid {process.pid})")
            assert process.stdout is not None  # noqa: S101 - PIPE was asked for
            reader = threading.Thread(
                target=self._pump, args=(spec.name, process.stdout), daemon=True
            )
            reader.start()
            self._readers.append(reader)

    def wait(self) -> int:
        """Block until a process exits or a stop is requested; stop all; return the status.

        0 after a requested stop; otherwise the exit status of the process that ended first
        (1 if it ended with status 0: a server that exits on its own is a failure).
        """
        status = 0
        while not self._stop.wait(0.2):
            ended = [(n, p.returncode) for n, p in self.processes.items() if p.poll() is not None]
            if ended:
                name, code = ended[0]
                self.emit("system", f"{name} exited with status {code}; stopping the others")
                status = code or 1
                break
        self.stop_all()
        return status

    def _signal_groups(self, signum: int) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)

    def stop_all(self) -> None:
        self.emit("system", "sending SIGTERM to all processes")
        self._signal_groups(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        while time.monotonic() < deadline:
            if all(process.poll() is not None for process in self.processes.values()):
                break
            time.sleep(0.1)
        # Leaders that ignored SIGTERM, and any member of their groups still around, go now.
        self._signal_groups(signal.SIGKILL)
        for name, process in self.processes.items():
            process.wait()
            self.emit("system", f"{name} stopped (status {process.returncode})")
        for reader in self._readers:
            reader.join(timeout=2)
        if self.groups_file is not None:
            self.groups_file.unlink(missing_ok=True)

    def _record_groups(self) -> None:
        if self.groups_file is not None:
            pgids = "\n".join(str(process.pid) for process in self.processes.values())
            self.groups_file.write_text(pgids + "\n")


def end_leftover_groups(groups_file: Path, *, grace_s: float = 10.0) -> int:
    """End the process groups a killed supervisor left behind; return how many were alive."""
    try:
        pgids = [int(line) for line in groups_file.read_text().split() if line.strip()]
    except FileNotFoundError:
        return 0
    alive = []
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGTERM)
            alive.append(pgid)
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + grace_s
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pgid for pgid in alive if _group_exists(pgid)]
    for pgid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    groups_file.unlink(missing_ok=True)
    return len(pgids)


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
