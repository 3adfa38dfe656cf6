"""Request id and one JSON access line per HTTP request.

The id is taken from X-Request-ID when well formed, else generated; it is returned on the
response, stamped on every log line of the request and carried into the Celery tasks the
request queues. The access line replaces gunicorn's text access log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cryptopulse.request_context import (
    REQUEST_ID_HEADER,
    ClientInfo,
    clean_request_id,
    reset_client,
    reset_request_id,
    set_client,
    set_request_id,
)

USER_AGENT_MAX = 512

access_log = logging.getLogger("cryptopulse.access")


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies.

    Only the entries our own proxies appended are trusted (counted from the right), so a
    client cannot choose its address by sending the header itself. Lockout, throttling and
    the audit trail all use this one function.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        client_token = set_client(
            ClientInfo(
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
            )
        )
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "request_id": request_id,
                },
            )
        finally:
            reset_client(client_token)
            reset_request_id(token)
        return response
