import pytest

from accounts.models import User


@pytest.mark.django_db
def test_create_user_logs_in_by_lowercased_email():
    # given / when
    user = User.objects.create_user(email="Alice@Example.COM", password="a-long-password-1")
    # then
    assert user.email == "alice@example.com"
    assert str(user) == "alice@example.com"
    assert user.check_password("a-long-password-1")
    assert not user.is_staff
    assert not user.is_superuser
    assert User.USERNAME_FIELD == "email"


@pytest.mark.django_db
def test_create_user_without_email_is_refused():
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user(email="", password="a-long-password-1")


@pytest.mark.django_db
def test_create_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser(email="root@example.com", password="a-long-password-1")
    assert admin.is_staff
    assert admin.is_superuser


@pytest.mark.django_db
def test_create_superuser_refuses_non_staff():
    with pytest.raises(ValueError, match="is_staff and is_superuser"):
        User.objects.create_superuser(email="x@example.com", password="pw", is_staff=False)
