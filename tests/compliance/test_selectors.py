import pytest
from django.db import connection

from compliance.audit import AuditAction, record
from compliance.selectors import SECURITY_ACTIONS, security_events_for
from tests.compliance.helpers import make_api_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_security_events_are_the_users_own_newest_first():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    key = make_api_key(alice)
    login = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    record(action=AuditAction.USER_REGISTERED, actor=alice)  # not a security event
    record(action=AuditAction.LOGIN_SUCCEEDED, actor=bob)  # someone else's
    created = record(action=AuditAction.API_KEY_CREATED, actor=alice, target=key)
    revoked = record(action=AuditAction.API_KEY_REVOKED, actor=key, target=key)
    # when
    events = list(security_events_for(user=alice))
    # then
    assert [event.pk for event in events] == [revoked.pk, created.pk, login.pk]


def test_security_events_are_limited():
    # given
    alice = UserFactory.create()
    for _ in range(5):
        record(action=AuditAction.LOGIN_FAILED, subject=alice)
    # when
    events = list(security_events_for(user=alice, limit=3))
    # then
    assert [event.seq for event in events] == [5, 4, 3]


def test_security_events_load_their_actors_in_one_query(django_assert_num_queries):
    # given
    alice = UserFactory.create()
    key = make_api_key(alice)
    for _ in range(3):
        record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
        record(action=AuditAction.API_KEY_REVOKED, actor=key, target=key)
    # when / then
    with django_assert_num_queries(1):
        shown = [
            (event.actor_user.email if event.actor_user else None, event.actor_api_key)
            for event in security_events_for(user=alice)
        ]
    assert len(shown) == 6


def test_security_events_read_the_stream_index():
    # given
    alice = UserFactory.create()
    record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    # when: with sequential scans priced out, as on a large table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = security_events_for(user=alice).explain()
    # then
    assert "auditevent_stream_seq" in plan
    assert "Sort" not in plan  # the index already gives the order


@pytest.mark.parametrize(
    ("action", "_case"),
    [(action, action.value) for action in SECURITY_ACTIONS],
)
def test_every_security_action_is_listed(action, _case):
    # given
    alice = UserFactory.create()
    event = record(action=action, subject=alice)
    # when / then
    assert list(security_events_for(user=alice)) == [event]
