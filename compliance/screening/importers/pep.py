"""Politically exposed persons: our own CSV layout, or OpenSanctions' FollowTheMoney JSON lines.

The CSV (docs/watchlists.md): UTF-8, comma-separated, a header with `id`, `name` (required)
and `aliases`, `birth_date`, `nationality`, `position`, `country` (optional); several values
in one cell are separated by "|". Dates are YYYY-MM-DD, YYYY-MM or YYYY (DD/MM/YYYY too);
nationality and country take ISO 3166-1 alpha-2 codes (English names are read as well).

FollowTheMoney (`.json`/`.jsonl`/`.ndjson`, or any file whose first character is "{"): one
entity a line, `{"id", "schema", "properties": {...}}`. Person -> individual; Organization,
Company, LegalEntity, PublicBody -> entity; Vessel, Airplane likewise. `name` (the first is
the entry's name), `alias` and `previousName` are strong names, `weakAlias` weak;
`birthDate`, `birthPlace`, `nationality` / `citizenship`, `country`, `position`, `gender`,
`notes`, `address` and `topics` (kept as the entry's programs: role.pep, role.rca,
sanction, …) are read. CryptoWallet entities give their `publicKey` (in `currency` /
`currencySymbol`) to their `holder`. Other schemas (Position, Occupancy, Sanction, …) are
skipped and counted.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from compliance.models import EntryKind
from compliance.screening.importers import dates
from compliance.screening.importers.records import (
    STRONG,
    WEAK,
    ParseContext,
    ParsedList,
    Record,
    WatchlistFileError,
    dedupe_refs,
)
from compliance.screening.importers.text import decode

CSV_COLUMNS = ("id", "name", "aliases", "birth_date", "nationality", "position", "country")
_SCHEMAS = {
    "Person": EntryKind.INDIVIDUAL,
    "Organization": EntryKind.ENTITY,
    "Company": EntryKind.ENTITY,
    "LegalEntity": EntryKind.ENTITY,
    "PublicBody": EntryKind.ENTITY,
    "Vessel": EntryKind.VESSEL,
    "Airplane": EntryKind.AIRCRAFT,
}
_FTM_SUFFIXES = (".json", ".jsonl", ".ndjson")


def parse(source: str, paths: list[Path]) -> ParsedList:
    ctx = ParseContext()
    records: list[Record] = []
    for path in paths:
        text = decode(ctx.read(path, "list"), file=path.name, ctx=ctx)
        if path.suffix.lower() in _FTM_SUFFIXES or text.lstrip().startswith("{"):
            records.extend(_parse_ftm(text, ctx, path.name))
        else:
            records.extend(_parse_csv(text, ctx, path.name))
    return ctx.result(source, dedupe_refs(records, ctx, ", ".join(p.name for p in paths)))


def _split(value: str | None) -> list[str]:
    return [" ".join(part.split()) for part in (value or "").split("|") if part.strip()]


def _parse_csv(text: str, ctx: ParseContext, file: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "id" not in header or "name" not in header:
        raise WatchlistFileError(
            f"{file}: a PEP CSV needs the columns id and name ({', '.join(CSV_COLUMNS)})"
        )
    records = []
    for row in reader:
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        ref, name = cells.get("id", ""), " ".join(cells.get("name", "").split())
        if not ref or not name:
            ctx.skip(
                file=file,
                line=reader.line_num,
                ref=ref,
                code="missing_name",
                reason="no id" if not ref else "no name",
            )
            continue
        record = Record(entity_ref=ref, kind=EntryKind.INDIVIDUAL, name=name, programs=["PEP"])
        for alias in _split(cells.get("aliases")):
            record.add_alias(alias, STRONG)
        for value in _split(cells.get("birth_date")):
            parsed = dates.parse_any(value)
            if parsed is None:
                ctx.skip(
                    file=file,
                    line=reader.line_num,
                    ref=ref,
                    code="unparsed_date",
                    reason=f"birth_date {value!r} is not a date",
                )
            record.add("dates_of_birth", parsed)
        for value in _split(cells.get("nationality")):
            record.add("nationalities", ctx.country(value))
        for value in _split(cells.get("country")):
            record.add("countries", ctx.country(value))
        for value in _split(cells.get("position")):
            record.add_detail("positions", value)
        records.append(record)
    return records


def _parse_ftm(text: str, ctx: ParseContext, file: str) -> list[Record]:
    records: dict[str, Record] = {}
    wallets: list[tuple[int, dict[str, list[str]]]] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
            schema, ref = entity["schema"], str(entity["id"])
            props: dict[str, list[str]] = entity.get("properties") or {}
        except (ValueError, KeyError, TypeError) as error:
            ctx.skip(file=file, line=line_number, code="bad_row", reason=f"not an entity: {error}")
            continue
        if schema == "CryptoWallet":
            wallets.append((line_number, props))
        elif schema not in _SCHEMAS:
            ctx.skip(
                file=file,
                line=line_number,
                ref=ref,
                code="other_schema",
                reason=f"{schema} entities are not screened",
            )
        elif ref in records:
            ctx.skip(
                file=file,
                line=line_number,
                ref=ref,
                code="duplicate_ref",
                reason=f"a second entity with id {ref}",
            )
        elif (record := _ftm_record(ref, _SCHEMAS[schema], props, ctx)) is None:
            ctx.skip(file=file, line=line_number, ref=ref, code="missing_name", reason="no name")
        else:
            records[ref] = record
    for line_number, props in wallets:
        _attach_wallet(records, props, ctx, file, line_number)
    return list(records.values())


def _ftm_record(ref: str, kind: str, props: dict[str, Any], ctx: ParseContext) -> Record | None:
    def values(name: str) -> list[str]:
        return [" ".join(str(v).split()) for v in props.get(name) or [] if str(v).strip()]

    names = values("name")
    if not names:
        return None
    record = Record(entity_ref=ref, kind=kind, name=names[0], remarks=" ".join(values("notes")))
    for name in names[1:] + values("alias"):
        record.add_alias(name, STRONG)
    for name in values("previousName"):
        record.add_alias(name, STRONG, "fka")
    for name in values("weakAlias"):
        record.add_alias(name, WEAK)
    for value in values("birthDate"):
        record.add("dates_of_birth", dates.parse_iso(value))
    for value in values("birthPlace"):
        record.add("places_of_birth", value)
    for value in values("nationality") + values("citizenship"):
        record.add("nationalities", ctx.country(value))
    for value in values("country"):
        record.add("countries", ctx.country(value))
    for value in values("address"):
        record.add("addresses", value)
    for value in values("topics"):
        record.add("programs", value)
    for value in values("position"):
        record.add_detail("positions", value)
    for value in values("title"):
        record.add_detail("titles", value)
    if gender := values("gender"):
        record.details["gender"] = gender[0].lower()
    return record


def _attach_wallet(
    records: dict[str, Record], props: dict[str, Any], ctx: ParseContext, file: str, line: int
) -> None:
    keys = props.get("publicKey") or []
    currency = (props.get("currency") or props.get("currencySymbol") or [""])[0]
    holders = [str(holder) for holder in props.get("holder") or []]
    known = [records[holder] for holder in holders if holder in records]
    if not keys or not currency or not known:
        ctx.skip(
            file=file,
            line=line,
            ref=",".join(holders),
            code="orphan_wallet",
            reason="a wallet without address, currency or a holder in the file",
        )
        return
    for record in known:
        for key in keys:
            record.add_wallet(str(currency), str(key))
