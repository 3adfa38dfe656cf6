from tests.factories.accounts import UserFactory

__all__ = ["UserFactory"]
