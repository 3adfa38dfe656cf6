"""ASGI entry point for the `ws` process: Channels websockets under /ws/ and nothing else.

HTTP stays on gunicorn (cheaper per request, see docs/architecture.md); this process answers
HTTP only with its own /healthz, and 404 for anything else.
"""

import json
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
# Set up Django before importing consumers, which import models.
get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from monitoring.routing import websocket_urlpatterns as monitoring_routes  # noqa: E402
from trading.routing import websocket_urlpatterns as trading_routes  # noqa: E402


async def http_for_ws_process(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/healthz":
        status, body = 200, {"status": "ok", "process": "ws"}
    else:
        status, body = (
            404,
            {
                "code": "not_found",
                "message": "This process serves only websockets (/ws/); HTTP is on the web port.",
            },
        )
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(payload)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


application = ProtocolTypeRouter(
    {
        "http": http_for_ws_process,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*monitoring_routes, *trading_routes]))
        ),
    }
)
