from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from trading.selectors import default_exchange
from trading.services.feed import market_group
from trading.symbols import normalise_symbol

CLOSE_BAD_SYMBOL = 4404


class MarketConsumer(AsyncWebsocketConsumer):
    """Public live market data for one symbol: frames come ready-made from the feed."""

    group: str | None = None

    async def connect(self) -> None:
        try:
            symbol = normalise_symbol(self.scope["url_route"]["kwargs"]["symbol"])
        except ValueError:
            await self.close(code=CLOSE_BAD_SYMBOL)
            return
        self.group = market_group(default_exchange(), symbol)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def market_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])
