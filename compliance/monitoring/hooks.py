"""The order service's one call into monitoring: an order just got fills.

Live orders are always monitored; paper and testnet orders only while some enabled rule has
`include_paper` (read from the cache for a minute, so a paper fill costs one cache read, not
a query; saving a rule in the admin drops the cached answer).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from compliance.models import MonitoringRule
from trading.models import Order, TradingMode

PRACTICE_MONITORED_KEY = "compliance:monitoring:practice-monitored"
PRACTICE_MONITORED_TTL_S = 60


def practice_monitored() -> bool:
    """Whether any enabled rule counts paper and testnet fills."""
    return bool(
        cache.get_or_set(
            PRACTICE_MONITORED_KEY,
            lambda: int(MonitoringRule.objects.filter(enabled=True, include_paper=True).exists()),
            PRACTICE_MONITORED_TTL_S,
        )
    )


def forget_practice_monitored() -> None:
    cache.delete(PRACTICE_MONITORED_KEY)


def monitor_order_on_commit(order: Order) -> None:
    """After commit, queue the rules for an order that just got fills (nothing on rollback)."""
    if order.mode != TradingMode.LIVE and not practice_monitored():
        return
    from compliance.monitoring.tasks import monitor_order  # the task module imports services

    order_id = order.pk
    transaction.on_commit(lambda: monitor_order.delay(order_id))
