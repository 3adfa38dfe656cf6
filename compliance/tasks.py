"""Compliance's Celery tasks live next to their services; this module makes Celery find them
(autodiscovery imports `<app>.tasks`)."""

from compliance.kyc import tasks as kyc_tasks  # noqa: F401
from compliance.monitoring import tasks as monitoring_tasks  # noqa: F401
from compliance.reports import tasks as report_tasks  # noqa: F401
from compliance.screening import tasks as screening_tasks  # noqa: F401
from compliance.screening import watchlist_tasks  # noqa: F401
