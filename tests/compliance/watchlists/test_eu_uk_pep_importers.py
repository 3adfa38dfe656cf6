"""EU, UK and PEP importers, on small files built to the authorities' published layouts."""

import json

import pytest

from compliance.screening.importers import parse_watchlist
from compliance.screening.importers.records import WatchlistFileError
from tests.compliance.watchlists.helpers import csv_text, write

# --- EU ------------------------------------------------------------------------------------

EU_HEADER = [
    "fileGenerationDate",
    "Entity_LogicalId",
    "Entity_EU_ReferenceNumber",
    "Entity_DesignationDate",
    "Entity_Remark",
    "Entity_SubjectType",
    "Entity_SubjectType_ClassificationCode",
    "Entity_Regulation_Programme",
    "NameAlias_WholeName",
    "NameAlias_Strong",
    "NameAlias_Remark",
    "Address_City",
    "Address_Street",
    "Address_CountryIso2Code",
    "Address_CountryDescription",
    "BirthDate_BirthDate",
    "BirthDate_Year",
    "BirthDate_YearRangeFrom",
    "BirthDate_YearRangeTo",
    "BirthDate_Circa",
    "BirthDate_City",
    "BirthDate_CountryIso2Code",
    "BirthDate_CountryDescription",
    "Citizenship_CountryIso2Code",
    "Citizenship_CountryDescription",
]
_PERSON = {
    "fileGenerationDate": "28/10/2026",
    "Entity_LogicalId": "13",
    "Entity_EU_ReferenceNumber": "EU.27.28",
    "Entity_DesignationDate": "2003-07-07",
    "Entity_Remark": "Former president.",
    "Entity_SubjectType": "P",
    "Entity_SubjectType_ClassificationCode": "person",
    "Entity_Regulation_Programme": "IRQ",
}
EU_ROWS = [
    # One row per attribute combination; the entity's rows share Entity_LogicalId 13.
    {**_PERSON, "NameAlias_WholeName": "Saddam Hussein Al-Tikriti", "NameAlias_Strong": "true",
     "BirthDate_BirthDate": "1937-04-28", "BirthDate_City": "al-Awja",
     "BirthDate_CountryIso2Code": "IQ", "BirthDate_CountryDescription": "IRAQ",
     "Citizenship_CountryIso2Code": "IQ"},
    {**_PERSON, "NameAlias_WholeName": "Abu Ali", "NameAlias_Strong": "false",
     "BirthDate_BirthDate": "1937-04-28", "Citizenship_CountryIso2Code": "IQ"},
    {**_PERSON, "NameAlias_WholeName": "Abu Uday", "NameAlias_Strong": "true",
     "NameAlias_Remark": "Low quality alias.", "BirthDate_Year": "1938", "BirthDate_Circa": "1"},
    {"fileGenerationDate": "28/10/2026", "Entity_LogicalId": "99", "Entity_SubjectType": "E",
     "Entity_SubjectType_ClassificationCode": "enterprise", "Entity_Regulation_Programme": "RUS",
     "NameAlias_WholeName": "JSC Example Bank", "Address_City": "Moscow",
     "Address_Street": "Tverskaya 1", "Address_CountryIso2Code": "RU",
     "Address_CountryDescription": "RUSSIAN FEDERATION",
     "Entity_Remark": "Digital Currency Address - USDT TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"},
    {"fileGenerationDate": "28/10/2026", "Entity_LogicalId": "77", "Entity_SubjectType": "P",
     "NameAlias_WholeName": "", "BirthDate_YearRangeFrom": "1960"},
]  # fmt: skip


def _eu_csv(tmp_path):
    return write(tmp_path / "eu.csv", "\ufeff" + csv_text(EU_HEADER, EU_ROWS, delimiter=";"))


