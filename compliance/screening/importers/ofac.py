"""OFAC's legacy CSV files: the SDN list (sdn, alt, add, sdn_comments) and the consolidated
non-SDN list (cons_prim, cons_alt, cons_add, cons_comments), which share one layout.

No header; `-0- ` marks an empty field; CRLF lines; a 0x1A byte at the end (OFAC's
`dat_spec.txt`). The files may come in any order: each is recognised by its name
(`*comments*`, `*alt*`, `*add*`, anything else is the primary file). The primary file makes
the entries; alt rows add strong aliases (aka, fka and nka alike: OFAC's strong names),
add rows addresses, comments rows the rest of a Remarks text cut at ~1,000 characters
(appended as is: the continuation starts mid-word). Rows whose ent_num is not in the primary
file (orphans: the files were published on different days) and malformed rows are reported
and skipped; the import never fails on them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from compliance.models import EntryKind
from compliance.screening.importers.ofac_remarks import apply_remarks
from compliance.screening.importers.records import (
    STRONG,
    ParseContext,
    ParsedList,
    Record,
    WatchlistFileError,
)
from compliance.screening.importers.text import clean, decode

PRIMARY, ALT, ADD, COMMENTS = "primary", "alt", "add", "comments"
_COLUMNS = {PRIMARY: 12, ALT: 5, ADD: 6, COMMENTS: 2}
_KINDS = {
    "individual": EntryKind.INDIVIDUAL,
    "vessel": EntryKind.VESSEL,
    "aircraft": EntryKind.AIRCRAFT,
}
_VESSEL_COLUMNS = ("call_sign", "vessel_type", "tonnage", "grt", "flag", "owner")
_ORPHAN_CODES = {ALT: "orphan_alias", ADD: "orphan_address", COMMENTS: "orphan_comment"}


def role_of(path: Path) -> str:
    """Which of the four files this is, from its name."""
    name = path.name.lower()
    if "comment" in name:
        return COMMENTS
    if "alt" in name:
        return ALT
    if "add" in name:
        return ADD
    return PRIMARY


def parse(source: str, paths: list[Path]) -> ParsedList:
    """Parse one OFAC file set (exactly one primary file, any number of the others)."""
    by_role: dict[str, list[Path]] = {role: [] for role in _COLUMNS}
    for path in paths:
        by_role[role_of(path)].append(path)
    if len(by_role[PRIMARY]) != 1:
        names = ", ".join(path.name for path in by_role[PRIMARY]) or "none"
        raise WatchlistFileError(
            "an OFAC import needs exactly one primary file (sdn.csv or cons_prim.csv; "
            f"the others are recognised by 'alt', 'add' or 'comments' in the name), got: {names}"
        )
    ctx = ParseContext()
    records: dict[str, Record] = {}
    remarks: dict[str, str] = {}
    primary = by_role[PRIMARY][0]
    for line, row in _rows(primary, PRIMARY, ctx):
        record = _primary_record(row, ctx, primary.name, line)
        if record is None:
            continue
        if record.entity_ref in records:
            ctx.skip(
                file=primary.name,
                line=line,
                ref=record.entity_ref,
                code="duplicate_ref",
                reason=f"ent_num {record.entity_ref} appears twice",
            )
            continue
        records[record.entity_ref] = record
        remarks[record.entity_ref] = _raw(row[11])
    for role in (COMMENTS, ALT, ADD):
        for path in by_role[role]:
            for line, row in _rows(path, role, ctx):
                ent_num = row[0].strip()
                if ent_num not in records:
                    ctx.skip(
                        file=path.name,
                        line=line,
                        ref=ent_num,
                        code=_ORPHAN_CODES[role],
                        reason=f"ent_num {ent_num} is not in {primary.name}",
                    )
                elif role == COMMENTS:
                    remarks[ent_num] += _raw(row[1])
                elif role == ALT:
                    records[ent_num].add_alias(clean(row[3]), STRONG, clean(row[2]) or "aka")
                else:
                    _add_address(records[ent_num], row, ctx)
    for ent_num, record in records.items():
        record.remarks = clean(remarks[ent_num])
        apply_remarks(record, record.remarks, ctx, primary.name)
    return ctx.result(source, list(records.values()))


def _rows(path: Path, role: str, ctx: ParseContext) -> Iterator[tuple[int, list[str]]]:
    """The file's rows with their line numbers; a row with the wrong shape is reported."""
    text = decode(ctx.read(path, role), file=path.name, ctx=ctx)
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = _COLUMNS[role]
    try:
        for row in reader:
            if not row or row == [""]:
                continue
            if len(row) != columns or not row[0].strip().isdigit():
                ctx.skip(
                    file=path.name,
                    line=reader.line_num,
                    ref=row[0][:20],
                    code="bad_row",
                    reason=f"expected {columns} columns starting with an ent_num, got {len(row)}",
                )
                continue
            yield reader.line_num, row
    except csv.Error as error:
        raise WatchlistFileError(f"{path.name} line {reader.line_num}: {error}") from error


def _raw(value: str) -> str:
    """A Remarks text as written, spaces kept: a continuation may start after a space."""
    return "" if value.strip() == "-0-" else value


def _primary_record(row: list[str], ctx: ParseContext, file: str, line: int) -> Record | None:
    ent_num, name = row[0].strip(), clean(row[1])
    if not name:
        ctx.skip(file=file, line=line, ref=ent_num, code="missing_name", reason="no SDN_Name")
        return None
    kind = _KINDS.get(clean(row[2]).lower(), EntryKind.ENTITY)
    record = Record(entity_ref=ent_num, kind=kind, name=name)
    for program in clean(row[3]).strip("[]").split("] ["):
        record.add("programs", program.strip())
    record.add_detail("titles", clean(row[4]))
    if kind == EntryKind.VESSEL:
        vessel = {key: clean(value) for key, value in zip(_VESSEL_COLUMNS, row[5:11], strict=True)}
        record.details["vessel"] = {key: value for key, value in vessel.items() if value}
    return record


def _add_address(record: Record, row: list[str], ctx: ParseContext) -> None:
    street, city, country = clean(row[2]), clean(row[3]), clean(row[4])
    record.add("addresses", ", ".join(part for part in (street, city, country) if part))
    record.add("countries", ctx.country(country))
