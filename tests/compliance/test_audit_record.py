import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from compliance.audit import AuditAction, record, verify_chain
from compliance.models import GENESIS_HASH, ActorKind, AuditEvent, AuditStreamHead
from cryptopulse.request_context import get_client, get_request_id
from tests.compliance.helpers import make_api_key, request_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_actor_is_recorded_by_id_and_email():
    # given
    alice = UserFactory.create(email="alice@example.com")
    # when
    event = record(action=AuditAction.PASSWORD_CHANGED, actor=alice)
    # then
    assert event.action == "accounts.password.changed"
    assert event.actor_kind == ActorKind.USER
    assert event.actor_user == alice
    assert event.actor_user_ref == alice.pk
    assert event.actor_api_key is None
    assert event.actor_repr == "alice@example.com"
    assert (event.stream, event.seq, event.prev_hash) == (f"user:{alice.pk}", 1, GENESIS_HASH)
    assert len(event.hash) == 64


def test_an_api_key_actor_records_the_key_and_its_owner():
    # given
    alice = UserFactory.create(email="alice@example.com")
    key = make_api_key(alice, prefix="k3y9x2")
    # when
    event = record(action=AuditAction.API_KEY_REVOKED, actor=key, target=key)
    # then
    assert event.actor_kind == ActorKind.API_KEY
    assert event.actor_api_key == key
    assert event.actor_user == alice
    assert (event.actor_user_ref, event.actor_api_key_ref) == (alice.pk, key.pk)
    assert event.actor_repr == "api key cp_k3y9x2… of alice@example.com"
    assert event.stream == f"user:{alice.pk}"


def test_no_actor_means_the_system():
    # when
    event = record(action=AuditAction.ROLE_CHANGED)
    # then
    assert event.actor_kind == ActorKind.SYSTEM
    assert event.actor_repr == "system"
    assert event.actor_user is None
    assert event.actor_api_key is None
    assert event.stream == "system"


@pytest.mark.parametrize(
    ("actor", "subject", "target", "expected", "_case"),
    [
        ("officer", "alice", "bob", "alice", "subject wins over target and actor"),
        ("officer", None, "bob", "bob", "a user target is the subject"),
        ("officer", None, "key", "officer", "else the acting user"),
        ("key", None, None, "alice", "an api key acts for its owner"),
        (None, "bob", None, "bob", "a system action about a user"),
        (None, None, "key", "system", "a system action about no user"),
    ],
)
def test_the_stream_is_the_affected_user(actor, subject, target, expected, _case):
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    officer = UserFactory.create(is_staff=True)
    objects: dict[str | None, Any] = {
        "alice": alice,
        "bob": bob,
        "officer": officer,
        "key": make_api_key(alice),
        None: None,
    }
    # when
    event = record(
        action=AuditAction.ROLE_CHANGED,
        actor=objects[actor],
        subject=objects[subject],
        target=objects[target],
    )
    # then
    assert event.stream == ("system" if expected == "system" else f"user:{objects[expected].pk}")


def test_a_model_target_is_recorded_by_content_type_id_and_repr():
    # given
    alice = UserFactory.create()
    key = make_api_key(alice, prefix="tgt12345")
    # when
    event = record(action=AuditAction.API_KEY_CREATED, actor=alice, target=key)
    # then
    assert event.target_ct == ContentType.objects.get(app_label="accounts", model="apikey")
    assert event.target_id == str(key.pk)
    assert event.target_repr == "bot (cp_tgt12345…)"
    assert AuditEvent.objects.get(pk=event.pk).target == key


def test_each_stream_counts_from_one_and_links_to_its_previous_event():
    # given
    alice, bob = UserFactory.create(), UserFactory.create()
    # when
    a1 = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    b1 = record(action=AuditAction.LOGIN_SUCCEEDED, actor=bob)
    a2 = record(action=AuditAction.LOGOUT, actor=alice)
    # then
    assert (a1.seq, b1.seq, a2.seq) == (1, 1, 2)
    assert a2.prev_hash == a1.hash
    assert b1.prev_hash == GENESIS_HASH
    assert a1.id < b1.id < a2.id  # the id is the global order
    head = AuditStreamHead.objects.get(stream=f"user:{alice.pk}")
    assert (head.seq, head.hash) == (2, a2.hash)
    assert str(head) == f"user:{alice.pk} @ 2"
    assert str(a2) == f"accounts.logout (user:{alice.pk} #2)"


