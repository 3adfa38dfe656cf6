"""2FA services with real django-otp devices and real TOTP codes."""

import pytest

from accounts.services import two_factor
from compliance.models import AuditEvent
from tests.factories import UserFactory, enable_two_factor, totp_code
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_enrolment_is_reused_until_confirmed_then_issues_ten_backup_codes():
    user = UserFactory.create()
    first = two_factor.start_enrolment(user=user)
    again = two_factor.start_enrolment(user=user)
    assert first.device.pk == again.device.pk
    assert first.otpauth_url.startswith("otpauth://totp/CryptoPulse")
    assert not two_factor.is_enabled(user)
    codes = two_factor.confirm_enrolment(user=user, code=totp_code(first.device.bin_key))
    assert len(codes) == len(set(codes)) == 10
    assert two_factor.is_enabled(user)
    assert two_factor.backup_codes_left(user) == 10


def test_a_wrong_code_does_not_enable_and_keeps_the_throttle():
    user = UserFactory.create()
    enrolment = two_factor.start_enrolment(user=user)
    with pytest.raises(two_factor.TwoFactorError) as error:
        two_factor.confirm_enrolment(user=user, code="000000")
    assert error.value.code == "invalid_code"
    assert error.value.field == "code"
    assert not two_factor.is_enabled(user)
    enrolment.device.refresh_from_db()
    assert enrolment.device.throttling_failure_count == 1


def test_enrolling_twice_is_refused():
    user = UserFactory.create()
    enable_two_factor(user)
    with pytest.raises(two_factor.TwoFactorError, match="already on"):
        two_factor.start_enrolment(user=user)


def test_a_backup_code_works_once():
    user = UserFactory.create()
    _, codes = enable_two_factor(user)
    assert two_factor.backup_codes_left(user) == 10
    from django.db import transaction

    with transaction.atomic():
        assert two_factor.verify_second_factor(user=user, code=codes[3]) is not None
    with transaction.atomic():
        assert two_factor.verify_second_factor(user=user, code=codes[3]) is None
    assert two_factor.backup_codes_left(user) == 9


def test_disabling_refuses_a_wrong_password_or_code():
    user = UserFactory.create()
    key, _ = enable_two_factor(user)
    with pytest.raises(two_factor.TwoFactorError) as no_password:
        two_factor.disable(user=user, password="wrong", code=totp_code(key, steps_ahead=1))
    assert no_password.value.field == "password"
    with pytest.raises(two_factor.TwoFactorError) as no_code:
        two_factor.disable(user=user, password=DEFAULT_PASSWORD, code="123")
    assert no_code.value.field == "code"
    assert two_factor.is_enabled(user)


def test_disabling_with_the_password_and_a_code_removes_every_device():
    user = UserFactory.create()
    key, _ = enable_two_factor(user)
    two_factor.disable(user=user, password=DEFAULT_PASSWORD, code=totp_code(key, steps_ahead=1))
    assert not two_factor.is_enabled(user)
    assert two_factor.backup_codes_left(user) == 0
    assert AuditEvent.objects.filter(action="accounts.2fa.disabled", actor_user=user).count() == 1


def test_regenerating_backup_codes_replaces_all_of_them():
    user = UserFactory.create()
    key, old = enable_two_factor(user)
    new = two_factor.regenerate_backup_codes(user=user, code=totp_code(key, steps_ahead=1))
    assert not set(old) & set(new)
    from django.db import transaction

    with transaction.atomic():
        assert two_factor.verify_second_factor(user=user, code=old[0]) is None
