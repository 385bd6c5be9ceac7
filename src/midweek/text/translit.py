"""Uzbek Latin ↔ Cyrillic transliteration of sentences, headings and tags.

Uzbek is one language written in two scripts: the 1995 Latin alphabet (kun.uz, gazeta.uz)
and the older Cyrillic one (uznews.uz, official documents). A review asked for in one
script quotes Uzbek sources of the other script transliterated, not untranslated.

UzTransliterator (Salaev et al. 2022) does the work: it knows the rules a character map
misses (е → ye/e by position, ц → s/ts, the exception lists). Around it, two fixes of
systematic errors measured on the parallel set (``benchmarks/transliteration.py``,
docs/benchmarks.md, "Transliteration"):

* Both ways: UzTransliterator splits on whitespace and joins with spaces, so a line break
  comes back as " \n " (the largest single error class on the parallel set: most of its
  CER). Text is transliterated line by line and the line breaks are kept as they were.

* Latin → Cyrillic: Uzbek writers type the oʻ/gʻ mark and the tutuq belgisi with any of
  ʻ ‘ ' ` ’ ʼ; UzTransliterator reads only ‘ (oʻ, gʻ) and ’ (ъ). Every mark after o or g
  becomes ‘ and every other one ’ before the call, because in the 1995 alphabet a mark
  after o/g is the letter's own (oʻ, gʻ) and elsewhere it is the tutuq belgisi (maʼno).
* Latin → Cyrillic: letters the 1995 alphabet lacks (c, w), found in brand names, are
  left Latin inside a Cyrillic word ("UZTELECOM" → "УЗТЕЛЕCОМ"). In a word the call
  turned Cyrillic, c becomes с before e, i, y and к elsewhere, w becomes в: how Uzbek
  Cyrillic and Russian writers spell such names (Мерседес, Кока-Кола, Уоллстрит).
* Both ways: UzTransliterator converts a whitespace-separated token only when a letter
  comes before its last character, so a one-letter word ("A guruhi", "Yer E") or a token
  whose only letter is its last ("0E") came back without its letter, and a few tokens
  ("0A0E") raise IndexError inside it. Such tokens are written letter by letter here
  (:data:`_LETTERS_TO_CYRL`, :data:`_LETTERS_TO_LATN`), and a run the library fails on is
  retried token by token, so no letter is lost and no text raises.
* Cyrillic → Latin: UzTransliterator writes ‘ (U+2018) for oʻ/gʻ; the output uses ʻ
  (U+02BB), the letter CLDR and the 1995 alphabet use, and ʼ (U+02BC) for ъ. It also turns
  « » into “ ”, which the outlets writing Uzbek Latin do not (kun.uz and gazeta.uz keep
  « »): the guillemets are kept.

Search uses the same functions: a reader who types ``Mirziyoyev`` wants the Cyrillic
``Мирзиёев`` too, and back (:func:`term_variants`); Russian Cyrillic goes to Latin by the
same table, which covers the letters Russian shares with Uzbek.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Final, Protocol, cast

logger = logging.getLogger(__name__)

__all__ = [
    "APOSTROPHES",
    "MAX_QUERY_TERMS",
    "OKINA",
    "TUTUQ",
    "cyrl_to_latn",
    "latn_to_cyrl",
    "normalize_apostrophes",
    "term_variants",
    "to_uzbek_script",
]

# Every apostrophe-like mark Uzbek writers use for oʻ, gʻ and the tutuq belgisi.
APOSTROPHES = "ʻ‘'`’ʼ´"
# U+02BB MODIFIER LETTER TURNED COMMA: the mark of oʻ and gʻ in CLDR's Uzbek Latin.
OKINA = "ʻ"
# U+02BC MODIFIER LETTER APOSTROPHE: the tutuq belgisi (maʼno, taʼlim), as CLDR writes it.
TUTUQ = "ʼ"
_MARK = f"[{re.escape(APOSTROPHES)}]"
# A mark right after o/g (either case) that is followed by a letter, or ends the word
# ("bogʻ"), is the letter's own; "o'" before a space then a capital is still the letter.
_OG_MARK_RE = re.compile(rf"(?<=[oOgG]){_MARK}")
_ANY_MARK_RE = re.compile(_MARK)
# A mark between two letters that is not after o/g: the tutuq belgisi (maʼno, sanʼat).
_TUTUQ_RE = re.compile(rf"(?<=\w){_MARK}(?=\w)")
# UzTransliterator writes these for « » in Cyrillic → Latin; the sources keep guillemets.
_QUOTES_BACK = str.maketrans({"“": "«", "”": "»"})


class _Transliterator(Protocol):
    """The one method of UzTransliterator midweek calls."""

    def transliterate(self, text: str, from_: str = "cyr", to: str = "lat") -> str:
        """Transliterate between 'cyr', 'lat' and 'nlt'."""


@lru_cache(maxsize=1)
def _engine() -> _Transliterator:
    """The UzTransliterator instance (its tables are built once)."""
    from UzTransliterator import UzTransliterator

    return cast(_Transliterator, UzTransliterator())


# A word holding both Cyrillic letters and one of the Latin letters the call leaves.
_MIXED_WORD_RE = re.compile(r"\b(?=\w*[\u0400-\u04ff])(?=\w*[cCwW])\w+\b")
_SOFT_C_RE = re.compile(r"[cC](?=[eEiIyYеЕиИйЙэЭ])")
_LEFTOVERS = str.maketrans({"c": "к", "C": "К", "w": "в", "W": "В"})


def _cyrillic_leftovers(match: re.Match[str]) -> str:
    """c and w left in a Cyrillic word, written in Cyrillic (c → с before a front vowel)."""
    word = _SOFT_C_RE.sub(lambda m: "с" if m.group() == "c" else "С", match.group())
    return word.translate(_LEFTOVERS)


# One letter alone, as the 1995 alphabets pair them (a word-initial Latin e is э; a lone
# Cyrillic е, ё, ю, я, ц is written as at the start of a word: ye, yo, yu, ya, s).
_LETTERS_TO_CYRL: Final = str.maketrans(
    dict(zip("abdefghijklmnopqrstuvxyzcw", "абдэфгҳижклмнопқрстувхйзсв", strict=True))
    | dict(zip("ABDEFGHIJKLMNOPQRSTUVXYZCW", "АБДЭФГҲИЖКЛМНОПҚРСТУВХЙЗСВ", strict=True))
)
_LETTERS_TO_LATN: Final = str.maketrans(
    {
        **dict(zip("абвгдзийклмнопрстуфхэқҳ", "abvgdziyklmnoprstufxeqh", strict=True)),
        **dict(zip("АБВГДЗИЙКЛМНОПРСТУФХЭҚҲ", "ABVGDZIYKLMNOPRSTUFXEQH", strict=True)),
        "е": "ye",
        "Е": "Ye",
        "ё": "yo",
        "Ё": "Yo",
        "ю": "yu",
        "Ю": "Yu",
        "я": "ya",
        "Я": "Ya",
        "ж": "j",
        "Ж": "J",
        "ц": "s",
        "Ц": "S",
        "ч": "ch",
        "Ч": "Ch",
        "ш": "sh",
        "Ш": "Sh",
        "ў": "o‘",
        "Ў": "O‘",
        "ғ": "g‘",
        "Ғ": "G‘",
        "ъ": "’",
        "Ъ": "’",
        "ь": "",
        "Ь": "",
        "щ": "sh",
        "Щ": "Sh",
        "ы": "i",
        "Ы": "I",
    }
)
_TOKEN_RE = re.compile(r"\S+")


def _letter_by_letter(token: str, to: str) -> str:
    """A token the library would drop a letter of, written with the letter tables."""
    return token.translate(_LETTERS_TO_CYRL if to == "cyr" else _LETTERS_TO_LATN)


def _library_skips(token: str) -> bool:
    """Whether UzTransliterator leaves the token's letters out (none before the last char)."""
    return not any(ch.isalpha() for ch in token[:-1]) and token[-1:].isalpha()


