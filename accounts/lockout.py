"""django-axes hooks: one lockout for the browser and the API, keyed by account + address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from monitoring.middleware import client_ip

LOCKOUT_CODE = "locked_out"


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed sign-in attempts for this account from your address. "
        f"Try again in {minutes} minutes."
    )


def username_from_credentials(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email being tried, lower-cased, from any of our login forms and the API."""
    sources: list[Any] = [credentials or {}]
    sources.append(getattr(request, "data", None) or request.POST)
    for source in sources:
        for field in ("email", "login", "username"):
            value = source.get(field) if hasattr(source, "get") else None
            if isinstance(value, str) and value:
                return value.strip().lower()
    return ""


def client_ip_for_axes(request: HttpRequest) -> str | None:
    return client_ip(request)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with Retry-After: JSON in our error format for the API, a page for browsers."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    response: HttpResponse
    if is_api_request(request):
        response = JsonResponse({"code": LOCKOUT_CODE, "message": lockout_message()}, status=429)
    else:
        response = render(
            request, "accounts/locked_out.html", {"message": lockout_message()}, status=429
        )
    response["Retry-After"] = retry_after
    return response
