"""Importing a list version: parse the files, diff against the current version, write it.

`import_watchlist()` is the one entry point (the `import_watchlist` command and the scheduled
download call it). Entries are keyed by (source, entity_ref), the list's own id: a ref that
is new is *added* (also one that comes back after a removal), one whose content hash moved
is *changed*, one missing from the new files is *removed* (kept, inactive: matches and cases
point at it). Re-importing the same files gives a version with nothing added, removed or
changed, and no rescreen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ApiKey, User
from compliance.audit import AuditAction, record
from compliance.models import CryptoAddress, WatchlistEntry, WatchlistSource, WatchlistVersion
from compliance.screening.importers import parse_watchlist
from compliance.screening.importers.records import ParsedList, Record

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# How many refs of each kind of change the version's report lists (all are counted).
REPORT_REFS_MAX = 200
# The columns an update rewrites, with their SQL types (see _update_entries).
_UPDATED_COLUMNS = {
    "kind": "varchar",
    "name": "varchar",
    "aliases": "jsonb",
    "dates_of_birth": "jsonb",
    "places_of_birth": "jsonb",
    "nationalities": "jsonb",
    "countries": "jsonb",
    "addresses": "jsonb",
    "programs": "jsonb",
    "remarks": "text",
    "details": "jsonb",
    "content_hash": "varchar",
}
_STAGING = "watchlist_entry_staging"


def content_hash(item: Record) -> str:
    """SHA-256 of everything an entry says (its fields and its wallets), canonically."""
    content = {**item.model_fields(), "wallets": sorted(item.wallets)}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class _Diff:
    create: list[tuple[Record, str]] = field(default_factory=list)
    update: list[tuple[Record, str, int]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    removed: list[tuple[str, int]] = field(default_factory=list)
    added_refs: list[str] = field(default_factory=list)
    changed_refs: list[str] = field(default_factory=list)


def import_watchlist(
    *,
    source: WatchlistSource | str,
    paths: Sequence[Path | str],
    version: str | None = None,
    actor: User | ApiKey | None = None,
) -> WatchlistVersion:
    """Import one list version in one transaction and make it the source's current one.

    Parses `paths` (WatchlistFileError on an unreadable or unrecognisable file; bad rows are
    reported in the version's `report`, never fatal), upserts the entries and their wallet
    addresses in batches, deactivates the removed ones, records WATCHLIST_IMPORTED with the
    counts, re-checks registered wallets against newly listed addresses, and when anything
    was added or changed starts the rescreen of all users once the transaction commits.
    `version` defaults to the list's own (UN dateGenerated, EU generation date, UK "Last
    Updated"), else "sha256:" and the start of the files' hash.
    """
    source = WatchlistSource(source)
    started = time.monotonic()
    parsed = parse_watchlist(source, [Path(path) for path in paths])
    parse_seconds = time.monotonic() - started
    label = version or parsed.version or f"sha256:{parsed.file_sha256[:16]}"
    with transaction.atomic(durable=True):
        _lock_source(source)
        imported = _store(parsed, source=source, label=label, actor=actor)
        imported.report["parse_seconds"] = round(parse_seconds, 3)
        imported.report["seconds"] = round(time.monotonic() - started, 3)
        imported.save(update_fields=["report"])
    logger.info(
        "watchlist imported",
        extra={"source": source, "version": label, "seconds": imported.report["seconds"]},
    )
    return imported


def _lock_source(source: str) -> None:
    """Two imports of one list take turns (until the transaction ends)."""
    key = zlib.crc32(f"watchlist:{source}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _store(
    parsed: ParsedList, *, source: str, label: str, actor: User | ApiKey | None
) -> WatchlistVersion:
    diff = _diff(parsed.records, source)
    imported = WatchlistVersion.objects.create(
        source=source,
        version=label[:100],
        file_sha256=parsed.file_sha256,
        entries=len(parsed.records),
        added=len(diff.added_refs),
        changed=len(diff.changed_refs),
        removed=len(diff.removed),
        skipped=len(parsed.skipped),
        report=parsed.report(),
    )
    written = _write_entries(diff, source=source, version=imported)
    _add_wallets(written)
    WatchlistVersion.objects.filter(source=source, is_current=True).update(is_current=False)
    imported.is_current = True
    imported.report.update(
        added_refs=diff.added_refs[:REPORT_REFS_MAX],
        changed_refs=diff.changed_refs[:REPORT_REFS_MAX],
        removed_refs=[ref for ref, _ in diff.removed][:REPORT_REFS_MAX],
    )
    imported.save(update_fields=["is_current", "report"])
    record(
        action=AuditAction.WATCHLIST_IMPORTED,
        actor=actor,
        target=imported,
        data={
            "source": source,
            "version": imported.version,
            "file_sha256": imported.file_sha256,
            "entries": imported.entries,
            "added": imported.added,
            "removed": imported.removed,
            "changed": imported.changed,
            "skipped": imported.skipped,
        },
    )
    imported.report["wallet_hits"] = _recheck_wallets(written)
    if imported.added or imported.changed:
        _start_rescreen(imported)
    return imported


def _diff(records: Iterable[Record], source: str) -> _Diff:
    existing = {
        ref: (pk, digest, active)
        for ref, pk, digest, active in WatchlistEntry.objects.filter(source=source).values_list(
            "entity_ref", "pk", "content_hash", "active"
        )
    }
    diff = _Diff()
    seen: set[str] = set()
    for item in records:
        seen.add(item.entity_ref)
        digest = content_hash(item)
        known = existing.get(item.entity_ref)
        if known is None:
            diff.create.append((item, digest))
            diff.added_refs.append(item.entity_ref)
        elif not known[2]:
            diff.update.append((item, digest, known[0]))
            diff.added_refs.append(item.entity_ref)
        elif known[1] != digest:
            diff.update.append((item, digest, known[0]))
            diff.changed_refs.append(item.entity_ref)
        else:
            diff.unchanged.append(known[0])
    diff.removed = [
        (ref, pk) for ref, (pk, _, active) in existing.items() if active and ref not in seen
    ]
    return diff


def _write_entries(
    diff: _Diff, *, source: str, version: WatchlistVersion
) -> list[tuple[WatchlistEntry, Record]]:
    """Create, update, touch and deactivate; the created and updated entries with records."""
    now = timezone.now()
    created = WatchlistEntry.objects.bulk_create(
        [
            WatchlistEntry(
                source=source,
                entity_ref=item.entity_ref,
                content_hash=digest,
                first_version=version,
                last_version=version,
                **item.model_fields(),
            )
            for item, digest in diff.create
        ],
        batch_size=BATCH_SIZE,
    )
    updated = [
        WatchlistEntry(pk=pk, content_hash=digest, **item.model_fields())
        for item, digest, pk in diff.update
    ]
    _update_entries(updated, version=version, now=now)
    CryptoAddress.objects.filter(entry__in=[pk for _, _, pk in diff.update]).delete()
    for start in range(0, len(diff.unchanged), BATCH_SIZE * 10):
        chunk = diff.unchanged[start : start + BATCH_SIZE * 10]
        WatchlistEntry.objects.filter(pk__in=chunk).update(last_version=version)
    removed = [pk for _, pk in diff.removed]
    WatchlistEntry.objects.filter(pk__in=removed).update(active=False, updated_at=now)
    records = [item for item, _ in diff.create] + [item for item, _, _ in diff.update]
    return list(zip([*created, *updated], records, strict=True))


def _update_entries(
    entries: list[WatchlistEntry], *, version: WatchlistVersion, now: datetime
) -> None:
    """Rewrite changed (and re-listed) entries: COPY into a temporary table, one UPDATE.

    Not `bulk_update()`: it builds a CASE expression per row and column in Python, which
    took 80 s for the 15,000 SDN entries (a parser change rewrites them all); this takes
    a second or two. The entries are active again and belong to `version`.
    """
    if not entries:
        return
    table = WatchlistEntry._meta.db_table
    columns = ", ".join(_UPDATED_COLUMNS)
    definitions = ", ".join(f"{name} {kind}" for name, kind in _UPDATED_COLUMNS.items())
    assignments = ", ".join(f"{name} = v.{name}" for name in _UPDATED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {_STAGING} (id bigint, {definitions}) ON COMMIT DROP")
        with cursor.copy(f"COPY {_STAGING} (id, {columns}) FROM STDIN") as copy:
            for entry in entries:
                copy.write_row(
                    [entry.pk]
                    + [
                        json.dumps(getattr(entry, name), ensure_ascii=False)
                        if kind == "jsonb"
                        else getattr(entry, name)
                        for name, kind in _UPDATED_COLUMNS.items()
                    ]
                )
        cursor.execute(
            f"UPDATE {table} AS e SET {assignments}, active = TRUE, "  # noqa: S608  (names from code)
            f"last_version_id = %s, updated_at = %s FROM {_STAGING} AS v WHERE e.id = v.id",
            [version.pk, now],
        )
        cursor.execute(f"DROP TABLE {_STAGING}")


def _add_wallets(written: list[tuple[WatchlistEntry, Record]]) -> None:
    """The written entries' wallet addresses (an updated entry's old ones are gone)."""
    CryptoAddress.objects.bulk_create(
        [
            CryptoAddress(entry=entry, chain=chain, address=address)
            for entry, item in written
            for chain, address in item.wallets
        ],
        batch_size=BATCH_SIZE,
    )


def _recheck_wallets(written: list[tuple[WatchlistEntry, Record]]) -> int:
    """Registered wallets that an added or changed entry now lists: checked again."""
    from compliance.screening.wallets import recheck_wallets

    addresses = {address for _, item in written for _, address in item.wallets}
    return recheck_wallets(addresses=addresses) if addresses else 0


def _start_rescreen(version: WatchlistVersion) -> None:
    """Hand the new version to the screening engine's rescreen (which enqueues its work on
    commit, so a rolled-back import starts nothing). Looked up now, not at import time."""
    from compliance.screening import services

    start_rescreen: Any = getattr(services, "start_rescreen", None)
    if start_rescreen is None:
        logger.warning("no compliance.screening.services.start_rescreen yet: no rescreen")
        return
    start_rescreen(version=version)