def _engine_run(tokens: list[str], from_: str, to: str) -> list[str]:
    """Tokens the library handles, converted together (its date rules look at neighbours)."""
    if not tokens:
        return []
    try:
        return [str(_engine().transliterate(" ".join(tokens), from_=from_, to=to))]
    except (IndexError, KeyError, ValueError):  # the library's own bugs on odd tokens
        if len(tokens) == 1:
            logger.debug("transliterated letter by letter: %r", tokens[0])
            return [_letter_by_letter(tokens[0], to)]
        return [part for token in tokens for part in _engine_run([token], from_, to)]


def _transliterate(body: str, from_: str, to: str) -> str:
    """One line without edge whitespace, converted; tokens joined by single spaces."""
    out: list[str] = []
    run: list[str] = []
    for token in _TOKEN_RE.findall(body):
        if _library_skips(token):
            out += _engine_run(run, from_, to)
            run = []
            out.append(_letter_by_letter(token, to))
        else:
            run.append(token)
    out += _engine_run(run, from_, to)
    return " ".join(out)


# After ъ Uzbek Cyrillic writes е, never э (объект, субъект): UzTransliterator reads the
# e of "obʼekt" as word-initial and writes "объэкт". The parallel set's Cyrillic has 29
# "ъе" and no "ъэ" (benchmarks/transliteration.py data).
_E_AFTER_HARD_SIGN_RE = re.compile("([ъЪ])([эЭ])")
_E_AFTER_HARD_SIGN = {"э": "е", "Э": "Е"}
# Latin "ts" is Cyrillic ц in the loanwords that have it (Russian -ция, центр), never in an
# Uzbek word, where t and s meet at a suffix ("ketsa", "adolatsiz", "ketsin"): so only
# before "iy"/"io" (deklaratsiya → декларация, revolyutsion → революцион; no Uzbek suffix
# starts "siy"/"sio") and at the start of a word (tsirk → цирк, tsentr → центр; no Uzbek
# word starts so). UzTransliterator spells ц only in the loanwords it lists, so
# "deklaratsiyani" came out "декларатсияни". On the parallel set's dev Cyrillic
# (benchmarks/transliteration.py data): 242 ция/цио/… against 9 тсия/… , 35 word-initial ц
# against 1 тс.
_LOAN_TS_RE = re.compile(r"(?<![\w])([тТ])([сС])|([тТ])([сС])(?=[иИ][яЯоОёЁюЮ])")


