"""Script-agnostic keys for names: apostrophes, transliteration, suffixes.

Every surface form of a name (in the text or in the knowledge base) is turned into a
*Latin key* by one deterministic function, whatever its language or script, so that a
name and its alias meet in one dictionary. The key is coarse on purpose: Russian and
Uzbek Cyrillic share one letter table, and the spelling choices that vary most between
outlets (``ye``/``e``, ``yo``/``o``, ``kh``/``x``) are folded.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from midweek.text.translit import cyrl_to_latn, latn_to_cyrl

logger = logging.getLogger(__name__)

# Every apostrophe-like mark Uzbek writers use for oʻ, gʻ and the tutuq belgisi.
APOSTROPHES = "ʻ‘'`’ʼ´"
# The one form used in uz-Latn output: U+02BB, the letter CLDR and the 1995 alphabet use.
UZ_APOSTROPHE = "ʻ"
_APOSTROPHE_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")

# A word: letters/digits with inner apostrophes (Oʻzbekiston, Kazakhstan's); hyphens split.
TOKEN_RE = re.compile(rf"\w+(?:[{re.escape(APOSTROPHES)}]\w+)*")

# Uzbek-only Cyrillic letters: a Cyrillic text holding one of them is Uzbek, not Russian.
UZ_CYRILLIC_LETTERS = frozenset("ўқғҳЎҚҒҲ")
_UZ_CYRILLIC_RE = re.compile("[ўқғҳЎҚҒҲ]")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")

# One Cyrillic → Latin table for Russian and Uzbek Cyrillic alike (Uzbek Latin values
# where the two differ, e.g. ж → j, х → x), applied letter by letter so offsets are cheap.
_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "і": "i", "ї": "yi", "є": "ye",
    "ґ": "g", "ә": "a", "ө": "o", "ү": "u", "ң": "n", "һ": "h",
}  # fmt: skip
_CYR_TABLE = str.maketrans(_CYR)

# Spelling variants folded in the key; the order matters (ye before yo, see the tests).
_FOLDS = (("kh", "x"), ("ye", "e"), ("yo", "o"), ("yu", "u"), ("iy", "i"), ("ts", "s"))

# Case endings stripped by the stem key, longest first, from standard grammar tables.
# Uzbek (Latin keys of -ning, -ni, -ga, -da, -dan, -lar...; the Cyrillic forms give the
# same keys) and the English possessive: Latin tokens and Uzbek Cyrillic. Russian case
# endings (in key form: ей → ei, ым → im ...) only for Russian text: in Uzbek "-a" is not
# a case ending but a female surname (Mirziyoyeva is not Mirziyoyev). The lists stay
# short because a stem that collides with another name would merge two entities.
UZ_SUFFIXES = tuple(
    sorted(
        {
            "larning", "laridan", "larida", "lariga", "larini", "larga", "larda", "lardan",
            "larni", "lari", "lar", "ning", "dagi", "dan", "ga", "ka", "qa", "da", "ni",
            "si", "dek", "day", "cha", "s",
        },
        key=len,
        reverse=True,
    )
)  # fmt: skip
RU_SUFFIXES = tuple(
    sorted(
        {"ami", "ov", "om", "oi", "ei", "im", "em", "ax", "a", "u", "e", "i", "y"},
        key=len,
        reverse=True,
    )
)  # fmt: skip
# A stem shorter than this is not stripped further: short names would collide.
MIN_STEM_LEN = 4


def unify_apostrophes(text: str, mark: str = "'") -> str:
    """Replace every apostrophe-like character with one mark."""
    return _APOSTROPHE_RE.sub(mark, text)


def has_cyrillic(text: str) -> bool:
    """True if the text holds at least one Cyrillic letter."""
    return _CYRILLIC_RE.search(text) is not None


def detect_script_lang(text: str) -> str:
    """Guess a language tag from the script alone: 'uz-Cyrl', 'ru' or 'latin'.

    Latin text is not split further here: the gazetteer is script-agnostic.
    """
    if _UZ_CYRILLIC_RE.search(text):
        return "uz-Cyrl"
    return "ru" if has_cyrillic(text) else "latin"


@lru_cache(maxsize=65536)
def token_key(token: str) -> str:
    """The Latin key of one word: lower case, no apostrophes, Cyrillic transliterated.

    Args:
        token: one word as found in the text or in an alias.

    Returns:
        The folded key ('Тўқаев' → 'toqaev', "To'qayev" → 'toqaev').
    """
    s = unicodedata.normalize("NFKC", token).lower()
    s = _APOSTROPHE_RE.sub("", s).translate(_CYR_TABLE)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if ch.isalnum() and not unicodedata.combining(ch))
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return s


@lru_cache(maxsize=65536)
def stem_key(key: str, russian: bool = False) -> str:
    """Strip one case ending from a token key, keeping at least MIN_STEM_LEN letters.

    Args:
        key: a token key from :func:`token_key`.
        russian: strip Russian case endings instead of Uzbek/English ones.

    Returns:
        The key without its longest known suffix, or the key itself.
    """
    for suffix in RU_SUFFIXES if russian else UZ_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= MIN_STEM_LEN:
            return key[: -len(suffix)]
    return key


@lru_cache(maxsize=65536)
def suffix_variants(key: str) -> tuple[str, ...]:
    """The key and each form of it without one Uzbek/English suffix ('bokuga' → 'boku').

    Used on the text side only, against the aliases' exact keys: stripping the aliases
    too would cut "Amerika" to "ameri" (-ka) and lose it.
    """
    out = [key]
    for suffix in UZ_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= MIN_STEM_LEN:
            out.append(key[: -len(suffix)])
    return tuple(out)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Words of a text with their character offsets."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def name_key(name: str) -> tuple[str, ...]:
    """The key tuple of a multi-word name ('Qosim-Jomart To‘qayev' → 3 keys)."""
    return tuple(k for k in (token_key(t) for t, _, _ in tokenize(name)) if k)


def slugify(name: str) -> str:
    """A URL-safe ASCII slug ('Türkiye' → 'turkiye', 'Kassym-Jomart Tokayev' → ...)."""
    s = unicodedata.normalize("NFKD", unify_apostrophes(name, "")).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", s.decode().lower()).strip("-")


def uz_latn_to_cyrl(text: str) -> str:
    """Uzbek Latin → Uzbek Cyrillic (:func:`midweek.text.translit.latn_to_cyrl`).

    One transliteration for tags, reviews and search: a Latin letter the converter leaves
    inside a Cyrillic word (English "c" in "Atlantic") is written in Cyrillic too.
    """
    return latn_to_cyrl(text)


def uz_cyrl_to_latn(text: str) -> str:
    """Uzbek Cyrillic → Uzbek Latin, every apostrophe as UZ_APOSTROPHE (tag keys compare so)."""
    return unify_apostrophes(cyrl_to_latn(text), UZ_APOSTROPHE)
