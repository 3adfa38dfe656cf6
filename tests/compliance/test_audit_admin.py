import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from compliance.audit import AuditAction, record
from tests.compliance.helpers import login_with_second_factor, record_logins
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:compliance_auditevent_changelist"


@pytest.fixture
def admin_client(client):
    return login_with_second_factor(client, UserFactory.create(is_staff=True, is_superuser=True))


def test_staff_can_list_and_view_audit_events(admin_client):
    # given
    alice = UserFactory.create(email="alice@example.com")
    event = record(action=AuditAction.PASSWORD_CHANGED, actor=alice)
    # when
    listing = admin_client.get(reverse(CHANGELIST))
    detail = admin_client.get(reverse("admin:compliance_auditevent_change", args=[event.pk]))
    # then
    assert listing.status_code == 200
    assert b"alice@example.com" in listing.content
    assert detail.status_code == 200
    assert event.hash.encode() in detail.content
    assert b'name="_save"' not in detail.content  # read-only: nothing to submit


@pytest.mark.parametrize(
    ("url_name", "method", "_case"),
    [
        ("admin:compliance_auditevent_add", "get", "add form"),
        ("admin:compliance_auditevent_add", "post", "add"),
        ("admin:compliance_auditevent_delete", "get", "delete confirmation"),
        ("admin:compliance_auditevent_delete", "post", "delete"),
        ("admin:compliance_auditevent_change", "post", "change"),
    ],
)
def test_nobody_adds_changes_or_deletes_audit_events_in_the_admin(
    admin_client, url_name, method, _case
):
    # given
    event = record(action=AuditAction.LOGIN_SUCCEEDED, actor=UserFactory.create())
    args = [] if url_name.endswith("_add") else [event.pk]
    # when
    response = getattr(admin_client, method)(reverse(url_name, args=args), {"action": "x"})
    # then
    assert response.status_code == 403


def test_the_changelist_offers_no_bulk_delete(admin_client):
    # given
    record(action=AuditAction.LOGIN_SUCCEEDED, actor=UserFactory.create())
    # when
    response = admin_client.get(reverse(CHANGELIST))
    # then
    assert b"delete_selected" not in response.content


@pytest.mark.parametrize(
    ("permissions", "status", "_case"),
    [
        ([], 403, "staff without the view permission"),
        (["view_auditevent"], 200, "staff with the view permission"),
    ],
)
def test_staff_need_the_view_permission(client, permissions, status, _case):
    # given
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    login_with_second_factor(client, staff)
    # when
    response = client.get(reverse(CHANGELIST))
    # then
    assert response.status_code == status


@pytest.mark.parametrize(
    "query",
    ["", "?q=example.com", "?action__exact=accounts.login.succeeded", "?actor_kind__exact=user"],
)
def test_the_changelist_query_count_does_not_grow_with_the_rows(
    admin_client, django_assert_max_num_queries, query
):
    # given
    admin_client.get(reverse(CHANGELIST) + query)  # warm caches (content types, session)
    record_logins(UserFactory.create(), 1)
    with django_assert_max_num_queries(8) as few_rows:
        assert admin_client.get(reverse(CHANGELIST) + query).status_code == 200
    # when
    for _ in range(10):
        record_logins(UserFactory.create(), 5)
    # then
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        assert admin_client.get(reverse(CHANGELIST) + query).status_code == 200
