"""Recompute the audit trail's hash chains; exit non-zero naming the first bad row per stream."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compliance.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains (all streams, or one with --stream)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--stream", help='One stream, e.g. "user:42" or "system".')

    def handle(self, *args: Any, stream: str | None = None, **options: Any) -> None:
        report = verify_chain(stream=stream)
        if stream is not None and report.streams == 0:
            # A typo must not read as "intact".
            raise CommandError(f"no audit stream named {stream!r}")
        if not report.intact:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"audit chain broken in {len(report.problems)} of {report.streams} streams"
            )
        self.stdout.write(f"audit chain intact: {report.events} events in {report.streams} streams")
