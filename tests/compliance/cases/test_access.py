"""Traders never see officer data: not the queue, a case (their own included), its files,
its steps, the freeze decisions or the dashboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compliance import case_services
from compliance.models import AuditEvent, FreezeRequest
from compliance.profiles import trading_frozen
from tests.compliance.cases.test_workflow import PDF
from tests.compliance.helpers import login_with_second_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(case, officer):
    attachment = case_services.add_case_attachment(
        case_id=case.pk, uploaded_by=officer, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    request = case_services.request_freeze(
        case_id=case.pk, officer=officer, action="freeze", reason="Hold"
    )
    return {
        "queue": "/admin/compliance/case/",
        "case": f"/admin/compliance/case/{case.pk}/change/",
        "attachment": f"/admin/compliance/case/{case.pk}/attachments/{attachment.pk}/",
        "alerts": "/admin/compliance/alert/",
        "rules": "/admin/compliance/monitoringrule/",
        "freezes": "/admin/compliance/freezerequest/",
        "dashboard": "/compliance/officer/",
        "approve": f"/admin/compliance/case/freeze-requests/{request.pk}/approve/",
        "close": f"/admin/compliance/case/{case.pk}/step/close/",
    }


@pytest.fixture(params=["the_cases_own_user", "another_trader"])
def signed_in_trader(request, trader):
    who = trader if request.param == "the_cases_own_user" else UserFactory.create()
    return login_with_second_factor(Client(), who)


PAGES = ["queue", "case", "attachment", "alerts", "rules", "freezes", "dashboard"]


@pytest.mark.parametrize("page", PAGES)
def test_a_trader_gets_403_on_every_officer_page(signed_in_trader, evidence, page):
    response = signed_in_trader.get(evidence[page], follow=True)
    assert response.status_code == 403
    assert b"%PDF" not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client, evidence, page):
    response = client.get(evidence[page], follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


def test_a_trader_cannot_take_a_step_or_decide_a_freeze(signed_in_trader, evidence, case, trader):
    compliance_events = AuditEvent.objects.filter(action__startswith="compliance.")
    before = compliance_events.count()
    signed_in_trader.post(evidence["approve"], follow=True)
    signed_in_trader.post(
        evidence["close"], {"outcome": "closed_false_positive", "reason": "mine"}, follow=True
    )
    case.refresh_from_db()
    assert case.status == "open"
    assert FreezeRequest.objects.get().status == "pending"
    assert not trading_frozen(trader)
    assert compliance_events.count() == before
