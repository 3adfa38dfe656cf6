"""Dates of birth as the lists write them -> the forms `WatchlistEntry.dates_of_birth` keeps.

A date is "YYYY-MM-DD", "YYYY-MM" or "YYYY"; a range is {"from": "YYYY", "to": "YYYY"}
(years, inclusive); an approximate year ("circa 1951", the UN's APPROXIMATELY) is the range
one year either side with "circa": the stated year, so a matcher that only reads from/to
still treats it as a range.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

DateOfBirth = str | dict[str, Any]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_OFAC_DATE = re.compile(r"(?:(\d{1,2}) )?(?:([A-Za-z]{3})[a-z]* )?(\d{4})")
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_MY = re.compile(r"(\d{1,2})[/.](\d{4})")


def _compose(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """ "YYYY[-MM[-DD]]", or None when the parts are not a real date (month 13, 31 Feb)."""
    if not 1800 <= year <= 2100:
        return None
    if not month:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def year_range(start: int, end: int) -> DateOfBirth:
    if start == end:
        return f"{start:04d}"
    low, high = sorted((start, end))
    return {"from": f"{low:04d}", "to": f"{high:04d}"}


def circa(year: int) -> DateOfBirth:
    return {"from": f"{year - 1:04d}", "to": f"{year + 1:04d}", "circa": f"{year:04d}"}


def _ofac_single(text: str) -> str | None:
    match = _OFAC_DATE.fullmatch(text.strip())
    if match is None:
        return None
    day, month_name, year = match.groups()
    month = _MONTHS.get(month_name.lower()) if month_name else None
    if month_name and month is None:
        return None
    return _compose(int(year), month, int(day) if day else None)


def parse_ofac(text: str) -> DateOfBirth | None:
    """OFAC remarks: "10 Dec 1948", "Aug 1946", "1946", "circa 1951", "1951 to 1953",
    "01 Jan 1961 to 31 Dec 1962", "circa 1979-1982"; None when it is none of these."""
    value = text.strip().rstrip(".").strip()
    is_circa = value.lower().startswith("circa ")
    if is_circa:
        value = value[6:].strip()
    parts = re.split(r"\s+to\s+|(?<=\d{4})-(?=\d{4}$)", value)
    if len(parts) == 2:
        start, end = (_ofac_single(part) for part in parts)
        if start is None or end is None:
            return None
        return year_range(int(start[:4]), int(end[:4]))
    single = _ofac_single(value)
    if single is None:
        return None
    return circa(int(single[:4])) if is_circa else single


def parse_iso(text: str | None) -> str | None:
    """ "1968-04-11", "1968-04", "1968" (UN, EU, FollowTheMoney); None otherwise."""
    match = _ISO.fullmatch((text or "").strip()[:10])
    if match is None:
        return None
    year, month, day = match.groups()
    return _compose(int(year), int(month) if month else None, int(day) if day else None)


def parse_dmy(text: str | None) -> str | None:
    """The UK list's "28/06/1960", "00/06/1960", "00/00/1960", "06/1960" or "1960"."""
    value = (text or "").strip()
    if match := _DMY.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
        return _compose(year, month or None, day or None)
    if match := _MY.fullmatch(value):
        month, year = (int(part) for part in match.groups())
        return _compose(year, month or None)
    return parse_iso(value)


def parse_any(text: str | None) -> str | None:
    """An ISO date, else a day-first one: for the CSV columns of our own PEP layout."""
    return parse_iso(text) or parse_dmy(text)