def _loan_ts(match: re.Match[str]) -> str:
    """ц for the тс of a loanword, in the case of its т."""
    t = match.group(1) or match.group(3)
    return "Ц" if t == "Т" else "ц"


_LINE_RE = re.compile(r"(\r\n|\n|\r)")
_EDGE_SPACE_RE = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


def _by_line(text: str, from_: str, to: str) -> str:
    """Transliterate each line on its own, keeping line breaks and edge whitespace."""
    out: list[str] = []
    for piece in _LINE_RE.split(text):
        if not piece or _LINE_RE.fullmatch(piece) or piece.isspace():
            out.append(piece)
            continue
        match = _EDGE_SPACE_RE.match(piece)
        assert match is not None  # the pattern matches every string
        lead, body, trail = match.groups()
        out.append(lead + _transliterate(body, from_, to) + trail)
    return "".join(out)


def normalize_apostrophes(text: str) -> str:
    """Write Uzbek Latin's marks the 1995 way: oʻ/gʻ with ʻ, the tutuq belgisi with ʼ.

    Args:
        text: Uzbek Latin text with any apostrophe-like marks.

    Returns:
        The text with every mark after o/g as :data:`OKINA` and every other mark
        between two letters as :data:`TUTUQ`; other marks (quotes) are left alone.
    """
    text = _OG_MARK_RE.sub(OKINA, text)
    return _TUTUQ_RE.sub(lambda m: m.group() if m.group() == OKINA else TUTUQ, text)


