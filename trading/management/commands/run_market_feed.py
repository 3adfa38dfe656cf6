import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from trading.exchanges.registry import get_venue
from trading.selectors import default_exchange, markets_of
from trading.services.feed import run_market_feed
from trading.services.markets import sync_markets
from trading.tasks import fetch_latest_candles


class Command(BaseCommand):
    help = "Publish live tickers and forming candles to the market websockets (Procfile: feed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between pushes")

    def handle(self, *args: Any, **options: Any) -> None:
        exchange = default_exchange()
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def symbols() -> list[str]:
            # On a fresh database the markets are loaded first; if the exchange is not up
            # yet, the feed's loop backs off and asks again.
            if not markets_of(exchange=exchange).exists():
                sync_markets(venue=get_venue(exchange=exchange), exchange=exchange)
            return list(markets_of(exchange=exchange).values_list("symbol", flat=True))

        self.stdout.write(f"market feed: {exchange}, every {options['interval']}s")
        # Charts need stored candles; beat keeps them fresh every minute, this fills them now.
        fetch_latest_candles.apply_async(countdown=5)
        run_market_feed(
            venue_factory=lambda: get_venue(exchange=exchange),
            exchange=exchange,
            symbols_factory=symbols,
            interval_s=options["interval"],
            should_stop=lambda: stopping,
        )
        self.stdout.write("market feed stopped")
