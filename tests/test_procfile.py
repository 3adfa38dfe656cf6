"""The Procfile runner with real child processes (short shell commands)."""

import io
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cryptopulse.procfile import ProcessSpec, Supervisor, end_leftover_groups, parse_procfile


def test_parse_procfile_reads_name_command_lines():
    text = "# comment\n\nweb: gunicorn app --bind :$PORT\nworker:   celery -A x worker\n"
    assert parse_procfile(text) == [
        ProcessSpec("web", "gunicorn app --bind :$PORT"),
        ProcessSpec("worker", "celery -A x worker"),
    ]


@pytest.mark.parametrize(
    ("text", "message", "_case"),
    [
        ("web gunicorn", "line 1 is not", "no colon"),
        ("web:", "line 1 is not", "no command"),
        ("my-web: x", "line 1 is not", "name not an identifier"),
        ("web: a\nweb: b", "unique", "duplicate"),
    ],
)
def test_parse_procfile_rejects_malformed_lines(text, message, _case):
    with pytest.raises(ValueError, match=message):
        parse_procfile(text)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a reparented child may wait for a reaper that never comes)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _supervisor(*specs: ProcessSpec, out: io.StringIO, grace_s: float = 5.0) -> Supervisor:
    return Supervisor(list(specs), env=dict(os.environ), cwd=Path.cwd(), out=out, grace_s=grace_s)


def test_one_process_exiting_stops_the_others_and_fails_the_run(tmp_path):
    out = io.StringIO()
    supervisor = _supervisor(
        ProcessSpec("server", "sleep 30"),
        ProcessSpec("crasher", "echo about to fail; exit 3"),
        out=out,
    )
    supervisor.start()
    assert supervisor.wait() == 3
    assert supervisor.processes["server"].returncode == -signal.SIGTERM
    log = out.getvalue()
    assert "crasher | about to fail" in log
    assert "crasher exited with status 3; stopping the others" in log


def test_a_requested_stop_ends_every_process_group_and_returns_0(tmp_path):
    # given: a process whose child (same group) would outlive a plain kill of the leader
    child_pid_file = tmp_path / "child.pid"
    out = io.StringIO()
    supervisor = _supervisor(
        ProcessSpec("parent", f"sh -c 'sleep 60 & echo $! > {child_pid_file}; wait'"),
        out=out,
    )
    supervisor.start()
    deadline = time.monotonic() + 10
    while not child_pid_file.exists() or not child_pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child_pid = int(child_pid_file.read_text())
    # when
    threading.Timer(0.3, supervisor.request_stop).start()
    status = supervisor.wait()
    # then
    assert status == 0
    assert not _running(child_pid)


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period():
    out = io.StringIO()
    supervisor = _supervisor(
        ProcessSpec("stubborn", "trap '' TERM; while true; do sleep 0.1; done"),
        out=out,
        grace_s=0.5,
    )
    supervisor.start()
    time.sleep(0.3)  # let the shell install its trap
    supervisor.request_stop()
    assert supervisor.wait() == 0
    assert supervisor.processes["stubborn"].returncode == -signal.SIGKILL


def test_output_to_a_closed_console_does_not_break_the_shutdown():
    out = io.StringIO()
    supervisor = _supervisor(
        ProcessSpec("chatty", "while true; do echo hi; sleep 0.05; done"), out=out
    )
    supervisor.start()
    time.sleep(0.2)
    out.close()  # the console went away (like a killed `| tee`)
    supervisor.request_stop()
    assert supervisor.wait() == 0
    assert supervisor.processes["chatty"].returncode is not None


def test_groups_left_by_a_killed_supervisor_are_ended_by_the_next_run(tmp_path):
    # given: a supervisor that recorded its groups and then died without stopping them
    groups_file = tmp_path / "stack.groups"
    supervisor = Supervisor(
        [ProcessSpec("orphan", "sleep 60")],
        env=dict(os.environ),
        cwd=Path.cwd(),
        out=io.StringIO(),
        groups_file=groups_file,
    )
    supervisor.start()
    orphan = supervisor.processes["orphan"]
    assert groups_file.read_text().split() == [str(orphan.pid)]
    # when
    assert end_leftover_groups(groups_file, grace_s=5) == 1
    # then
    assert orphan.wait(timeout=5) == -signal.SIGTERM
    assert not groups_file.exists()
    assert end_leftover_groups(groups_file) == 0


def test_a_clean_stop_removes_the_groups_file(tmp_path):
    groups_file = tmp_path / "stack.groups"
    supervisor = Supervisor(
        [ProcessSpec("server", "sleep 60")],
        env=dict(os.environ),
        cwd=Path.cwd(),
        out=io.StringIO(),
        groups_file=groups_file,
    )
    supervisor.start()
    supervisor.request_stop()
    supervisor.wait()
    assert not groups_file.exists()
