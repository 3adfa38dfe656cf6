"""Per-user notifications pushed to the browser over the `/ws/notifications/` websocket.

Any process (web, worker) may call `notify_user`; the Redis channel layer carries the message
to whichever ws process holds that user's sockets.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

MESSAGE_TYPE = "notification.message"


def user_group(user_id: int) -> str:
    """The channel-layer group that holds every open socket of one user."""
    return f"user.{user_id}.notifications"


def notify_user(*, user_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Send one notification to every open socket of `user_id` (and to nobody else)."""
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - CHANNEL_LAYERS is always configured
        raise RuntimeError("No channel layer configured.")
    async_to_sync(layer.group_send)(
        user_group(user_id), {"type": MESSAGE_TYPE, "kind": kind, "payload": payload}
    )
