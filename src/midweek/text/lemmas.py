"""Index terms: Russian words reduced to their dictionary form (lemma) for the clusterer.

A Russian noun has up to twelve case-and-number forms, so two reports of one event
("ливня" / "ливень", "подтоплений" / "подтопления", "детьми" / "дети") share few surface
tokens and a term-matching clusterer splits them. Lemmatisation is the standard remedy in
retrieval for an inflected language, and more precise than a suffix stemmer: a lemma is a
dictionary entry, so unrelated words that share a stem keep apart (Snowball stems were
tried first: docs/benchmarks.md "Real weeks: stems ... tried and reverted"). The analyser
is pymorphy2 (OpenCorpora's dictionary, with a guesser for unknown words), which natasha
already brings; it is loaded through natasha's ``MorphVocab``, whose import also carries
the Python 3.11 fix pymorphy2 0.9.1 needs (``inspect.getargspec`` is gone). The most
probable parse is taken, without context, as retrieval systems do.

Only Russian is lemmatised here: every other language keeps its tokens
(:func:`index_terms`). Without natasha the tokens stay as they are (a warning once).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = [
    "LEMMA_CACHE_WORDS",
    "index_terms",
    "lemmas_available",
    "lemmatised",
    "russian_lemma",
]

logger = logging.getLogger(__name__)

# Distinct word forms whose lemma is kept in memory. A week of two outlets' posts has
# about 20,000 distinct forms in their leads (the 9,032 telegram dev posts: 61,000), and
# a parse costs about 80 us uncached, so 100,000 forms (a few MB) keeps the hit rate high
# for a stream of many weeks.
LEMMA_CACHE_WORDS = 100_000

# A word pymorphy2 can read: Cyrillic letters, maybe hyphenated. Latin words, numbers and
# mixed tokens keep their form.
_CYRILLIC_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")


@lru_cache(maxsize=1)
def _analyser() -> Any:
    """pymorphy2's analyser through natasha, built once on first use (None without it)."""
    with warnings.catch_warnings():
        # pymorphy2 imports pkg_resources, which warns (see midweek.entities.ner)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        try:
            from natasha import MorphVocab
        except ImportError as exc:  # pragma: no cover - depends on the environment
            logger.warning("natasha unavailable (%s): Russian words are not lemmatised", exc)
            return None
        return MorphVocab()


def lemmas_available() -> bool:
    """True when the Russian analyser loads."""
    return _analyser() is not None


@lru_cache(maxsize=LEMMA_CACHE_WORDS)
def russian_lemma(word: str) -> str:
    """The dictionary form of a lower-case Russian word (the word itself if unknown).

    Args:
        word: A lower-case token.

    Returns:
        The most probable parse's normal form, ``ё`` kept; a token that is not a
        Cyrillic word, or that the analyser cannot read, unchanged.
    """
    if not _CYRILLIC_WORD.fullmatch(word):
        return word
    analyser = _analyser()
    if analyser is None:
        return word
    parses = analyser.parse(word)
    if not parses:
        return word
    return str(parses[0].normal_form)


def lemmatised(lang: str | None) -> bool:
    """Whether :func:`index_terms` reads a document of this language by its lemmas.

    Args:
        lang: A language tag ("ru", "ru-RU", "uz-Cyrl"...), or ``None``.

    Returns:
        True for Russian.
    """
    return (lang or "").split("-", 1)[0].strip().lower() == "ru"


def index_terms(tokens: Sequence[str], lang: str | None) -> list[str]:
    """The terms a document is indexed by: Russian tokens by their lemma, others as given.

    Args:
        tokens: Lower-case word tokens (:func:`midweek.text.features.tokenize_words`).
        lang: The document's language tag ("ru", "ru-RU", "uz-Cyrl"...); ``None`` or any
            other language keeps the tokens.

    Returns:
        One term per token, in order.
    """
    if not lemmatised(lang):
        return list(tokens)
    return [russian_lemma(token) for token in tokens]
