"""Search terms in every script a reader may have typed them in.

A reader who types ``Mirziyoyev`` wants the Cyrillic ``Мирзиёев`` too, and back. Each
term of a query gets its spellings in Uzbek Latin and Cyrillic (UzTransliterator, through
:mod:`midweek.entities.normalize`, the project's one transliteration); Russian Cyrillic
goes to Latin by the same table, which covers the letters Russian shares with Uzbek.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from midweek.entities.normalize import has_cyrillic, uz_cyrl_to_latn, uz_latn_to_cyrl

logger = logging.getLogger(__name__)

__all__ = ["MAX_QUERY_TERMS", "term_variants"]

# Terms of one query that are searched: a real query is a few words, and each term adds
# up to three alternatives to the full-text query.
MAX_QUERY_TERMS: Final = 12
_LATIN = re.compile(r"[A-Za-z]")


def _spellings(term: str) -> tuple[str, ...]:
    """One term and its other-script spellings, the term first, no repeats."""
    out = []
    if _LATIN.search(term):
        out.append(uz_latn_to_cyrl(term))
    if has_cyrillic(term):
        out.append(uz_cyrl_to_latn(term))
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
