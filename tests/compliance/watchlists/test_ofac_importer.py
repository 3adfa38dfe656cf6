"""The OFAC legacy CSV importer on the real files and on small files in the same layout."""

import re
from collections import Counter

import pytest

from compliance.screening.importers import ofac, parse_watchlist
from compliance.screening.importers.records import WatchlistFileError
from tests.compliance.watchlists.helpers import (
    CONS_FILES,
    SDN_FILES,
    needs_real_lists,
    ofac_csv,
    ofac_rows,
    real,
    write,
)

XBT = re.compile(r"Digital Currency Address - XBT\s*([^\s;]*)")


@needs_real_lists
def test_the_real_sdn_files_give_every_entry_and_report_the_orphans():
    # given: the README's figures, and the orphans counted independently of the importer
    primary = ofac_rows("ofac_sdn.csv")
    ent_nums = {row[0] for row in primary}
    orphans = {
        name: sum(row[0] not in ent_nums for row in ofac_rows(name))
        for name in ("ofac_alt.csv", "ofac_add.csv", "ofac_sdn_comments.csv")
    }
    # when
    parsed = parse_watchlist("ofac_sdn", real(*reversed(SDN_FILES)))  # any order
    # then
    kinds = Counter(record.kind for record in parsed.records)
    assert len(parsed.records) == 14_965
    assert kinds == {"individual": 6_854, "entity": 6_884, "vessel": 851, "aircraft": 376}
    assert parsed.skipped_by_reason() == {
        "orphan_address": orphans["ofac_add.csv"],
        "orphan_alias": orphans["ofac_alt.csv"],
        "orphan_comment": orphans["ofac_sdn_comments.csv"],
    }
    assert orphans == {"ofac_alt.csv": 1_468, "ofac_add.csv": 2_474, "ofac_sdn_comments.csv": 2}
    assert {info.role for info in parsed.files} == {"primary", "alt", "add", "comments"}


@needs_real_lists
def test_the_sdn_remarks_give_the_readmes_204_bitcoin_addresses():
    # given: every "Digital Currency Address - XBT" of sdn.csv, read plainly
    mentions = [
        (row[0], address.rstrip("."))
        for row in ofac_rows("ofac_sdn.csv")
        for address in XBT.findall(row[11])
    ]
    whole = {(ref, address) for ref, address in mentions if len(address) >= 20}
    stumps = [(ref, address) for ref, address in mentions if len(address) < 20]
    # when: sdn.csv alone, so no continuation completes a cut remark
    parsed = parse_watchlist("ofac_sdn", real("ofac_sdn.csv"))
    # then
    imported = {
        (record.entity_ref, address)
        for record in parsed.records
        for chain, address in record.wallets
        if chain == "XBT"
    }
    assert len(mentions) == 204
    assert imported == whole
    assert len(stumps) == 6  # remarks cut inside (or right before) an address
    reported = [row for row in parsed.skipped if row["code"] == "invalid_wallet"]
    assert sorted(row["ref"] for row in reported) == sorted(ref for ref, _ in stumps)


@needs_real_lists
def test_the_comments_file_completes_cut_remarks():
    # given: ent 30518's remark in sdn.csv ends inside an XBT address ("...XBT 1Gq")
    # when
    alone = {r.entity_ref: r for r in parse_watchlist("ofac_sdn", real("ofac_sdn.csv")).records}
    full = {r.entity_ref: r for r in parse_watchlist("ofac_sdn", real(*SDN_FILES)).records}
    # then
    assert alone["30518"].remarks.endswith("XBT 1Gq")
    assert len(full["30518"].remarks) > len(alone["30518"].remarks)
    assert len(full["30518"].wallets) > len(alone["30518"].wallets)
    assert all(len(address) >= 26 for _, address in full["30518"].wallets)


@needs_real_lists
def test_a_real_individual_is_read_with_aliases_dates_places_and_programs():
    records = {r.entity_ref: r for r in parse_watchlist("ofac_sdn", real(*SDN_FILES)).records}
    # when
    usama = records["6365"]
    abid = records["7846"]
    bank = records["306"]
    # then
    assert usama.name == "BIN LADIN, Usama bin Muhammad bin Awad"
    assert usama.kind == "individual"
    assert {"name": "BIN LADEN, Osama", "strength": "strong", "type": "aka"} in usama.aliases
    assert usama.dates_of_birth == ["1957-07-30", "1958"]
    assert usama.places_of_birth == ["Jeddah, Saudi Arabia", "Yemen"]
    assert usama.details["birth_countries"] == ["SA", "YE"]
    assert usama.programs == ["SDGT"]
    assert abid.dates_of_birth == [{"from": "1956", "to": "1958", "circa": "1957"}]
    assert abid.nationalities == ["IQ"]
    assert {"name": "BNC", "strength": "weak", "type": "aka"} in bank.aliases
    assert {"name": "NATIONAL BANK OF CUBA", "strength": "strong", "type": "aka"} in bank.aliases
    assert bank.countries == ["CH", "ES", "JP", "PA"]
    assert "Zweierstrasse 35, Zurich CH-8022, Switzerland" in bank.addresses


@needs_real_lists
def test_the_real_consolidated_files_give_442_entries_of_which_79_individuals():
    parsed = parse_watchlist("ofac_cons", real(*CONS_FILES))
    assert len(parsed.records) == 442
    assert Counter(r.kind for r in parsed.records)["individual"] == 79
    assert parsed.skipped == []
    haniya = next(r for r in parsed.records if r.entity_ref == "9639")
    assert haniya.programs == ["NS-PLC"]
    assert haniya.dates_of_birth == ["1962"]


