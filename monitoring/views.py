from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.health import beat_age_seconds, readiness


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No I/O, so a slow database never restarts web."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when PostgreSQL, Redis and a Celery worker are all up, else 503."""
    ready, checks = readiness()
    failing = [check["name"] for check in checks if not check["ok"]]
    body = {
        "status": "ready" if ready else "unavailable",
        "failing": failing,
        "checks": checks,
        "beat_last_run_age_s": beat_age_seconds(),
    }
    return JsonResponse(body, status=200 if ready else 503)