def test_the_eu_csv_groups_rows_by_logical_id(tmp_path):
    # when
    parsed = parse_watchlist("eu", [_eu_csv(tmp_path)])
    # then
    person, bank = parsed.records
    assert parsed.version == "28/10/2026"
    assert (person.entity_ref, person.kind, person.name) == (
        "13",
        "individual",
        "Saddam Hussein Al-Tikriti",
    )
    assert person.aliases == [
        {"name": "Abu Ali", "strength": "weak", "type": "aka"},
        {"name": "Abu Uday", "strength": "weak", "type": "aka"},
    ]
    assert person.dates_of_birth == ["1937-04-28", {"from": "1937", "to": "1939", "circa": "1938"}]
    assert person.nationalities == ["IQ"]
    assert person.places_of_birth == ["al-Awja, IRAQ"]
    assert person.details == {"birth_countries": ["IQ"], "listed_on": "2003-07-07"}
    assert person.programs == ["IRQ"]
    assert person.remarks == "Former president."
    assert (bank.kind, bank.countries) == ("entity", ["RU"])
    assert bank.addresses == ["Tverskaya 1, Moscow, RUSSIAN FEDERATION"]
    assert bank.wallets == [("USDT", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre")]
    assert parsed.skipped_by_reason() == {"missing_name": 1}


EU_XML = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-10-28T18:00:00.000+02:00">
  <sanctionEntity designationDate="2022-02-25" logicalId="139051" euReferenceNumber="EU.6649.75">
    <remark>Head of the Russian Security Council.</remark>
    <regulation programme="UKR" numberTitle="2022/261"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias wholeName="Vladimir Vladimirovich PUTIN" firstName="Vladimir" strong="true"/>
    <nameAlias wholeName="Владимир Владимирович Путин" nameLanguage="RU" strong="true"/>
    <nameAlias wholeName="Vova" strong="false"/>
    <birthdate birthdate="1952-10-07" city="Leningrad" countryIso2Code="RU"
               countryDescription="RUSSIAN FEDERATION"/>
    <citizenship countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION"/>
    <address city="Moscow" countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION"/>
  </sanctionEntity>
  <sanctionEntity logicalId="5" euReferenceNumber="EU.1.1">
    <regulation programme="SYR"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Old Serbian Trading" strong="true"/>
    <citizenship countryIso2Code="CS" countryDescription="SERBIA AND MONTENEGRO"/>
    <address countryIso2Code="00" countryDescription="UNKNOWN"/>
  </sanctionEntity>
  <sanctionEntity logicalId="6">
    <subjectType code="vehicle" classificationCode="V"/>
    <nameAlias wholeName="Not screened" strong="true"/>
  </sanctionEntity>
</export>
"""


def test_the_eu_xml_reads_names_strength_births_and_citizenships(tmp_path):
    # when
    parsed = parse_watchlist("eu", [write(tmp_path / "eu.xml", EU_XML)])
    # then
    putin, trading = parsed.records
    assert parsed.version == "2026-10-28T18:00:00.000+02:00"
    assert (putin.entity_ref, putin.name, putin.kind) == (
        "139051",
        "Vladimir Vladimirovich PUTIN",
        "individual",
    )
    assert putin.aliases == [
        {"name": "Владимир Владимирович Путин", "strength": "strong", "type": "aka"},
        {"name": "Vova", "strength": "weak", "type": "aka"},
    ]
    assert putin.dates_of_birth == ["1952-10-07"]
    assert putin.nationalities == ["RU"]
    assert putin.countries == ["RU"]
    assert putin.programs == ["UKR"]
    assert putin.remarks == "Head of the Russian Security Council."
    assert trading.nationalities == ["RS"]  # the withdrawn CS, as Serbia
    assert trading.countries == []  # "00"/UNKNOWN is no country
    assert parsed.skipped_by_reason() == {"bad_row": 1}


def test_a_file_that_is_neither_eu_layout_is_refused(tmp_path):
    with pytest.raises(WatchlistFileError, match="Entity_LogicalId"):
        parse_watchlist("eu", [write(tmp_path / "eu.csv", "a;b\n1;2\n")])
    with pytest.raises(WatchlistFileError, match="not an EU FSF export"):
        parse_watchlist("eu", [write(tmp_path / "eu.xml", "<sdnList/>")])


# --- UK ------------------------------------------------------------------------------------

OFSI_HEADER = [
    "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title",
    "Name Non-Latin Script", "Non-Latin Script Type", "Non-Latin Script Language", "DOB",
    "Town of Birth", "Country of Birth", "Nationality", "Passport Number", "Passport Details",
    "National Identification Number", "National Identification Details", "Position",
    "Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6",
    "Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type",
    "Alias Quality", "Regime", "Listed On", "UK Sanctions List Date Designated",
    "Last Updated", "Group ID",
]  # fmt: skip
_AKHUND = {
    "Name 6": "AKHUND", "Name 1": "Mohammad", "Name 2": "Hassan", "Title": "Mullah",
    "DOB": "(1) 00/00/1958 (2) 00/00/1955", "Town of Birth": "Kandahar",
    "Country of Birth": "Afghanistan", "Nationality": "Afghanistan",
    "Position": "(1) Prime Minister (2) Foreign Minister", "Group Type": "Individual",
    "Regime": "Afghanistan", "Listed On": "25/01/2001", "Group ID": "7172",
    "Country": "Afghanistan", "Address 1": "Kandahar",
}  # fmt: skip
OFSI_ROWS = [
    {**_AKHUND, "Alias Type": "Primary name", "Name Non-Latin Script": "محمد حسن آخوند"},
    {**_AKHUND, "Name 6": "AKHUND", "Name 1": "Mohammad", "Name 2": "Hasan",
     "Alias Type": "AKA", "Alias Quality": "Good quality"},
    {**_AKHUND, "Name 6": "Haji Sahib", "Name 1": "", "Name 2": "", "Alias Type": "AKA",
     "Alias Quality": "Low quality"},
    {"Name 6": "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE", "Group Type": "Entity",
     "Alias Type": "Primary name", "Regime": "Afghanistan", "Group ID": "12703",
     "Country": "(1) Pakistan (2) Afghanistan",
     "Other Information": "Digital Currency Address - XBT 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
    {"Name 6": "PRINCESS", "Group Type": "Ship", "Alias Type": "Primary name",
     "Group ID": "15000", "Regime": "Russia"},
    {"Name 6": "NO GROUP", "Group Type": "Entity", "Alias Type": "Primary name"},
]  # fmt: skip


def _ofsi_csv(tmp_path):
    text = "Last Updated,03/06/2026\n" + csv_text(OFSI_HEADER, OFSI_ROWS)
    return write(tmp_path / "ConList.csv", text)


def test_the_ofsi_conlist_groups_names_by_group_id(tmp_path):
    # when
    parsed = parse_watchlist("uk", [_ofsi_csv(tmp_path)])
    # then
    records = {record.entity_ref: record for record in parsed.records}
    assert parsed.version == "03/06/2026"
    akhund = records["7172"]
    assert (akhund.name, akhund.kind) == ("Mohammad Hassan AKHUND", "individual")
    assert akhund.aliases == [
        {"name": "محمد حسن آخوند", "strength": "strong", "type": "original_script"},
        {"name": "Mohammad Hasan AKHUND", "strength": "strong", "type": "aka"},
        {"name": "Haji Sahib", "strength": "weak", "type": "aka"},
    ]
    assert akhund.dates_of_birth == ["1958", "1955"]
    assert akhund.nationalities == ["AF"]
    assert akhund.countries == ["AF"]
    assert akhund.places_of_birth == ["Kandahar, Afghanistan"]
    assert akhund.details["positions"] == ["Prime Minister", "Foreign Minister"]
    assert akhund.details["titles"] == ["Mullah"]
    assert akhund.programs == ["Afghanistan"]
    exchange = records["12703"]
    assert exchange.kind == "entity"
    assert exchange.countries == ["PK", "AF"]
    assert exchange.wallets == [("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    assert records["15000"].kind == "vessel"
    assert parsed.skipped_by_reason() == {"bad_row": 1}


FCDO_HEADER = [
    "Last Updated", "Unique ID", "OFSI Group ID", "UN Reference Number", "Name 6", "Name 1",
    "Name 2", "Name 3", "Name 4", "Name 5", "Name type", "Alias strength", "Title",
    "Name non-latin script", "Regime Name", "Designation Type", "Other Information",
    "Address Line 1", "Address Postal Code", "Address Country", "Date Designated", "D.O.B",
    "Nationality(/ies)", "Position", "Gender", "Town of birth", "Country of birth",
]  # fmt: skip


def test_the_fcdo_uk_sanctions_list_layout_is_read_by_the_same_column_map(tmp_path):
    # given
    rows = [
        {"Unique ID": "RUS0001", "Name 6": "PUTIN", "Name 1": "Vladimir",
         "Name 2": "Vladimirovich", "Name type": "Primary Name", "Designation Type": "Individual",
         "Regime Name": "Russia", "D.O.B": "07/10/1952", "Nationality(/ies)": "Russian",
         "Gender": "Male", "Address Country": "Russia", "Date Designated": "25/02/2022"},
        {"Unique ID": "RUS0001", "Name 6": "PUTIN", "Name 1": "Vova", "Name type": "Alias",
         "Alias strength": "Weak", "Designation Type": "Individual"},
    ]  # fmt: skip
    text = "Report Date: 13-Feb-2026\n" + csv_text(FCDO_HEADER, rows)
    # when
    parsed = parse_watchlist("uk", [write(tmp_path / "UK-Sanctions-List.csv", text)])
    # then
    (putin,) = parsed.records
    assert parsed.version == "13-Feb-2026"
    assert (putin.entity_ref, putin.name) == ("RUS0001", "Vladimir Vladimirovich PUTIN")
    assert putin.aliases == [{"name": "Vova PUTIN", "strength": "weak", "type": "aka"}]
    assert putin.dates_of_birth == ["1952-10-07"]
    assert putin.nationalities == ["RU"]
    assert putin.details["gender"] == "male"


def test_a_csv_without_the_uk_header_is_refused(tmp_path):
    with pytest.raises(WatchlistFileError, match="Name 6"):
        parse_watchlist("uk", [write(tmp_path / "uk.csv", "a,b\n1,2\n")])


# --- PEP -----------------------------------------------------------------------------------


def test_the_pep_csv_reads_our_documented_columns(tmp_path):
    # given
    header = ["id", "name", "aliases", "birth_date", "nationality", "position", "country"]
    rows = [
        {"id": "pep-1", "name": "Jane Q Public", "aliases": "Jane Public|J. Q. Public",
         "birth_date": "1961-05-04|1962", "nationality": "GB|IE",
         "position": "Member of Parliament|Minister of Finance", "country": "GB"},
        {"id": "pep-2", "name": "", "aliases": ""},
        {"id": "pep-3", "name": "John Roe", "birth_date": "sometime", "nationality": "Freedonia"},
    ]  # fmt: skip
    path = write(tmp_path / "peps.csv", csv_text(header, rows))
    # when
    parsed = parse_watchlist("pep", [path])
    # then
    jane, john = parsed.records
    assert (jane.entity_ref, jane.kind, jane.programs) == ("pep-1", "individual", ["PEP"])
    assert [a["name"] for a in jane.aliases] == ["Jane Public", "J. Q. Public"]
    assert jane.dates_of_birth == ["1961-05-04", "1962"]
    assert jane.nationalities == ["GB", "IE"]
    assert jane.countries == ["GB"]
    assert jane.details["positions"] == ["Member of Parliament", "Minister of Finance"]
    assert john.dates_of_birth == []
    assert john.nationalities == []
    assert parsed.skipped_by_reason() == {"missing_name": 1, "unparsed_date": 1}
    assert parsed.notes["unmapped_countries"] == {"Freedonia": 1}


def test_a_pep_csv_without_id_and_name_columns_is_refused(tmp_path):
    with pytest.raises(WatchlistFileError, match="id and name"):
        parse_watchlist("pep", [write(tmp_path / "peps.csv", "who,when\nx,y\n")])


def test_followthemoney_json_lines_give_people_organisations_and_their_wallets(tmp_path):
    # given
    entities = [
        {"id": "Q7747", "schema": "Person", "properties": {
            "name": ["Vladimir Putin", "Владимир Путин"], "alias": ["V. V. Putin"],
            "weakAlias": ["Vova"], "previousName": ["Vladimir Platov"],
            "birthDate": ["1952-10-07"], "nationality": ["ru"], "country": ["ru"],
            "birthPlace": ["Leningrad"], "position": ["President of Russia"],
            "gender": ["male"], "topics": ["role.pep", "sanction"]}},
        {"id": "org-1", "schema": "Organization", "properties": {
            "name": ["Example Party"], "country": ["ru"], "topics": ["role.pep"]}},
        {"id": "wallet-1", "schema": "CryptoWallet", "properties": {
            "publicKey": ["0x175d44451403Edf28469dF03A9280c1197ADb92c"], "currency": ["ETH"],
            "holder": ["Q7747"]}},
        {"id": "wallet-2", "schema": "CryptoWallet", "properties": {
            "publicKey": ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"], "currency": ["BTC"],
            "holder": ["someone-else"]}},
        {"id": "pos-1", "schema": "Position", "properties": {"name": ["President"]}},
        {"id": "nameless", "schema": "Person", "properties": {}},
    ]  # fmt: skip
    lines = "\n".join(json.dumps(e, ensure_ascii=False) for e in entities) + "\n{broken\n"
    # when
    parsed = parse_watchlist("pep", [write(tmp_path / "peps.ftm.jsonl", lines)])
    # then
    putin, party = parsed.records
    assert (putin.entity_ref, putin.kind, putin.name) == ("Q7747", "individual", "Vladimir Putin")
    assert putin.aliases == [
        {"name": "Владимир Путин", "strength": "strong", "type": "aka"},
        {"name": "V. V. Putin", "strength": "strong", "type": "aka"},
        {"name": "Vladimir Platov", "strength": "strong", "type": "fka"},
        {"name": "Vova", "strength": "weak", "type": "aka"},
    ]
    assert putin.dates_of_birth == ["1952-10-07"]
    assert putin.nationalities == ["RU"]
    assert putin.countries == ["RU"]
    assert putin.programs == ["role.pep", "sanction"]
    assert putin.details == {"positions": ["President of Russia"], "gender": "male"}
    assert putin.wallets == [("ETH", "0x175d44451403edf28469df03a9280c1197adb92c")]
    assert (party.kind, party.programs) == ("entity", ["role.pep"])
    assert parsed.skipped_by_reason() == {
        "other_schema": 1,
        "missing_name": 1,
        "bad_row": 1,
        "orphan_wallet": 1,
    }
