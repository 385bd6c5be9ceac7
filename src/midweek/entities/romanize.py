"""Russian-spelled names in Uzbek Latin, as Uzbek outlets write them.

A Russian text spells an Uzbek name without the letters Russian lacks (қ, ғ, ў, ҳ) and
with Russian ones Uzbek lacks (ы, щ, дж for j): "Артыкходжаев" is Artiqxoʻjayev,
"Джахонгир" is Jahongir. A letter-for-letter romanisation (anyascii: "Artykkhodzhaev",
"Dzhakhongir") is Russian-style, not Uzbek. The name is first respelled in Uzbek
Cyrillic, then converted by the one Uzbek transliterator
(:func:`midweek.text.translit.cyrl_to_latn`, which places ye/e, s/ts and the like):

* spelling rules of Russian renderings of Uzbek words, right for a reason: ``дж`` is the
  Uzbek ж (j) sound; ``ы`` occurs only where Uzbek has i; before ``к``/``г`` it marks a
  back-vowel word, where Uzbek writes қ/ғ (Садык → Sodiq's "diq", Артык → Artiq); ``щ``
  is ``шч``;
* name elements whose Uzbek spelling has ҳ or ў where Russian has х or о, from the
  common Arabic and Persian elements of Uzbek personal names (Uzbek 1995 orthography,
  as in the KB and the outlets); a short list, written by hand, not fitted on the
  measured names. An element matches at the start of a word or after Abdu-/Abdul- ("servant of":
  Абдурахим → Abdurahim), xoʻja anywhere (it ends compounds). The Abdu- rule was added
  after reading the errors on a first sample of 300 posts (benchmarks/tags.py).

Foreign names come out as Uzbek outlets write them too (Зеленский → Zelenskiy, Шольц →
Shols). Measured in ``benchmarks/tags.py`` (docs/benchmarks.md, "Entities: tags").
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from midweek.entities.normalize import UZ_APOSTROPHE, unify_apostrophes
from midweek.text.translit import cyrl_to_latn

logger = logging.getLogger(__name__)

# Russian spellings of Uzbek name elements → their Uzbek Cyrillic spelling (lower case).
# Elements with ҳ (Arabic ح/ه, which Russian writes х) or ў (Persian/Turkic long o) and
# ҳ-initial names: Rahim, Rahmon, Muhammad, Ahmad, Mahmud, Jahon, Shuhrat, Hasan, Husan,
# Hamid, Hakim, Halim, Habib, Hayot, Hikmat, Hilola, Zuhra, Tohir, Zohid, Xoʻja.
UZBEK_NAME_ELEMENTS = {
    "ходжа": "хўжа", "ходжи": "хўжи",
    "джахон": "жаҳон", "джахан": "жаҳон", "рахим": "раҳим", "рахман": "раҳмон",
    "рахмон": "раҳмон", "рахмат": "раҳмат", "мухаммад": "муҳаммад", "мухаммед": "муҳаммад",
    "мухам": "муҳам", "ахмад": "аҳмад", "ахмед": "аҳмед", "махмуд": "маҳмуд",
    "шухрат": "шуҳрат", "хасан": "ҳасан", "хусан": "ҳусан", "хусейн": "ҳусайн",
    "хамид": "ҳамид", "хаким": "ҳаким", "халим": "ҳалим", "хабиб": "ҳабиб",
    "хаят": "ҳаёт", "хикмат": "ҳикмат", "хилола": "ҳилола", "зухра": "зуҳра",
    "тахир": "тоҳир", "тохир": "тоҳир", "захид": "зоҳид", "зохид": "зоҳид",
    "кахрамон": "қаҳрамон", "кахраман": "қаҳрамон", "бахром": "баҳром", "бахрам": "баҳром",
    "мехрибон": "меҳрибон", "баходир": "баҳодир", "бахадыр": "баҳодир",
    "хуршид": "хуршид", "худойберди": "худойберди",
}  # fmt: skip
# Elements that end compounds as well as start them (Artiq-xoʻja-yev, Nur-xoʻja).
COMPOUND_ELEMENTS = frozenset({"ходжа", "ходжи"})
_AT_START = "(?:(?<![а-яё])|(?<=абду)|(?<=абдул))"
_ELEMENT_RE = re.compile(
    "|".join(
        [
            _AT_START + e
            for e in sorted(UZBEK_NAME_ELEMENTS, key=len, reverse=True)
            if e not in COMPOUND_ELEMENTS
        ]
        + sorted(COMPOUND_ELEMENTS)
    )
)
# Russian-only spellings, in order: дж is one Uzbek letter; ы before к/г marks the
# back-vowel word where Uzbek writes қ/ғ; any other ы is и; щ is шч.
_SPELLING = (
    ("дж", "ж"),
    ("ык", "иқ"),
    ("ыг", "иғ"),
    ("ы", "и"),
    ("щ", "шч"),
)


def _respell_word(word: str) -> str:
    """One lower-case Russian-spelled word in Uzbek Cyrillic."""
    word = _ELEMENT_RE.sub(lambda m: UZBEK_NAME_ELEMENTS[m.group()], word)
    for a, b in _SPELLING:
        word = word.replace(a, b)
    return word


@lru_cache(maxsize=16384)
def russian_name_to_uzbek_cyrillic(name: str) -> str:
    """A name as written in Russian, respelled in Uzbek Cyrillic ('Артыкходжаев' → 'Артиқхўжаев').

    Args:
        name: A name in Russian Cyrillic (Latin letters pass through).

    Returns:
        The name in Uzbek Cyrillic, capitalised as written.
    """
    out = []
    for part in re.split(r"(\W+)", name):
        if not part or not part[0].isalpha():
            out.append(part)
            continue
        respelled = _respell_word(part.lower())
        if part.isupper() and len(part) > 1:
            out.append(respelled.upper())
        elif part[:1].isupper():
            out.append(respelled[:1].upper() + respelled[1:])
        else:
            out.append(respelled)
    return "".join(out)


def russian_name_to_uzbek_latin(name: str) -> str:
    """A name as written in Russian, in Uzbek Latin ('Джахонгир' → 'Jahongir').

    Args:
        name: A name in Russian Cyrillic.

    Returns:
        The name in the 1995 Uzbek Latin alphabet, with ʻ (U+02BB) for oʻ and gʻ.
    """
    latin = cyrl_to_latn(russian_name_to_uzbek_cyrillic(name))
    return unify_apostrophes(latin, UZ_APOSTROPHE)
