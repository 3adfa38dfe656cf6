from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from monitoring.notifications import user_group

# 4401 mirrors HTTP 401 in the application range of websocket close codes (4000-4999).
CLOSE_UNAUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Delivers the signed-in user's notifications; anonymous sockets are closed."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The stream is server-to-client; a ping gets a pong so clients can detect dead links.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notification_message(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "notification", "kind": event["kind"], "payload": event["payload"]}
        )
