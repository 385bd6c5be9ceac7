"""The words of a text as the mention finders see them: surface, offsets, keys.

Shared by the gazetteer (:mod:`midweek.entities.mentions`), the office phrases
(:mod:`midweek.entities.roles`) and the longer-name check (:mod:`midweek.entities.names`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from midweek.entities.normalize import has_cyrillic, stem_key, token_key, tokenize

logger = logging.getLogger(__name__)

# Punctuation that ends a sentence: a word after it may be capitalised for that reason.
_SENTENCE_END_RE = re.compile(r"[.!?…\n]")
# Apostrophes of the English possessive ("Kazakhstan's", "Kazakhstan’s").
_POSSESSIVE_RE = re.compile(r"['’]s$|s['’]$")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the text with its keys."""

    text: str
    start: int
    end: int
    key: str
    stem_ru: str  # Russian stem key ('' for a Latin word or non-Russian text)

    @property
    def capitalised(self) -> bool:
        """True if the word starts with a capital letter."""
        return self.text[:1].isupper()

    @property
    def possessive(self) -> bool:
        """True for an English possessive ("Kazakhstan's")."""
        return _POSSESSIVE_RE.search(self.text) is not None


def words_of(text: str, russian_cyrillic: bool) -> list[Word]:
    """The words of a text with their keys, and Russian stems for Cyrillic words of Russian.

    Args:
        text: any text.
        russian_cyrillic: the text is Russian: give its Cyrillic words a Russian stem.

    Returns:
        The words in text order (words with an empty key are left out).
    """
    out = []
    for word, start, end in tokenize(text):
        key = token_key(word)
        if not key:
            continue
        ru = russian_cyrillic and has_cyrillic(word)
        out.append(Word(word, start, end, key, stem_key(key, True) if ru else ""))
    return out


def gap(text: str, words: Sequence[Word], k: int) -> str:
    """The characters between word k and word k + 1."""
    return text[words[k].end : words[k + 1].start]


def ends_sentence(between: str) -> bool:
    """True if the characters between two words close a sentence."""
    return _SENTENCE_END_RE.search(between) is not None
