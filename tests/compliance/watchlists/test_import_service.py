"""import_watchlist(): versions, the diff against the current version, the rescreen hook."""

from pathlib import Path

import pytest

from compliance.audit import AuditAction
from compliance.models import AuditEvent, CryptoAddress, WatchlistEntry, WatchlistVersion
from compliance.screening import services
from compliance.screening.importers import parse_watchlist
from compliance.screening.watchlists import import_watchlist
from tests.compliance.watchlists.helpers import (
    CONS_FILES,
    SANCTIONS,
    SDN_FILES,
    UN_FILE,
    needs_real_lists,
    real,
    write,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rescreens(monkeypatch):
    """The versions handed to the screening engine's rescreen (its side of the seam)."""
    started: list[WatchlistVersion] = []
    monkeypatch.setattr(
        services, "start_rescreen", lambda *, version: started.append(version), raising=False
    )
    return started


@needs_real_lists
def test_the_real_sdn_files_import_in_seconds_with_their_wallets(rescreens):
    # when
    version = import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    # then
    assert (version.entries, version.added, version.removed, version.changed) == (
        14_965,
        14_965,
        0,
        0,
    )
    assert version.skipped == 1_468 + 2_474 + 2
    assert version.is_current
    assert version.version.startswith("sha256:")
    assert WatchlistEntry.objects.filter(source="ofac_sdn", active=True).count() == 14_965
    assert WatchlistEntry.objects.filter(source="ofac_sdn", kind="individual").count() == 6_854
    wallets = CryptoAddress.objects.filter(entry__source="ofac_sdn")
    parsed = parse_watchlist("ofac_sdn", real(*SDN_FILES))
    assert wallets.count() == sum(len(record.wallets) for record in parsed.records)
    assert wallets.filter(chain="XBT").count() > 204  # the continuations add more
    assert wallets.filter(chain="ETH").exists()
    assert not wallets.filter(chain="ETH", address__regex="[A-F]").exists()  # lower-cased
    assert version.report["seconds"] < 30  # measured ~3.5 s on the development machine
    assert version.report["skipped_by_reason"]["orphan_alias"] == 1_468
    assert rescreens == [version]


@needs_real_lists
def test_reimporting_the_same_files_is_a_version_with_no_changes_and_no_rescreen(rescreens):
    # given
    first = import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    # when
    second = import_watchlist(source="ofac_sdn", paths=real(*reversed(SDN_FILES)))
    # then
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.entries, second.added, second.removed, second.changed) == (14_965, 0, 0, 0)
    assert second.is_current
    assert not first.is_current
    assert second.file_sha256 == first.file_sha256
    assert rescreens == [first]
    assert WatchlistEntry.objects.filter(last_version=second).count() == 14_965
    assert WatchlistEntry.objects.filter(first_version=first).count() == 14_965


