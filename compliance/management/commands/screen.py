"""Batch screening from the shell (docs/screening.md): one JSON query a line in, one JSON
result a line out, against every list currently imported, through the in-memory index.

    python manage.py screen --input queries.jsonl
    {"name": "Vladimir Putin", "dob": "1952-10-07", "country": "RU"}
 -> {"query": {...}, "decision": "match", "matches": [{"source": "ofac_sdn",
     "entity_ref": "35096", "name": "PUTIN, Vladimir Vladimirovich", "score": 100.0}]}
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from compliance.screening import index as screening_index
from compliance.screening.services import screen_query, threshold
from cryptopulse.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Screen names from a JSON-lines file ({name, dob?: YYYY-MM-DD, country?: ISO code or "
        "English name} per line) against all imported lists; one JSON line out per line in."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--input", required=True, help="a .jsonl file, or - for stdin")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="decide 'match' at this score (default: SCREENING_THRESHOLD)",
        )
        parser.add_argument("--limit", type=int, default=10, help="matches listed per query")

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = threshold() if options["threshold"] is None else options["threshold"]
        index = screening_index.get_index(max_age=0)
        if not len(index):
            self.stderr.write("warning: no watchlist is imported; every query is no_match")
        if options["input"] == "-":
            errors = self._screen(sys.stdin, cutoff=cutoff, limit=options["limit"])
        else:
            path = Path(options["input"])
            if not path.is_file():
                raise CommandError(f"cannot read {path}: no such file")
            with path.open(encoding="utf-8") as lines:
                errors = self._screen(lines, cutoff=cutoff, limit=options["limit"])
        if errors:
            raise CommandError(f"{errors} line(s) could not be screened (see their error)")

    def _screen(self, lines: IO[str], *, cutoff: float, limit: int) -> int:
        errors = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                query = json.loads(line)
                if not isinstance(query, dict) or not str(query.get("name") or "").strip():
                    raise ValueError('each line needs a JSON object with a "name"')
                hits = screen_query(
                    str(query["name"]),
                    query.get("dob") or None,
                    query.get("country") or None,
                    min_score=cutoff,
                    limit=limit,
                )
            except (ValueError, ApplicationError) as error:
                errors += 1
                message = error.message if isinstance(error, ApplicationError) else str(error)
                self.stdout.write(
                    json.dumps({"line": number, "query": line.strip(), "error": message})
                )
                continue
            result = {
                "query": query,
                "decision": "match" if hits else "no_match",
                "matches": [
                    {
                        "source": hit.source,
                        "entity_ref": hit.entity_ref,
                        "name": hit.name,
                        "score": hit.score,
                    }
                    for hit in hits
                ],
            }
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        return errors
