import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from compliance.models import AuditEvent
from tests.accounts.api.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "orbit-lantern-quietly-42"


def test_register_creates_an_unverified_trader_and_mails_the_link(
    api, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/register", {"email": "New@Example.com", "password": STRONG}
        )
    # then
    assert response.status_code == 202
    assert response.json()["code"] == "verification_sent"
    user = User.objects.get(email="new@example.com")
    assert list(user.groups.values_list("name", flat=True)) == ["trader"]
    assert EmailAddress.objects.get(user=user).verified is False
    (mail,) = mailoutbox
    assert mail.to == ["new@example.com"]
    assert re.search(r"/accounts/confirm-email/[\w:-]+/", mail.body)
    assert (
        AuditEvent.objects.filter(action="accounts.user.registered", actor_user=user).count() == 1
    )
    # and it cannot sign in until confirmed
    assert login(api, "new@example.com", STRONG).json()["code"] == "email_unverified"


def test_register_with_a_taken_address_answers_the_same_and_creates_nothing(api, mailoutbox):
    UserFactory.create(email="taken@example.com")
    response = api.post("/api/v1/auth/register", {"email": "taken@example.com", "password": STRONG})
    assert response.status_code == 202
    assert User.objects.filter(email="taken@example.com").count() == 1
    (mail,) = mailoutbox
    assert "already" in mail.body.lower()


@pytest.mark.parametrize(
    ("password", "fragment", "_case"),
    [
        ("short-1", "too short", "length"),
        ("password1234", "too common", "common"),
        ("438290175362", "entirely numeric", "numeric"),
        ("newuser-example.com", "too similar", "similar to the email"),
    ],
)
def test_register_refuses_weak_passwords_naming_the_field(api, password, fragment, _case):
    response = api.post(
        "/api/v1/auth/register", {"email": "newuser@example.com", "password": password}
    )
    assert response.status_code == 400
    assert fragment in " ".join(response.json()["fields"]["password"])
    assert not User.objects.filter(email="newuser@example.com").exists()


def test_register_refuses_a_malformed_address(api):
    response = api.post("/api/v1/auth/register", {"email": "nope", "password": STRONG})
    assert response.status_code == 400
    assert "email" in response.json()["fields"]