@needs_real_lists
def test_a_modified_copy_adds_removes_and_changes_exactly_the_edited_entries(tmp_path, rescreens):
    # given: the real sdn.csv, and a copy with one entry removed, one changed, one added
    original = (SANCTIONS / "ofac_sdn.csv").read_bytes()
    lines = original.rstrip(b"\x1a").split(b"\r\n")
    removed_line = next(line for line in lines if line.startswith(b"36,"))  # AEROCARIBBEAN
    changed_line = next(line for line in lines if line.startswith(b"173,"))
    added_line = (
        b'99999901,"NEWLY LISTED, Person","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b'"DOB 01 Jan 1980; Digital Currency Address - XBT 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2."'
    )
    edited = [
        changed_line.replace(b"ANGLO-CARIBBEAN CO., LTD.", b"ANGLO-CARIBBEAN COMPANY LTD.")
        if line is changed_line
        else line
        for line in lines
        if line is not removed_line
    ]
    edited.insert(-1, added_line)
    copy = write(tmp_path / "sdn.csv", b"\r\n".join(edited) + b"\x1a")
    others = real("ofac_alt.csv", "ofac_add.csv", "ofac_sdn_comments.csv")
    first = import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    before = WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="173")
    # when
    second = import_watchlist(source="ofac_sdn", paths=[copy, *others], version="2024-05-04")
    # then
    assert (second.added, second.removed, second.changed) == (1, 1, 1)
    assert second.entries == 14_965
    assert second.version == "2024-05-04"
    assert second.report["added_refs"] == ["99999901"]
    assert second.report["removed_refs"] == ["36"]
    assert second.report["changed_refs"] == ["173"]
    removed = WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="36")
    assert not removed.active
    assert removed.last_version == first
    changed = WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="173")
    assert changed.name == "ANGLO-CARIBBEAN COMPANY LTD."
    assert changed.content_hash != before.content_hash
    assert (changed.first_version, changed.last_version) == (first, second)
    added = WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="99999901")
    assert added.dates_of_birth == ["1980-01-01"]
    assert list(added.wallets.values_list("chain", "address")) == [
        ("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    ]
    assert rescreens == [first, second]
    # and importing the original again brings the removed entry back as added
    third = import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    assert (third.added, third.removed, third.changed) == (1, 1, 1)
    assert WatchlistEntry.objects.get(source="ofac_sdn", entity_ref="36").active


@needs_real_lists
def test_rewriting_every_entry_takes_seconds_and_restores_each_one(rescreens):
    # given: every stored entry differs from the file (as after a parser change)
    import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    expected = dict(WatchlistEntry.objects.values_list("entity_ref", "aliases"))
    WatchlistEntry.objects.update(content_hash="stale", name="stale", aliases=[])
    # when
    version = import_watchlist(source="ofac_sdn", paths=real(*SDN_FILES))
    # then
    assert (version.added, version.changed, version.removed) == (0, 14_965, 0)
    assert version.report["seconds"] < 30  # measured ~3.5 s (Django's bulk_update took 80 s)
    assert not WatchlistEntry.objects.filter(name="stale").exists()
    assert dict(WatchlistEntry.objects.values_list("entity_ref", "aliases")) == expected
    assert WatchlistEntry.objects.filter(last_version=version, active=True).count() == 14_965


@needs_real_lists
def test_the_real_consolidated_and_un_lists_import_next_to_the_sdn(rescreens):
    # when
    cons = import_watchlist(source="ofac_cons", paths=real(*CONS_FILES))
    un = import_watchlist(source="un", paths=real(UN_FILE))
    # then
    assert (cons.entries, cons.added, cons.skipped) == (442, 442, 0)
    assert (un.entries, un.added, un.skipped) == (1003, 1003, 0)
    assert WatchlistEntry.objects.filter(source="ofac_cons", kind="individual").count() == 79
    assert WatchlistEntry.objects.filter(source="un", kind="entity").count() == 273
    assert set(
        WatchlistVersion.objects.filter(is_current=True).values_list("source", flat=True)
    ) == {
        "ofac_cons",
        "un",
    }


@needs_real_lists
def test_each_import_records_one_audit_event_with_its_counts(rescreens):
    # given
    officer = UserFactory.create(is_staff=True)
    # when
    version = import_watchlist(source="un", paths=real(UN_FILE), actor=officer)
    # then
    event = AuditEvent.objects.get(action=AuditAction.WATCHLIST_IMPORTED)
    assert event.actor_user_id == officer.pk
    assert event.target_id == str(version.pk)
    assert event.data == {
        "source": "un",
        "version": "2026-02-27T00:00:09.554Z",
        "file_sha256": version.file_sha256,
        "entries": 1003,
        "added": 1003,
        "removed": 0,
        "changed": 0,
        "skipped": 0,
    }


def test_lists_are_versioned_separately_per_source(tmp_path, rescreens):
    # given: one PEP and one UK list, each imported twice
    peps = write(tmp_path / "peps.csv", "id,name\np1,Jane Roe\n")
    uk = write(
        tmp_path / "uk.csv",
        "Last Updated,01/02/2026\nName 6,Name 1,Group Type,Alias Type,Group ID\n"
        "ROE,Jane,Individual,Primary name,1\n",
    )
    # when
    for _ in range(2):
        import_watchlist(source="pep", paths=[peps])
        import_watchlist(source="uk", paths=[uk])
    # then
    current = WatchlistVersion.objects.filter(is_current=True)
    assert sorted(current.values_list("source", "version")) == [
        ("pep", f"sha256:{current.get(source='pep').file_sha256[:16]}"),
        ("uk", "01/02/2026"),
    ]
    assert WatchlistEntry.objects.filter(entity_ref__in=["p1", "1"]).count() == 2
    assert len(rescreens) == 2  # the first import of each


def test_a_failing_import_changes_nothing(tmp_path, rescreens):
    with pytest.raises(Exception, match="no such file"):
        import_watchlist(source="ofac_sdn", paths=[Path(tmp_path / "sdn.csv")])
    assert not WatchlistVersion.objects.exists()
    assert rescreens == []
