"""Concurrent writers on real PostgreSQL: one chain per stream, and no waiting across streams."""

import logging
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from accounts.models import User
from compliance.audit import AuditAction, record, verify_chain
from compliance.models import AuditEvent
from tests.compliance.helpers import record_logins
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

log = logging.getLogger(__name__)

WRITERS = 20
TIMEOUT_S = 30


def _run_in_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    """Run each target in its own thread (and DB connection); the exceptions they raised."""
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return errors


def _seqs(user: User) -> list[int]:
    events = AuditEvent.objects.filter(stream=f"user:{user.pk}").order_by("seq")
    return list(events.values_list("seq", flat=True))


def test_concurrent_writers_of_one_user_make_one_unbroken_chain():
    # given: a user without any event yet, so the writers also race to create the head row
    user = UserFactory.create()
    start = threading.Barrier(WRITERS)

    def write(n: int) -> Callable[[], None]:
        def target() -> None:
            start.wait(timeout=TIMEOUT_S)
            with transaction.atomic():
                record(action=AuditAction.LOGIN_SUCCEEDED, actor=user, data={"writer": n})

        return target

    # when
    errors = _run_in_threads([write(n) for n in range(WRITERS)])
    # then
    assert errors == []
    assert _seqs(user) == list(range(1, WRITERS + 1))
    assert verify_chain().intact


def test_concurrent_writers_of_different_users_each_get_an_unbroken_chain():
    # given
    users = [UserFactory.create() for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)

    def write(user: User) -> Callable[[], None]:
        def target() -> None:
            start.wait(timeout=TIMEOUT_S)
            for _ in range(5):
                with transaction.atomic():
                    record(action=AuditAction.LOGIN_SUCCEEDED, actor=user)

        return target

    # when
    errors = _run_in_threads([write(user) for user in users])
    # then
    assert errors == []
    assert all(_seqs(user) == [1, 2, 3, 4, 5] for user in users)
    report = verify_chain()
    assert (report.intact, report.events, report.streams) == (True, WRITERS * 5, WRITERS)


def _waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_held_stream_lock_blocks_only_writers_of_the_same_user():
    # given: both users have a stream already; A will hold user1's head lock
    user1, user2 = UserFactory.create(), UserFactory.create()
    record_logins(user1, 1)
    record_logins(user2, 1)
    a_recorded, release_a, a_committed = threading.Event(), threading.Event(), threading.Event()
    b_committed, c_committed = threading.Event(), threading.Event()
    c_pid: list[int] = []
    errors: list[BaseException] = []
    timings: dict[str, float] = {}

    def writer(body: Callable[[], None]) -> threading.Thread:
        def run() -> None:
            try:
                body()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    def a_holds_user1() -> None:
        with transaction.atomic():
            record(action=AuditAction.LOGIN_SUCCEEDED, actor=user1, data={"writer": "A"})
            a_recorded.set()
            if not release_a.wait(timeout=TIMEOUT_S):
                raise TimeoutError("A was never released")
        a_committed.set()

    def b_writes_user2() -> None:
        started = time.perf_counter()
        with transaction.atomic():
            record(action=AuditAction.LOGIN_SUCCEEDED, actor=user2, data={"writer": "B"})
        timings["B"] = time.perf_counter() - started
        b_committed.set()

    def c_writes_user1() -> None:
        connection.ensure_connection()
        c_pid.append(connection.connection.info.backend_pid)  # this thread's PostgreSQL session

        started = time.perf_counter()
        with transaction.atomic():
            record(action=AuditAction.LOGIN_SUCCEEDED, actor=user1, data={"writer": "C"})
        timings["C"] = time.perf_counter() - started
        c_committed.set()

    threads = [writer(a_holds_user1), writer(b_writes_user2), writer(c_writes_user1)]
    try:
        # when: A records for user1 and keeps its transaction open
        threads[0].start()
        assert a_recorded.wait(timeout=TIMEOUT_S)
        # then: B, writing for user2, commits while A still holds user1's lock
        threads[1].start()
        assert b_committed.wait(timeout=TIMEOUT_S)
        assert not a_committed.is_set()
        # and: C, writing for user1, waits on A's lock in PostgreSQL
        threads[2].start()
        deadline = time.monotonic() + TIMEOUT_S
        while not (c_pid and _waits_on_a_lock(c_pid[0])) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c_pid
        assert _waits_on_a_lock(c_pid[0]), "C should be waiting for user1's head lock"
        assert not c_committed.wait(timeout=0.3)
        # when: A commits
        release_a.set()
        # then: C goes through, after A
        assert c_committed.wait(timeout=TIMEOUT_S)
    finally:
        release_a.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT_S)
    assert errors == []
    writers = dict(
        AuditEvent.objects.filter(stream=f"user:{user1.pk}", seq__gt=1).values_list(
            "data__writer", "seq"
        )
    )
    assert writers == {"A": 2, "C": 3}
    assert _seqs(user2) == [1, 2]
    assert verify_chain().intact
    # Timing figures for the log (pytest -o log_cli=true); nothing asserts on them.
    log.info(
        "B committed in %.1f ms while A held user1's lock; C took %.1f ms, waiting for A",
        timings["B"] * 1000,
        timings["C"] * 1000,
    )
