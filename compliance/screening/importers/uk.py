"""The UK list as CSV: OFSI's Consolidated List of Financial Sanctions Targets (ConList.csv)
and the FCDO's UK Sanctions List export, read by column name.

OFSI ConList.csv: a first line "Last Updated,DD/MM/YYYY" (the version), then the header:
Name 6 (surname or whole entity name), Name 1-5, Title, Name Non-Latin Script, DOB, Town of
Birth, Country of Birth, Nationality, Passport Details, Position, Address 1-6, Post/Zip
Code, Country, Other Information, Group Type (Individual / Entity / Ship), Alias Type
(Primary name / AKA / FKA / Primary name variation), Alias Quality (Good / Low quality),
Regime, Listed On, Last Updated, Group ID. One row per name; rows sharing a Group ID (the
entity_ref) are one entry. The FCDO export (a "Report Date: …" line, then "Unique ID",
"Name type", "Alias strength", "Regime Name", "D.O.B", "Nationality(/ies)", "Address Line
1", …) is read through the same column map, keyed by its Unique ID.

Multi-valued cells are numbered ("(1) Russia (2) Ukraine") and split; day-first dates with
"00" for an unknown day or month ("00/00/1960" is 1960).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from compliance.models import EntryKind
from compliance.screening.importers import dates
from compliance.screening.importers.records import (
    STRONG,
    WEAK,
    ParseContext,
    ParsedList,
    Record,
    WatchlistFileError,
    single_file,
)
from compliance.screening.importers.text import add_wallets, decode

# Our key -> the header names (lower case) of the OFSI and the FCDO layouts.
_COLUMNS = {
    "ref": ("group id", "unique id"),
    "title": ("title",),
    "non_latin": ("name non-latin script",),
    "dob": ("dob", "d.o.b"),
    "town_of_birth": ("town of birth",),
    "country_of_birth": ("country of birth",),
    "nationality": ("nationality", "nationality(/ies)"),
    "position": ("position",),
    "postcode": ("post/zip code", "address postal code"),
    "country": ("country", "address country"),
    "other": ("other information",),
    "group_type": ("group type", "designation type"),
    "alias_type": ("alias type", "name type"),
    "alias_quality": ("alias quality", "alias strength"),
    "regime": ("regime", "regime name"),
    "listed_on": ("listed on", "date designated"),
    "gender": ("gender",),
    **{f"name{n}": (f"name {n}",) for n in range(1, 7)},
    **{f"address{n}": (f"address {n}", f"address line {n}") for n in range(1, 7)},
}
_KINDS = {"individual": EntryKind.INDIVIDUAL, "entity": EntryKind.ENTITY, "ship": EntryKind.VESSEL}
_NUMBERED = re.compile(r"\(\d{1,2}\)")
_VERSION = re.compile(r"(?:last updated|report date)\W*(.+)", re.IGNORECASE)


def split_items(text: str) -> list[str]:
    """ "(1) Russia (2) Ukraine" -> ["Russia", "Ukraine"]; one value stays one."""
    return [
        " ".join(part.split()).strip(" ,.") for part in _NUMBERED.split(text) if part.strip(" ,.")
    ]


def parse(source: str, paths: list[Path]) -> ParsedList:
    path = single_file(paths, source)
    ctx = ParseContext()
    text = decode(ctx.read(path, "list"), file=path.name, ctx=ctx)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at = next(
        (i for i, row in enumerate(rows[:5]) if "name 6" in [c.strip().lower() for c in row]), None
    )
    if header_at is None:
        raise WatchlistFileError(f"{path.name} has no 'Name 6' header: not the UK list layout")
    version = None
    for row in rows[:header_at]:
        if match := _VERSION.match(",".join(row)):
            version = match.group(1).strip(" ,")
    header = [cell.strip().lower() for cell in rows[header_at]]
    index = {
        key: next((header.index(n) for n in names if n in header), None)
        for key, names in _COLUMNS.items()
    }
    if index["ref"] is None:
        raise WatchlistFileError(f"{path.name} has no Group ID or Unique ID column")
    groups: dict[str, list[dict[str, str]]] = {}
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {
            key: row[i].strip() if i is not None and i < len(row) else ""
            for key, i in index.items()
        }
        if not any(row):
            continue
        if not cells["ref"]:
            ctx.skip(file=path.name, line=line, code="bad_row", reason="no Group ID")
            continue
        groups.setdefault(cells["ref"], []).append(cells)
    records = [r for r in (_record(ref, g, ctx, path.name) for ref, g in groups.items()) if r]
    return ctx.result(source, records, version)


def _full_name(cells: dict[str, str]) -> str:
    return " ".join(cells[f"name{n}"] for n in (1, 2, 3, 4, 5, 6) if cells[f"name{n}"])


def _record(ref: str, rows: list[dict[str, str]], ctx: ParseContext, file: str) -> Record | None:
    primary = next(
        (
            r
            for r in rows
            if r["alias_type"].lower().startswith("primary name")
            and "variation" not in r["alias_type"].lower()
        ),
        rows[0],
    )
    kind = _KINDS.get(primary["group_type"].lower())
    name = _full_name(primary)
    if kind is None or not name:
        ctx.skip(
            file=file,
            ref=ref,
            code="missing_name" if kind else "bad_row",
            reason="no name" if kind else f"unknown group type {primary['group_type']!r}",
        )
        return None
    record = Record(entity_ref=ref, kind=kind, name=name)
    for row in rows:
        weak = any(word in row["alias_quality"].lower() for word in ("low", "weak"))
        alias_type = "fka" if row["alias_type"].lower() == "fka" else "aka"
        record.add_alias(_full_name(row), WEAK if weak else STRONG, alias_type)
        for script_name in split_items(row["non_latin"]):
            record.add_alias(script_name, STRONG, "original_script")
        _add_row_facts(record, row, ctx)
    record.remarks = " ".join(dict.fromkeys(r["other"] for r in rows if r["other"]))
    add_wallets(record, record.remarks, ctx, file)
    return record


def _add_row_facts(record: Record, row: dict[str, str], ctx: ParseContext) -> None:
    for text in split_items(row["dob"]):
        record.add("dates_of_birth", dates.parse_dmy(text))
    for text in split_items(row["nationality"]):
        record.add("nationalities", ctx.country(text))
    towns, countries = split_items(row["town_of_birth"]), split_items(row["country_of_birth"])
    for town in towns:
        record.add("places_of_birth", ", ".join(p for p in (town, *countries[:1]) if p))
    for country in countries:
        record.add_detail("birth_countries", ctx.country(country))
    parts = [row[f"address{n}"] for n in range(1, 7)] + [row["postcode"], row["country"]]
    record.add("addresses", ", ".join(part for part in parts if part))
    for country in split_items(row["country"]):
        record.add("countries", ctx.country(country))
    record.add("programs", row["regime"])
    for title in split_items(row["title"]):
        record.add_detail("titles", title)
    for position in split_items(row["position"]):
        record.add_detail("positions", position)
    if row["gender"]:
        record.details["gender"] = row["gender"].lower()
    if row["listed_on"]:
        record.details.setdefault("listed_on", row["listed_on"])
