"""What every importer yields: normalised records, the rows it skipped and why, file facts.

A `Record` holds one listed person, organisation, vessel or aircraft in the shape of
`WatchlistEntry` (see its docstring), plus the digital-currency addresses the list names for
it (`wallets`, as (chain, address) pairs already normalised) and `details` (gender, titles,
positions, countries of birth, listing date, vessel facts, …: shown to officers and covered
by the content hash, but not matched on). Importers are pure: they read files and return a
`ParsedList`; `compliance.screening.watchlists.import_watchlist` writes it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.countries import country_code
from compliance.screening.importers import chains
from compliance.screening.importers.dates import DateOfBirth

STRONG = "strong"
WEAK = "weak"
# How many skipped rows the import report keeps verbatim (all are counted by reason).
REPORT_SKIPPED_MAX = 1000


class WatchlistFileError(Exception):
    """A file that cannot be read or is not in the list's format at all (not a bad row)."""


@dataclass
class Record:
    entity_ref: str
    kind: str
    name: str
    aliases: list[dict[str, str]] = field(default_factory=list)
    dates_of_birth: list[DateOfBirth] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    remarks: str = ""
    wallets: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add_alias(self, name: str | None, strength: str = STRONG, kind: str = "aka") -> None:
        """Add a name unless it is the primary name or already there (strong beats weak)."""
        value = " ".join((name or "").split())
        if not value or value.casefold() == self.name.casefold():
            return
        for alias in self.aliases:
            if alias["name"].casefold() == value.casefold():
                if strength == STRONG:
                    alias["strength"] = STRONG
                return
        self.aliases.append({"name": value, "strength": strength, "type": kind})

    def add(self, attribute: str, value: Any) -> None:
        """Append to one of the list attributes, once, ignoring empty values."""
        if value in (None, "", {}):
            return
        values = getattr(self, attribute)
        if value not in values:
            values.append(value)

    def add_detail(self, key: str, value: Any) -> None:
        """Append to a list in `details`, once, ignoring empty values."""
        if value in (None, ""):
            return
        values = self.details.setdefault(key, [])
        if value not in values:
            values.append(value)

    def add_wallet(self, chain: str, address: str) -> None:
        pair = (chains.normalise_chain(chain), chains.normalise_address(address))
        if pair not in self.wallets:
            self.wallets.append(pair)

    def model_fields(self) -> dict[str, Any]:
        """The `WatchlistEntry` columns this record fills (everything but its bookkeeping)."""
        return {
            "kind": self.kind,
            "name": self.name[:500],
            "aliases": self.aliases,
            "dates_of_birth": self.dates_of_birth,
            "places_of_birth": self.places_of_birth,
            "nationalities": self.nationalities,
            "countries": self.countries,
            "addresses": self.addresses,
            "programs": self.programs,
            "remarks": self.remarks,
            "details": self.details,
        }


@dataclass(frozen=True)
class FileInfo:
    name: str
    role: str
    sha256: str
    size: int


@dataclass
class ParsedList:
    source: str
    records: list[Record]
    skipped: list[dict[str, Any]]
    files: list[FileInfo]
    version: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def file_sha256(self) -> str:
        """One hash for the file set: of the files' own hashes, in role and name order."""
        parts = sorted(f"{info.role}:{info.sha256}" for info in self.files)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(Counter(row["code"] for row in self.skipped).most_common())

    def report(self) -> dict[str, Any]:
        """The import report kept on the version (skipped rows capped, counted in full)."""
        return {
            "files": [info.__dict__ for info in self.files],
            "skipped_by_reason": self.skipped_by_reason(),
            "skipped": self.skipped[:REPORT_SKIPPED_MAX],
            "skipped_truncated": len(self.skipped) > REPORT_SKIPPED_MAX,
            **self.notes,
        }


class ParseContext:
    """Collects what an importer leaves out and what it could not map, while it parses."""

    def __init__(self) -> None:
        self.skipped: list[dict[str, Any]] = []
        self.unmapped_countries: Counter[str] = Counter()
        self.decoding: list[dict[str, Any]] = []
        self.files: list[FileInfo] = []

    def skip(
        self, *, file: str, code: str, reason: str, line: int | None = None, ref: str = ""
    ) -> None:
        self.skipped.append(
            {"file": file, "line": line, "ref": ref, "code": code, "reason": reason}
        )

    def country(self, text: str | None, *, report: bool = True) -> str | None:
        """The code of a country name; a name with no code is counted for the report
        (unless `report` is off: for guesses, such as the last words of a place of birth)."""
        value = (text or "").strip()
        if not value:
            return None
        code = country_code(value)
        if code is None and report:
            self.unmapped_countries[value] += 1
        return code

    def place_country(self, place: str) -> str | None:
        """The country a place of birth ends with ("Moscow, Russia"; "Goma, Congo,
        Democratic Republic of the"), if it names one."""
        parts = [part.strip() for part in place.split(",")]
        for count in (1, 2):
            if len(parts) >= count:
                code = self.country(", ".join(parts[-count:]), report=False)
                if code is not None:
                    return code
        return None

    def read(self, path: Path, role: str) -> bytes:
        """A file's bytes, noted (name, role, hash, size) for the version's report."""
        try:
            data = path.read_bytes()
        except OSError as error:
            raise WatchlistFileError(f"cannot read {path}: {error.strerror or error}") from error
        digest = hashlib.sha256(data).hexdigest()
        self.files.append(FileInfo(name=path.name, role=role, sha256=digest, size=len(data)))
        return data

    def result(self, source: str, records: list[Record], version: str | None = None) -> ParsedList:
        notes: dict[str, Any] = {}
        if self.unmapped_countries:
            notes["unmapped_countries"] = dict(self.unmapped_countries.most_common())
        if self.decoding:
            notes["decoding"] = self.decoding
        return ParsedList(
            source=source,
            records=records,
            skipped=self.skipped,
            files=self.files,
            version=version,
            notes=notes,
        )


def single_file(paths: list[Path], source: str) -> Path:
    """The one file a single-file list (UN, EU, UK) comes in."""
    if len(paths) != 1:
        raise WatchlistFileError(f"the {source} list is one file, got {len(paths)}")
    return paths[0]


def dedupe_refs(records: list[Record], ctx: ParseContext, file: str) -> list[Record]:
    """Records with distinct refs; a repeated ref is reported and its later record dropped."""
    seen: set[str] = set()
    unique: list[Record] = []
    for record in records:
        if record.entity_ref in seen:
            ctx.skip(
                file=file,
                ref=record.entity_ref,
                code="duplicate_ref",
                reason=f"a second record with id {record.entity_ref}",
            )
            continue
        seen.add(record.entity_ref)
        unique.append(record)
    return unique
