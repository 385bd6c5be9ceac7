"""A story's figures from its member articles: the headline, coverage and growth.

:func:`build_story` turns the member ids of a story (from :mod:`midweek.cluster`, the
pipeline's lexical grouping or a benchmark's gold stories) into a
:class:`~midweek.models.Story` with what ranking reads: outlets, languages and the
independent articles (reprints aside), one representative headline per language
(:func:`representative_headlines`, the medoid by TF-IDF of title and lead) and the
growth series (:func:`growth_series`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from midweek.models import Article, Story
from midweek.text.features import lead_of, tfidf_matrix, tokenize_words

__all__ = [
    "GROWTH_BUCKET_HOURS",
    "MAX_GROWTH_BUCKETS",
    "build_story",
    "growth_series",
    "published_order",
    "representative_headlines",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """Treat a naive datetime as UTC so aware and naive dates can be compared."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def published_order(article: Article) -> tuple[bool, datetime, int]:
    """Published order: dated articles first, by date, then by id."""
    published = _aware(article.published)
    return (published is None, published or _EPOCH, article.id or 0)


# Growth series (Story.growth): independent articles per bucket from the story's first
# sighting. Six hours splits a news day into four (night, morning, afternoon, evening in
# one time zone): fine enough to tell a story breaking today from one fading since
# yesterday. The width doubles until the series fits MAX_GROWTH_BUCKETS (two weeks at six
# hours, the window of a weekly review plus its lookback), so a months-long story stays a
# few dozen numbers.
GROWTH_BUCKET_HOURS = 6
MAX_GROWTH_BUCKETS = 56

# Scores of the most central article closer than this count as a tie (float noise), and a
# tie goes to the earliest article.
_CENTRALITY_TIE = 1e-9


def _most_central(group: Sequence[Article]) -> Article:
    """The medoid of one language's independent articles, by TF-IDF cosine of title + lead.

    The medoid's headline shares the most words with the rest of the coverage, so it names
    the event as most outlets do; the earliest article is often a terse flash ("Explosion
    in Tashkent") or, when the clusterer erred, an article of another event. With fewer
    than three articles every candidate is equally central and the earliest wins.

    Args:
        group: Articles of one language, in published order.

    Returns:
        The article with the highest summed cosine to the others (earliest on ties).
    """
    if len(group) < 3:
        return group[0]
    documents = [tokenize_words(f"{a.title} {lead_of(a.text)}") for a in group]
    matrix = tfidf_matrix(documents)
    totals = np.asarray(matrix.sum(axis=0)).ravel()
    # row . (sum of rows) counts each row's cosine with itself (1, or 0 when empty)
    self_cosine = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    scores = matrix @ totals - self_cosine
    best = float(scores.max())
    return next(
        a for a, score in zip(group, scores, strict=True) if score >= best - _CENTRALITY_TIE
    )


def representative_headlines(independent: Sequence[Article]) -> tuple[tuple[str, str], ...]:
    """One headline per language: that of the most central independent article in it.

    Args:
        independent: A story's articles without reprints, in published order.

    Returns:
        ``(language tag, headline)`` pairs sorted by tag; articles with no language or no
        title are left out.
    """
    by_tag: dict[str, list[Article]] = defaultdict(list)
    for article in independent:
        if article.language_tag and article.title.strip():
            by_tag[article.language_tag].append(article)
    return tuple(
        (tag, " ".join(_most_central(group).title.split())) for tag, group in sorted(by_tag.items())
    )


def growth_series(
    independent: Sequence[Article], start: datetime | None
) -> tuple[tuple[int, ...], int]:
    """Independent dated articles per time bucket, from ``start`` to the newest of them.

    Args:
        independent: A story's articles without reprints.
        start: Where bucket 0 begins (the story's ``first_seen``).

    Returns:
        The counts and the bucket width in hours (:data:`GROWTH_BUCKET_HOURS`, doubled
        until at most :data:`MAX_GROWTH_BUCKETS` buckets); ``((), 0)`` without dates.

    Raises:
        ValueError: An article is dated before ``start``.
    """
    dates = [d for d in (_aware(a.published) for a in independent) if d is not None]
    if start is None or not dates:
        return (), 0
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    if min(dates) < start:
        raise ValueError(f"article dated {min(dates).isoformat()} before {start.isoformat()}")
    hours = GROWTH_BUCKET_HOURS
    span = (max(dates) - start).total_seconds() / 3600.0
    while span // hours + 1 > MAX_GROWTH_BUCKETS:
        hours *= 2
    counts = [0] * int(span // hours + 1)
    for moment in dates:
        counts[int((moment - start).total_seconds() / 3600.0 // hours)] += 1
    return tuple(counts), hours


def build_story(members: Iterable[int], by_id: Mapping[int, Article]) -> Story:
    """Turn member ids into a :class:`Story` with the figures ranking needs.

    Reprints (``duplicate_of``) count in ``article_ids`` and the seen times only: outlets,
    languages, per-language ``headlines`` (:func:`representative_headlines`) and the
    ``growth`` series (:func:`growth_series`) are of independent articles.
    """
    group = sorted((by_id[i] for i in members), key=published_order)
    independent = [a for a in group if a.duplicate_of is None]
    headline_from = independent[0] if independent else group[0]
    dates = [d for d in (_aware(a.published) for a in group) if d is not None]
    # Outlets and languages count independent coverage only: a reprint in another outlet
    # is not a second source (the ranking reads these figures).
    outlets = sorted({a.outlet for a in independent if a.outlet})
    languages = sorted({tag for a in independent if (tag := a.language_tag)})
    ids = tuple(sorted(a.id for a in group if a.id is not None))
    first_seen = min(dates) if dates else None
    growth, growth_hours = growth_series(independent, first_seen)
    return Story(
        key=f"s-{ids[0]}",
        headline=" ".join(headline_from.title.split()),
        article_ids=ids,
        first_seen=first_seen,
        last_seen=max(dates) if dates else None,
        outlets=tuple(outlets),
        languages=tuple(languages),
        independent_articles=len(independent),
        headlines=representative_headlines(independent),
        growth=growth,
        growth_hours=growth_hours,
    )
