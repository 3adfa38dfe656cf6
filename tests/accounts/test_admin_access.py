import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory, enable_two_factor

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_go_to_the_normal_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_without_2fa_are_sent_to_set_it_up(client):
    client.force_login(UserFactory.create(is_staff=True))
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/setup/?next=")


def test_staff_with_2fa_but_an_unverified_session_are_asked_for_a_code(client):
    officer = UserFactory.create(is_staff=True)
    enable_two_factor(officer)
    client.force_login(officer)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/verify/?next=")


def test_staff_with_a_verified_session_use_the_admin(client):
    officer = UserFactory.create(is_staff=True, is_superuser=True)
    enable_two_factor(officer)
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=officer).persistent_id
    session.save()
    assert client.get("/admin/").status_code == 200


def test_traders_never_reach_the_admin(client):
    trader = UserFactory.create()
    enable_two_factor(trader)
    client.force_login(trader)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
