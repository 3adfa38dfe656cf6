from django.urls import re_path

from trading.consumers import MarketConsumer

websocket_urlpatterns = [
    re_path(r"^ws/market/(?P<symbol>[A-Za-z0-9_\-]{1,40})/$", MarketConsumer.as_asgi()),
]
