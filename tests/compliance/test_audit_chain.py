"""verify_audit_chain against tampering done the way an intruder would: raw SQL past the ORM."""

import pytest
from django.core.management import execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from compliance import audit
from compliance.audit import AuditAction, record, verify_chain
from compliance.models import AuditEvent
from tests.compliance.helpers import record_logins, run_verify, verify_failure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _sql(statement: str, *params: str | int | list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_intact_trail_verifies():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    record_logins(alice, 3)
    record_logins(bob, 2)
    record(action=AuditAction.ROLE_CHANGED)
    # when
    output = run_verify()
    # then
    assert output == "audit chain intact: 6 events in 3 streams\n"


def test_an_empty_trail_verifies():
    assert run_verify() == "audit chain intact: 0 events in 0 streams\n"


def test_changed_data_is_named_by_its_row():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    events = record_logins(alice, 3)
    record_logins(bob, 2)
    # when
    _sql(
        "UPDATE compliance_auditevent SET data = %s::jsonb WHERE id = %s",
        '{"n": 99}',
        events[1].id,
    )
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 2 id {events[1].id}: "
        "hash mismatch: the row's content was changed"
    ]


def test_a_deleted_middle_row_is_named_as_a_gap():
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 4)
    # when
    _sql("DELETE FROM compliance_auditevent WHERE id = %s", events[1].id)
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 3 id {events[2].id}: "
        "gap in sequence: expected seq 2, found 3 (row deleted)"
    ]


def test_a_deleted_newest_row_is_caught_by_the_head():
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 3)
    # when
    _sql("DELETE FROM compliance_auditevent WHERE id = %s", events[2].id)
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 3 id -: head mismatch: the head is at seq 3 but the "
        "stream ends at seq 2 (newest rows deleted)"
    ]


def test_a_stream_with_every_row_deleted_is_caught_by_the_head():
    # given
    alice = UserFactory.create()
    record_logins(alice, 2)
    # when
    _sql("DELETE FROM compliance_auditevent")
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 1 id -: head mismatch: the head is at seq 2 but the "
        "stream has no events (rows deleted)"
    ]


def test_reordered_rows_are_named_by_the_first_row_out_of_place():
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 4)
    second, third = events[1], events[2]
    # when: swap the seqs of rows 2 and 3, parking one aside for the unique constraint
    _sql("UPDATE compliance_auditevent SET seq = 1000000 WHERE id = %s", second.id)
    _sql("UPDATE compliance_auditevent SET seq = 2 WHERE id = %s", third.id)
    _sql("UPDATE compliance_auditevent SET seq = 3 WHERE id = %s", second.id)
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 2 id {third.id}: "
        "prev_hash mismatch: does not link to seq 1 (rows reordered or rewritten)"
    ]


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link():
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 3)
    # when: the intruder changes a row and writes the hash that matches its new content
    _sql("UPDATE compliance_auditevent SET actor_repr = 'mallory' WHERE id = %s", events[1].id)
    changed = AuditEvent.objects.filter(pk=events[1].id).values(*audit._HASHED_COLUMNS).get()
    _sql(
        "UPDATE compliance_auditevent SET hash = %s WHERE id = %s",
        audit._row_hash(changed),
        events[1].id,
    )
    # then: the row is self-consistent, but the next one still links to the original
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 3 id {events[2].id}: "
        "prev_hash mismatch: does not link to seq 2 (rows reordered or rewritten)"
    ]


@pytest.mark.parametrize(
    ("tampering", "seq", "event_index", "reason", "_case"),
    [
        (
            "UPDATE compliance_auditstreamhead SET hash = repeat('a', 64)",
            2,
            1,
            "head mismatch: the head's hash differs from the last event's",
            "head hash changed",
        ),
        (
            "UPDATE compliance_auditstreamhead SET seq = 1",
            2,
            1,
            "head mismatch: the row is beyond the head (seq 1)",
            "head moved back",
        ),
        (
            "DELETE FROM compliance_auditstreamhead",
            1,
            0,
            "head mismatch: the row is beyond the head (seq 0)",
            "head deleted",
        ),
    ],
)
def test_a_tampered_head_is_caught(tampering, seq, event_index, reason, _case):
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 2)
    # when
    _sql(tampering)
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq {seq} id {events[event_index].id}: {reason}"
    ]


def test_an_actor_pointed_at_someone_else_is_caught():
    # given
    alice, mallory = UserFactory.create(), UserFactory.create()
    events = record_logins(alice, 2)
    # when
    _sql(
        "UPDATE compliance_auditevent SET actor_user_id = %s WHERE id = %s",
        mallory.pk,
        events[0].id,
    )
    # then
    assert verify_failure() == [
        f"stream user:{alice.pk} seq 1 id {events[0].id}: "
        f"actor mismatch: actor_user_id is {mallory.pk}, recorded as {alice.pk}"
    ]


def test_only_the_first_bad_row_of_each_broken_stream_is_named():
    # given
    alice, bob, carol = UserFactory.create(), UserFactory.create(), UserFactory.create()
    alice_events = record_logins(alice, 3)
    bob_events = record_logins(bob, 3)
    record_logins(carol, 3)
    # when
    _sql(
        "UPDATE compliance_auditevent SET request_id = 'forged' WHERE id = ANY(%s)",
        [alice_events[0].id, alice_events[2].id],
    )
    _sql("DELETE FROM compliance_auditevent WHERE id = %s", bob_events[0].id)
    # then
    problems = verify_chain().problems
    assert [(p.stream, p.seq, p.event_id) for p in problems] == [
        (f"user:{alice.pk}", 1, alice_events[0].id),
        (f"user:{bob.pk}", 2, bob_events[1].id),
    ]


def test_one_stream_can_be_verified_alone():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    record_logins(alice, 2)
    bob_events = record_logins(bob, 2)
    _sql("DELETE FROM compliance_auditevent WHERE id = %s", bob_events[1].id)
    # when
    output = run_verify("--stream", f"user:{alice.pk}")
    # then
    assert output == "audit chain intact: 2 events in 1 streams\n"


def test_an_unknown_stream_is_an_error_not_a_pass():
    with pytest.raises(CommandError, match="no audit stream named 'user:404'"):
        run_verify("--stream", "user:404")


# Committed rows: the command line closes the database connection when it is done.
@pytest.mark.django_db(transaction=True)
def test_a_broken_chain_exits_non_zero_from_the_command_line(capsys):
    # given
    alice = UserFactory.create()
    events = record_logins(alice, 2)
    _sql("UPDATE compliance_auditevent SET ip = '10.0.0.1' WHERE id = %s", events[0].id)
    # when
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit_chain"])
    # then
    assert exit_info.value.code == 1
    stderr = capsys.readouterr().err
    assert f"stream user:{alice.pk} seq 1 id {events[0].id}: hash mismatch" in stderr
    assert "CommandError: audit chain broken in 1 of 1 streams" in stderr


def test_the_chain_walk_streams_rows_in_chunks():
    # given
    alice = UserFactory.create()
    record_logins(alice, 7)
    # when
    report = verify_chain(chunk_size=2)
    # then
    assert (report.events, report.streams, report.intact) == (7, 1, True)
    assert AuditEvent.objects.count() == 7
