"""Users are screened at sign-up (web and API) and when they change their name, in the
worker (here: Celery eager, opt-in), after the request's transaction commits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.users import update_full_name
from compliance.audit import AuditAction
from compliance.models import AuditEvent, ScreeningMatch, ScreeningTrigger
from compliance.screening.tasks import screen_user_task
from cryptopulse.celery import app
from tests.compliance.screening.helpers import listed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def eager() -> Iterator[None]:
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def putin():
    return listed("PUTIN, Vladimir Vladimirovich", dobs=["1952-10-07"])


def test_a_web_sign_up_with_a_listed_name_is_screened(
    eager, putin, client: Client, django_capture_on_commit_callbacks
):
    # the sign-up form asks for the (optional) full name
    assert 'name="full_name"' in client.get("/accounts/signup/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "vv@example.com",
                "full_name": "  Vladimir   Putin ",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    user = User.objects.get(email="vv@example.com")
    assert user.full_name == "Vladimir Putin"
    (match,) = ScreeningMatch.objects.filter(user=user)
    assert (match.entry, match.trigger) == (putin, ScreeningTrigger.SIGNUP)


def test_a_web_sign_up_without_a_name_is_not_screened(
    eager, putin, client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(
            "/accounts/signup/",
            {"email": "anon@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert User.objects.filter(email="anon@example.com").exists()
    assert not ScreeningMatch.objects.exists()
    assert all("screen" not in repr(c) for c in callbacks)


def test_an_api_sign_up_with_a_listed_name_is_screened(
    eager, putin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/register",
            {"email": "api@example.com", "password": PASSWORD, "full_name": "Vladimir Putin"},
        )
    assert response.status_code == 202
    user = User.objects.get(email="api@example.com")
    assert user.full_name == "Vladimir Putin"
    assert ScreeningMatch.objects.get(user=user).trigger == ScreeningTrigger.SIGNUP


def test_nothing_is_screened_before_the_sign_up_commits(putin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        APIClient().post(
            "/api/v1/auth/register",
            {"email": "api@example.com", "password": PASSWORD, "full_name": "Vladimir Putin"},
        )
    assert callbacks  # the verification mail and the screening wait for the commit
    assert not ScreeningMatch.objects.exists()


def test_a_name_change_is_audited_and_screened(eager, putin, django_capture_on_commit_callbacks):
    user = UserFactory.create(full_name="Vova")
    with django_capture_on_commit_callbacks(execute=True):
        update_full_name(user=user, full_name="Vladimir Putin")
    (event,) = AuditEvent.objects.filter(action=AuditAction.NAME_CHANGED)
    assert event.data == {"old": "Vova", "new": "Vladimir Putin"}
    assert ScreeningMatch.objects.get(user=user).trigger == ScreeningTrigger.NAME_CHANGE


def test_the_same_name_again_changes_nothing(eager, putin, django_capture_on_commit_callbacks):
    user = UserFactory.create(full_name="Vladimir Putin")
    with django_capture_on_commit_callbacks(execute=True):
        update_full_name(user=user, full_name=" Vladimir  Putin")
    assert not AuditEvent.objects.filter(action=AuditAction.NAME_CHANGED).exists()
    assert not ScreeningMatch.objects.exists()


def test_the_profile_page_changes_the_name(
    eager, putin, client: Client, django_capture_on_commit_callbacks
):
    user = UserFactory.create()
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    assert 'name="full_name"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/", {"full_name": "Vladimir Putin"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Vladimir Putin"
    assert ScreeningMatch.objects.get(user=user).trigger == ScreeningTrigger.NAME_CHANGE
    # too long a name is refused on the form
    refused = client.post("/accounts/profile/", {"full_name": "x" * 201})
    assert refused.status_code == 200
    assert "at most 200" in refused.content.decode().lower()


def test_the_profile_page_needs_a_signed_in_user(client: Client):
    assert client.get("/accounts/profile/").status_code == 302


def test_the_screening_task_skips_an_unknown_or_inactive_user(putin):
    inactive = UserFactory.create(full_name="Vladimir Putin", is_active=False)
    assert screen_user_task.run(inactive.pk, "manual") == {"user": inactive.pk, "matches": []}
    assert screen_user_task.run(10**9, "manual") == {"user": 10**9, "matches": []}
    active = UserFactory.create(full_name="Vladimir Putin")
    result = screen_user_task.run(active.pk, "manual")
    assert result["matches"] == [ScreeningMatch.objects.get(user=active).pk]
