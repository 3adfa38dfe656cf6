"""Four eyes: freezing and unfreezing a user take a request and a second officer's approval."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from compliance import case_services
from compliance.audit import AuditAction
from compliance.case_services import CaseStateError, NotAllowed
from compliance.kyc.pretrade import KycRefused
from compliance.models import AuditEvent, ComplianceProfile, FreezeRequest
from compliance.profiles import trading_frozen
from tests.factories.monitoring import approved_kyc, loopback_live_connection
from trading.models import Order
from trading.services.orders import place_order

pytestmark = pytest.mark.django_db


def _request(case, officer, action="freeze", reason="Structuring pattern"):
    return case_services.request_freeze(
        case_id=case.pk, officer=officer, action=action, reason=reason
    )


def test_a_request_waits_for_a_second_officer(case, officer, trader):
    request = _request(case, officer)
    assert (request.status, request.action, request.user, request.requested_by) == (
        "pending",
        "freeze",
        trader,
        officer,
    )
    assert not trading_frozen(trader)
    event = AuditEvent.objects.get(action=AuditAction.FREEZE_REQUESTED)
    assert event.data == {"action": "freeze", "case": case.pk, "reason": "Structuring pattern"}


def test_the_requester_cannot_approve_or_reject_their_own_request(case, officer, trader):
    request = _request(case, officer)
    with pytest.raises(NotAllowed) as approve:
        case_services.approve_freeze(request_id=request.pk, officer=officer)
    with pytest.raises(NotAllowed) as reject:
        case_services.reject_freeze(request_id=request.pk, officer=officer, reason="Changed mind")
    assert (approve.value.code, reject.value.code) == ("four_eyes", "four_eyes")
    request.refresh_from_db()
    assert request.status == "pending"
    assert not trading_frozen(trader)
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.FREEZE_APPROVED, AuditAction.USER_FROZEN]
    ).exists()


def test_the_database_refuses_a_request_decided_by_its_requester(case, officer):
    request = _request(case, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        FreezeRequest.objects.filter(pk=request.pk).update(decided_by=officer, status="approved")


def test_a_second_officers_approval_freezes_the_user(case, officer, second_officer, trader):
    request = _request(case, officer)
    decision = case_services.approve_freeze(request_id=request.pk, officer=second_officer)
    assert decision.changed
    assert (decision.request.status, decision.request.decided_by) == ("approved", second_officer)
    profile = ComplianceProfile.objects.get(user=trader)
    assert (profile.trading_frozen, profile.frozen_reason) == (True, "Structuring pattern")
    assert profile.frozen_at is not None
    approved = AuditEvent.objects.get(action=AuditAction.FREEZE_APPROVED)
    frozen = AuditEvent.objects.get(action=AuditAction.USER_FROZEN)
    assert (approved.actor_user, frozen.actor_user) == (second_officer, second_officer)
    assert frozen.data == {
        "old": {"trading_frozen": False, "frozen_reason": ""},
        "new": {"trading_frozen": True, "frozen_reason": "Structuring pattern"},
        "request": request.pk,
        "requested_by": officer.email,
        "approved_by": second_officer.email,
    }


def test_unfreezing_takes_four_eyes_too(case, officer, second_officer, trader):
    case_services.approve_freeze(request_id=_request(case, officer).pk, officer=second_officer)
    # the second officer asks to unfreeze; now the first one approves
    unfreeze = _request(case, second_officer, action="unfreeze", reason="Explained")
    with pytest.raises(NotAllowed):
        case_services.approve_freeze(request_id=unfreeze.pk, officer=second_officer)
    assert trading_frozen(trader)
    case_services.approve_freeze(request_id=unfreeze.pk, officer=officer)
    profile = ComplianceProfile.objects.get(user=trader)
    assert (profile.trading_frozen, profile.frozen_reason, profile.frozen_at) == (False, "", None)
    assert AuditEvent.objects.get(action=AuditAction.USER_UNFROZEN).actor_user == officer


def test_a_rejected_request_changes_nothing(case, officer, second_officer, trader):
    request = _request(case, officer)
    rejected = case_services.reject_freeze(
        request_id=request.pk, officer=second_officer, reason="Not enough evidence"
    )
    assert (rejected.status, rejected.decided_by) == ("rejected", second_officer)
    assert not trading_frozen(trader)
    assert AuditEvent.objects.get(action=AuditAction.FREEZE_REJECTED).data["reason"] == (
        "Not enough evidence"
    )
    with pytest.raises(CaseStateError) as decided:
        case_services.approve_freeze(request_id=request.pk, officer=second_officer)
    assert decided.value.code == "not_pending"


def test_one_pending_request_per_user_and_none_for_the_state_they_are_in(
    case, officer, second_officer
):
    with pytest.raises(CaseStateError) as not_frozen:
        _request(case, officer, action="unfreeze")
    assert not_frozen.value.code == "no_change"
    _request(case, officer)
    with pytest.raises(CaseStateError) as pending:
        _request(case, second_officer)
    assert pending.value.code == "freeze_pending"
    assert FreezeRequest.objects.count() == 1


def test_an_approval_when_the_user_is_already_in_that_state_records_no_state_change(
    case, officer, second_officer, trader
):
    request = _request(case, officer)
    ComplianceProfile.objects.filter(user=trader).update(trading_frozen=True)  # e.g. screening
    decision = case_services.approve_freeze(request_id=request.pk, officer=second_officer)
    assert not decision.changed
    assert not AuditEvent.objects.filter(action=AuditAction.USER_FROZEN).exists()


def test_a_frozen_users_live_order_is_refused_before_it_reaches_the_exchange(
    case, officer, second_officer, trader, simulated_markets, settings
):
    # given: a trader with KYC level 1 and a live connection, frozen by two officers
    approved_kyc(trader)
    live = loopback_live_connection(trader, simulator=simulated_markets, settings=settings)
    case_services.approve_freeze(request_id=_request(case, officer).pk, officer=second_officer)
    # when
    with pytest.raises(KycRefused) as refused:
        place_order(
            user=trader,
            account=live,
            symbol="BTC/USDT",
            side="buy",
            type="market",
            amount=Decimal("0.001"),
        )
    # then
    assert (refused.value.status, refused.value.code) == (403, "trading_frozen")
    assert not Order.objects.filter(connection=live).exists()
