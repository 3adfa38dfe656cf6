"""Import a sanctions or PEP list version from files (docs/watchlists.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.models import WatchlistSource
from compliance.screening.importers.records import WatchlistFileError
from compliance.screening.watchlists import import_watchlist

# How many skipped rows the command prints (the version's report keeps up to 1,000).
SHOWN_SKIPPED = 5


class Command(BaseCommand):
    help = (
        "Import a watchlist version: --source ofac_sdn|ofac_cons|un|eu|uk|pep FILE [FILE ...]. "
        "OFAC files may come in any order (alt, add and comments files are recognised by name)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The list's --version replaces Django's own (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--source", required=True, choices=WatchlistSource.values)
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--version", dest="list_version", help="The list's version label.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            imported = import_watchlist(
                source=options["source"],
                paths=options["files"],
                version=options["list_version"],
            )
        except WatchlistFileError as error:
            raise CommandError(f"import failed: {error}") from error
        report = imported.report
        self.stdout.write(
            f"{imported.source} {imported.version}: {imported.entries} entries, "
            f"{imported.added} added, {imported.removed} removed, {imported.changed} changed, "
            f"{imported.skipped} skipped ({report.get('seconds', 0):.1f} s)"
        )
        for code, count in report.get("skipped_by_reason", {}).items():
            self.stdout.write(f"  skipped {count} x {code}")
        for row in report.get("skipped", [])[:SHOWN_SKIPPED]:
            where = f"{row['file']}:{row['line']}" if row.get("line") else row["file"]
            self.stdout.write(f"  - {where} {row['ref']}: {row['reason']}")
        unmapped = report.get("unmapped_countries", {})
        if unmapped:
            names = ", ".join(f"{name} ({count})" for name, count in list(unmapped.items())[:5])
            self.stdout.write(f"  countries without a code: {names}")
        for note in report.get("decoding", [])[:SHOWN_SKIPPED]:
            self.stdout.write(f"  decoding {note['file']}:{note.get('line', '')} {note['note']}")
        if report.get("wallet_hits"):
            self.stdout.write(f"  registered wallets now listed: {report['wallet_hits']}")
