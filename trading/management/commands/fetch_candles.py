from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trading.exchanges.errors import VenueError
from trading.exchanges.registry import get_venue
from trading.services.candles import fetch_candles
from trading.symbols import normalise_symbol
from trading.timeframes import TIMEFRAMES


def _date(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Fetch closed candles from an exchange into the Candle table (resumable, idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--exchange", required=True)
        parser.add_argument("--symbol", required=True, help="BTC/USDT, BTCUSDT, BTC-USDT or BTC")
        parser.add_argument("--timeframe", required=True, choices=list(TIMEFRAMES))
        parser.add_argument("--since", required=True, type=_date, help="ISO date, UTC by default")
        parser.add_argument("--until", type=_date, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        symbol = normalise_symbol(options["symbol"])
        exchange = options["exchange"]

        def progress(count: int) -> None:
            self.stdout.write(f"\r{symbol} {options['timeframe']}: {count} candles", ending="")
            self.stdout.flush()

        try:
            result = fetch_candles(
                venue=get_venue(exchange=exchange),
                exchange=exchange,
                symbol=symbol,
                timeframe=options["timeframe"],
                since=options["since"],
                until=options["until"],
                progress=progress,
            )
        except VenueError as error:
            raise CommandError(f"{exchange}: {error}; run again to resume") from error
        self.stdout.write(
            f"\n{symbol} {options['timeframe']}: {result.fetched} fetched, {result.inserted} new"
            + (
                f", {result.first:%Y-%m-%d %H:%M} to {result.last:%Y-%m-%d %H:%M}"
                if result.last
                else ""
            )
        )
