"""Sentence splitting for English, Russian and Uzbek (Latin and Cyrillic).

razdel's rule-based ``sentenize`` handles the abbreviations and initials of Russian
news ("Ш. М. Мирзиёев", "т.е.") and works for English and Uzbek text too (see
DESIGN.md, "Sentence splitting for ru/uz/en: razdel").
"""

from __future__ import annotations

import logging
import re

from razdel import sentenize

logger = logging.getLogger(__name__)

__all__ = ["split_sentences"]

# razdel knows one-letter initials ("Ш. Мирзиёев") but not the Uzbek Latin digraph ones:
# "Sh. Mirziyoyev", "Ch. Aytmatov", "O‘. Hoshimov", "G‘. G‘ulom". A piece ending in one of
# these, followed by a piece that opens with a capital, is one sentence.
_UZ_DIGRAPH_INITIAL_RE = re.compile(r"(?:^|[\s(«\"])(?:Sh|Ch|Ng|[OG][‘'ʻ’`])\.$")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, never merging across line breaks.

    Each line (paragraph) is split on its own, so a heading or dateline without a
    final full stop is not glued to the first sentence of the next paragraph.
    The sentences are returned exactly as they appear in ``text`` apart from
    leading and trailing whitespace, so a caller can find each one verbatim.

    Args:
        text: Plain text, paragraphs separated by newlines.

    Returns:
        The non-empty sentences in document order.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        spans: list[tuple[int, int]] = []
        for piece in sentenize(line):
            if (
                spans
                and _UZ_DIGRAPH_INITIAL_RE.search(line[spans[-1][0] : spans[-1][1]])
                and piece.text[:1].isupper()
            ):
                spans[-1] = (spans[-1][0], piece.stop)
            else:
                spans.append((piece.start, piece.stop))
        sentences.extend(s for start, stop in spans if (s := line[start:stop].strip()))
    return sentences
