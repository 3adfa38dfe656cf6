"""A worker bootstep that reports liveness to Redis for /readyz.

The heartbeat runs on the worker's own timer, so it stops when the worker's event loop is
stuck, not only when the process is gone.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)


def _beat(hostname: str) -> None:
    from monitoring.health import record_worker_heartbeat

    try:
        record_worker_heartbeat(hostname)
    except Exception:  # a Redis blip must not kill the worker's timer
        logger.warning("worker heartbeat could not be recorded", exc_info=True)


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        from django.conf import settings

        _beat(parent.hostname)
        self.timer_ref = parent.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_INTERVAL_S, _beat, (parent.hostname,), priority=10
        )

    def stop(self, parent: Any) -> None:
        from monitoring.health import forget_worker

        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
        try:
            forget_worker(parent.hostname)
        except Exception:
            logger.warning("worker heartbeat could not be removed", exc_info=True)
