"""What the review tests ask of every sentence: quoted from its source, verbatim.

``from quoting import quoted_from`` in a test module. The composer may write a relative
date as the date it names ("сегодня" in a post of 25 April is "25 апреля" in the review:
:func:`midweek.text.dates.resolve_relative_dates`), so a sentence counts as quoted when it
is in the article's text (whitespace runs as single spaces) or equals one of the article's
sentences with its relative dates resolved.
"""

from __future__ import annotations

from midweek.models import Article
from midweek.text.dates import resolve_relative_dates
from midweek.text.sentences import split_sentences


def flat(text: str) -> str:
    """Text with its whitespace runs as single spaces (as sentences are quoted)."""
    return " ".join(text.split())


def quoted_from(text: str, article: Article) -> bool:
    """Whether a review sentence is verbatim in the article, but for resolved dates."""
    if text in flat(article.text):
        return True
    day = article.published.date() if article.published else None
    sentences = (flat(s) for s in split_sentences(article.text))
    return any(resolve_relative_dates(s, day, article.language_tag) == text for s in sentences)
