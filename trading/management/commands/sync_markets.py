from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trading.exchanges.errors import VenueError
from trading.exchanges.registry import get_venue
from trading.selectors import default_exchange
from trading.services.markets import sync_markets


class Command(BaseCommand):
    help = "Load an exchange's markets (precision, limits, fees) into the Market table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--exchange", default=None, help="default: the market data source")

    def handle(self, *args: Any, **options: Any) -> None:
        exchange = options["exchange"] or default_exchange()
        try:
            created, updated, deactivated = sync_markets(
                venue=get_venue(exchange=exchange), exchange=exchange
            )
        except VenueError as error:
            raise CommandError(f"{exchange}: {error}") from error
        self.stdout.write(
            f"{exchange}: {created} markets created, {updated} updated, {deactivated} deactivated"
        )
