"""Rank the stories of a time window by how much of a key development each one is.

The score is a weighted sum of a few countable signals, each kept in
:attr:`RankedStory.parts` so an editor can see why a story placed where it did. The
weights are first choices, not fitted: there is no labelled ranking data yet; the ranking
issue will fit them. Reprints never count: only independent articles, and the outlets and
languages of independent articles, add to a score.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from midweek.models import Article, Story

logger = logging.getLogger(__name__)

__all__ = [
    "WEIGHT_INDEPENDENT",
    "WEIGHT_LANGUAGES",
    "WEIGHT_OUTLETS",
    "WEIGHT_RECENCY",
    "RankedStory",
    "rank_stories",
]

# Weight of log(1 + independent articles). Logarithmic because the tenth article about a
# story says less about its importance than the second.
WEIGHT_INDEPENDENT = 1.0
# Weight of log(1 + distinct outlets). Higher than articles: five outlets choosing to cover
# an event is stronger evidence than one outlet filing five updates.
WEIGHT_OUTLETS = 1.5
# Weight per language beyond the first. Coverage across languages marks a story that
# matters beyond one audience, which is what a multilingual review is for.
WEIGHT_LANGUAGES = 0.5
# Weight of recency (0 when the story's latest article opens the window, 1 when it closes
# it). Small on purpose: it orders stories of equal coverage toward the fresh one but never
# lets one new article beat a widely covered story (log(2) * 1.0 = 0.69 > 0.25).
WEIGHT_RECENCY = 0.25


@dataclass(frozen=True, slots=True)
class RankedStory:
    """A story with its score and the named parts that sum to it."""

    story: Story
    score: float
    parts: Mapping[str, float]


def _aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC so aware and naive dates can be compared."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _in_window(moment: datetime | None, start: datetime, end: datetime) -> bool:
    """Whether ``moment`` lies in the half-open window ``[start, end)``."""
    return moment is not None and start <= _aware(moment) < end


def _figures(
    story: Story, start: datetime, end: datetime, articles: Mapping[int, Article] | None
) -> tuple[int, int, int, datetime | None] | None:
    """Independent articles, outlets, languages and latest date inside the window.

    With ``articles`` the figures come from the story's articles published in the window;
    without, from the story's own totals, and a story counts as in the window when its
    first-to-last span overlaps it. Returns None for a story with nothing in the window.
    """
    if articles is None:
        if story.first_seen is None or story.last_seen is None:
            return None
        if _aware(story.last_seen) < start or _aware(story.first_seen) >= end:
            return None
        latest = min(_aware(story.last_seen), end)
        return (story.independent_articles, len(story.outlets), len(story.languages), latest)
    inside = [
        articles[i]
        for i in story.article_ids
        if i in articles and _in_window(articles[i].published, start, end)
    ]
    if not inside:
        return None
    independent = [a for a in inside if a.duplicate_of is None]
    outlets = {a.outlet for a in independent if a.outlet}
    languages = {tag for a in independent if (tag := a.language_tag)}
    latest = max(_aware(a.published) for a in inside if a.published is not None)
    return (len(independent), len(outlets), len(languages), latest)


def rank_stories(
    stories: Sequence[Story],
    *,
    window_start: datetime,
    window_end: datetime,
    limit: int,
    articles: Mapping[int, Article] | None = None,
) -> list[RankedStory]:
    """Score the stories that have an article in ``[window_start, window_end)``.

    Args:
        stories: Candidate stories.
        window_start: Start of the window (inclusive).
        window_end: End of the window (exclusive).
        limit: How many stories to return at most.
        articles: The stories' articles by id. When given, only articles published in
            the window count; otherwise the stories' own totals are used.

    Returns:
        At most ``limit`` stories, best first. Ties go to more independent articles,
        then the earlier first appearance, then the story key, so the order is the same
        on every run.

    Raises:
        ValueError: ``limit`` is negative or the window is empty or reversed.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    start, end = _aware(window_start), _aware(window_end)
    if end <= start:
        raise ValueError(f"window_end {window_end} is not after window_start {window_start}")
    span = (end - start).total_seconds()
    ranked: list[RankedStory] = []
    for story in stories:
        figures = _figures(story, start, end, articles)
        if figures is None:
            continue
        independent, outlets, languages, latest = figures
        recency = 0.0 if latest is None else (latest - start).total_seconds() / span
        parts = {
            "independent_articles": WEIGHT_INDEPENDENT * math.log1p(independent),
            "outlets": WEIGHT_OUTLETS * math.log1p(outlets),
            "languages": WEIGHT_LANGUAGES * max(languages - 1, 0),
            "recency": WEIGHT_RECENCY * min(max(recency, 0.0), 1.0),
        }
        ranked.append(RankedStory(story=story, score=sum(parts.values()), parts=parts))

    def order(item: RankedStory) -> tuple[float, int, datetime, str]:
        """Sort key: score, then coverage, then age, then key."""
        first = item.story.first_seen
        return (
            -item.score,
            -item.story.independent_articles,
            _aware(first) if first is not None else end,
            item.story.key,
        )

    ranked.sort(key=order)
    logger.debug("ranked %d of %d stories in the window", len(ranked), len(stories))
    return ranked[:limit]
