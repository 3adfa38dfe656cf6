"""Small builders for the compliance tests: audit trail, officer sessions, worker waits."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, ApiKeyScope, User
from compliance.audit import AuditAction, record
from compliance.models import AuditEvent
from cryptopulse.request_context import (
    ClientInfo,
    reset_client,
    reset_request_id,
    set_client,
    set_request_id,
)


@contextmanager
def request_context(
    *, request_id: str | None, ip: str | None, user_agent: str = ""
) -> Iterator[None]:
    """What the request middleware sets around a view, reset afterwards."""
    request_token = set_request_id(request_id)
    client_token = set_client(ClientInfo(ip=ip, user_agent=user_agent))
    try:
        yield
    finally:
        reset_client(client_token)
        reset_request_id(request_token)


def make_api_key(user: User, *, prefix: str = "abcd1234") -> ApiKey:
    return ApiKey.objects.create(
        user=user, name="bot", prefix=prefix, key_hash="0" * 64, scopes=[ApiKeyScope.READ]
    )


def record_logins(user: User, count: int) -> list[AuditEvent]:
    """`count` login events on the user's stream, committed as one unit of work."""
    with transaction.atomic():
        return [
            record(action=AuditAction.LOGIN_SUCCEEDED, actor=user, data={"n": n})
            for n in range(count)
        ]


def run_verify(*args: str) -> str:
    """Run verify_audit_chain expecting an intact chain; what it wrote to stdout."""
    stdout = io.StringIO()
    call_command("verify_audit_chain", *args, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def verify_failure(*args: str) -> list[str]:
    """Run verify_audit_chain expecting a broken chain; the lines it wrote to stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=stdout, stderr=stderr)
    except CommandError:
        return stderr.getvalue().splitlines()
    raise AssertionError(f"verify_audit_chain passed: {stdout.getvalue()}")


def login_with_second_factor(client: Client, user: User) -> Client:
    """Sign `user` in with a verified second factor, as the admin site requires."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def wait_for(queryset: QuerySet, timeout: float = 60) -> QuerySet:
    """`queryset` once it has rows (written by the test worker), or after `timeout` seconds;
    the caller's assertion on it then says what is missing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not queryset.exists():
        time.sleep(0.2)
    return queryset
