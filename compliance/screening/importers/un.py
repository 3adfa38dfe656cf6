"""The UN Security Council Consolidated List (XML, https://www.un.org/sc/resources/sc-sanctions.xsd).

`CONSOLIDATED_LIST/@dateGenerated` is the version; INDIVIDUALS/INDIVIDUAL and
ENTITIES/ENTITY the entries, keyed by REFERENCE_NUMBER ("QDi.001"). The name is FIRST_NAME
to FOURTH_NAME joined; aliases of QUALITY "Good" (and the entities' "a.k.a." / "f.k.a.")
are strong, "Low" weak; NAME_ORIGINAL_SCRIPT is a strong alias of type "original_script".
Dates of birth by TYPE_OF_DATE: EXACT (DATE or YEAR), APPROXIMATELY (a circa range around
the year), BETWEEN (FROM_YEAR..TO_YEAR). Parsed with defusedxml (no entities, no DTDs).
"""

from __future__ import annotations

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
    dedupe_refs,
    single_file,
)
from compliance.screening.importers.text import add_wallets

_QUALITY = {
    "good": (STRONG, "aka"),
    "a.k.a.": (STRONG, "aka"),
    "f.k.a.": (STRONG, "fka"),
    "low": (WEAK, "aka"),
}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")


def parse(source: str, paths: list[Path]) -> ParsedList:
    path = single_file(paths, source)
    ctx = ParseContext()
    data = ctx.read(path, "consolidated")
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as error:
        raise WatchlistFileError(f"{path.name} is not readable XML: {error}") from error
    if root.tag != "CONSOLIDATED_LIST":
        raise WatchlistFileError(f"{path.name} is not a UN consolidated list ({root.tag})")
    records: list[Record] = []
    for tag, kind in (("INDIVIDUAL", EntryKind.INDIVIDUAL), ("ENTITY", EntryKind.ENTITY)):
        for element in root.iter(tag):
            record = _record(element, kind, ctx, path.name)
            if record is not None:
                records.append(record)
    return ctx.result(source, dedupe_refs(records, ctx, path.name), root.get("dateGenerated"))


def _text(element: Element, path: str) -> str:
    return " ".join((element.findtext(path) or "").split())


def _values(element: Element, path: str) -> list[str]:
    return [" ".join((node.text or "").split()) for node in element.findall(path) if node.text]


def _record(element: Element, kind: str, ctx: ParseContext, file: str) -> Record | None:
    ref = _text(element, "REFERENCE_NUMBER")
    name = " ".join(part for part in (_text(element, tag) for tag in _NAME_PARTS) if part)
    if not ref or not name:
        ctx.skip(
            file=file,
            ref=ref or _text(element, "DATAID"),
            code="missing_name",
            reason="no REFERENCE_NUMBER" if not ref else "no name",
        )
        return None
    record = Record(entity_ref=ref, kind=kind, name=name, remarks=_text(element, "COMMENTS1"))
    record.add("programs", _text(element, "UN_LIST_TYPE"))
    for alias in element.findall(f"{element.tag}_ALIAS"):
        quality = _text(alias, "QUALITY").lower()
        strength, alias_type = _QUALITY.get(quality, (STRONG, "aka"))
        record.add_alias(_text(alias, "ALIAS_NAME"), strength, alias_type)
    record.add_alias(_text(element, "NAME_ORIGINAL_SCRIPT"), STRONG, "original_script")
    for value in _values(element, "NATIONALITY/VALUE"):
        record.add("nationalities", ctx.country(value))
    for address in element.findall(f"{element.tag}_ADDRESS"):
        record.add(
            "addresses", ", ".join(p for p in (_text(address, t) for t in _ADDRESS_PARTS) if p)
        )
        record.add("countries", ctx.country(_text(address, "COUNTRY")))
    for birth in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        _add_date_of_birth(record, birth)
    for place in element.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        text = ", ".join(
            p for p in (_text(place, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")) if p
        )
        record.add("places_of_birth", text)
        record.add_detail("birth_countries", ctx.country(_text(place, "COUNTRY")))
    for title in _values(element, "TITLE/VALUE"):
        record.add_detail("titles", title)
    for designation in _values(element, "DESIGNATION/VALUE"):
        record.add_detail("positions", designation)
    if gender := _text(element, "GENDER").lower():
        record.details["gender"] = gender
    if listed_on := _text(element, "LISTED_ON"):
        record.details["listed_on"] = listed_on
    add_wallets(record, record.remarks, ctx, file)
    return record


def _add_date_of_birth(record: Record, birth: Element) -> None:
    kind = _text(birth, "TYPE_OF_DATE").upper()
    exact = dates.parse_iso(_text(birth, "DATE")) or dates.parse_iso(_text(birth, "YEAR"))
    if kind == "BETWEEN":
        start, end = _text(birth, "FROM_YEAR"), _text(birth, "TO_YEAR")
        if start.isdigit() and end.isdigit():
            record.add("dates_of_birth", dates.year_range(int(start), int(end)))
    elif kind == "APPROXIMATELY" and exact:
        record.add("dates_of_birth", dates.circa(int(exact[:4])))
    elif exact:
        record.add("dates_of_birth", exact)
