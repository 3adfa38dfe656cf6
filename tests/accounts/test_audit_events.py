"""Every state change of the accounts issue writes exactly one audit event: one test each.

Each test runs the real flow (page, API or service), then asserts the one new row: action,
actor, target, stream and data.
"""

import re
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import api_keys, sessions, two_factor
from compliance.audit import AuditAction
from compliance.models import AuditEvent
from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "orbit-lantern-quietly-42"


@contextmanager
def one_new_event(action: AuditAction):
    """Yields a list that holds, afterwards, the single event written inside the block."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    found: list[AuditEvent] = []
    yield found
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [event.action for event in new] == [action], [event.action for event in new]
    found.append(new[0])


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in:\n{text}"
    return match.group(0)


def _assert_about(event: AuditEvent, user, *, actor=None) -> None:
    actor = user if actor is None else actor
    assert event.actor_user_id == (actor.pk if actor else None)
    assert event.stream == f"user:{user.pk}"
    assert event.target_id == str(user.pk)
    assert event.target_repr == user.email


def test_web_sign_up_writes_user_registered(client):
    with one_new_event(AuditAction.USER_REGISTERED) as found:
        client.post(
            "/accounts/signup/",
            {"email": "web@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    (event,) = found
    user = EmailAddress.objects.get(email="web@example.com").user
    _assert_about(event, user)
    assert event.data == {"email": "web@example.com", "via": "web"}


def test_api_sign_up_writes_user_registered():
    with one_new_event(AuditAction.USER_REGISTERED) as found:
        APIClient().post(
            "/api/v1/auth/register", {"email": "api@example.com", "password": NEW_PASSWORD}
        )
    user = EmailAddress.objects.get(email="api@example.com").user
    _assert_about(found[0], user)
    assert found[0].data == {"email": "api@example.com", "via": "api"}


def test_confirming_the_address_writes_email_verified(client, mailoutbox):
    client.post(
        "/accounts/signup/",
        {"email": "web@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    link = _find(r"/accounts/confirm-email/[\w:-]+/", mailoutbox[0].body)
    with one_new_event(AuditAction.EMAIL_VERIFIED) as found:
        client.post(link)
    user = EmailAddress.objects.get(email="web@example.com").user
    _assert_about(found[0], user)
    assert found[0].data == {"email": "web@example.com"}


def test_password_sign_in_writes_login_succeeded(client):
    user = UserFactory.create()
    with one_new_event(AuditAction.LOGIN_SUCCEEDED) as found:
        client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    _assert_about(found[0], user)
    assert found[0].data == {"method": "password"}
    assert found[0].ip == "127.0.0.1"


def test_a_wrong_password_writes_login_failed_in_the_account_stream(client):
    user = UserFactory.create()
    with one_new_event(AuditAction.LOGIN_FAILED) as found:
        client.post("/accounts/login/", {"login": user.email, "password": "wrong-password-1"})
    (event,) = found
    assert event.actor_user_id is None
    assert event.stream == f"user:{user.pk}"
    assert event.data == {"email": user.email, "reason": "invalid_credentials"}


def test_an_unknown_address_writes_login_failed_in_the_system_stream(client):
    with one_new_event(AuditAction.LOGIN_FAILED) as found:
        client.post("/accounts/login/", {"login": "ghost@example.com", "password": "x-password-1"})
    assert found[0].stream == "system"
    assert found[0].data["email"] == "ghost@example.com"


def test_the_fifth_failure_also_writes_locked_out_once(client):
    user = UserFactory.create()
    for n in range(4):
        client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{n}-pass"})
    last = AuditEvent.objects.latest("id").id
    client.post("/accounts/login/", {"login": user.email, "password": "wrong-5-pass"})
    actions = list(
        AuditEvent.objects.filter(id__gt=last).order_by("id").values_list("action", flat=True)
    )
    assert actions.count(AuditAction.LOGIN_LOCKED_OUT) == 1
    locked = AuditEvent.objects.get(action=AuditAction.LOGIN_LOCKED_OUT)
    assert locked.stream == f"user:{user.pk}"


def test_signing_out_writes_logout(client):
    user = UserFactory.create()
    client.force_login(user)
    with one_new_event(AuditAction.LOGOUT) as found:
        client.post("/accounts/logout/")
    _assert_about(found[0], user)


def test_changing_the_password_writes_password_changed(client):
    user = UserFactory.create()
    client.force_login(user)
    with one_new_event(AuditAction.PASSWORD_CHANGED) as found:
        client.post(
            "/accounts/password/change/",
            {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    _assert_about(found[0], user)
    assert found[0].data == {}


def test_resetting_the_password_writes_password_reset(client, mailoutbox):
    user = UserFactory.create()
    client.post("/accounts/password/reset/", {"email": user.email})
    link = _find(r"/accounts/password/reset/key/\S+/", mailoutbox[0].body)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    with one_new_event(AuditAction.PASSWORD_RESET) as found:
        client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    _assert_about(found[0], user, actor=user)


def test_changing_the_email_address_writes_email_changed(client, mailoutbox):
    user = UserFactory.create(email="before@example.com")
    client.force_login(user)
    client.post("/accounts/email/", {"action_add": "", "email": "after@example.com"})
    link = _find(r"/accounts/confirm-email/[\w:-]+/", mailoutbox[-1].body)
    with one_new_event(AuditAction.EMAIL_CHANGED) as found:
        client.post(link)
    user.refresh_from_db()
    assert user.email == "after@example.com"
    assert found[0].data == {"old": "before@example.com", "new": "after@example.com"}
    assert found[0].stream == f"user:{user.pk}"


def test_turning_2fa_on_writes_2fa_enabled():
    user = UserFactory.create()
    enrolment = two_factor.start_enrolment(user=user)
    with one_new_event(AuditAction.TWO_FACTOR_ENABLED) as found:
        two_factor.confirm_enrolment(user=user, code=totp_code(enrolment.device.bin_key))
    _assert_about(found[0], user)


def test_turning_2fa_off_writes_2fa_disabled_even_with_a_backup_code():
    user = UserFactory.create()
    _, codes = enable_two_factor(user)
    with one_new_event(AuditAction.TWO_FACTOR_DISABLED) as found:
        two_factor.disable(user=user, password=DEFAULT_PASSWORD, code=codes[0])
    _assert_about(found[0], user)


def test_signing_in_with_a_backup_code_writes_backup_code_used_then_login(client):
    user = UserFactory.create()
    _, codes = enable_two_factor(user)
    client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    last = AuditEvent.objects.latest("id").id
    client.post("/accounts/login/second-factor/", {"code": codes[0]})
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [e.action for e in new] == [AuditAction.BACKUP_CODE_USED, AuditAction.LOGIN_SUCCEEDED]
    assert new[0].data == {"left": 9}
    assert new[1].data == {"method": "password+backup_code"}


def test_replacing_backup_codes_writes_backup_codes_regenerated():
    user = UserFactory.create()
    key, _ = enable_two_factor(user)
    with one_new_event(AuditAction.BACKUP_CODES_REGENERATED) as found:
        two_factor.regenerate_backup_codes(user=user, code=totp_code(key, steps_ahead=1))
    _assert_about(found[0], user)


def test_creating_an_api_key_writes_apikey_created_without_the_secret():
    user = UserFactory.create()
    with one_new_event(AuditAction.API_KEY_CREATED) as found:
        issued = api_keys.create_api_key(user=user, name="bot", scopes=["read"])
    (event,) = found
    assert event.actor_user_id == user.pk
    assert event.stream == f"user:{user.pk}"
    assert event.target_id == str(issued.api_key.pk)
    assert event.data["prefix"] == issued.api_key.prefix
    assert event.data["scopes"] == ["read"]
    assert issued.plaintext.split("_", 2)[2] not in str(event.data)


def test_revoking_an_api_key_writes_apikey_revoked_once():
    user = UserFactory.create()
    key = api_keys.create_api_key(user=user, name="bot", scopes=["read"]).api_key
    with one_new_event(AuditAction.API_KEY_REVOKED) as found:
        api_keys.revoke_api_key(user=user, key_id=key.pk)
        api_keys.revoke_api_key(user=user, key_id=key.pk)  # already revoked: no second event
    assert found[0].target_id == str(key.pk)


def test_signing_out_other_sessions_writes_session_revoked(client):
    user = UserFactory.create()
    for _ in range(2):
        from django.test import Client

        Client().post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    with one_new_event(AuditAction.SESSION_REVOKED) as found:
        sessions.end_other_sessions(user=user, keep_session_key=None)
    assert found[0].data == {"sessions": 2}


def test_an_admin_changing_roles_writes_role_changed(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    enable_two_factor(admin)
    user = UserFactory.create()
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=admin).persistent_id
    session.save()
    officer_group = Group.objects.get(name=Role.COMPLIANCE_OFFICER)
    form = {
        "email": user.email,
        "is_active": "on",
        "groups": [officer_group.pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    with one_new_event(AuditAction.ROLE_CHANGED) as found:
        response = client.post(f"/admin/accounts/user/{user.pk}/change/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
    (event,) = found
    assert event.actor_user_id == admin.pk
    assert event.stream == f"user:{user.pk}"
    assert event.data == {"old": [], "new": ["compliance_officer"]}


def test_api_login_writes_login_succeeded_with_the_method():
    user = UserFactory.create()
    with one_new_event(AuditAction.LOGIN_SUCCEEDED) as found:
        APIClient().post("/api/v1/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    _assert_about(found[0], user)
    assert found[0].data == {"method": "api"}


def test_changing_the_full_name_on_the_profile_page_writes_name_changed(client):
    user = UserFactory.create(full_name="Jo Bloggs")
    client.force_login(user)
    with one_new_event(AuditAction.NAME_CHANGED) as found:
        client.post("/accounts/profile/", {"full_name": "Joanna Bloggs"})
    _assert_about(found[0], user)
    assert found[0].data == {"old": "Jo Bloggs", "new": "Joanna Bloggs"}


def test_every_action_of_the_registry_is_exercised_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [
        a.name
        for a in AuditAction
        if a.value.startswith("accounts.") and f"AuditAction.{a.name}" not in source
    ]
    assert missing == []
