"""The monitoring hook from a real fill: the order service queues `compliance.monitor_order`
after commit and a real Celery worker raises the alert; the hourly task runs there too."""

from decimal import Decimal

import pytest

from compliance.models import Alert, AuditEvent, Case
from compliance.monitoring.tasks import run_monitoring_rules
from tests.compliance.helpers import wait_for
from tests.factories.monitoring import approved_kyc, loopback_live_connection
from trading.exchanges.registry import get_venue
from trading.models import Order
from trading.services.orders import place_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_binance(user, simulated_markets, settings):
    approved_kyc(user)  # live orders need KYC level 1
    return loopback_live_connection(user, simulator=simulated_markets, settings=settings)


def test_a_live_fill_is_monitored_by_the_worker(celery_worker_process, user, live_binance):
    # when: a live market buy worth about 7,000 USDT (over 5,000, within the KYC limit) fills
    price = get_venue(exchange="simulated").fetch_ticker("BTC/USDT").last
    placed = place_order(
        user=user,
        account=live_binance,
        symbol="BTC/USDT",
        side="buy",
        type="market",
        amount=(Decimal(7000) / price).quantize(Decimal("0.00001")),
    )
    order = Order.objects.get(pk=placed.order.pk)
    assert (order.mode, order.status) == ("live", "filled")
    # then: the worker judged it: one large-trade alert in a monitoring case, audited
    alerts = wait_for(Alert.objects.filter(user=user, rule__code="large_trade"))
    alert = alerts.get()
    assert alert.facts["trade"]["order_id"] == order.pk
    assert alert.case == Case.objects.get(user=user, kind="monitoring")
    assert AuditEvent.objects.filter(action="compliance.alert.raised").count() == 1


def test_the_hourly_task_runs_in_the_worker(celery_worker_process, user):
    result = run_monitoring_rules.delay().get(timeout=60)
    assert result == {"users": 0, "alerts": 0, "risk_refreshed": 0}
