"""Countries: ISO 3166-1 alpha-2 codes and their English names, and a lenient lookup.

Screening queries, KYC forms and list importers name countries in many ways ("RU", "Russia",
"Russian Federation", "Korea, North", "Iran (Islamic Republic of)"); `country_code()` turns
any of them into the alpha-2 code, or None. The names are ISO 3166-1's English short names
(a public standard's facts); the variants are the spellings the UN and OFAC lists use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_ISO = """
AD Andorra|AE United Arab Emirates|AF Afghanistan|AG Antigua and Barbuda|AI Anguilla
AL Albania|AM Armenia|AO Angola|AQ Antarctica|AR Argentina|AS American Samoa|AT Austria
AU Australia|AW Aruba|AX Aland Islands|AZ Azerbaijan|BA Bosnia and Herzegovina|BB Barbados
BD Bangladesh|BE Belgium|BF Burkina Faso|BG Bulgaria|BH Bahrain|BI Burundi|BJ Benin
BL Saint Barthelemy|BM Bermuda|BN Brunei Darussalam|BO Bolivia|BQ Bonaire, Sint Eustatius and Saba
BR Brazil|BS Bahamas|BT Bhutan|BV Bouvet Island|BW Botswana|BY Belarus|BZ Belize|CA Canada
CC Cocos (Keeling) Islands|CD Congo, Democratic Republic of the|CF Central African Republic
CG Congo|CH Switzerland|CI Cote d'Ivoire|CK Cook Islands|CL Chile|CM Cameroon|CN China
CO Colombia|CR Costa Rica|CU Cuba|CV Cabo Verde|CW Curacao|CX Christmas Island|CY Cyprus
CZ Czechia|DE Germany|DJ Djibouti|DK Denmark|DM Dominica|DO Dominican Republic|DZ Algeria
EC Ecuador|EE Estonia|EG Egypt|EH Western Sahara|ER Eritrea|ES Spain|ET Ethiopia|FI Finland
FJ Fiji|FK Falkland Islands|FM Micronesia|FO Faroe Islands|FR France|GA Gabon
GB United Kingdom|GD Grenada|GE Georgia|GF French Guiana|GG Guernsey|GH Ghana|GI Gibraltar
GL Greenland|GM Gambia|GN Guinea|GP Guadeloupe|GQ Equatorial Guinea|GR Greece
GS South Georgia and the South Sandwich Islands|GT Guatemala|GU Guam|GW Guinea-Bissau
GY Guyana|HK Hong Kong|HM Heard Island and McDonald Islands|HN Honduras|HR Croatia|HT Haiti
HU Hungary|ID Indonesia|IE Ireland|IL Israel|IM Isle of Man|IN India
IO British Indian Ocean Territory|IQ Iraq|IR Iran|IS Iceland|IT Italy|JE Jersey|JM Jamaica
JO Jordan|JP Japan|KE Kenya|KG Kyrgyzstan|KH Cambodia|KI Kiribati|KM Comoros
KN Saint Kitts and Nevis|KP North Korea|KR South Korea|KW Kuwait|KY Cayman Islands
KZ Kazakhstan|LA Laos|LB Lebanon|LC Saint Lucia|LI Liechtenstein|LK Sri Lanka|LR Liberia
LS Lesotho|LT Lithuania|LU Luxembourg|LV Latvia|LY Libya|MA Morocco|MC Monaco|MD Moldova
ME Montenegro|MF Saint Martin (French part)|MG Madagascar|MH Marshall Islands
MK North Macedonia|ML Mali|MM Myanmar|MN Mongolia|MO Macao|MP Northern Mariana Islands
MQ Martinique|MR Mauritania|MS Montserrat|MT Malta|MU Mauritius|MV Maldives|MW Malawi
MX Mexico|MY Malaysia|MZ Mozambique|NA Namibia|NC New Caledonia|NE Niger|NF Norfolk Island
NG Nigeria|NI Nicaragua|NL Netherlands|NO Norway|NP Nepal|NR Nauru|NU Niue|NZ New Zealand
OM Oman|PA Panama|PE Peru|PF French Polynesia|PG Papua New Guinea|PH Philippines|PK Pakistan
PL Poland|PM Saint Pierre and Miquelon|PN Pitcairn|PR Puerto Rico|PS Palestine|PT Portugal
PW Palau|PY Paraguay|QA Qatar|RE Reunion|RO Romania|RS Serbia|RU Russia|RW Rwanda
SA Saudi Arabia|SB Solomon Islands|SC Seychelles|SD Sudan|SE Sweden|SG Singapore
SH Saint Helena, Ascension and Tristan da Cunha|SI Slovenia|SJ Svalbard and Jan Mayen
SK Slovakia|SL Sierra Leone|SM San Marino|SN Senegal|SO Somalia|SR Suriname|SS South Sudan
ST Sao Tome and Principe|SV El Salvador|SX Sint Maarten (Dutch part)|SY Syria|SZ Eswatini
TC Turks and Caicos Islands|TD Chad|TF French Southern Territories|TG Togo|TH Thailand
TJ Tajikistan|TK Tokelau|TL Timor-Leste|TM Turkmenistan|TN Tunisia|TO Tonga|TR Turkiye
TT Trinidad and Tobago|TV Tuvalu|TW Taiwan|TZ Tanzania|UA Ukraine|UG Uganda
UM United States Minor Outlying Islands|US United States|UY Uruguay|UZ Uzbekistan
VA Holy See|VC Saint Vincent and the Grenadines|VE Venezuela|VG Virgin Islands, British
VI Virgin Islands, U.S.|VN Viet Nam|VU Vanuatu|WF Wallis and Futuna|WS Samoa|XK Kosovo
YE Yemen|YT Mayotte|ZA South Africa|ZM Zambia|ZW Zimbabwe
"""

# Other names for the same codes: ISO's long forms, the UN list's and OFAC's spellings,
# and everyday English. (XK, Kosovo, is a user-assigned code the EU and UK lists use.)
_VARIANTS = {
    "AE": ["UAE", "Emirates"],
    "BN": ["Brunei"],
    "BO": ["Bolivia (Plurinational State of)", "Plurinational State of Bolivia"],
    "BS": ["Bahamas, The", "The Bahamas"],
    "CD": [
        "Democratic Republic of the Congo",
        "DR Congo",
        "DRC",
        "Congo (Kinshasa)",
        "Zaire",
        "Congo, The Democratic Republic of the",
    ],
    "CG": ["Congo, Republic of the", "Republic of the Congo", "Congo (Brazzaville)"],
    "CI": ["Ivory Coast", "Cote d Ivoire"],
    "CV": ["Cape Verde"],
    "CZ": ["Czech Republic"],
    "FK": ["Falkland Islands (Malvinas)"],
    "FM": ["Micronesia, Federated States of", "Micronesia (Federated States of)"],
    "GB": [
        "United Kingdom of Great Britain and Northern Ireland",
        "Great Britain",
        "UK",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
    ],
    "GM": ["The Gambia", "Gambia, The"],
    "HK": ["China, Hong Kong Special Administrative Region", "Hong Kong SAR"],
    "IM": ["Man, Isle of"],
    "IR": ["Iran (Islamic Republic of)", "Islamic Republic of Iran", "Persia"],
    "KP": [
        "Democratic People's Republic of Korea",
        "Korea, North",
        "Korea, Democratic People's Republic of",
        "DPRK",
    ],
    "KR": ["Republic of Korea", "Korea, South", "Korea, Republic of", "Korea"],
    "LA": ["Lao People's Democratic Republic", "Lao PDR"],
    "MD": ["Republic of Moldova", "Moldova, Republic of"],
    "MK": ["North Macedonia, The Republic of", "Macedonia", "Republic of North Macedonia"],
    "MM": ["Burma"],
    "MO": ["Macau", "China, Macao Special Administrative Region"],
    "NL": ["Holland", "The Netherlands", "Netherlands (Kingdom of the)"],
    "PS": [
        "State of Palestine",
        "Palestine, State of",
        "Palestinian",
        "Palestinian Territories",
        "West Bank",
        "Gaza",
        "Region: Gaza",
        "Region: West Bank",
    ],
    "RU": ["Russian Federation", "Region: Russia"],
    "SY": ["Syrian Arab Republic"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "TR": ["Turkey", "Republic of Turkiye"],
    "TW": ["Taiwan, Province of China", "Republic of China"],
    "TZ": ["United Republic of Tanzania", "Tanzania, United Republic of"],
    "US": ["United States of America", "USA", "U.S.A.", "U.S.", "America"],
    "VA": ["Vatican", "Vatican City"],
    "VE": ["Venezuela (Bolivarian Republic of)", "Bolivarian Republic of Venezuela"],
    "VG": ["British Virgin Islands"],
    "VI": ["US Virgin Islands"],
    "VN": ["Vietnam"],
    "UA": ["Region: Crimea", "Crimea"],
}


def _key(value: str) -> str:
    """A lookup key: ASCII, lower case, letters and digits only, single spaces."""
    text = anyascii(unicodedata.normalize("NFKC", value)).casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("'", ""))
    return " ".join(text.split())


def _parse() -> dict[str, str]:
    names: dict[str, str] = {}
    for chunk in _ISO.replace("\n", "|").split("|"):
        chunk = chunk.strip()
        if chunk:
            code, name = chunk.split(" ", 1)
            names[code] = name
    return names


COUNTRY_NAMES: dict[str, str] = _parse()

_LOOKUP: dict[str, str] = {}
for _code, _name in COUNTRY_NAMES.items():
    _LOOKUP[_key(_name)] = _code
for _code, _others in _VARIANTS.items():
    for _other in _others:
        _LOOKUP[_key(_other)] = _code


# --- What the list importers meet besides (compliance/screening/importers/) ---------------
# More spellings from the OFAC, UN, EU and UK lists. "Serbia and Montenegro" is RS, as
# OpenSanctions reads the EU's withdrawn code CS; "Region: …" labels where the region lies in
# one country. Historic names with no single successor ("Soviet Union", "Yugoslavia",
# "Netherlands Antilles") stay unknown on purpose.
_LIST_VARIANTS = {
    "AE": ["U.A.E."],
    "BA": ["Bosnia-Herzegovina", "Bosnia & Herzegovina", "Bosnia"],
    "BQ": ["Caribbean Netherlands"],
    "BY": ["Byelorussia"],
    "CC": ["Cocos Islands"],
    "CN": ["People's Republic of China", "PRC", "China, People's Republic of"],
    "DE": ["Federal Republic of Germany"],
    "GB": ["U.K."],
    "HK": ["Hong Kong, China", "Hong Kong Special Administrative Region of China"],
    "KG": ["Kyrgyz Republic"],
    "KM": ["Comoros Islands"],
    "KN": ["St. Kitts and Nevis"],
    "LC": ["St. Lucia"],
    "LY": ["Libyan Arab Jamahiriya", "State of Libya"],
    "MF": ["Saint Martin"],
    "MK": ["The former Yugoslav Republic of Macedonia"],
    "ML": ["Region: Northern Mali"],
    "NL": ["Kingdom of the Netherlands"],
    "PH": ["Phillipines"],
    "PS": ["Occupied Palestinian Territory", "Gaza Strip"],
    "RS": ["Republic of Serbia", "Serbia and Montenegro"],
    "SA": ["Kingdom of Saudi Arabia"],
    "SH": ["Saint Helena"],
    "SK": ["Slovak Republic"],
    "SX": ["Sint Maarten"],
    "VA": ["Holy See (Vatican City State)"],
    "VC": ["St. Vincent and the Grenadines"],
    "VI": ["United States Virgin Islands"],
}
# Nationality adjectives the UK list and PEP files use instead of country names.
_DEMONYMS = {
    "afghan": "AF",
    "albanian": "AL",
    "algerian": "DZ",
    "american": "US",
    "argentine": "AR",
    "armenian": "AM",
    "australian": "AU",
    "austrian": "AT",
    "azerbaijani": "AZ",
    "bahraini": "BH",
    "bangladeshi": "BD",
    "belarusian": "BY",
    "belgian": "BE",
    "bosnian": "BA",
    "brazilian": "BR",
    "british": "GB",
    "bulgarian": "BG",
    "burmese": "MM",
    "cambodian": "KH",
    "canadian": "CA",
    "chinese": "CN",
    "colombian": "CO",
    "congolese": "CD",
    "croatian": "HR",
    "cuban": "CU",
    "cypriot": "CY",
    "czech": "CZ",
    "danish": "DK",
    "dutch": "NL",
    "egyptian": "EG",
    "emirati": "AE",
    "eritrean": "ER",
    "estonian": "EE",
    "ethiopian": "ET",
    "filipino": "PH",
    "finnish": "FI",
    "french": "FR",
    "georgian": "GE",
    "german": "DE",
    "greek": "GR",
    "haitian": "HT",
    "hungarian": "HU",
    "indian": "IN",
    "indonesian": "ID",
    "iranian": "IR",
    "iraqi": "IQ",
    "irish": "IE",
    "israeli": "IL",
    "italian": "IT",
    "japanese": "JP",
    "jordanian": "JO",
    "kazakh": "KZ",
    "kenyan": "KE",
    "kuwaiti": "KW",
    "kyrgyz": "KG",
    "latvian": "LV",
    "lebanese": "LB",
    "libyan": "LY",
    "lithuanian": "LT",
    "malaysian": "MY",
    "malian": "ML",
    "mauritanian": "MR",
    "mexican": "MX",
    "moldovan": "MD",
    "moroccan": "MA",
    "nicaraguan": "NI",
    "nigerian": "NG",
    "north korean": "KP",
    "norwegian": "NO",
    "omani": "OM",
    "pakistani": "PK",
    "palestinian": "PS",
    "polish": "PL",
    "portuguese": "PT",
    "qatari": "QA",
    "romanian": "RO",
    "russian": "RU",
    "rwandan": "RW",
    "saudi": "SA",
    "saudi arabian": "SA",
    "serbian": "RS",
    "slovak": "SK",
    "slovenian": "SI",
    "somali": "SO",
    "south african": "ZA",
    "south korean": "KR",
    "south sudanese": "SS",
    "spanish": "ES",
    "sudanese": "SD",
    "swedish": "SE",
    "swiss": "CH",
    "syrian": "SY",
    "tajik": "TJ",
    "tanzanian": "TZ",
    "thai": "TH",
    "tunisian": "TN",
    "turkish": "TR",
    "turkmen": "TM",
    "ugandan": "UG",
    "ukrainian": "UA",
    "uzbek": "UZ",
    "venezuelan": "VE",
    "vietnamese": "VN",
    "yemeni": "YE",
    "zimbabwean": "ZW",
}
# ISO 3166-1 alpha-3 codes, "alpha-2 alpha-3".
_ALPHA3 = """
AD AND|AE ARE|AF AFG|AG ATG|AI AIA|AL ALB|AM ARM|AO AGO|AQ ATA|AR ARG|AS ASM|AT AUT|AU AUS
AW ABW|AX ALA|AZ AZE|BA BIH|BB BRB|BD BGD|BE BEL|BF BFA|BG BGR|BH BHR|BI BDI|BJ BEN|BL BLM
BM BMU|BN BRN|BO BOL|BQ BES|BR BRA|BS BHS|BT BTN|BV BVT|BW BWA|BY BLR|BZ BLZ|CA CAN|CC CCK
CD COD|CF CAF|CG COG|CH CHE|CI CIV|CK COK|CL CHL|CM CMR|CN CHN|CO COL|CR CRI|CU CUB|CV CPV
CW CUW|CX CXR|CY CYP|CZ CZE|DE DEU|DJ DJI|DK DNK|DM DMA|DO DOM|DZ DZA|EC ECU|EE EST|EG EGY
EH ESH|ER ERI|ES ESP|ET ETH|FI FIN|FJ FJI|FK FLK|FM FSM|FO FRO|FR FRA|GA GAB|GB GBR|GD GRD
GE GEO|GF GUF|GG GGY|GH GHA|GI GIB|GL GRL|GM GMB|GN GIN|GP GLP|GQ GNQ|GR GRC|GS SGS|GT GTM
GU GUM|GW GNB|GY GUY|HK HKG|HM HMD|HN HND|HR HRV|HT HTI|HU HUN|ID IDN|IE IRL|IL ISR|IM IMN
IN IND|IO IOT|IQ IRQ|IR IRN|IS ISL|IT ITA|JE JEY|JM JAM|JO JOR|JP JPN|KE KEN|KG KGZ|KH KHM
KI KIR|KM COM|KN KNA|KP PRK|KR KOR|KW KWT|KY CYM|KZ KAZ|LA LAO|LB LBN|LC LCA|LI LIE|LK LKA
LR LBR|LS LSO|LT LTU|LU LUX|LV LVA|LY LBY|MA MAR|MC MCO|MD MDA|ME MNE|MF MAF|MG MDG|MH MHL
MK MKD|ML MLI|MM MMR|MN MNG|MO MAC|MP MNP|MQ MTQ|MR MRT|MS MSR|MT MLT|MU MUS|MV MDV|MW MWI
MX MEX|MY MYS|MZ MOZ|NA NAM|NC NCL|NE NER|NF NFK|NG NGA|NI NIC|NL NLD|NO NOR|NP NPL|NR NRU
NU NIU|NZ NZL|OM OMN|PA PAN|PE PER|PF PYF|PG PNG|PH PHL|PK PAK|PL POL|PM SPM|PN PCN|PR PRI
PS PSE|PT PRT|PW PLW|PY PRY|QA QAT|RE REU|RO ROU|RS SRB|RU RUS|RW RWA|SA SAU|SB SLB|SC SYC
SD SDN|SE SWE|SG SGP|SH SHN|SI SVN|SJ SJM|SK SVK|SL SLE|SM SMR|SN SEN|SO SOM|SR SUR|SS SSD
ST STP|SV SLV|SX SXM|SY SYR|SZ SWZ|TC TCA|TD TCD|TF ATF|TG TGO|TH THA|TJ TJK|TK TKL|TL TLS
TM TKM|TN TUN|TO TON|TR TUR|TT TTO|TV TUV|TW TWN|TZ TZA|UA UKR|UG UGA|UM UMI|US USA|UY URY
UZ UZB|VA VAT|VC VCT|VE VEN|VG VGB|VI VIR|VN VNM|VU VUT|WF WLF|WS WSM|XK XKX|YE YEM|YT MYT
ZA ZAF|ZM ZMB|ZW ZWE
"""
ALPHA3: dict[str, str] = {
    pair.split(" ")[1]: pair.split(" ")[0]
    for pair in _ALPHA3.replace("\n", "|").split("|")
    if pair.strip()
}
# OFAC hedges a nationality ("possibly Palestinian"); the country stands.
_HEDGES = ("possibly ", "probably ", "reportedly ", "allegedly ")

for _code, _others in _LIST_VARIANTS.items():
    for _other in _others:
        _LOOKUP.setdefault(_key(_other), _code)
for _demonym, _code in _DEMONYMS.items():
    _LOOKUP.setdefault(_key(_demonym), _code)


def _looser(raw: str) -> str | None:
    """The lists' other ways of writing a country: an alpha-3 code, a hedge ("possibly …"),
    a leading "the", or OFAC's inversions ("Bahamas, The", "Man, Isle of")."""
    if len(raw) == 3 and raw.upper() in ALPHA3:
        return ALPHA3[raw.upper()]
    key = _key(raw)
    for hedge in _HEDGES:
        if key.startswith(hedge) and key[len(hedge) :] in _LOOKUP:
            return _LOOKUP[key[len(hedge) :]]
    if key.startswith("the ") and key[4:] in _LOOKUP:
        return _LOOKUP[key[4:]]
    if "," in raw:
        head, _, tail = raw.partition(",")
        return _LOOKUP.get(_key(f"{tail} {head}"))
    return None


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a code or an English name, else None.

    Two letters are taken as a code (case-insensitive) when ISO knows them; "Korea" alone is
    South Korea, as in everyday English. Regions the lists name that are not a country
    ("Region: Kafia Kingi", "undetermined") give None.
    """
    if not value:
        return None
    raw = value.strip()
    if len(raw) == 2 and raw.upper() in COUNTRY_NAMES:
        return raw.upper()
    return _LOOKUP.get(_key(raw)) or _looser(raw)


def country_name(code: str) -> str:
    """The English short name of an alpha-2 code (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code.upper(), code)
