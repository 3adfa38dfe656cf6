"""Builders for the screening tests: listed entries as rows (with a current list version),
or as plain records for a database-free index."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

from django.utils import timezone

from compliance.models import WatchlistEntry, WatchlistVersion
from compliance.screening import index as screening_index
from compliance.screening.index import ScreeningIndex
from compliance.screening.matcher import Scored

SANCTIONS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "sanctions"

_refs = itertools.count(900_000)


def record(
    name: str,
    *,
    id: int | None = None,
    source: str = "ofac_sdn",
    ref: str | None = None,
    kind: str = "individual",
    aliases: list[Any] | tuple[Any, ...] = (),
    dobs: list[Any] | tuple[Any, ...] = (),
    nationalities: list[str] | tuple[str, ...] = (),
    countries: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """One entry as the index reads it. Aliases: names (strong) or (name, strength)."""
    number = next(_refs)
    fields: dict[str, Any] = {
        "source": source,
        "entity_ref": ref or str(number),
        "kind": kind,
        "name": name,
        "aliases": [
            {"name": a, "strength": "strong"}
            if isinstance(a, str)
            else {"name": a[0], "strength": a[1]}
            for a in aliases
        ],
        "dates_of_birth": list(dobs),
        "nationalities": list(nationalities),
        "countries": list(countries),
        "programs": ["SDGT"],
    }
    fields["content_hash"] = content_hash(fields)
    fields["id"] = id if id is not None else number
    return fields


def content_hash(fields: dict[str, Any]) -> str:
    content = {k: v for k, v in fields.items() if k not in ("id", "content_hash")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def index_of(*records: dict[str, Any]) -> ScreeningIndex:
    return ScreeningIndex(records)


def score(
    index: ScreeningIndex,
    name: str,
    *,
    dob: str | None = None,
    country: str | None = None,
    entry: dict[str, Any],
) -> Scored | None:
    """The query against one entry (all its names, no threshold)."""
    query = index.prepare(name, dob=dob, countries=[country] if country else [])
    return index.score_against(query, entry["id"])


def version_of(source: str) -> WatchlistVersion:
    """The source's current version (made on first use)."""
    current = WatchlistVersion.objects.filter(source=source, is_current=True).first()
    if current is None:
        current = WatchlistVersion.objects.create(
            source=source,
            version=f"test-{timezone.now():%Y%m%d%H%M%S%f}",
            file_sha256="0" * 64,
            is_current=True,
        )
    return current


def listed(name: str, **fields: Any) -> WatchlistEntry:
    """A listed entry in the database (current version of its source), seen by every
    process's index at its next look."""
    data = record(name, **fields)
    data.pop("id")
    version = version_of(data["source"])
    entry = WatchlistEntry.objects.create(**data, first_version=version, last_version=version)
    screening_index.invalidate()
    return entry


def change(entry: WatchlistEntry, **fields: Any) -> WatchlistEntry:
    """The list's record of `entry` changes (its content hash moves)."""
    for key, value in fields.items():
        setattr(entry, key, value)
    data = {
        "source": entry.source,
        "entity_ref": entry.entity_ref,
        "kind": entry.kind,
        "name": entry.name,
        "aliases": entry.aliases,
        "dates_of_birth": entry.dates_of_birth,
        "nationalities": entry.nationalities,
        "countries": entry.countries,
        "programs": entry.programs,
    }
    entry.content_hash = content_hash(data)
    entry.save()
    screening_index.invalidate()
    return entry
