"""The UN consolidated list importer, on the real file and on small built ones."""

import pytest
from defusedxml.ElementTree import parse as parse_xml

from compliance.screening.importers import parse_watchlist
from compliance.screening.importers.records import WatchlistFileError
from tests.compliance.watchlists.helpers import UN_FILE, needs_real_lists, real, write


@needs_real_lists
def test_the_real_un_list_gives_its_individuals_and_entities_and_its_date():
    # given: the counts read plainly from the XML
    root = parse_xml(real(UN_FILE)[0]).getroot()
    individuals = len(root.findall("INDIVIDUALS/INDIVIDUAL"))
    entities = len(root.findall("ENTITIES/ENTITY"))
    # when
    parsed = parse_watchlist("un", real(UN_FILE))
    # then
    kinds = [record.kind for record in parsed.records]
    assert (individuals, entities) == (730, 273)  # the README's figures
    assert kinds.count("individual") == individuals
    assert kinds.count("entity") == entities
    assert parsed.version == root.get("dateGenerated") == "2026-02-27T00:00:09.554Z"
    assert parsed.skipped == []
    assert parsed.notes["unmapped_countries"] == {"former Soviet Union": 1}


@needs_real_lists
def test_a_real_un_entry_has_its_aliases_by_quality_its_script_name_and_dates():
    records = {r.entity_ref: r for r in parse_watchlist("un", real(UN_FILE)).records}
    # when
    zidane = records["QDi.001"]
    # then
    assert zidane.name == "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"
    assert {"name": "Sayf-Al Adl", "strength": "strong", "type": "aka"} in zidane.aliases
    assert {"name": "Ibrahim al-Madani", "strength": "weak", "type": "aka"} in zidane.aliases
    assert {
        "name": "محمد صلاح الدين عبدالحليم زيدان",
        "strength": "strong",
        "type": "original_script",
    } in zidane.aliases
    assert zidane.dates_of_birth == ["1963-04-11", "1960-04-11"]
    assert zidane.nationalities == ["EG"]
    assert zidane.programs == ["Al-Qaida"]
    assert zidane.details["listed_on"] == "2001-01-25"
    trust = records["QDe.005"]
    assert trust.kind == "entity"
    assert trust.countries == ["PK"]
    assert {"name": "Al-Rashid Trust", "strength": "strong", "type": "aka"} in trust.aliases


@needs_real_lists
def test_real_un_dates_of_birth_of_every_type_are_read():
    records = parse_watchlist("un", real(UN_FILE)).records
    ranges = [d for r in records for d in r.dates_of_birth if isinstance(d, dict)]
    assert any("circa" in d for d in ranges)  # APPROXIMATELY
    assert any("circa" not in d for d in ranges)  # BETWEEN
    exact = [d for r in records for d in r.dates_of_birth if isinstance(d, str)]
    assert any(len(d) == 10 for d in exact)
    assert any(len(d) == 4 for d in exact)


UN_SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID><FIRST_NAME>ANA</FIRST_NAME><SECOND_NAME>MARIA</SECOND_NAME>
      <THIRD_NAME>ROSA</THIRD_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.900</REFERENCE_NUMBER><GENDER>Female</GENDER>
      <COMMENTS1>Digital Currency Address - ETH
        0x175d44451403Edf28469dF03A9280c1197ADb92c</COMMENTS1>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>ROSITA</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>
        <FROM_YEAR>1980</FROM_YEAR><TO_YEAR>1982</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>
        <YEAR>1979</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>
        <YEAR>1981</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Pyongyang</CITY>
        <COUNTRY>Democratic People's Republic of Korea</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>
    </INDIVIDUAL>
    <INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME>NO REF</FIRST_NAME></INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>
"""


def test_a_built_un_file_reads_ranges_circa_years_places_and_wallets(tmp_path):
    # when
    parsed = parse_watchlist("un", [write(tmp_path / "un.xml", UN_SMALL)])
    # then
    (record,) = parsed.records
    assert record.name == "ANA MARIA ROSA"
    assert record.aliases == [{"name": "ROSITA", "strength": "weak", "type": "aka"}]
    assert record.dates_of_birth == [
        {"from": "1980", "to": "1982"},
        {"from": "1978", "to": "1980", "circa": "1979"},
        "1981",
    ]
    assert record.places_of_birth == ["Pyongyang, Democratic People's Republic of Korea"]
    assert record.details["birth_countries"] == ["KP"]
    assert record.details["gender"] == "female"
    assert record.wallets == [("ETH", "0x175d44451403edf28469df03a9280c1197adb92c")]
    assert parsed.skipped_by_reason() == {"missing_name": 1}


@pytest.mark.parametrize(
    ("content", "message", "_case"),
    [
        ("<CONSOLIDATED_LIST>", "not readable XML", "truncated"),
        ("<other/>", "not a UN consolidated list", "another document"),
        (
            '<!DOCTYPE x [<!ENTITY a "boom">]><CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>',
            "not readable XML",
            "an entity declaration (defusedxml refuses it)",
        ),
    ],
)
def test_files_that_are_not_the_un_list_are_refused(tmp_path, content, message, _case):
    with pytest.raises(WatchlistFileError, match=message):
        parse_watchlist("un", [write(tmp_path / "un.xml", content)])


def test_the_un_list_is_one_file(tmp_path):
    first, second = write(tmp_path / "a.xml", UN_SMALL), write(tmp_path / "b.xml", UN_SMALL)
    with pytest.raises(WatchlistFileError, match="one file, got 2"):
        parse_watchlist("un", [first, second])
