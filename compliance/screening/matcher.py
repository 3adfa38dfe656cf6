"""The screening score: how well a query {name, date of birth?, country?} fits one entry.

Pure Python, no database: `index.py` hands in the entry and its names, prepared once.

How a score is built (docs/screening.md has the long version):

1. Name. The query's tokens are aligned one-to-one with the tokens of each of the entry's
   names (primary and every alias), in any order. Two tokens agree exactly, by spelling
   (rapidfuzz Indel similarity), by sound (equal phonetic keys lift a close spelling to 0.9),
   as an initial ("J" for "John", 0.8), or as a compound ("Abdulrahman" for "Abdul Rahman").
   Each token weighs what it tells: its information in bits, -log2 of how common it is among
   listed names and among people (common_names.py); particles and legal-form words weigh
   (almost) nothing and cost nothing when missing. "Found" is the matched weight over the
   query's weight, and over the listed name's weight; the name points are
   100 * (0.75 * the larger + 0.25 * the smaller), so a missing middle name costs a little
   and different middle names cost a lot.
2. Commonness. A match made of common tokens proves little: when the matched tokens carry
   fewer than `rare_bits` bits, `commonness_per_bit` points per missing bit are taken off;
   in full when either side has a name the other lacks (a common first + last name inside
   a longer listed name), a quarter of it when the names agree completely.
3. Weak aliases (the lists' "low quality" a.k.a.s) lose `weak_alias_penalty` points.
4. Date of birth: exact +15, year and month +10, year +8 (or within a listed range +5),
   day and month swapped +8, one year off 0, two years off -20, further -30. Only when both
   sides have one.
5. Country (nationality or residence against the entry's nationalities and address
   countries): nationality agrees +6, an address country agrees +4, disagrees -8
   (nationality known) or -3 (only addresses known).
6. Organisations: the same legal form on both sides +2, a different one -3.

The result is clipped to 0-100. `explain()` writes all of it down for the officer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz.distance import OSA, Indel

from compliance.screening.common_names import POPULATION_SHARE
from compliance.screening.normalise import PreparedName, TokenClass, phonetic_key, prepare_name

NAME, PARTICLE, LEGAL, INITIAL = (
    TokenClass.NAME,
    TokenClass.PARTICLE,
    TokenClass.LEGAL,
    TokenClass.INITIAL,
)

PRIMARY, STRONG, WEAK = "primary", "strong", "weak"


@dataclass(frozen=True, slots=True)
class Tuning:
    """Every knob of the score, with the values the evaluation chose (benchmarks/)."""

    hi_share: float = 0.75
    token_floor: float = 0.70  # a token pair below this similarity is no match
    phonetic_sim: float = 0.90
    phonetic_floor: float = 0.55  # equal sound keys count only for spellings this close
    initial_sim: float = 0.80
    compound_floor: float = 0.85
    abd_part_sim: float = 0.85  # "rahman" against "abdrahman"
    particle_weight: float = 0.5
    legal_weight: float = 0.3
    initial_weight: float = 2.0
    bits_min: float = 1.5
    bits_max: float = 14.0
    unknown_bits: float = 11.0  # a query token no list or table knows (often a typo)
    rare_bits: float = 22.0
    rare_bits_organisation: float = 14.0  # organisations' names are fewer, rarer words
    commonness_per_bit: float = 2.5
    complete_common_share: float = 0.4
    weak_alias_penalty: float = 10.0
    dob_exact: float = 15.0
    dob_year_month: float = 10.0
    dob_swapped: float = 8.0
    dob_year: float = 8.0
    dob_range: float = 5.0
    dob_same_year_other_day: float = 2.0
    dob_two_years: float = -20.0
    dob_mismatch: float = -30.0
    nationality_agrees: float = 6.0
    address_agrees: float = 4.0
    nationality_differs: float = -8.0
    address_differs: float = -3.0
    legal_agrees: float = 2.0
    legal_differs: float = -3.0


DEFAULT_TUNING = Tuning()

# ---------------------------------------------------------------------------------------------
# Dates of birth


# (year_from, year_to, month, day); month/day 0 when the list does not say.
DobSpec = tuple[int, int, int, int]
QueryDob = tuple[int, int, int]

_DOB_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def parse_entry_dobs(values: Iterable[Any]) -> tuple[DobSpec, ...]:
    """The entry's dates of birth ("YYYY-MM-DD", "YYYY-MM", "YYYY", {"from", "to"})."""
    specs: list[DobSpec] = []
    for value in values or ():
        if isinstance(value, Mapping):
            try:
                low = int(str(value.get("from") or value.get("to"))[:4])
                high = int(str(value.get("to") or value.get("from"))[:4])
            except ValueError:
                continue
            specs.append((min(low, high), max(low, high), 0, 0))
            continue
        match = _DOB_RE.match(str(value))
        if match:
            year = int(match.group(1))
            specs.append((year, year, int(match.group(2) or 0), int(match.group(3) or 0)))
    return tuple(specs)