def latn_to_cyrl(text: str) -> str:
    """Uzbek Latin → Uzbek Cyrillic.

    Args:
        text: Uzbek Latin text (any apostrophe family).

    Returns:
        The text in Uzbek Cyrillic.
    """
    if not text:
        return text
    prepared = _OG_MARK_RE.sub("‘", text)
    prepared = _TUTUQ_RE.sub(lambda m: m.group() if m.group() == "‘" else "’", prepared)
    out = _MIXED_WORD_RE.sub(_cyrillic_leftovers, _by_line(prepared, "lat", "cyr"))
    out = _LOAN_TS_RE.sub(_loan_ts, out)
    return _E_AFTER_HARD_SIGN_RE.sub(lambda m: m.group(1) + _E_AFTER_HARD_SIGN[m.group(2)], out)


def cyrl_to_latn(text: str) -> str:
    """Uzbek Cyrillic → Uzbek Latin, with the marks of the 1995 alphabet.

    Args:
        text: Uzbek Cyrillic text.

    Returns:
        The text in Uzbek Latin: oʻ/gʻ with :data:`OKINA`, ъ as :data:`TUTUQ`.
    """
    if not text:
        return text
    out = _by_line(text, "cyr", "lat")
    out = out.translate(_QUOTES_BACK).replace("‘", OKINA)
    return _ANY_MARK_RE.sub(lambda m: m.group() if m.group() == OKINA else TUTUQ, out)


def to_uzbek_script(text: str, script: str) -> str:
    """Uzbek text in the given script ("Latn" or "Cyrl"), whatever script it is in now.

    Only the letters of the other script are converted: Latin text asked for in Latin,
    or Cyrillic in Cyrillic, comes back unchanged.

    Args:
        text: Uzbek text in either script.
        script: ISO 15924 code of the wanted script: "Latn" or "Cyrl".

    Returns:
        The text in ``script``.

    Raises:
        ValueError: ``script`` is neither "Latn" nor "Cyrl".
    """
    from midweek.text.lang import detect_script

    if script not in ("Latn", "Cyrl"):
        raise ValueError(f"Uzbek is written in Latn or Cyrl, not {script!r}")
    current = detect_script(text)
    if current is None or current == script:
        return text
    if script == "Cyrl" and current == "Latn":
        return latn_to_cyrl(text)
    if script == "Latn" and current == "Cyrl":
        return cyrl_to_latn(text)
    return text


# Terms of one query that are searched: a real query is a few words, and each term adds
# up to three alternatives to the full-text query.
MAX_QUERY_TERMS: Final = 12
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _spellings(term: str) -> tuple[str, ...]:
    """One term and its other-script spellings, the term first, no repeats."""
    out = []
    if _LATIN.search(term):
        out.append(latn_to_cyrl(term))
    if _CYRILLIC.search(term):
        out.append(cyrl_to_latn(term))
    seen = [term]
    for spelling in out:
        # a spelling without a letter or digit left would match nothing (or everything)
        if any(ch.isalnum() for ch in spelling) and spelling.casefold() not in {
            s.casefold() for s in seen
        }:
            seen.append(spelling)
    return tuple(seen)


def term_variants(query: str) -> tuple[tuple[str, ...], ...]:
    """The query's terms, each with its spellings in Latin and Cyrillic.

    Args:
        query: What the reader typed (already cleaned of control characters).

    Returns:
        One tuple per whitespace-separated term (at most :data:`MAX_QUERY_TERMS`), the
        term as typed first: ``(("Mirziyoyev", "Мирзиёев"),)``.
    """
    return tuple(_spellings(term) for term in query.split()[:MAX_QUERY_TERMS])
