import pytest
from django.db import transaction

from accounts.models import ApiKey
from compliance.audit import AuditAction, record, verify_chain
from compliance.models import AuditEvent, AuditTrailIsAppendOnly
from tests.compliance.helpers import make_api_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _change_and_save(event: AuditEvent) -> None:
    event.actor_repr = "someone else"
    event.save()


def _save_with_update_fields(event: AuditEvent) -> None:
    event.save(update_fields=["data"])


def _bulk_update(event: AuditEvent) -> None:
    event.actor_repr = "someone else"
    AuditEvent.objects.bulk_update([event], ["actor_repr"])


@pytest.mark.parametrize(
    ("attempt", "_case"),
    [
        (_change_and_save, "instance save after create"),
        (_save_with_update_fields, "instance save with update_fields"),
        (lambda event: event.delete(), "instance delete"),
        (lambda event: AuditEvent.objects.filter(pk=event.pk).update(data={}), "queryset update"),
        (lambda event: AuditEvent.objects.filter(pk=event.pk).delete(), "queryset delete"),
        (lambda event: AuditEvent.objects.all().delete(), "delete everything"),
        (_bulk_update, "bulk update"),
    ],
)
def test_audit_events_cannot_be_changed_or_deleted(attempt, _case):
    # given
    event = record(action=AuditAction.LOGIN_SUCCEEDED, actor=UserFactory.create())
    original = (event.actor_repr, event.data, event.hash)
    # when / then: inside a service's transaction, which the error then rolls back
    with (
        pytest.raises(AuditTrailIsAppendOnly, match="Audit events cannot be changed or deleted"),
        transaction.atomic(),
    ):
        attempt(event)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_repr, stored.data, stored.hash) == original


def test_deleting_a_user_keeps_their_events_and_the_chain():
    # given
    alice = UserFactory.create(email="alice@example.com")
    key = make_api_key(alice, prefix="gone0001")
    officer = UserFactory.create(email="officer@example.com")
    by_alice = record(action=AuditAction.LOGIN_SUCCEEDED, actor=alice)
    by_key = record(action=AuditAction.API_KEY_REVOKED, actor=key, target=key)
    by_officer = record(action=AuditAction.ROLE_CHANGED, actor=officer, target=alice)
    alice_id = alice.pk
    # when
    alice.delete()
    # then
    assert not ApiKey.objects.filter(pk=key.pk).exists()  # the key went with its owner
    events = {event.pk: event for event in AuditEvent.objects.all()}
    assert set(events) == {by_alice.pk, by_key.pk, by_officer.pk}
    assert events[by_alice.pk].actor_user is None
    assert events[by_alice.pk].actor_user_ref == alice_id
    assert events[by_alice.pk].actor_repr == "alice@example.com"
    assert events[by_key.pk].actor_api_key is None
    assert events[by_key.pk].actor_repr == "api key cp_gone0001… of alice@example.com"
    assert events[by_officer.pk].target_repr == "alice@example.com"
    assert verify_chain().intact
