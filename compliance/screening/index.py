"""The in-memory screening index: every active entry's names, prepared once per process.

Blocking keeps a query to a few candidates: each listed token is posted under itself, its
sound key (normalise.phonetic_key) and its one-letter deletions (so one typo on either side
still meets), and adjacent token pairs are posted joined (Abdul Rahman under abdulrahman).
A query token collects the names posted under its keys; a name is a candidate when the
tokens that found it carry at least half the query's information (bits), so "Mohammed Ali"
looks only at names with both a Mohammed and an Ali, while a rare surname alone is enough.

`get_index()` keeps one index per process and rebuilds it when the lists change: a version
stamp (the ids of the current WatchlistVersion rows, the entries' latest update and active
count) is cached in Redis for SCREENING_STAMP_SECONDS and compared at most every
SCREENING_INDEX_CHECK_SECONDS.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q

from compliance.countries import country_code
from compliance.screening.matcher import (
    DEFAULT_TUNING,
    INITIAL,
    LEGAL,
    NAME,
    PARTICLE,
    PRIMARY,
    STRONG,
    WEAK,
    EntryRecord,
    NameFrequencies,
    NameRecord,
    Query,
    Scored,
    Tuning,
    context_points,
    make_record,
    parse_entry_dobs,
    prepare_query,
    score_entry,
    token_similarity,
)
from compliance.screening.normalise import phonetic_key, prepare_name

STAMP_KEY = "compliance:screening:index-stamp"
MAX_CANDIDATES = 600
# A small index (tests, a PEP list alone) is no burden to the garbage collector: not frozen.
SETTLE_FROM_ENTRIES = 1000
_STRENGTH_ORDER = {PRIMARY: 0, STRONG: 1, WEAK: 2}


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _deletions(token: str) -> list[str]:
    return [token[:k] + token[k + 1 :] for k in range(len(token))]


def _codes(values: Iterable[Any]) -> frozenset[str]:
    codes = set()
    for value in values or ():
        code = country_code(str(value))
        if code:
            codes.add(code)
    return frozenset(codes)


class ScreeningIndex:
    """All names of the given entries, with blocking keys and token frequencies.

    `entries` are WatchlistEntry rows or anything with the same fields (mappings too):
    id, source, entity_ref, kind, name, aliases, dates_of_birth, nationalities, countries,
    content_hash.
    """

    def __init__(self, entries: Iterable[Any], *, tuning: Tuning = DEFAULT_TUNING, stamp: str = ""):
        self.tuning = tuning
        self.stamp = stamp
        self.entries: list[EntryRecord] = []
        self.records: list[NameRecord] = []
        self.entry_records: list[list[int]] = []
        self.by_id: dict[int, int] = {}
        prepared: list[tuple[int, str, str, Any]] = []
        token_entries: dict[str, int] = {}
        key_entries: dict[str, int] = {}

        for position, obj in enumerate(entries):
            kind = str(_field(obj, "kind", "individual"))
            record = EntryRecord(
                id=int(_field(obj, "id", position)),
                source=str(_field(obj, "source", "")),
                entity_ref=str(_field(obj, "entity_ref", "")),
                kind=kind,
                name=str(_field(obj, "name", "")),
                content_hash=str(_field(obj, "content_hash", "")),
                dobs=parse_entry_dobs(_field(obj, "dates_of_birth", ()) or ()),
                nationalities=_codes(_field(obj, "nationalities", ()) or ()),
                countries=_codes(_field(obj, "countries", ()) or ()),
                programs=tuple(_field(obj, "programs", ()) or ()),
            )
            index = len(self.entries)
            self.entries.append(record)
            self.entry_records.append([])
            self.by_id[record.id] = index
            organisation = record.organisation
            names: dict[str, tuple[str, str, Any]] = {}
            for text, strength in self._names(obj):
                name = prepare_name(text, organisation=organisation)
                if not name.tokens:
                    continue
                key = name.text
                known = names.get(key)
                if known is None or _STRENGTH_ORDER[strength] < _STRENGTH_ORDER[known[1]]:
                    names[key] = (text, strength, name)
            seen_tokens: set[str] = set()
            for text, strength, name in names.values():
                prepared.append((index, text, strength, name))
                for token, cls in zip(name.tokens, name.classes, strict=True):
                    if cls is not INITIAL:
                        seen_tokens.add(token)
            for token in seen_tokens:
                token_entries[token] = token_entries.get(token, 0) + 1
            for key in {phonetic_key(t) for t in seen_tokens}:
                key_entries[key] = key_entries.get(key, 0) + 1

        self.frequencies = NameFrequencies(token_entries, key_entries, len(self.entries))
        self.postings: dict[str, list[int]] = {}
        self.name_counts: list[int] = []
        self.joined: dict[str, list[int]] = {}
        for entry_index, text, strength, name in prepared:
            record_id = len(self.records)
            self.records.append(
                make_record(
                    entry=entry_index,
                    text=text,
                    strength=strength,
                    name=name,
                    frequencies=self.frequencies,
                    tuning=tuning,
                )
            )
            self.entry_records[entry_index].append(record_id)
            self.name_counts.append(sum(1 for c in name.classes if c is NAME))
            # Legal-form words are posted too: a query may misspell them into names.
            posted = {
                t for t, c in zip(name.tokens, name.classes, strict=True) if c is NAME or c is LEGAL
            }
            for token in posted:
                self.postings.setdefault(token, []).append(record_id)
            joinable = [
                t for t, c in zip(name.tokens, name.classes, strict=True) if c in (NAME, PARTICLE)
            ]
            for left, right in itertools.pairwise(joinable):
                self.joined.setdefault(left + right, []).append(record_id)

        self.sounds: dict[str, list[str]] = {}
        self.deletes: dict[str, list[str]] = {}
        for token in self.postings:
            self.sounds.setdefault(phonetic_key(token), []).append(token)
            if len(token) >= 4:
                for variant in _deletions(token):
                    self.deletes.setdefault(variant, []).append(token)
        self._token_cache: dict[str, frozenset[int]] = {}

    @staticmethod
    def _names(obj: Any) -> Iterable[tuple[str, str]]:
        yield str(_field(obj, "name", "")), PRIMARY
        for alias in _field(obj, "aliases", ()) or ():
            if isinstance(alias, Mapping):
                text = str(alias.get("name") or "")
                strength = WEAK if str(alias.get("strength", "")).lower() == WEAK else STRONG
            else:
                text, strength = str(alias), STRONG
            if text:
                yield text, strength

    def __len__(self) -> int:
        return len(self.entries)

    # ---- search -----------------------------------------------------------------------------

    def records_for_token(self, token: str) -> frozenset[int]:
        """The names a query token finds by itself, its sound or one typo (candidates() adds
        the names where it is two listed words written as one)."""
        cached = self._token_cache.get(token)
        if cached is not None:
            return cached
        vocabulary = {token} if token in self.postings else set()
        vocabulary.update(self.sounds.get(phonetic_key(token), ()))
        # The two halves of "Abd al-Rahman" find each other (see token_similarity).
        for other in (token[3:] if token.startswith("abd") else "", "abd" + token):
            if other in self.postings:
                vocabulary.add(other)
        if len(token) >= 4:
            vocabulary.update(self.deletes.get(token, ()))
            for variant in _deletions(token):
                if variant in self.postings:
                    vocabulary.add(variant)
                vocabulary.update(self.deletes.get(variant, ()))
        words = [
            # Only neighbours the scorer would pair with the token: a deletion neighbour
            # can be a different name (sahin / saint).
            word
            for word in vocabulary
            if word == token or token_similarity(token, word, self.tuning)[1]
        ]
        found: set[int] = set()
        for word in words:
            found.update(self.postings[word])
        result = frozenset(found)
        if len(self._token_cache) > 20_000:
            self._token_cache.clear()
        self._token_cache[token] = result
        return result

    def candidates(self, query: Query) -> tuple[dict[int, float], dict[int, int]]:
        """Names that share enough of the query's information to be worth scoring: the
        bits of the query tokens that found each, and which tokens did (a bit mask: bit i
        for query word i, 16 + k for the k-th adjacent pair found joined, 32 + i for word i
        found as two listed words joined)."""
        tokens = query.prepared.tokens
        classes = query.prepared.classes
        # Words past the sixteenth do not find names (the masks have room for sixteen).
        significant = [i for i, c in enumerate(classes) if c is NAME and i < 16]
        if not significant:
            return {}, {}
        found: dict[int, float] = {}
        masks: dict[int, int] = {}
        get_found, get_mask = found.get, masks.get
        for i in significant:
            weight = query.bits[i]
            bit = 1 << i
            direct = self.records_for_token(tokens[i])
            for record_id in direct:
                found[record_id] = get_found(record_id, 0.0) + weight
                masks[record_id] = get_mask(record_id, 0) | bit
            # One query word for two listed ones (Kimjong / KIM Jong): bit 32 + i says it
            # covers two of the name's words.
            both = bit | (1 << (32 + i))
            for record_id in self.joined.get(tokens[i], ()):
                if record_id not in direct:
                    found[record_id] = get_found(record_id, 0.0) + weight
                masks[record_id] = get_mask(record_id, 0) | both
        # A query written joined where the list splits it, or the other way round.
        for k, (i, j) in enumerate(itertools.pairwise(significant)):
            joined = tokens[i] + tokens[j]
            weight = query.bits[i] + query.bits[j]
            bit = (1 << (16 + k)) | (1 << i) | (1 << j)
            for record_id in (*self.joined.get(joined, ()), *self.postings.get(joined, ())):
                found[record_id] = get_found(record_id, 0.0) + weight
                masks[record_id] = get_mask(record_id, 0) | bit
        need = 0.5 * sum(query.bits[i] for i in significant) + 1e-6
        chosen = {r: w for r, w in found.items() if w >= need}
        if len(chosen) > MAX_CANDIDATES:
            keep = sorted(chosen, key=lambda r: (-chosen[r], r))[:MAX_CANDIDATES]
            chosen = {r: chosen[r] for r in keep}
        return chosen, masks

    def prepare(self, name: str, *, dob: Any = None, countries: Iterable[str] = ()) -> Query:
        codes = [c for c in (country_code(str(v)) for v in countries if v) if c]
        return prepare_query(
            name, dob=dob, countries=codes, frequencies=self.frequencies, tuning=self.tuning
        )

    def search(self, query: Query, *, min_score: float = 0.0, limit: int = 10) -> list[Scored]:
        """The entries the query scores at least `min_score` against, best first.

        Names whose best possible score cannot reach `min_score` are not scored: the
        commonness penalty has a floor (the query's own bits bound the matched bits), and
        the date-of-birth and country effects are known per entry before any name work."""
        tuning = self.tuning
        found, masks = self.candidates(query)
        q_classes = query.prepared.classes
        significant_mask = sum(1 << i for i, c in enumerate(q_classes) if c is NAME and i < 16)
        per_bit = tuning.commonness_per_bit
        context_cache: dict[int, float] = {}
        per_entry: dict[int, list[NameRecord]] = {}
        records = self.records
        name_counts = self.name_counts
        for record_id in found:
            record = records[record_id]
            entry_index = record.entry
            context = context_cache.get(entry_index)
            if context is None:
                context = context_points(query, self.entries[entry_index], tuning)
                context_cache[entry_index] = context
            if min_score > 0:
                # The best this name could score, taking query tokens that no blocking key
                # led here as unmatched: if it falls short, it is not scored at all.
                mask = masks[record_id]
                covered = mask.bit_count()  # words found, joined pairs, compounds
                incomplete = (mask & significant_mask) != significant_mask or (
                    name_counts[record_id] > covered
                )
                # The matched bits are at most those of the query tokens that found it.
                rare = (
                    tuning.rare_bits_organisation
                    if self.entries[entry_index].organisation
                    else tuning.rare_bits
                )
                deficit = max(0.0, rare - found[record_id]) * per_bit
                best = 100.0 - deficit * (1.0 if incomplete else tuning.complete_common_share)
                if record.strength == WEAK:
                    best -= tuning.weak_alias_penalty
                if best + context < min_score:
                    continue
            per_entry.setdefault(entry_index, []).append(record)
        results = []
        for entry_index, entry_names in per_entry.items():
            scored = score_entry(query, self.entries[entry_index], entry_names, tuning)
            if scored is not None and scored.score >= min_score:
                results.append(scored)
        results.sort(key=lambda s: (-s.score, s.entry.id))
        return results[:limit]

    def score_against(self, query: Query, entry_id: int) -> Scored | None:
        """The query scored against one entry, all of its names (for explanations/tests)."""
        index = self.by_id.get(entry_id)
        if index is None:
            return None
        records = [self.records[r] for r in self.entry_records[index]]
        return score_entry(query, self.entries[index], records, self.tuning)


# ---- the per-process index ------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "checked": 0.0}


def current_stamp() -> str:
    """What the index was built from: current list versions and the entries' last change."""
    from compliance.models import WatchlistEntry, WatchlistVersion

    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        versions = list(
            WatchlistVersion.objects.filter(is_current=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        agg = WatchlistEntry.objects.aggregate(
            latest=Max("updated_at"), active=Count("pk", filter=Q(active=True))
        )
        stamp = f"{versions}|{agg['latest']}|{agg['active']}"
        cache.set(STAMP_KEY, stamp, timeout=settings.SCREENING_STAMP_SECONDS)
    return str(stamp)


def invalidate() -> None:
    """Make every process re-read the stamp at its next check (call after a list changes)."""
    cache.delete(STAMP_KEY)


def settle() -> None:
    """Keep the garbage collector off the index: its millions of objects would make every
    full collection a half-second pause in the middle of some query (gc.freeze moves what
    exists now out of the collector's sight; refcounting still frees an old index)."""
    gc.collect()
    gc.freeze()


def build_from_database(stamp: str = "") -> ScreeningIndex:
    from compliance.models import WatchlistEntry

    rows = (
        WatchlistEntry.objects.filter(active=True)
        .order_by("pk")
        .values(
            "id",
            "source",
            "entity_ref",
            "kind",
            "name",
            "aliases",
            "dates_of_birth",
            "nationalities",
            "countries",
            "programs",
            "content_hash",
        )
        .iterator(chunk_size=2000)
    )
    return ScreeningIndex(rows, stamp=stamp)


def get_index(*, max_age: float | None = None) -> ScreeningIndex:
    """This process's index, rebuilt when the stamp changed. The stamp is looked at when
    the last look is older than `max_age` seconds (default SCREENING_INDEX_CHECK_SECONDS)."""
    if max_age is None:
        max_age = float(settings.SCREENING_INDEX_CHECK_SECONDS)
    index: ScreeningIndex | None = _state["index"]
    now = time.monotonic()
    if index is not None and now - _state["checked"] < max_age:
        return index
    with _lock:
        stamp = current_stamp()
        index = _state["index"]
        if index is None or index.stamp != stamp:
            gc.unfreeze()
            index = build_from_database(stamp)
            _state["index"] = index
            if len(index) >= SETTLE_FROM_ENTRIES:
                settle()
        _state["checked"] = time.monotonic()
        return index
