"""The screening admin: the match queue, a match's page with the query, the listed record and
why it scored so, decisions (with a reason) from the page and as list actions, and the
rescreen jobs. Officers only."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role, sync_roles
from compliance.models import (
    ComplianceProfile,
    MatchStatus,
    RescreenJob,
    RescreenStatus,
    ScreeningMatch,
    ScreeningTrigger,
)
from compliance.screening.services import screen_user
from tests.compliance.helpers import login_with_second_factor
from tests.compliance.screening.helpers import listed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:compliance_screeningmatch_changelist"


@pytest.fixture
def officer_client() -> Client:
    sync_roles()
    user = UserFactory.create(is_staff=True, email="olga@example.com")
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return login_with_second_factor(Client(), user)


@pytest.fixture
def match() -> ScreeningMatch:
    listed(
        "SMITH, John Michael",
        ref="4242",
        dobs=["1961-03-04"],
        nationalities=["GB"],
        aliases=[("SMITH, Jack", "weak")],
    )
    user = UserFactory.create(email="john@example.com", full_name="John Smith")
    (found,) = screen_user(
        user=user,
        trigger=ScreeningTrigger.KYC,
        name="John Smith",
        date_of_birth=date(1961, 3, 4),
        country="GB",
    )
    return found


def test_the_queue_lists_matches_with_filters_and_search(officer_client, match):
    page = officer_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    html = page.content.decode()
    assert "john@example.com" in html
    assert "SMITH, John Michael" in html
    for query in ("status=open", "trigger=kyc", "source=ofac_sdn", "age=1d", "q=john%40example"):
        assert (
            "john@example.com"
            in officer_client.get(f"{reverse(CHANGELIST)}?{query}").content.decode()
        ), query
    for query in ("status=confirmed", "source=un", "age=old", "q=nobody"):
        assert (
            "john@example.com"
            not in officer_client.get(f"{reverse(CHANGELIST)}?{query}").content.decode()
        ), query


def test_a_match_page_shows_why_it_scored_so(officer_client, match):
    page = officer_client.get(reverse("admin:compliance_screeningmatch_change", args=[match.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Why this scored {float(match.score):g}" in html
    assert escape(match.explanation["summary"]) in html
    assert "Date of birth" in html
    assert "exact match 1961-03-04" in html
    assert "Common name" in html  # the commonness penalty, with its bits
    assert "michael" in html  # listed, not in the query
    assert "SMITH, Jack (weak)" in html  # the listed record, aliases with strength
    assert "1961-03-04" in html
    assert "Decide on this match" in html


def test_an_officer_confirms_from_the_match_page(officer_client, match):
    url = reverse("admin:compliance_screeningmatch_decide", args=[match.pk])
    assert officer_client.get(url).status_code == 200
    # without a reason the page comes back with the error
    missing = officer_client.post(url, {"decision": "confirmed", "reason": ""})
    assert missing.status_code == 200
    match.refresh_from_db()
    assert match.status == MatchStatus.OPEN
    done = officer_client.post(url, {"decision": "confirmed", "reason": "Passport matches."})
    assert done.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED
    assert ComplianceProfile.objects.get(user=match.user).trading_frozen
    page = officer_client.get(reverse("admin:compliance_screeningmatch_change", args=[match.pk]))
    assert "Passport matches." in page.content.decode()
    # deciding again is refused with a message, nothing changes
    again = officer_client.post(url, {"decision": "false_positive", "reason": "Oops."}, follow=True)
    assert "already decided" in again.content.decode()
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED


def test_an_officer_marks_selected_matches_false_positives(officer_client, match):
    url = reverse(CHANGELIST)
    ask = officer_client.post(
        url, {"action": "false_positive_selected", ACTION_CHECKBOX_NAME: [match.pk]}
    )
    assert ask.status_code == 200
    assert "screening-decision" in ask.content.decode()
    done = officer_client.post(
        url,
        {
            "action": "false_positive_selected",
            ACTION_CHECKBOX_NAME: [match.pk],
            "apply": "1",
            "decision": "false_positive",
            "reason": "Different date of birth on the passport.",
        },
    )
    assert done.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.FALSE_POSITIVE
    assert not ComplianceProfile.objects.filter(user=match.user, trading_frozen=True).exists()


def test_matches_are_never_added_edited_or_deleted_here(officer_client, match):
    assert officer_client.get(reverse("admin:compliance_screeningmatch_add")).status_code == 403
    assert (
        officer_client.post(
            reverse("admin:compliance_screeningmatch_delete", args=[match.pk])
        ).status_code
        == 403
    )
    page = officer_client.get(reverse("admin:compliance_screeningmatch_change", args=[match.pk]))
    assert 'name="score"' not in page.content.decode()


def test_traders_and_other_staff_cannot_see_or_decide(match):
    staff = login_with_second_factor(Client(), UserFactory.create(is_staff=True))
    assert staff.get(reverse(CHANGELIST)).status_code == 403
    decide = reverse("admin:compliance_screeningmatch_decide", args=[match.pk])
    assert staff.post(decide, {"decision": "confirmed", "reason": "x"}).status_code == 403
    trader = Client()
    trader.force_login(match.user)
    assert trader.get(reverse(CHANGELIST)).status_code == 302  # to the sign-in
    match.refresh_from_db()
    assert match.status == MatchStatus.OPEN


def test_rescreen_jobs_are_read_only_with_progress(officer_client):
    job = RescreenJob.objects.create(status=RescreenStatus.RUNNING, total=1000, done=250, matches=3)
    listing = officer_client.get(reverse("admin:compliance_rescreenjob_changelist"))
    assert listing.status_code == 200
    assert "250 of 1000 users (25%)" in listing.content.decode()
    page = officer_client.get(reverse("admin:compliance_rescreenjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert 'name="done"' not in page.content.decode()
    assert officer_client.get(reverse("admin:compliance_rescreenjob_add")).status_code == 403
