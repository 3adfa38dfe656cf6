"""The EU Financial Sanctions Files (FSF) consolidated list: the CSV or the XML export.

CSV ("csvFullSanctionsList_1_1"): semicolon-separated with a header, one row per attribute
combination, so an entity spans many rows sharing `Entity_LogicalId` (the entity_ref). Read
by column name: `Entity_SubjectType` / `_ClassificationCode` (P/person -> individual,
E/enterprise -> entity), `Entity_Regulation_Programme`, `Entity_Remark`,
`NameAlias_WholeName` (+ `NameAlias_Strong` when present), `BirthDate_BirthDate` /
`_Year` / `_YearRangeFrom` / `_YearRangeTo` / `_Circa`, `BirthDate_City` /
`_CountryIso2Code`, `Citizenship_CountryIso2Code`, `Address_*`; version: `fileGenerationDate`.

XML ("xmlFullSanctionsList_1_1", namespace http://eu.europa.ec/fpi/fsd/export):
`export/@generationDate`; `sanctionEntity/@logicalId` with `subjectType/@code`,
`regulation/@programme`, `remark`, `nameAlias/@wholeName @strong`, `birthdate/@birthdate
@year @circa @city @countryIso2Code`, `citizenship/@countryIso2Code`, `address/@…`.

A name is weak when `strong` is false or its remark says "low quality" (the EU's own way of
flagging weak aliases, as OpenSanctions reads it). The first strong name is the entry's name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

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

_KINDS = {
    "p": EntryKind.INDIVIDUAL,
    "person": EntryKind.INDIVIDUAL,
    "e": EntryKind.ENTITY,
    "enterprise": EntryKind.ENTITY,
}
_NAMESPACE = re.compile(r"^\{[^}]*\}")
_ADDRESS = ("street", "poBox", "zipCode", "city", "region", "place", "countryDescription")


def parse(source: str, paths: list[Path]) -> ParsedList:
    path = single_file(paths, source)
    ctx = ParseContext()
    data = ctx.read(path, "consolidated")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _parse_xml(source, data, ctx, path.name)
    return _parse_csv(source, decode(data, file=path.name, ctx=ctx), ctx, path.name)


# --- CSV -----------------------------------------------------------------------------------


def _parse_csv(source: str, text: str, ctx: ParseContext, file: str) -> ParsedList:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    if "Entity_LogicalId" not in (reader.fieldnames or []):
        raise WatchlistFileError(f"{file} has no Entity_LogicalId column: not the EU CSV layout")
    groups: dict[str, list[dict[str, str]]] = {}
    version = None
    for row in reader:
        ref = (row.get("Entity_LogicalId") or "").strip()
        if not ref:
            ctx.skip(file=file, line=reader.line_num, code="bad_row", reason="no Entity_LogicalId")
            continue
        version = version or (row.get("fileGenerationDate") or "").strip() or None
        groups.setdefault(ref, []).append({k: (v or "").strip() for k, v in row.items() if k})
    records = [r for r in (_csv_record(ref, rows, ctx, file) for ref, rows in groups.items()) if r]
    return ctx.result(source, records, version)


def _prefixed(rows: Iterable[dict[str, str]], prefix: str) -> list[dict[str, str]]:
    """Each row's `<prefix>_…` columns as {attribute: value}, distinct and non-empty."""
    seen: list[dict[str, str]] = []
    for row in rows:
        item = {
            key[len(prefix) + 1 :]: value
            for key, value in row.items()
            if key.startswith(prefix + "_") and value
        }
        if item and item not in seen:
            seen.append(item)
    return seen


def _csv_record(
    ref: str, rows: list[dict[str, str]], ctx: ParseContext, file: str
) -> Record | None:
    first = rows[0]
    subject = first.get("Entity_SubjectType") or first.get("Entity_SubjectType_ClassificationCode")
    names = [
        (name["WholeName"], _is_strong(name.get("Strong"), name.get("Remark")))
        for name in _prefixed(rows, "NameAlias")
        if name.get("WholeName")
    ]
    record = _new_record(ref, subject or "", names, ctx, file)
    if record is None:
        return None
    for row in rows:
        record.add("programs", row.get("Entity_Regulation_Programme"))
    remarks = (row["Entity_Remark"] for row in rows if row.get("Entity_Remark"))
    record.remarks = " ".join(dict.fromkeys(remarks))
    for birth in _prefixed(rows, "BirthDate"):
        _add_birth(record, {_attr(k): v for k, v in birth.items()}, ctx)
    for citizenship in _prefixed(rows, "Citizenship"):
        record.add("nationalities", _country(citizenship, ctx))
    for address in _prefixed(rows, "Address"):
        _add_address(record, {_attr(k): v for k, v in address.items()}, ctx)
    if first.get("Entity_DesignationDate"):
        record.details["listed_on"] = first["Entity_DesignationDate"]
    add_wallets(record, record.remarks, ctx, file)
    return record


