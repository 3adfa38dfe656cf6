"""What OFAC's Remarks column says about an entry, in the legacy CSV's "; "-separated parts.

Read: "DOB …" / "alt. DOB …" (exact, month, year, circa, ranges), "POB …", "nationality …"
and "citizen …" (both are nationalities), "Gender …", "Linked To: …", "a.k.a. '…'" /
"f.k.a. '…'" / "n.k.a. '…'", and "Digital Currency Address - CODE address" (every code).

Aliases in the remarks are weak: OFAC puts its weak AKAs (nicknames, noms de guerre, common
acronyms: names it does not expect to be screened on their own) in the Remarks of the CSV
formats, and its strong ones in alt.csv (OFAC FAQ 123).
"""

from __future__ import annotations

import re

from compliance.screening.importers import dates
from compliance.screening.importers.records import WEAK, ParseContext, Record
from compliance.screening.importers.text import add_wallets

_ALT = r"(?:alt\.\s+)?"
_DOB = re.compile(rf"{_ALT}DOB\s+(.+)", re.IGNORECASE)
_POB = re.compile(rf"{_ALT}POB\s+(.+)", re.IGNORECASE)
_NATIONALITY = re.compile(rf"{_ALT}(?:nationality|citizen)\s+(?!of Registration)(.+)", re.I)
_REGISTRATION = re.compile(r"Nationality of Registration\s+(.+)", re.IGNORECASE)
_GENDER = re.compile(r"Gender\s+(Male|Female)", re.IGNORECASE)
_LINKED = re.compile(r"Linked To:\s+(.+)", re.IGNORECASE)
_AKA = re.compile(rf"{_ALT}([afn])\.k\.a\.?,?\s+'(.+)'", re.IGNORECASE)
_AKA_KINDS = {"a": "aka", "f": "fka", "n": "nka"}


def apply_remarks(record: Record, remarks: str, ctx: ParseContext, file: str) -> None:
    """Fill the record's dates, places, nationalities, weak aliases, wallets and details."""
    for part in remarks.split(";"):
        text = part.strip().removesuffix(".").strip()  # OFAC ends the last part with "."
        if text:
            _apply_part(record, text, ctx, file)
    add_wallets(record, remarks, ctx, file)


def _apply_part(record: Record, text: str, ctx: ParseContext, file: str) -> None:
    if match := _DOB.fullmatch(text):
        parsed = dates.parse_ofac(match.group(1))
        if parsed is None:
            ctx.skip(
                file=file,
                ref=record.entity_ref,
                code="unparsed_date",
                reason=f"date of birth {match.group(1)!r} not understood (kept in remarks)",
            )
        else:
            record.add("dates_of_birth", parsed)
    elif match := _POB.fullmatch(text):
        place = match.group(1).strip()
        record.add("places_of_birth", place)
        record.add_detail("birth_countries", ctx.place_country(place))
    elif match := _NATIONALITY.fullmatch(text):
        record.add("nationalities", ctx.country(match.group(1)))
    elif match := _REGISTRATION.fullmatch(text):
        record.add_detail("registration_countries", ctx.country(match.group(1)))
    elif match := _GENDER.fullmatch(text):
        record.details["gender"] = match.group(1).lower()
    elif match := _LINKED.fullmatch(text):
        record.add_detail("linked_to", match.group(1).strip())
    elif match := _AKA.fullmatch(text):
        kind = _AKA_KINDS[match.group(1).lower()]
        record.add_alias(match.group(2).strip("' "), WEAK, kind)