def parse_query_dob(value: date | str | None) -> QueryDob | None:
    """A query's date of birth: a date, or "YYYY-MM-DD" / "YYYY-MM" / "YYYY"."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return (value.year, value.month, value.day)
    match = _DOB_RE.match(str(value).strip())
    if not match:
        raise ValueError(f"not a date of birth: {value!r} (YYYY-MM-DD)")
    return (int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))


def _format_query_dob(dob: QueryDob) -> str:
    """A queried (year, month, day) as ISO 8601, zero-padded; 0 month or day left out."""
    year, month, day = dob
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def _format_spec(spec: DobSpec) -> str:
    low, high, month, day = spec
    if low != high:
        return f"{low}-{high}"
    return f"{low}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def dob_effect(
    query: QueryDob | None, specs: Sequence[DobSpec], tuning: Tuning = DEFAULT_TUNING
) -> tuple[float, str]:
    """Points and a sentence: how the date of birth changes the score (best listed date)."""
    if query is None or not specs:
        return 0.0, ("no date of birth given" if query is None else "the entry lists none")
    qy, qm, qd = query
    best: tuple[float, str] | None = None
    for spec in specs:
        low, high, month, day = spec
        listed = _format_spec(spec)
        if low != high:
            if low <= qy <= high:
                found = (tuning.dob_range, f"year {qy} within the listed range {listed}")
            else:
                found = _year_distance(qy, low if qy < low else high, listed, tuning)
        elif qy == low:
            if month and qm and day and qd:
                if (month, day) == (qm, qd):
                    found = (tuning.dob_exact, f"exact match {listed}")
                elif (month, day) == (qd, qm):
                    found = (tuning.dob_swapped, f"{listed}: day and month swapped")
                else:
                    found = (tuning.dob_same_year_other_day, f"same year, other day ({listed})")
            elif month and qm:
                if month == qm:
                    found = (tuning.dob_year_month, f"year and month match {listed}")
                else:
                    found = (tuning.dob_same_year_other_day, f"same year, other month ({listed})")
            else:
                found = (tuning.dob_year, f"year matches {listed}")
        else:
            found = _year_distance(qy, low, listed, tuning)
        if best is None or found[0] > best[0]:
            best = found
    return best if best is not None else (0.0, "")


def _year_distance(qy: int, listed_year: int, listed: str, tuning: Tuning) -> tuple[float, str]:
    distance = abs(qy - listed_year)
    if distance <= 1:
        return 0.0, f"one year off ({listed})"
    if distance == 2:
        return tuning.dob_two_years, f"two years off ({listed})"
    return tuning.dob_mismatch, f"different: listed {listed}"


def context_points(query: Query, entry: EntryRecord, tuning: Tuning = DEFAULT_TUNING) -> float:
    """The date-of-birth and country effects alone, for pruning before any name work."""
    points = 0.0
    if query.dob is not None and entry.dobs and not entry.organisation:
        points += dob_effect(query.dob, entry.dobs, tuning)[0]
    if query.countries:
        points += country_effect(query.countries, entry.nationalities, entry.countries, tuning)[0]
    return points


# ---------------------------------------------------------------------------------------------
# Countries


def country_effect(
    query: Sequence[str],
    nationalities: frozenset[str],
    countries: frozenset[str],
    tuning: Tuning = DEFAULT_TUNING,
) -> tuple[float, str]:
    """Points and a sentence for the query's countries against the entry's."""
    if not query:
        return 0.0, "no country given"
    agree = [c for c in query if c in nationalities]
    if agree:
        return tuning.nationality_agrees, f"nationality {agree[0]} matches"
    at_address = [c for c in query if c in countries]
    if at_address:
        return tuning.address_agrees, f"listed address in {at_address[0]}"
    if nationalities:
        return (
            tuning.nationality_differs,
            f"{'/'.join(query)} differs from the listed nationality "
            f"{', '.join(sorted(nationalities))}",
        )
    if countries:
        return (
            tuning.address_differs,
            f"{'/'.join(query)} is not among the listed address countries",
        )
    return 0.0, "the entry lists no country"


# ---------------------------------------------------------------------------------------------
# Legal forms

_LEGAL_CANON = {
    "limited": "ltd",
    "limited liability company": "llc",
    "company": "co",
    "corporation": "corp",
    "incorporated": "inc",
    "joint stock company": "jsc",
    "public joint stock company": "pjsc",
    "open joint stock company": "ojsc",
    "closed joint stock company": "cjsc",
    "societe anonyme": "sa",
    "sociedad anonima": "sa",
    "sociedade anonima": "sa",
    "obshchestvo s ogranichennoy otvetstvennostyu": "ooo",
    "aktsionernoe obshchestvo": "ao",
    "public limited company": "plc",
}
# Generic words that are not a form of their own (holding, group, ...) are not compared.
_LEGAL_IGNORED = frozenset(
    {"holding", "holdings", "group", "enterprise", "enterprises", "general trading"}
)


def _legal_set(forms: Iterable[str]) -> frozenset[str]:
    """Canonical legal forms, several-word ones also by their words (a misspelt "Limited
    Liabilty Company" still agrees with "limited liability company")."""
    found = set()
    for form in forms:
        if form in _LEGAL_IGNORED:
            continue
        found.add(_LEGAL_CANON.get(form, form))
        if " " in form:
            found.update(_LEGAL_CANON.get(w, w) for w in form.split() if w in _LEGAL_CANON)
    return frozenset(found)


def legal_effect(
    query: Sequence[str], listed: Sequence[str], tuning: Tuning = DEFAULT_TUNING
) -> tuple[float, str]:
    q, e = _legal_set(query), _legal_set(listed)
    if not q or not e:
        return 0.0, ""
    if q & e:
        return tuning.legal_agrees, f"same legal form ({', '.join(sorted(q & e))})"
    return (
        tuning.legal_differs,
        f"other legal form ({', '.join(sorted(q))} vs {', '.join(sorted(e))})",
    )


# ---------------------------------------------------------------------------------------------
# How common a token is


MIN_LIST_SIZE = 10_000


class NameFrequencies:
    """Bits of information per token: -log2 of the larger of its share among listed entries
    (directly and through its sound key, so one spelling of a common name is not taken for
    rare) and its share among people (common_names.POPULATION_SHARE)."""

    def __init__(
        self, token_entries: Mapping[str, int], key_entries: Mapping[str, int], total: int
    ):
        self.token_entries = token_entries
        self.key_entries = key_entries
        self.total = max(total, 1)
        self._cache: dict[str, float] = {}

    def share(self, token: str) -> float:
        # A small list cannot show that a word is common (one entry in ten is not one person
        # in ten): shares are taken over at least MIN_LIST_SIZE entries.
        size = max(self.total, MIN_LIST_SIZE)
        listed = self.token_entries.get(token, 0)
        share = (listed + 0.5) / size if listed else 0.0
        key = phonetic_key(token)
        if len(key) >= 3:
            share = max(share, 0.5 * self.key_entries.get(key, 0) / size)
        share = max(share, POPULATION_SHARE.get(token, 0.0))
        if len(token) <= 2:
            share = max(share, 0.01)
        elif len(token) == 3:
            share = max(share, 0.002)
        return share

    def bits(self, token: str, tuning: Tuning = DEFAULT_TUNING) -> float:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        share = self.share(token)
        value = -math.log2(share) if share > 0 else tuning.unknown_bits
        if not share:
            value = tuning.unknown_bits
        value = min(max(value, tuning.bits_min), tuning.bits_max)
        if len(self._cache) < 200_000:
            self._cache[token] = value
        return value

    def known(self, token: str) -> bool:
        return token in self.token_entries or token in POPULATION_SHARE


EMPTY_FREQUENCIES = NameFrequencies({}, {}, 1)

# ---------------------------------------------------------------------------------------------
# Prepared entries, names and queries


@dataclass(slots=True)
class EntryRecord:
    """What the engine needs of one WatchlistEntry."""

    id: int
    source: str
    entity_ref: str
    kind: str
    name: str
    content_hash: str
    dobs: tuple[DobSpec, ...]
    nationalities: frozenset[str]
    countries: frozenset[str]
    programs: tuple[str, ...] = ()

    @property
    def organisation(self) -> bool:
        return self.kind != "individual"


@dataclass(slots=True)
class NameRecord:
    """One name of an entry (primary or alias), tokenised, with each token's bits."""

    entry: int  # position in the index's entry list
    text: str
    strength: str  # primary | strong | weak
    tokens: tuple[str, ...]
    classes: tuple[TokenClass, ...]
    bits: tuple[float, ...]
    legal_forms: tuple[str, ...]
    weights: tuple[float, ...] = ()  # token_weight() of each token
    key: tuple[Any, ...] = ()  # the tokens and classes, sorted: equal keys score alike


def make_record(
    *,
    entry: int,
    text: str,
    strength: str,
    name: PreparedName,
    frequencies: NameFrequencies,
    tuning: Tuning = DEFAULT_TUNING,
) -> NameRecord:
    bits = tuple(frequencies.bits(t, tuning) for t in name.tokens)
    return NameRecord(
        entry=entry,
        text=text,
        strength=strength,
        tokens=name.tokens,
        classes=name.classes,
        bits=bits,
        legal_forms=name.legal_forms,
        weights=tuple(token_weight(c, b, tuning) for c, b in zip(name.classes, bits, strict=True)),
        key=tuple(sorted(zip(name.tokens, name.classes, strict=True))),
    )


def token_weight(cls: TokenClass, bits: float, tuning: Tuning) -> float:
    if cls is NAME:
        return bits
    if cls is INITIAL:
        return tuning.initial_weight
    if cls is PARTICLE:
        return tuning.particle_weight
    return tuning.legal_weight


@dataclass(slots=True)
class Query:
    """A prepared query: the name's tokens and bits, date of birth, country codes.

    Against a person's name the query's legal-form words count as names (a company is not a
    person); `person_*` and `org_*` hold the classes and weights for either case. `caches`
    keep token similarities and `name_values` whole-name scores for this query."""

    name: str
    prepared: PreparedName
    bits: tuple[float, ...]
    dob: QueryDob | None
    countries: tuple[str, ...]
    person_classes: tuple[TokenClass, ...] = ()
    org_classes: tuple[TokenClass, ...] = ()
    person_weights: tuple[float, ...] = ()
    org_weights: tuple[float, ...] = ()
    caches: list[dict[str, tuple[float, str]]] = field(default_factory=list)
    name_values: dict[tuple[Any, ...], float] = field(default_factory=dict)


def prepare_query(
    name: str,
    *,
    dob: date | str | None = None,
    countries: Sequence[str] = (),
    frequencies: NameFrequencies = EMPTY_FREQUENCIES,
    tuning: Tuning = DEFAULT_TUNING,
) -> Query:
    prepared = prepare_name(name, organisation=None)
    bits = tuple(
        frequencies.bits(t, tuning) if frequencies.known(t) else tuning.unknown_bits
        for t in prepared.tokens
    )
    person_classes = tuple(NAME if c is LEGAL else c for c in prepared.classes)
    return Query(
        name=name,
        prepared=prepared,
        bits=bits,
        dob=parse_query_dob(dob),
        countries=tuple(dict.fromkeys(c for c in countries if c)),
        person_classes=person_classes,
        org_classes=prepared.classes,
        person_weights=tuple(
            token_weight(c, b, tuning) for c, b in zip(person_classes, bits, strict=True)
        ),
        org_weights=tuple(
            token_weight(c, b, tuning) for c, b in zip(prepared.classes, bits, strict=True)
        ),
        caches=[{} for _ in prepared.tokens],
    )


# ---------------------------------------------------------------------------------------------
# Names


def token_similarity(q: str, e: str, tuning: Tuning = DEFAULT_TUNING) -> tuple[float, str]:
    """How alike two tokens are (0-1) and how: exact, initial, phonetic or spelling."""
    if q == e:
        return 1.0, "exact"
    if len(q) == 1 or len(e) == 1:
        if q[0] == e[0] and q.isalpha() and e.isalpha():
            return tuning.initial_sim, "initial"
        return 0.0, ""
    if q.isdigit() or e.isdigit():
        return 0.0, ""
    spelling = Indel.normalized_similarity(q, e)
    if (
        spelling >= tuning.phonetic_floor
        and spelling < tuning.phonetic_sim
        and min(len(q), len(e)) >= 3
        and abs(len(q) - len(e)) <= (1 if min(len(q), len(e)) <= 4 else 2)
        and phonetic_key(q) == phonetic_key(e)
    ):
        return tuning.phonetic_sim, "phonetic"
    if spelling >= tuning.token_floor:
        allowed = _edits_allowed(max(len(q), len(e))) + (1 if spelling >= 0.85 else 0)
        if OSA.distance(q, e, score_cutoff=allowed) <= allowed:
            return spelling, "spelling"
    # "Abd al-Rahman" is one token (abdrahman); written apart or in another order its second
    # half stands alone.
    if (len(e) > 5 and e.startswith("abd") and e[3:] == q) or (
        len(q) > 5 and q.startswith("abd") and q[3:] == e
    ):
        return tuning.abd_part_sim, "abd"
    return spelling, ""


def _edits_allowed(length: int) -> int:
    """Typos (OSA edits) two words may differ by and still be one, by the longer one's
    length: none up to three letters (Li / Lu are different names), one up to five, two up
    to eight, then three."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    if length <= 8:
        return 2
    return 3


@dataclass(slots=True)
class Pair:
    query: int  # token position in the query (-1 joined with the next for compounds)
    entry: int
    similarity: float
    how: str
    query_end: int = -1  # for compounds: the last query token covered
    entry_end: int = -1


@dataclass(slots=True)
class NameScore:
    points: float  # the name's points before commonness, weak-alias and context effects
    commonness: float  # points taken off because the matched tokens are common
    bits: float  # information carried by the matched tokens
    query_found: float
    listed_found: float
    complete: bool
    pairs: list[Pair]
    unmatched_query: list[int]
    unmatched_entry: list[int]

    @property
    def total(self) -> float:
        return self.points - self.commonness


def score_name(
    query: Query,
    record: NameRecord,
    *,
    organisation: bool,
    tuning: Tuning = DEFAULT_TUNING,
) -> NameScore:
    """Align the query's tokens with one listed name's and weigh what was found."""
    q_tokens = query.prepared.tokens
    # Legal-form words only mean something between organisations.
    q_classes = query.org_classes if organisation else query.person_classes
    q_weights = query.org_weights if organisation else query.person_weights
    e_tokens = record.tokens
    e_classes = record.classes
    e_weights = record.weights
    floor = tuning.token_floor
    caches = query.caches
    # (similarity, query word, listed word, how, last query word, last listed word): a
    # compound covers two adjacent words on one side (Kimjong / KIM Jong, Jongun / Jong Un).
    candidates: list[tuple[float, int, int, str, int, int]] = []
    best_single = [0.0] * len(q_tokens)
    for i, qt in enumerate(q_tokens):
        q_cls = q_classes[i]
        q_legal = q_cls is LEGAL
        cache = caches[i]
        for j, et in enumerate(e_tokens):
            e_cls = e_classes[j]
            if q_legal and e_cls is not LEGAL:
                continue  # a query's legal-form word says nothing about a listed name
            found = cache.get(et)
            if found is None:
                found = token_similarity(qt, et, tuning)
                cache[et] = found
            sim, how = found
            if how and sim >= floor:
                if how == "initial" and q_cls is not INITIAL and e_cls is not INITIAL:
                    continue
                candidates.append((sim, i, j, how, i, j))
                if sim > best_single[i]:
                    best_single[i] = sim
    if len(q_tokens) > 1 or len(e_tokens) > 1:
        _compound_candidates(query, record, q_classes, best_single, candidates, tuning)
    if len(candidates) > 1:
        # Best first; at equal similarity a compound (it covers more) before a single word.
        candidates.sort(key=lambda c: (-c[0], c[1] - c[4] + c[2] - c[5], c[1], c[2]))
    used_q: set[int] = set()
    used_e: set[int] = set()
    pairs: list[Pair] = []
    for sim, i, j, how, i_end, j_end in candidates:
        if i in used_q or j in used_e or i_end in used_q or j_end in used_e:
            continue
        used_q.update((i, i_end))
        used_e.update((j, j_end))
        pairs.append(
            Pair(
                i,
                j,
                sim,
                how,
                query_end=i_end if i_end > i else -1,
                entry_end=j_end if j_end > j else -1,
            )
        )

    matched = 0.0
    matched_weight = 0.0
    bits = 0.0
    has_name = False
    for pair in pairs:
        j = pair.entry
        weight = e_weights[j]
        if pair.entry_end > j:
            weight = max(weight, e_weights[pair.entry_end])
        if pair.how == "compound" or (e_classes[j] is NAME and q_classes[pair.query] is NAME):
            # What the match tells is bounded by the commoner side: a common name matched to
            # a rare spelling of it is still a common name.
            bits += pair.similarity * min(weight, query.bits[pair.query])
            has_name = True
        matched += pair.similarity * weight
        matched_weight += weight

    unmatched_q = [i for i in range(len(q_tokens)) if i not in used_q]
    unmatched_e = [j for j in range(len(e_tokens)) if j not in used_e]
    if not has_name or matched <= 0:
        return NameScore(0.0, 0.0, 0.0, 0.0, 0.0, False, pairs, unmatched_q, unmatched_e)
    q_rest = 0.0
    for i in unmatched_q:
        if q_classes[i] is NAME or q_classes[i] is INITIAL:
            q_rest += q_weights[i]
    e_rest = 0.0
    for j in unmatched_e:
        if e_classes[j] is NAME or e_classes[j] is INITIAL:
            e_rest += e_weights[j]
    query_found = matched / (matched_weight + q_rest)
    listed_found = matched / (matched_weight + e_rest)
    if query_found >= listed_found:
        hi, lo = query_found, listed_found
    else:
        hi, lo = listed_found, query_found
    points = 100.0 * (tuning.hi_share * hi + (1.0 - tuning.hi_share) * lo)
    complete = q_rest == 0 and e_rest == 0
    # An organisation's name is judged by the organisation rule when the query is about it:
    # the query names a legal form, or has no words beyond the listed name, and what matched
    # is not a person's name (a company named after its owner). "Emma Smith" is a person
    # whose name contains the vessel EMMA, and gets the person rule.
    company_rule = (
        organisation
        and (bool(query.prepared.legal_forms) or q_rest == 0)
        and not any(
            q_tokens[p.query] in POPULATION_SHARE for p in pairs if q_classes[p.query] is NAME
        )
    )
    deficit = (tuning.rare_bits_organisation if company_rule else tuning.rare_bits) - bits
    commonness = tuning.commonness_per_bit * deficit if deficit > 0 else 0.0
    if complete and commonness:
        # Names that agree completely lose only a share, and only as far as they agree
        # exactly: a complete match through near spellings (Yong / Gyong) is less sure.
        doubt = 0.0
        for p in pairs:
            if p.how != "initial" and e_classes[p.entry] is NAME and p.similarity < 1.0:
                if q_tokens[p.query] in POPULATION_SHARE or e_tokens[p.entry] in POPULATION_SHARE:
                    # Common names near each other are often simply two names (Hassan /
                    # Hussain, Ayse / Ayash): no discount at all.
                    doubt = 1.0
                    break
                # A near spelling of a short word is more likely another name.
                short = min(len(q_tokens[p.query]), len(e_tokens[p.entry])) <= 5
                doubt = max(doubt, (1.0 - p.similarity) / (1.0 - floor) * (1.0 if short else 0.5))
        share = tuning.complete_common_share
        commonness *= share + (1.0 - share) * min(1.0, doubt)
    return NameScore(
        points,
        commonness,
        bits,
        query_found,
        listed_found,
        complete,
        pairs,
        unmatched_q,
        unmatched_e,
    )


def _compound_candidates(
    query: Query,
    record: NameRecord,
    q_classes: tuple[TokenClass, ...],
    best_single: list[float],
    candidates: list[tuple[float, int, int, str, int, int]],
    tuning: Tuning,
) -> None:
    """One word written as two (Abdul Rahman / Abdulrahman, Al Rashid / Alrashid, Kim Jong /
    Kimjong), on either side, when that fits better than any single word does."""
    q_tokens, e_tokens, e_classes = query.prepared.tokens, record.tokens, record.classes
    floor = tuning.compound_floor
    for i, qt in enumerate(q_tokens):
        if len(qt) < 5 or best_single[i] >= 1.0 or q_classes[i] is LEGAL:
            continue
        cache = query.caches[i]
        for j in range(len(e_tokens) - 1):
            if e_classes[j] is LEGAL or e_classes[j + 1] is LEGAL:
                continue
            joined = e_tokens[j] + e_tokens[j + 1]
            key = "+" + joined  # not a word of the list: its own cache entry
            found = cache.get(key)
            if found is None:
                found = (Indel.normalized_similarity(qt, joined), "compound")
                cache[key] = found
            if found[0] >= floor and found[0] > best_single[i]:
                candidates.append((found[0], i, j, "compound", i, j + 1))
    for j, et in enumerate(e_tokens):
        if len(et) < 5 or e_classes[j] is LEGAL:
            continue
        for i in range(len(q_tokens) - 1):
            if q_classes[i] is LEGAL or q_classes[i + 1] is LEGAL:
                continue
            sim = Indel.normalized_similarity(et, q_tokens[i] + q_tokens[i + 1])
            if sim >= floor and sim > max(best_single[i], best_single[i + 1]):
                candidates.append((sim, i, j, "compound", i + 1, j))


# ---------------------------------------------------------------------------------------------
# Entries


@dataclass(slots=True)
class Scored:
    """The best of an entry's names for a query, with the context effects applied."""

    entry: EntryRecord
    record: NameRecord
    name: NameScore
    weak_alias: float
    dob: tuple[float, str]
    country: tuple[float, str]
    legal: tuple[float, str]
    score: float


def score_entry(
    query: Query,
    entry: EntryRecord,
    records: Iterable[NameRecord],
    tuning: Tuning = DEFAULT_TUNING,
) -> Scored | None:
    """The entry's best name for the query, then date of birth, country and legal form."""
    best: tuple[float, NameRecord] | None = None
    organisation = entry.organisation
    values = query.name_values
    for record in records:
        cache_key = (record.key, organisation)
        value = values.get(cache_key)
        if value is None:
            name = score_name(query, record, organisation=organisation, tuning=tuning)
            value = name.total if name.points > 0 else -1.0
            values[cache_key] = value
        if value < 0:
            continue
        if record.strength == WEAK:
            value -= tuning.weak_alias_penalty
        if best is None or value > best[0]:
            best = (value, record)
    if best is None:
        return None
    record = best[1]
    name = score_name(query, record, organisation=organisation, tuning=tuning)
    return finish(query, entry, record, name, tuning)


def finish(
    query: Query, entry: EntryRecord, record: NameRecord, name: NameScore, tuning: Tuning
) -> Scored:
    weak = tuning.weak_alias_penalty if record.strength == WEAK else 0.0
    dob = dob_effect(query.dob, entry.dobs, tuning) if not entry.organisation else (0.0, "")
    country = country_effect(query.countries, entry.nationalities, entry.countries, tuning)
    legal = (
        legal_effect(query.prepared.legal_forms, record.legal_forms, tuning)
        if entry.organisation
        else (0.0, "")
    )
    score = name.total - weak + dob[0] + country[0] + legal[0]
    score = round(min(100.0, max(0.0, score)), 2)
    return Scored(entry, record, name, weak, dob, country, legal, score)


def explain(query: Query, scored: Scored) -> dict[str, Any]:
    """Why this scored what it did, for ScreeningMatch.explanation and the officer."""
    name = scored.name
    record = scored.record
    q_tokens, e_tokens = query.prepared.tokens, record.tokens
    tokens = []
    for pair in sorted(name.pairs, key=lambda p: p.query):
        q_text = q_tokens[pair.query] + (
            " " + q_tokens[pair.query_end] if pair.query_end > pair.query else ""
        )
        e_text = e_tokens[pair.entry] + (
            " " + e_tokens[pair.entry_end] if pair.entry_end > pair.entry else ""
        )
        tokens.append(
            {
                "query": q_text,
                "listed": e_text,
                "how": pair.how,
                "similarity": round(pair.similarity, 2),
                "bits": round(record.bits[pair.entry], 1),
            }
        )
    effects = [
        ("name", round(name.points, 1)),
        ("commonness", -round(name.commonness, 1)),
        ("weak_alias", -round(scored.weak_alias, 1)),
        ("date_of_birth", round(scored.dob[0], 1)),
        ("country", round(scored.country[0], 1)),
        ("legal_form", round(scored.legal[0], 1)),
    ]
    entry = scored.entry
    explanation: dict[str, Any] = {
        "score": scored.score,
        "entry": {
            "source": entry.source,
            "entity_ref": entry.entity_ref,
            "kind": entry.kind,
            "name": entry.name,
        },
        "matched_name": record.text,
        "matched_as": record.strength,  # primary | strong (alias) | weak (alias)
        "query": {
            "name": query.name,
            "normalised": query.prepared.text,
            "date_of_birth": _format_query_dob(query.dob) if query.dob else None,
            "countries": list(query.countries),
        },
        "tokens": tokens,
        "unmatched_query": [q_tokens[i] for i in name.unmatched_query],
        "unmatched_listed": [e_tokens[j] for j in name.unmatched_entry],
        "query_found": round(name.query_found, 3),
        "listed_found": round(name.listed_found, 3),
        "matched_bits": round(name.bits, 1),
        "components": dict(effects),
        "date_of_birth": scored.dob[1],
        "country": scored.country[1],
        "legal_form": scored.legal[1],
    }
    explanation["summary"] = summarise(explanation)
    return explanation


def summarise(explanation: Mapping[str, Any]) -> str:
    """One paragraph, for the officer: "why this scored 87"."""
    parts = []
    comp = explanation["components"]
    kind = {PRIMARY: "the listed name", STRONG: "an alias", WEAK: "a weak alias"}.get(
        explanation["matched_as"], "a name"
    )
    parts.append(
        f'"{explanation["query"]["name"]}" was compared with {kind} '
        f'"{explanation["matched_name"]}": {round(explanation["query_found"] * 100)} % of the '
        f"query's name and {round(explanation['listed_found'] * 100)} % of the listed name were "
        f"found, {comp['name']:+.1f} points"
    )
    if explanation["unmatched_listed"]:
        parts.append("not in the query: " + ", ".join(explanation["unmatched_listed"]))
    if explanation["unmatched_query"]:
        parts.append("not in the listed name: " + ", ".join(explanation["unmatched_query"]))
    if comp["commonness"]:
        parts.append(
            f"the matched names are common ({explanation['matched_bits']} bits of "
            f"information): {comp['commonness']:+.1f}"
        )
    if comp["weak_alias"]:
        parts.append(f"weak alias {comp['weak_alias']:+.1f}")
    if comp["date_of_birth"] or explanation["query"]["date_of_birth"]:
        parts.append(f"date of birth {explanation['date_of_birth']}: {comp['date_of_birth']:+.1f}")
    if comp["country"] or explanation["query"]["countries"]:
        parts.append(f"country: {explanation['country']}: {comp['country']:+.1f}")
    if comp["legal_form"]:
        parts.append(f"{explanation['legal_form']}: {comp['legal_form']:+.1f}")
    return "; ".join(parts) + f". Score {explanation['score']:g} of 100."
