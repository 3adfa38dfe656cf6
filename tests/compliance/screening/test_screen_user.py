"""Screening users: matches and cases, suppression after a false positive until the entry
changes, confirmation freezing trading, and who may decide."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, sync_roles
from compliance.audit import AuditAction
from compliance.models import (
    AuditEvent,
    Case,
    CaseKind,
    ComplianceProfile,
    KycStatus,
    KycSubmission,
    MatchStatus,
    ScreeningMatch,
    ScreeningTrigger,
    Severity,
)
from compliance.screening import index as screening_index
from compliance.screening.services import (
    ScreeningError,
    decide_match,
    identity_of,
    screen_query,
    screen_user,
)
from cryptopulse.errors import ApplicationError
from tests.compliance.screening.helpers import change, listed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def officer() -> User:
    sync_roles()
    user = UserFactory.create(is_staff=True)
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER))
    return user


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def putin():
    return listed(
        "PUTIN, Vladimir Vladimirovich",
        ref="35096",
        dobs=["1952-10-07"],
        nationalities=["RU"],
    )


@pytest.fixture
def namesake(putin):
    return UserFactory.create(full_name="Vladimir Putin")


def test_a_hit_creates_one_match_in_one_case(namesake, putin):
    # when
    matches = screen_user(user=namesake, trigger=ScreeningTrigger.SIGNUP)
    # then
    (match,) = matches
    assert match.entry == putin
    assert match.status == MatchStatus.OPEN
    assert match.trigger == ScreeningTrigger.SIGNUP
    assert match.entry_hash == putin.content_hash
    assert match.query == {
        "name": "Vladimir Putin",
        "other_names": [],
        "dob": None,
        "countries": [],
    }
    assert match.explanation["matched_name"] == "PUTIN, Vladimir Vladimirovich"
    assert match.explanation["summary"]
    assert float(match.score) == match.explanation["score"]
    case = Case.objects.get()
    assert match.case == case
    assert (case.user, case.kind, case.severity) == (namesake, CaseKind.SCREENING, Severity.HIGH)
    assert "PUTIN, Vladimir Vladimirovich" in case.title
    (matched,) = events(AuditAction.SCREENING_MATCHED)
    assert matched.target_id == str(match.pk)
    assert matched.stream == f"user:{namesake.pk}"
    assert matched.data["entity_ref"] == "35096"
    assert len(events(AuditAction.CASE_OPENED)) == 1


def test_screening_again_does_not_duplicate_an_open_match(namesake, putin):
    screen_user(user=namesake, trigger=ScreeningTrigger.SIGNUP)
    assert screen_user(user=namesake, trigger=ScreeningTrigger.MANUAL) == []
    assert ScreeningMatch.objects.count() == 1
    assert Case.objects.count() == 1


def test_a_user_without_a_hit_gets_nothing(putin):
    user = UserFactory.create(full_name="Margaret Thompson")
    assert screen_user(user=user, trigger=ScreeningTrigger.SIGNUP) == []
    assert not ScreeningMatch.objects.exists()
    assert not Case.objects.exists()
    assert events(AuditAction.SCREENING_MATCHED) == []


def test_a_user_without_any_name_is_not_screened(putin):
    user = UserFactory.create()
    assert identity_of(user).names == ()
    assert screen_user(user=user, trigger=ScreeningTrigger.SIGNUP) == []


def test_a_false_positive_suppresses_the_entity_until_its_record_changes(namesake, putin):
    # given: a match the officer dismissed
    (match,) = screen_user(user=namesake, trigger=ScreeningTrigger.SIGNUP)
    decided = decide_match(
        officer=officer(), match_id=match.pk, decision="false_positive", reason="Born 1990."
    )
    assert decided.status == MatchStatus.FALSE_POSITIVE
    (event,) = events(AuditAction.SCREENING_FALSE_POSITIVE)
    assert event.data["reason"] == "Born 1990."
    assert event.data["new"] == {"status": "false_positive"}
    # when: screened again, the record unchanged
    assert screen_user(user=namesake, trigger=ScreeningTrigger.RESCREEN) == []
    # when: the list changes the record (a new alias)
    change(putin, aliases=[{"name": "PUTIN, Vladimir", "strength": "strong"}])
    again = screen_user(user=namesake, trigger=ScreeningTrigger.RESCREEN)
    # then: the suppression has lapsed
    (new,) = again
    assert new.entry_hash == putin.content_hash != match.entry_hash
    assert ScreeningMatch.objects.count() == 2
    # and the user is not frozen by a dismissal
    assert not ComplianceProfile.objects.filter(user=namesake, trading_frozen=True).exists()


def test_a_false_positive_for_one_user_does_not_suppress_another(putin):
    first = UserFactory.create(full_name="Vladimir Putin")
    second = UserFactory.create(full_name="Vladimir Putin")
    (match,) = screen_user(user=first, trigger=ScreeningTrigger.SIGNUP)
    decide_match(officer=officer(), match_id=match.pk, decision="false_positive", reason="No.")
    assert len(screen_user(user=second, trigger=ScreeningTrigger.SIGNUP)) == 1


def test_confirming_a_true_match_freezes_trading_at_once(namesake, putin):
    (match,) = screen_user(user=namesake, trigger=ScreeningTrigger.SIGNUP)
    reviewer = officer()
    decide_match(officer=reviewer, match_id=match.pk, decision="confirmed", reason="Same person.")
    profile = ComplianceProfile.objects.get(user=namesake)
    assert profile.trading_frozen
    assert "PUTIN, Vladimir Vladimirovich" in profile.frozen_reason
    assert profile.frozen_at is not None
    match.refresh_from_db()
    assert (match.status, match.decided_by, match.decided_at is not None) == (
        MatchStatus.CONFIRMED,
        reviewer,
        True,
    )
    (confirmed,) = events(AuditAction.SCREENING_CONFIRMED)
    (frozen,) = events(AuditAction.USER_FROZEN)
    assert confirmed.actor_user_id == frozen.actor_user_id == reviewer.pk
    assert frozen.data["new"]["trading_frozen"] is True
    # a confirmed entity is not matched again
    assert screen_user(user=namesake, trigger=ScreeningTrigger.RESCREEN) == []


def test_only_officers_decide_and_only_once(namesake, putin):
    (match,) = screen_user(user=namesake, trigger=ScreeningTrigger.SIGNUP)
    with pytest.raises(ScreeningError) as refused:
        decide_match(officer=namesake, match_id=match.pk, decision="confirmed", reason="x")
    assert (refused.value.code, refused.value.status) == ("not_officer", 403)
    reviewer = officer()
    with pytest.raises(ApplicationError) as no_reason:
        decide_match(officer=reviewer, match_id=match.pk, decision="confirmed", reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ApplicationError) as odd:
        decide_match(officer=reviewer, match_id=match.pk, decision="maybe", reason="x")
    assert odd.value.field == "decision"
    decide_match(officer=reviewer, match_id=match.pk, decision="false_positive", reason="No.")
    with pytest.raises(ScreeningError) as twice:
        decide_match(officer=reviewer, match_id=match.pk, decision="confirmed", reason="Yes.")
    assert (twice.value.code, twice.value.status) == ("already_decided", 409)
    assert not ComplianceProfile.objects.filter(user=namesake, trading_frozen=True).exists()


def submit_identity(user: User, **fields) -> KycSubmission:
    values = {
        "legal_name": "Vladimir Vladimirovich Putin",
        "date_of_birth": date(1952, 10, 7),
        "nationality": "RU",
        "residence_country": "RU",
        **fields,
    }
    return KycSubmission.objects.create(
        user=user, level=1, status=KycStatus.PENDING, submitted_at=timezone.now(), **values
    )


def test_the_kyc_identity_is_screened_with_its_date_of_birth(putin):
    # given: a submitted identity whose date of birth agrees with the sanctions entry
    user = UserFactory.create(full_name="Vova")
    submit_identity(user)
    identity = identity_of(user)
    assert identity.names == ("Vladimir Vladimirovich Putin", "Vova")
    assert identity.date_of_birth == date(1952, 10, 7)
    assert identity.countries == ("RU",)
    # when
    (match,) = screen_user(user=user, trigger=ScreeningTrigger.KYC)
    # then: the case is critical (sanctions list, date of birth agrees)
    assert match.case is not None
    assert match.case.severity == Severity.CRITICAL
    assert match.query["dob"] == "1952-10-07"
    assert match.explanation["components"]["date_of_birth"] > 0


def test_a_kyc_identity_with_another_date_of_birth_clears_the_name(putin):
    user = UserFactory.create()
    submit_identity(user, legal_name="Vladimir Putin", date_of_birth=date(1991, 1, 1))
    assert screen_user(user=user, trigger=ScreeningTrigger.KYC) == []


def test_a_draft_identity_is_not_used(putin):
    user = UserFactory.create()
    KycSubmission.objects.create(user=user, level=1, legal_name="Vladimir Putin")
    assert identity_of(user).names == ()


def test_explicit_details_override_the_stored_identity(putin):
    user = UserFactory.create(full_name="Someone Else")
    (match,) = screen_user(
        user=user,
        trigger=ScreeningTrigger.MANUAL,
        name="Vladimir Putin",
        date_of_birth=date(1952, 10, 7),
        country="Russia",
    )
    assert match.query["countries"] == ["RU"]
    assert match.case is not None
    assert match.case.severity == Severity.CRITICAL


def test_screen_query_answers_best_first_with_country_names(putin):
    listed("PUTINA, Lyudmila")
    hits = screen_query("Vladimir Putin", "1952-10-07", "Russian Federation")
    assert [h.entity_ref for h in hits] == ["35096"]
    assert hits[0].score == 100
    assert hits[0].dob_agrees
    everything = screen_query("Vladimir Putin", min_score=0)
    assert [h.score for h in everything] == sorted((h.score for h in everything), reverse=True)
    with pytest.raises(ApplicationError) as unknown:
        screen_query("Vladimir Putin", country="Narnia")
    assert unknown.value.field == "country"
    with pytest.raises(ApplicationError) as bad_date:
        screen_query("Vladimir Putin", "07/10/1952")
    assert bad_date.value.field == "dob"


def test_a_removed_entry_is_no_longer_matched(namesake, putin):
    putin.active = False
    putin.save(update_fields=["active", "updated_at"])
    screening_index.invalidate()
    assert screen_user(user=namesake, trigger=ScreeningTrigger.RESCREEN) == []
