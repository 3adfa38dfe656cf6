from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trading.candle_files import CandleFileError
from trading.services.candles import import_candles


class Command(BaseCommand):
    help = "Import candles from freqtrade-style JSON ([[ms, o, h, l, c, v], ...]) or CSV files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--exchange", required=True, help="the exchange the candles come from")
        parser.add_argument("--symbol", help="BASE/QUOTE; default: from a freqtrade file name")
        parser.add_argument("--timeframe", help="1m, 5m, 1h, ...; default: from the file name")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            try:
                result = import_candles(
                    path=path,
                    exchange=options["exchange"],
                    symbol=options["symbol"],
                    timeframe=options["timeframe"],
                )
            except CandleFileError as error:
                raise CommandError(f"{path}: {error.message} Nothing was imported.") from error
            self.stdout.write(
                f"{path.name}: {result.symbol} {result.timeframe}: {result.read} candles read, "
                f"{result.inserted} new, {result.already_present} already stored"
            )