def test_the_request_id_and_client_come_from_the_request_context():
    # given
    alice = UserFactory.create()
    # when
    with request_context(request_id="req-0123456789", ip="203.0.113.7", user_agent="Firefox/140"):
        event = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    # then
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.ip, event.user_agent, event.request_id) == (
        "203.0.113.7",
        "Firefox/140",
        "req-0123456789",
    )
    assert get_request_id() is None
    assert get_client() is None


def test_without_a_request_the_client_fields_are_empty():
    # when
    event = record(action=AuditAction.ROLE_CHANGED)
    # then
    assert (event.ip, event.user_agent, event.request_id) == (None, "", "")


@pytest.mark.parametrize(
    ("raw", "stored", "_case"),
    [
        ("2001:DB8:0:0::1", "2001:db8::1", "ipv6 spelled canonically"),
        ("fe80::1%eth0", "fe80::1", "ipv6 zone dropped"),
        ("unknown", None, "garbage from a forwarded-for header"),
        ("", None, "empty"),
    ],
)
def test_the_client_ip_is_stored_canonically_or_not_at_all(raw, stored, _case):
    # given
    alice = UserFactory.create()
    # when
    with request_context(request_id="req-0123456789", ip=raw):
        event = record(action=AuditAction.LOGIN_FAILED, subject=alice)
    # then
    assert AuditEvent.objects.get(pk=event.pk).ip == stored
    assert verify_chain().intact


def test_a_hostile_user_agent_is_cut_and_cleaned():
    # given
    alice = UserFactory.create()
    # when
    with request_context(request_id="req-0123456789", ip=None, user_agent="a\x00b" + "x" * 600):
        event = record(action=AuditAction.LOGIN_FAILED, subject=alice)
    # then
    assert event.user_agent == "ab" + "x" * 510
    assert verify_chain().intact


def test_secret_looking_keys_are_masked_at_any_depth():
    # given
    alice = UserFactory.create()
    data = {
        "email": "alice@example.com",
        "password": "hunter2",
        "changes": {
            "new_password": "s3cret",
            "devices": [{"name": "phone", "TOTP_seed": "JBSWY3DP", "key_prefix": "abcd"}],
        },
        "backup_codes": ["1111", "2222"],
        "api_key": {"prefix": "abcd", "secret": "x"},
    }
    # when
    event = record(action=AuditAction.TWO_FACTOR_ENABLED, actor=alice, data=data)
    # then
    assert AuditEvent.objects.get(pk=event.pk).data == {
        "email": "alice@example.com",
        "password": "***",
        "changes": {
            "new_password": "***",
            "devices": [{"name": "phone", "TOTP_seed": "***", "key_prefix": "abcd"}],
        },
        "backup_codes": "***",
        "api_key": "***",
    }
    assert data["password"] == "hunter2"  # the caller's dict is left alone


@pytest.mark.parametrize(
    ("key", "masked", "_case"),
    [
        ("password", True, "password"),
        ("client_secret", True, "secret"),
        ("refresh_token", True, "token"),
        ("otp", True, "otp"),
        ("totp_device", True, "totp"),
        ("code", True, "code"),
        ("api_key", True, "key"),
        ("backup", True, "backup"),
        ("Password", True, "case-insensitive"),
        ("key_prefix", False, "an api key's public prefix"),
        ("prefix", False, "prefix"),
        ("email", False, "an ordinary key"),
        ("scopes", False, "scopes"),
    ],
)
def test_which_keys_count_as_secret(key, masked, _case):
    # when
    event = record(action=AuditAction.API_KEY_CREATED, data={key: "value"})
    # then
    assert event.data == {key: "***" if masked else "value"}


