"""Country names (compliance.countries, shared with screening and KYC), dates of birth and
wallet addresses as the lists write them."""

import pytest

from compliance.countries import ALPHA3, COUNTRY_NAMES, country_code
from compliance.screening.importers import chains, dates


@pytest.mark.parametrize(
    ("text", "code", "_case"),
    [
        ("Korea, North", "KP", "OFAC's inverted North Korea"),
        ("Democratic People's Republic of Korea", "KP", "UN's North Korea"),
        ("Korea, South", "KR", "OFAC's South Korea"),
        ("Iran (Islamic Republic of)", "IR", "UN's Iran"),
        ("Congo, Democratic Republic of the", "CD", "OFAC's DR Congo"),
        ("Congo, Republic of the", "CG", "OFAC's Congo"),
        ("Congo", "CG", "UN's Congo"),
        ("Burma", "MM", "OFAC's Myanmar"),
        ("Bahamas, The", "BS", "OFAC's 'X, The'"),
        ("Man, Isle of", "IM", "OFAC's 'Man, Isle of'"),
        ("Virgin Islands, British", "VG", "OFAC's BVI"),
        ("North Macedonia, The Republic of", "MK", "OFAC's North Macedonia"),
        ("Cote d Ivoire", "CI", "OFAC's apostrophe-less Ivory Coast"),
        ("Türkiye", "TR", "UN's Turkey, with an umlaut"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB", "UN's UK"),
        ("China, Hong Kong Special Administrative Region", "HK", "UN's Hong Kong"),
        ("State of Palestine", "PS", "UN's Palestine"),
        ("possibly Palestinian", "PS", "OFAC's hedged nationality"),
        ("Region: Crimea", "UA", "OFAC's region label"),
        ("Serbia and Montenegro", "RS", "the withdrawn CS, as Serbia"),
        ("Bosnia-Herzegovina", "BA", "OFAC's place-of-birth spelling"),
        ("Kosovo", "XK", "Kosovo's user-assigned code"),
        ("ru", "RU", "an alpha-2 code in lower case (FollowTheMoney)"),
        ("DEU", "DE", "an alpha-3 code"),
        ("British", "GB", "a nationality adjective (UK list)"),
        ("  the netherlands ", "NL", "leading 'the' and spaces"),
    ],
)
def test_country_names_of_the_lists_map_to_iso_codes(text, code, _case):
    assert country_code(text) == code


@pytest.mark.parametrize(
    "text", ["former Soviet Union", "undetermined", "Netherlands Antilles", "Narnia", "", None]
)
def test_names_without_one_country_have_no_code(text):
    assert country_code(text) is None


def test_every_iso_country_has_its_alpha_2_and_alpha_3_code():
    codes = set(COUNTRY_NAMES)
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert len(codes - {"XK"}) == 249  # every ISO 3166-1 country, plus Kosovo's XK
    assert set(ALPHA3.values()) == codes
    assert all(country_code(alpha3) == alpha2 for alpha3, alpha2 in ALPHA3.items())


@pytest.mark.parametrize(
    ("text", "parsed", "_case"),
    [
        ("10 Dec 1948", "1948-12-10", "day month year"),
        ("Aug 1946", "1946-08", "month year"),
        ("1946", "1946", "year"),
        ("1947.", "1947", "trailing full stop"),
        ("circa 1951", {"from": "1950", "to": "1952", "circa": "1951"}, "circa year"),
        ("circa 07 Jul 1966", {"from": "1965", "to": "1967", "circa": "1966"}, "circa date"),
        ("1951 to 1953", {"from": "1951", "to": "1953"}, "year range"),
        ("01 Jan 1961 to 31 Dec 1962", {"from": "1961", "to": "1962"}, "date range"),
        ("Mar 1962 to Feb 1963", {"from": "1962", "to": "1963"}, "month range"),
        ("26 Sep 1946 to 07 Dec 1946.", "1946", "range within one year"),
        ("circa 1979-1982", {"from": "1979", "to": "1982"}, "circa with a dash range"),
    ],
)
def test_ofac_dates_of_birth(text, parsed, _case):
    assert dates.parse_ofac(text) == parsed


@pytest.mark.parametrize("text", ["31 Feb 1960", "10 Foo 1960", "sometime in 1960", "1960 to x"])
def test_ofac_dates_that_are_not_dates_give_none(text):
    assert dates.parse_ofac(text) is None


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("28/06/1960", "1960-06-28"),
        ("00/06/1960", "1960-06"),
        ("00/00/1960", "1960"),
        ("06/1960", "1960-06"),
        ("1960", "1960"),
        ("1960-06-28", "1960-06-28"),
        ("31/02/1960", None),
        ("", None),
    ],
)
def test_uk_day_first_dates(text, parsed):
    assert dates.parse_dmy(text) == parsed


@pytest.mark.parametrize(
    ("chain", "address", "_case"),
    [
        ("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "bitcoin P2PKH"),
        ("BTC", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bitcoin P2SH, spelt BTC"),
        ("XBT", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bitcoin bech32"),
        ("ETH", "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C", "ethereum, mixed case"),
        ("USDT", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "USDT on Tron"),
        ("USDT", "0x175d44451403Edf28469dF03A9280c1197ADb92c", "USDT on Ethereum"),
        ("TRX", "TFdTr9C3BqQrzKBXqSxJfAZFTh8UwBAfSg", "tron"),
        ("LTC", "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb", "litecoin"),
        (
            "XMR",
            "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL",
            "monero",
        ),
        ("ZEC", "t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", "zcash transparent"),
        ("BCH", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "bitcoin cash cashaddr"),
        ("XRP", "rnXyVQzgxZe7TR1EPzTkGj2jxH4LMJYh66", "ripple"),
        ("DASH", "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2", "dash"),
        ("SOL", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV", "solana"),
    ],
)
def test_addresses_of_the_lists_have_their_chains_shape(chain, address, _case):
    assert chains.is_valid_address(chain, address)


@pytest.mark.parametrize(
    ("chain", "address", "_case"),
    [
        ("ETH", "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353", "one hex digit short"),
        ("ETH", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "a bitcoin address on ethereum"),
        ("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0", "0 is not base58"),
        ("XBT", "1Gq", "a stump"),
        ("TRX", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLr", "too short"),
        ("DOGGO", "D5Q1Wr7YvHk8JaUYXkXfgqkdjSP3FfxHrm", "no such chain"),
        ("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 ", "a trailing space"),
    ],
)
def test_near_miss_addresses_are_not_valid(chain, address, _case):
    assert not chains.is_valid_address(chain, address)


def test_ethereum_and_bech32_addresses_compare_in_lower_case_base58_exactly():
    assert chains.normalise_address(" 0xABCDEF0123456789abcdef0123456789ABCDEF01 ") == (
        "0xabcdef0123456789abcdef0123456789abcdef01"
    )
    assert chains.normalise_address("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ") == (
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    )
    assert chains.normalise_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") == (
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    )


def test_one_key_matches_across_its_chain_family_and_nowhere_else():
    evm = "0x175d44451403edf28469df03a9280c1197adb92c"
    assert "USDT" in chains.matching_chains("ETH", evm)
    assert "ARB" in chains.matching_chains("USDC", evm)
    assert chains.matching_chains("TRX", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre") == {
        "TRX",
        "USDT",
        "USDC",
    }
    assert chains.matching_chains("XMR", "4" * 95) == {"XMR"}
    assert chains.matching_chains("LTC", "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb") == {"LTC"}
