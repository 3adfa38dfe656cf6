from typing import Any

import factory
from allauth.account.models import EmailAddress
from django_otp.oath import totp

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user whose email address is verified (as after sign-up and confirmation)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        verified = kwargs.pop("email_verified", True)
        user = model_class.objects.create_user(*args, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return user


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """The authenticator app's current code (or the code `steps_ahead` 30 s steps later).

    django-otp refuses a code whose time step was already used, so a second sign-in within
    the same 30 s uses the next step's code (still inside its one-step tolerance).
    """
    return f"{totp(key, drift=steps_ahead):06d}"


def enable_two_factor(user: User) -> tuple[bytes, list[str]]:
    """Turn 2FA on through the real services; return the TOTP key and the backup codes."""
    from accounts.services import two_factor

    enrolment = two_factor.start_enrolment(user=user)
    key = enrolment.device.bin_key
    codes = two_factor.confirm_enrolment(user=user, code=totp_code(key))
    return key, codes
