"""Values every page needs: the websocket base URL and the deployment mode."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port


def websocket_base_url(request: HttpRequest) -> str:
    """WS_PUBLIC_URL when set; otherwise this host on WS_PORT (the development layout)."""
    if settings.WS_PUBLIC_URL:
        return str(settings.WS_PUBLIC_URL).rstrip("/")
    scheme = "wss" if request.is_secure() else "ws"
    domain, _port = split_domain_port(request.get_host())
    return f"{scheme}://{domain}:{settings.WS_PORT}"


@dataclass(frozen=True)
class PendingSection:
    """A section of the navigation whose pages are not built yet: shown, not linked."""

    name: str
    note: str
    staff_only: bool = False


PENDING_SECTIONS = (PendingSection("Compliance", "Arrives with compliance", staff_only=True),)


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "ws_base_url": websocket_base_url(request),
        "deployment_mode": settings.CRYPTOPULSE_ENV,
        "pending_sections": PENDING_SECTIONS,
    }
