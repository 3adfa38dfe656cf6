import time

import pytest
from django.urls import reverse

from compliance.models import ComplianceReport
from tests.compliance.reports import builders as b

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_long_period_asked_in_the_admin_is_generated_by_the_worker(client, celery_worker_process):
    # given
    officer = b.signed_in_officer(client)
    # when: 90 days, more than the 31 generated in the request
    response = client.post(
        reverse("admin:compliance_compliancereport_generate"),
        {"start": "2025-01-01", "end": "2025-03-31"},
    )
    assert response.status_code == 302
    # then
    deadline = time.monotonic() + 60
    while not ComplianceReport.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    report = ComplianceReport.objects.get()
    assert (report.generated_by, report.period_start, report.period_end) == (
        officer,
        b.at(1, month=1),
        b.at(1, month=4),
    )