def _attr(column: str) -> str:
    """A CSV column suffix as the XML attribute it mirrors: CountryIso2Code -> countryIso2Code."""
    return column[:1].lower() + column[1:]


# --- XML -----------------------------------------------------------------------------------


def _parse_xml(source: str, data: bytes, ctx: ParseContext, file: str) -> ParsedList:
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as error:
        raise WatchlistFileError(f"{file} is not readable XML: {error}") from error
    for element in root.iter():
        element.tag = _NAMESPACE.sub("", element.tag)
    if root.tag != "export":
        raise WatchlistFileError(f"{file} is not an EU FSF export ({root.tag})")
    records = [r for r in (_xml_record(e, ctx, file) for e in root.iter("sanctionEntity")) if r]
    return ctx.result(source, records, root.get("generationDate"))


def _xml_record(entity: Element, ctx: ParseContext, file: str) -> Record | None:
    ref = entity.get("logicalId", "").strip()
    subject = entity.find("subjectType")
    names = [
        (
            alias.get("wholeName", "").strip(),
            _is_strong(alias.get("strong"), alias.findtext("remark")),
        )
        for alias in entity.findall("nameAlias")
        if alias.get("wholeName", "").strip()
    ]
    kind = "" if subject is None else subject.get("code") or subject.get("classificationCode") or ""
    record = _new_record(ref, kind, names, ctx, file)
    if record is None:
        return None
    for regulation in entity.findall("regulation"):
        record.add("programs", regulation.get("programme"))
    record.remarks = " ".join(" ".join((r.text or "").split()) for r in entity.findall("remark"))
    for birth in entity.findall("birthdate"):
        _add_birth(record, dict(birth.attrib), ctx)
    for citizenship in entity.findall("citizenship"):
        record.add("nationalities", _country(dict(citizenship.attrib), ctx))
    for address in entity.findall("address"):
        _add_address(record, dict(address.attrib), ctx)
    if entity.get("designationDate"):
        record.details["listed_on"] = entity.get("designationDate")
    add_wallets(record, record.remarks, ctx, file)
    return record


# --- shared --------------------------------------------------------------------------------


def _is_strong(strong: str | None, remark: str | None) -> bool:
    if remark and "low quality" in remark.lower():
        return False
    return (strong or "true").strip().lower() not in ("false", "0", "no")


def _new_record(
    ref: str, subject: str, names: list[tuple[str, bool]], ctx: ParseContext, file: str
) -> Record | None:
    kind = _KINDS.get(subject.strip().lower())
    if not ref:
        ctx.skip(file=file, code="bad_row", reason="an entity without a logical id")
        return None
    if kind is None:
        ctx.skip(file=file, ref=ref, code="bad_row", reason=f"unknown subject type {subject!r}")
        return None
    if not names:
        ctx.skip(file=file, ref=ref, code="missing_name", reason="no name")
        return None
    primary = next((name for name, strong in names if strong), names[0][0])
    record = Record(entity_ref=ref, kind=kind, name=primary)
    for name, strong in names:
        record.add_alias(name, STRONG if strong else WEAK)
    return record


def _country(item: Mapping[str, str], ctx: ParseContext) -> str | None:
    code = (item.get("countryIso2Code") or item.get("CountryIso2Code") or "").upper()
    if code == "CS":  # Serbia and Montenegro, withdrawn: read as Serbia (OpenSanctions does)
        return "RS"
    if len(code) == 2 and code.isalpha() and code != "00":
        return code
    return ctx.country(item.get("countryDescription") or item.get("CountryDescription"))


def _add_birth(record: Record, birth: Mapping[str, str], ctx: ParseContext) -> None:
    given = birth.get("birthdate") or birth.get("birthDate")  # XML attribute / CSV column
    exact = dates.parse_iso(given) or dates.parse_iso(birth.get("year"))
    start, end = birth.get("yearRangeFrom", ""), birth.get("yearRangeTo", "")
    if start.isdigit() and end.isdigit():
        record.add("dates_of_birth", dates.year_range(int(start), int(end)))
    elif exact and birth.get("circa", "").lower() in ("true", "1", "yes"):
        record.add("dates_of_birth", dates.circa(int(exact[:4])))
    elif exact:
        record.add("dates_of_birth", exact)
    parts = (birth.get("place"), birth.get("city"), birth.get("countryDescription"))
    record.add("places_of_birth", ", ".join(part for part in parts if part))
    if birth.get("countryIso2Code") or birth.get("countryDescription"):
        record.add_detail("birth_countries", _country(birth, ctx))


def _add_address(record: Record, address: Mapping[str, str], ctx: ParseContext) -> None:
    text = ", ".join(
        address[key] for key in _ADDRESS if address.get(key) and address[key] != "UNKNOWN"
    )
    record.add("addresses", text)
    if address.get("countryIso2Code") or address.get("countryDescription"):
        record.add("countries", _country(address, ctx))