def _entry(ent_num="100", name="DOE, John", sdn_type="individual", remarks=""):
    return [ent_num, name, sdn_type, "SDGT] [IFSR", "", "", "", "", "", "", "", remarks]


def test_a_built_file_set_reads_remarks_programs_and_wallets(tmp_path):
    # given
    remarks = (
        "DOB 01 Feb 1970; alt. DOB circa 1971; POB Tehran, Iran; nationality Iran; "
        "citizen Korea, North; Gender Male; a.k.a. 'JD'; f.k.a. 'OLD NAME'; Linked To: X CORP.; "
        "Digital Currency Address - ETH 0xABCDEF0123456789abcdef0123456789ABCDEF01; "
        "alt. Digital Currency Address - XBT 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2."
    )
    sdn = write(tmp_path / "sdn.csv", ofac_csv([_entry(remarks=remarks)]))
    alt = write(tmp_path / "alt.csv", ofac_csv([["100", "1", "aka", "DOE, Johnny", ""]]))
    add = write(
        tmp_path / "add.csv", ofac_csv([["100", "7", "1 Main St", "Kabul", "Afghanistan", ""]])
    )
    # when
    (record,) = parse_watchlist("ofac_sdn", [add, alt, sdn]).records
    # then
    assert record.programs == ["SDGT", "IFSR"]
    assert record.dates_of_birth == ["1970-02-01", {"from": "1970", "to": "1972", "circa": "1971"}]
    assert record.nationalities == ["IR", "KP"]
    assert record.details == {"birth_countries": ["IR"], "gender": "male", "linked_to": ["X CORP"]}
    assert record.aliases == [
        {"name": "DOE, Johnny", "strength": "strong", "type": "aka"},
        {"name": "JD", "strength": "weak", "type": "aka"},
        {"name": "OLD NAME", "strength": "weak", "type": "fka"},
    ]
    assert record.wallets == [
        ("ETH", "0xabcdef0123456789abcdef0123456789abcdef01"),
        ("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ]
    assert record.addresses == ["1 Main St, Kabul, Afghanistan"]
    assert record.countries == ["AF"]


def test_bad_rows_are_reported_and_skipped_not_fatal(tmp_path):
    # given: a row with too few columns, a row without an ent_num, a nameless row, a repeat
    good = ofac_csv([_entry("1"), _entry("3", name=""), _entry("1", name="AGAIN")])
    broken = b'2,"SHORT","individual"\r\n"x","NO ID",-0- \r\n'
    sdn = write(tmp_path / "sdn.csv", broken + good)
    # when
    parsed = parse_watchlist("ofac_sdn", [sdn])
    # then
    assert [r.entity_ref for r in parsed.records] == ["1"]
    assert parsed.skipped_by_reason() == {"bad_row": 2, "missing_name": 1, "duplicate_ref": 1}
    assert parsed.skipped[0]["line"] == 1


def test_odd_encodings_are_decoded_and_undecodable_bytes_reported(tmp_path):
    # given: a UTF-8 line, a Windows-1252 line ("é" as 0xE9) and a byte neither reads (0x81)
    rows = ofac_csv([_entry("1")])
    utf8 = '2,"MÜLLER, Jörg","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    cp1252 = b'3,"CAF\xc9 NOIR",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    bad = b'4,"BAD \x81 BYTE",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    sdn = write(tmp_path / "sdn.csv", rows[:-1] + utf8.encode() + cp1252 + bad + b"\x1a")
    # when
    parsed = parse_watchlist("ofac_sdn", [sdn])
    # then
    names = {r.entity_ref: r.name for r in parsed.records}
    assert names["2"] == "MÜLLER, Jörg"
    assert names["3"] == "CAFÉ NOIR"
    assert names["4"] == "BAD \ufffd BYTE"
    notes = parsed.report()["decoding"]
    assert {"file": "sdn.csv", "line": 3, "note": "not UTF-8: decoded as Windows-1252"} in notes
    assert {
        "file": "sdn.csv",
        "line": 4,
        "note": "undecodable bytes 0x81 replaced by U+FFFD",
    } in notes


@pytest.mark.parametrize(
    ("names", "message", "_case"),
    [
        (["alt.csv"], "exactly one primary file", "no primary file"),
        (["sdn.csv", "cons_prim.csv"], "exactly one primary file", "two primary files"),
    ],
)
def test_a_file_set_without_one_primary_file_is_refused(tmp_path, names, message, _case):
    paths = [write(tmp_path / name, ofac_csv([_entry()])) for name in names]
    with pytest.raises(WatchlistFileError, match=message):
        parse_watchlist("ofac_sdn", paths)


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(WatchlistFileError, match=r"no_such\.csv"):
        parse_watchlist("ofac_sdn", [tmp_path / "no_such.csv"])


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("SDN.CSV", "primary"),
        ("cons_prim.csv", "primary"),
        ("ALT.CSV", "alt"),
        ("ofac_cons_alt.csv", "alt"),
        ("add.csv", "add"),
        ("SDN_COMMENTS.CSV", "comments"),
        ("ofac_cons_comments.csv", "comments"),
    ],
)
def test_ofac_files_are_recognised_by_name(tmp_path, name, role):
    assert ofac.role_of(tmp_path / name) == role
