"""The Celery application: JSON only, UTC, late acks, prefetch 1, four named queues.

Configuration comes from Django settings (`CELERY_*`); logging reuses Django's LOGGING so
worker and beat write the same JSON lines as the web process, with the request id that
queued the task (see `cryptopulse.request_context`).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")

app = Celery("cryptopulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "bots", "screening", "reports")]
app.autodiscover_tasks()


@signals.setup_logging.connect
def configure_logging(**_: Any) -> None:
    """Use Django's LOGGING instead of Celery's own handlers."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _register_worker_steps() -> None:
    from monitoring.worker import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_register_worker_steps()


@signals.task_prerun.connect
def forget_content_types_between_test_flushes(**_: Any) -> None:
    """Test worker only: transactional tests flush the database, and the flush recreates
    content types under new ids, which the worker's process-wide cache would not see."""
    from django.conf import settings

    if getattr(settings, "WORKER_CLEARS_CONTENT_TYPE_CACHE", False):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
