from tests.factories.accounts import UserFactory, enable_two_factor, totp_code

__all__ = ["UserFactory", "enable_two_factor", "totp_code"]
