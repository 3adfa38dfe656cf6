"""Name normalisation for screening: the same text from any script, case or punctuation.

`prepare_name()` turns a name as a list or a user wrote it ("AL-ATRUSH, Abd al-Wahhab",
"Dr. Владимир Путин", "CIMEX, S.A.") into tokens: Unicode NFKC, transliteration to ASCII
(anyascii), case folding, punctuation removed (apostrophes join: O'Brien -> obrien; other
marks split), honorifics and titles dropped, and each token classed as a name part, a
particle (al, bin, de, van ...: kept but weighing little), a legal-form word (LLC, GmbH, OOO
...: for organisations only) or an initial. Word order is not kept in any meaningful way:
the matcher aligns tokens regardless of order. `phonetic_key()` gives each token a sound key
(metaphone, with the vowel, h and sh/th differences that transliterations disagree on taken
out), so Mohammed / Muhammad and Qadhafi / Kaddafi meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from rapidfuzz import fuzz, process


class TokenClass(IntEnum):
    NAME = 0  # carries the identity: given names, surnames, distinctive words of a company
    PARTICLE = 1  # al, bin, de, van ...: compared, but missing or extra ones cost nothing
    LEGAL = 2  # a legal-form word of an organisation (llc, gmbh, ooo ...): a weak signal
    INITIAL = 3  # a single letter standing for a given name (J. Smith)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles and honorifics: dropped (unless nothing else is left). Words that are also common
# given names (Amir, Said) are deliberately not here.
HONORIFICS = _words(
    """
    mr mrs ms miss mx dr doctor prof professor sir dame lord lady madam madame mme mlle
    monsieur herr frau senor senora sr sra don dona
    sheikh shaikh shaykh sheik cheikh haji hajji hadji hajj alhaj alhajj alhaji
    mullah mulla maulana maulvi mawlawi mawlana molvi mufti imam ayatollah hojatoleslam
    general gen lieutenant lt colonel col major maj captain capt brigadier brig admiral adm
    commander cmdr sergeant sgt marshal field
    rev reverend father fr bishop archbishop pastor rabbi
    president pres minister senator judge justice hon honorable honourable excellency
    his her highness
    """
)

# Particles of Arabic, Romance, Germanic and Dutch names. "ben" and "ibn"/"bin" mean "son
# of"; "abu"/"umm" parent of. They are compared but weigh little. (Not "il", "an", "do":
# Korean given names and surnames.)
PARTICLES = _words(
    """
    al el ul ar as ash at az ad ur us
    bin ben ibn bint binti bn abu abou umm um
    de da das dos del della delle dei di du des la le lo las los van von der den
    zu y e et and
    sayed seyed sayyed sayyid syed seyyed
    """
)

# Legal-form words of organisations, dropped to weak signals when the name is an entity's.
# AMBIGUOUS ones are also plausible parts of a person's name or a short word; the query side
# treats them as legal forms only when the name has an unambiguous one too.
LEGAL_FORMS = _words(
    """
    llc llp lp ltd limited inc incorporated corp corporation co company plc pjsc jsc ojsc cjsc
    ojs pao oao zao ooo ao tov pat pp gmbh mbh ag kg ohg ug ev sa sas sarl sasu sa sl slu
    srl spa sapa sca snc bv nv vof cv oy oyj ab asa aps as kft zrt bt sro spol
    doo dd ad ead eood sia uab ou tbk pt bhd sdn pte pty fze fzco fzc fzllc wll llc
    kk gk yk
    establishment est enterprise enterprises holding holdings group
    liability partnership societe sociedad sociedade anonima anonyme limitada responsabilidad
    obshchestvo ogranichennoy otvetstvennostyu aktsionernoe gesellschaft
    """
)
# Long legal-form words a query may misspell ("Limfited Liablity Compnay"): a query word this
# close to one of them is taken for it.
_FUZZY_LEGAL = sorted(w for w in LEGAL_FORMS if len(w) >= 6)
_FUZZY_LEGAL_FLOOR = 85.0
AMBIGUOUS_LEGAL = _words("co sa as ag ao ab oy ad dd ou pt cv sl ev kg bt kk gk yk lp pp est")
# Several-word legal forms, matched on the normalised text before splitting.
_LEGAL_PHRASES = (
    "limited liability company",
    "limited liability partnership",
    "public joint stock company",
    "closed joint stock company",
    "open joint stock company",
    "joint stock company",
    "private joint stock company",
    "societe anonyme",
    "sociedad anonima",
    "sociedade anonima",
    "societa per azioni",
    "societe a responsabilite limitee",
    "sociedad de responsabilidad limitada",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "aktsionernoe obshchestvo",
    "public limited company",
    "private limited company",
    "sole proprietorship",
    "free zone establishment",
    "free zone company",
    "general trading",
)
# Longest first, so "public joint stock company" wins over "joint stock company".
_LEGAL_PHRASE_TOKENS = sorted((tuple(p.split()) for p in _LEGAL_PHRASES), key=len, reverse=True)

# The "abd" family ("servant of"): Abd al-Rahman, Abdul Rahman, Abdulrahman, Abderrahmane
# and Abdel Rahman are one name written five ways; all become "abd" + the rest, in one token.
_ABD_PREFIX = re.compile(r"^abd(?:oul|ul|ol|al|el|il|ur|us|ar|er|ou|u)?(?=[a-z]{3,})")
_ABD_WORDS = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdu", "abdil"})
_ABD_LINKS = frozenset({"al", "el", "ul", "ar", "ur", "as", "us", "ad", "an", "ash", "az", "er"})

_DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}(?=\s|$|,)")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u02b9\u00b4]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class PreparedName:
    """A name ready for matching: its tokens and their classes, in the written order."""

    original: str
    tokens: tuple[str, ...]
    classes: tuple[TokenClass, ...]
    legal_forms: tuple[str, ...]  # legal-form words seen (entities), for the weak signal

    @property
    def name_tokens(self) -> tuple[str, ...]:
        return tuple(
            t for t, c in zip(self.tokens, self.classes, strict=True) if c is TokenClass.NAME
        )

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def ascii_fold(value: str) -> str:
    """NFKC, transliterated to ASCII, case-folded. CJK and Hangul characters are spaced
    apart first, so a name in those scripts becomes one token per syllable."""
    text = unicodedata.normalize("NFKC", value)
    if _CJK.search(text):
        text = _CJK.sub(lambda m: f" {m.group(0)} ", text)
    return anyascii(text).casefold()


def _segments(value: str) -> list[str]:
    """The name's comma-separated parts ("LAST, First"), each ASCII, lower case, words only.
    x becomes ks everywhere, so Aleksandr and Alexander, Xing and Ksing spell alike."""
    text = ascii_fold(value)
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _APOSTROPHES.sub("", text).replace("x", "ks")
    segments = []
    for part in text.split(","):
        cleaned = " ".join(_NOT_ALNUM.sub(" ", part).split())
        if cleaned:
            segments.append(cleaned)
    return segments


def _fuzzy_legal(token: str) -> str | None:
    """The long legal-form word `token` is a misspelling of, if any."""
    if len(token) < 5 or token in HONORIFICS or token in PARTICLES:
        return None
    found = process.extractOne(
        token, _FUZZY_LEGAL, scorer=fuzz.ratio, score_cutoff=_FUZZY_LEGAL_FLOOR
    )
    return None if found is None else str(found[0])


def _join_abd(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _ABD_WORDS and i + 1 < len(tokens):
            rest = tokens[i + 1]
            if rest in _ABD_LINKS and i + 2 < len(tokens):
                out.append("abd" + tokens[i + 2])
                i += 3
                continue
            if rest not in PARTICLES:
                out.append(_ABD_PREFIX.sub("abd", "abd" + rest))
                i += 2
                continue
        out.append(_ABD_PREFIX.sub("abd", token))
        i += 1
    return out


@lru_cache(maxsize=65536)
def prepare_name(value: str, *, organisation: bool | None = None) -> PreparedName:
    """Tokens and classes of a name.

    `organisation`: True for an entity's (or vessel's) name, False for a person's, None when
    unknown (a query): then legal-form words are classed as such only when at least one of
    them is unambiguous (LLC yes; "SA" or "CO" alone could be a person's name).
    """
    raw: list[str] = []
    for segment in _segments(value):
        # "abd" joins the word after it only within a part: in "AL-'ABD, Ahmad" it ends one.
        raw.extend(_join_abd(segment.split()))
    if not raw:
        return PreparedName(value, (), (), ())

    # Legal forms: several-word phrases (their words are kept, as legal-form words, so a
    # misspelt "Clsed Joint Stock" still pairs with them), single words, and on the query
    # side words misspelt from the long ones.
    legal_at: dict[int, str] = {}
    if organisation is not False:
        for phrase in _LEGAL_PHRASE_TOKENS:
            width = len(phrase)
            for start in range(len(raw) - width + 1):
                if tuple(raw[start : start + width]) == phrase and start not in legal_at:
                    for k in range(start, start + width):
                        legal_at[k] = " ".join(phrase) if k == start else ""
    misspelt: dict[int, str] = {}
    if organisation is None:
        for k, token in enumerate(raw):
            if k not in legal_at and token not in LEGAL_FORMS:
                word = _fuzzy_legal(token)
                if word:
                    misspelt[k] = word
        legal_ok = (
            bool(legal_at)
            or bool(misspelt)
            or any(t in LEGAL_FORMS and t not in AMBIGUOUS_LEGAL for t in raw)
        )
    else:
        legal_ok = organisation

    tokens: list[str] = []
    classes: list[TokenClass] = []
    legal: list[str] = []
    for k, token in enumerate(raw):
        if token in HONORIFICS and k not in legal_at:
            continue
        if legal_ok and (k in legal_at or k in misspelt or token in LEGAL_FORMS):
            form = legal_at.get(k, misspelt.get(k, token))
            if form:
                legal.append(form)
            cls = TokenClass.LEGAL
        elif len(token) == 1 and token.isalpha():
            cls = TokenClass.INITIAL
        elif token in PARTICLES or token in _ABD_WORDS:
            cls = TokenClass.PARTICLE
        else:
            cls = TokenClass.NAME
        tokens.append(token)
        classes.append(cls)
    if not any(c is TokenClass.NAME for c in classes):
        # Nothing but titles/particles/legal words: keep what there was, as names.
        kept = [t for t in raw if t not in HONORIFICS] or raw
        tokens = kept
        classes = [TokenClass.NAME] * len(kept)
    return PreparedName(value, tuple(tokens), tuple(classes), tuple(legal))


_PHONETIC_SUBS = str.maketrans({"0": "T", "X": "S", "H": None})


@lru_cache(maxsize=131072)
def phonetic_key(token: str) -> str:
    """A sound key for one token: metaphone, then the differences transliterations disagree
    on removed (h dropped, th -> t, sh -> s, a leading vowel or y -> A). Digits and
    very short tokens key as themselves."""
    if len(token) < 3 or not token.isalpha():
        return token
    key = jellyfish.metaphone(token).upper().translate(_PHONETIC_SUBS)
    if token[0] in "aeiouy":
        key = "A" + key.lstrip("AEIOUY")
    return key or token