def test_decimals_dates_uuids_and_floats_are_stored_as_exact_strings():
    # given
    alice = UserFactory.create()
    at = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    data = {
        "old": {"limit": Decimal("0.100000000000000001"), "at": at, "cutoff": time(23, 59, 1)},
        "new": {
            "limit": Decimal("1E+3"),
            "ratio": 1e16,
            "ref": UUID(int=1),
            "on": date(2026, 1, 9),
        },
    }
    # when
    event = record(action=AuditAction.ROLE_CHANGED, actor=alice, data=data)
    # then
    assert AuditEvent.objects.get(pk=event.pk).data == {
        "old": {
            "limit": "0.100000000000000001",
            "at": "2026-01-02T03:04:05.123456+00:00",
            "cutoff": "23:59:01",
        },
        "new": {
            "limit": "1E+3",
            "ratio": "1e+16",
            "ref": "00000000-0000-0000-0000-000000000001",
            "on": "2026-01-09",
        },
    }
    assert verify_chain().intact


def test_occurred_at_can_be_given_and_is_kept_in_utc():
    # given
    alice = UserFactory.create()
    at = datetime(2026, 3, 4, 10, 0, 0, 7, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    # when
    event = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice, occurred_at=at)
    # then
    stored = AuditEvent.objects.get(pk=event.pk).occurred_at
    assert stored == at
    assert stored.utcoffset() == timedelta(0)
    assert verify_chain().intact


def test_a_naive_occurred_at_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        record(action=AuditAction.ROLE_CHANGED, occurred_at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_an_action_outside_the_registry_is_refused():
    with pytest.raises(ValueError, match="not a valid AuditAction"):
        record(action="accounts.user.teleported")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "_case"),
    [
        ({"actor": "alice@example.com"}, "an email instead of a user"),
        ({"actor": object()}, "anything else"),
    ],
)
def test_an_actor_must_be_a_user_an_api_key_or_none(kwargs, _case):
    with pytest.raises(TypeError, match="a User, an ApiKey or None"):
        record(action=AuditAction.ROLE_CHANGED, **kwargs)


@pytest.mark.parametrize("role", ["actor", "subject", "target"])
def test_unsaved_objects_are_refused(role):
    unsaved: dict[str, Any] = {role: UserFactory.build()}
    with pytest.raises(ValueError, match=f"an audit {role} must be saved first"):
        record(action=AuditAction.ROLE_CHANGED, **unsaved)


def test_the_hash_covers_the_documented_canonical_content():
    # given
    alice = UserFactory.create(email="alice@example.com")
    key = make_api_key(alice, prefix="hash0001")
    at = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    # when
    with request_context(request_id="req-hash-0001", ip="198.51.100.9", user_agent="curl/8"):
        event = record(
            action=AuditAction.API_KEY_CREATED,
            actor=alice,
            target=key,
            data={"name": "bot", "amount": Decimal("1.50")},
            occurred_at=at,
        )
    # then
    content = {
        "stream": f"user:{alice.pk}",
        "seq": 1,
        "occurred_at": "2026-05-06T07:08:09.000000+00:00",
        "action": "accounts.apikey.created",
        "actor_kind": "user",
        "actor_user_id": alice.pk,
        "actor_api_key_id": None,
        "actor_repr": "alice@example.com",
        "target_ct": "accounts.apikey",
        "target_id": str(key.pk),
        "target_repr": "bot (cp_hash0001…)",
        "data": {"amount": "1.50", "name": "bot"},
        "ip": "198.51.100.9",
        "user_agent": "curl/8",
        "request_id": "req-hash-0001",
        "prev_hash": GENESIS_HASH,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert event.hash == hashlib.sha256(canonical.encode()).hexdigest()


def test_a_rolled_back_transaction_takes_its_events_and_head_with_it():
    # given
    alice = UserFactory.create()

    def login_then_fail() -> None:
        with transaction.atomic():
            record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
            raise ZeroDivisionError

    # when
    with pytest.raises(ZeroDivisionError):
        login_then_fail()
    event = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    # then
    assert event.seq == 1
    assert AuditEvent.objects.count() == 1
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    # given
    alice = UserFactory.create()
    # when / then
    with pytest.raises(RuntimeError, match=r"must run inside transaction\.atomic\(\)"):
        record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    assert not AuditEvent.objects.exists()
    assert not AuditStreamHead.objects.exists()
