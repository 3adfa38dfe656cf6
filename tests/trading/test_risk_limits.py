"""A user's own risk limits: they only tighten the platform's, over the service, the API
(/api/v1/risk-limits) and the account page; bots tighten them further."""

import pytest
from rest_framework.test import APIClient

from accounts.services.api_keys import create_api_key
from compliance.models import AuditEvent
from cryptopulse.errors import ApplicationError
from tests.factories import UserFactory
from trading.models import RiskProfile
from trading.risk import effective_limits_for, platform_limits
from trading.services.risk_limits import own_limits, set_user_limits, user_limits

pytestmark = pytest.mark.django_db
URL = "/api/v1/risk-limits"


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


# --- the service ---------------------------------------------------------------------------


def test_tighter_limits_are_saved_with_one_audit_event(user):
    # when
    set_user_limits(user=user, limits={"max_position_pct": 20, "max_trades_per_day": 10})
    set_user_limits(user=user, limits={"max_position_pct": 25})
    # then
    assert own_limits(user) == {"max_position_pct": 25.0}
    limits = user_limits(user)
    assert (limits.max_position_pct, limits.max_trades_per_day) == (25.0, 50)
    events = AuditEvent.objects.filter(action="trading.risk_limits.changed").order_by("pk")
    assert [(e.data["old"], e.data["new"]) for e in events] == [
        ({}, {"max_position_pct": "20.0", "max_trades_per_day": "10.0"}),
        ({"max_position_pct": "20.0", "max_trades_per_day": "10.0"}, {"max_position_pct": "25.0"}),
    ]
    assert events[0].actor_user_id == user.pk


@pytest.mark.parametrize(
    ("limits", "field", "_case"),
    [
        ({"max_position_pct": 60}, "max_position_pct", "a looser cap"),
        ({"min_confidence": 50}, "min_confidence", "a looser floor"),
        ({"max_leverage": 2}, "max_leverage", "an unknown name"),
        ({"max_daily_loss_pct": "lots"}, "max_daily_loss_pct", "not a number"),
        ({"max_drawdown_pct": -1}, "max_drawdown_pct", "negative"),
    ],
)
def test_looser_or_unknown_limits_are_400_naming_the_field_and_save_nothing(
    user, limits, field, _case
):
    set_user_limits(user=user, limits={"max_position_pct": 30})
    with pytest.raises(ApplicationError) as error:
        set_user_limits(user=user, limits={"max_open_trades": 2, **limits})
    assert (error.value.status, error.value.field) == (400, field)
    assert own_limits(user) == {"max_position_pct": 30.0}
    assert AuditEvent.objects.filter(action="trading.risk_limits.changed").count() == 1


def test_effective_limits_are_the_tightest_of_platform_user_and_bot(user, settings):
    # given
    set_user_limits(user=user, limits={"max_position_pct": 30, "min_confidence": 80})
    # when / then: the bot's tighter limit wins, a looser one does not loosen the user's
    assert effective_limits_for(user, {"max_position_pct": 20}).max_position_pct == 20
    assert effective_limits_for(user, {"max_position_pct": 40}).max_position_pct == 30
    assert effective_limits_for(user, {"min_confidence": 90}).min_confidence == 90
    assert effective_limits_for(user).min_confidence == 80
    # and a platform tightened below the user's own wins over it
    settings.RISK_MAX_POSITION_PCT = 25.0
    assert effective_limits_for(user).max_position_pct == 25
    assert effective_limits_for(UserFactory.create()) == platform_limits()


# --- the API -------------------------------------------------------------------------------


def test_get_shows_the_platforms_the_users_and_the_effective_limits(user):
    set_user_limits(user=user, limits={"max_position_pct": 20})
    body = _api(user).get(URL).json()
    assert body["platform"]["max_position_pct"] == 50.0
    assert body["platform"]["max_trades_per_day"] == 50
    assert body["limits"] == {"max_position_pct": 20.0}
    assert body["effective"]["max_position_pct"] == 20.0
    assert body["effective"]["max_trades_per_day"] == 50


def test_put_replaces_the_users_limits(user):
    api = _api(user)
    answer = api.put(URL, {"max_trades_per_day": 5, "max_drawdown_pct": 8.5})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["limits"] == {"max_drawdown_pct": 8.5, "max_trades_per_day": 5}
    assert answer.json()["effective"]["max_trades_per_day"] == 5
    cleared = api.put(URL, {})
    assert cleared.json()["limits"] == {}
    assert RiskProfile.objects.get(user=user).limits == {}


@pytest.mark.parametrize(
    ("body", "field", "_case"),
    [
        ({"max_position_pct": 51}, "max_position_pct", "looser than the platform's"),
        ({"max_trades_per_day": 2.5}, "max_trades_per_day", "a count that is not whole"),
        ({"max_leverage": 2}, "max_leverage", "an unknown name"),
        ({"max_drawdown_pct": -1}, "max_drawdown_pct", "negative"),
    ],
)
def test_put_refuses_looser_and_unknown_limits_naming_the_field(user, body, field, _case):
    answer = _api(user).put(URL, body)
    assert answer.status_code == 400, answer.json()
    assert list(answer.json()["fields"]) == [field]
    assert not RiskProfile.objects.filter(user=user).exists()


def test_a_looser_limit_says_the_platforms_value(user):
    answer = _api(user).put(URL, {"max_position_pct": 51})
    assert answer.json()["code"] == "limit_too_loose"
    assert answer.json()["fields"]["max_position_pct"] == [
        "max_position_pct must be at most the platform's 50 (limits can only be tightened)."
    ]


def test_another_users_limits_are_never_visible(user, other_user):
    _api(other_user).put(URL, {"max_position_pct": 10})
    mine = _api(user).get(URL).json()
    assert mine["limits"] == {}
    assert mine["effective"]["max_position_pct"] == 50.0


def test_the_api_needs_a_user_and_a_trade_key_to_change_them(user, client):
    assert APIClient().get(URL).status_code == 401
    issued = create_api_key(user=user, name="reader", scopes=["read"])
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.plaintext}")
    assert reader.get(URL).status_code == 200
    assert reader.put(URL, {"max_position_pct": 10}).status_code == 403


# --- the account page ------------------------------------------------------------------------


def test_the_account_page_shows_and_saves_the_users_limits(user, client):
    # given
    client.force_login(user)
    set_user_limits(user=user, limits={"max_position_pct": 30})
    # when
    page = client.get("/accounts/security/").content.decode()
    # then
    section = page.split('id="risk-limits"')[1].split("</section>")[0]
    assert "Position in one asset after a buy" in section
    assert 'name="max_position_pct" value="30.0"' in section
    # when: saved with a tighter trades-per-day and the position cap left blank
    answer = client.post("/risk-limits/", {"max_position_pct": "", "max_trades_per_day": "4"})
    # then
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/security/#risk-limits"
    assert own_limits(user) == {"max_trades_per_day": 4.0}


def test_a_looser_limit_on_the_page_is_an_error_message(user, client):
    client.force_login(user)
    answer = client.post("/risk-limits/", {"max_position_pct": "80"}, follow=True)
    page = answer.content.decode()
    assert "Your risk limits were not saved" in page
    assert "at most the platform&#x27;s 50" in page
    assert own_limits(user) == {}
