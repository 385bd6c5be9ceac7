"""Ranking: window filter, explainable parts, reprints ignored, deterministic ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from midweek.models import Article, Story
from midweek.rank import rank_stories

START = datetime(2019, 10, 7, tzinfo=UTC)
END = datetime(2019, 10, 9, 12, tzinfo=UTC)


def _story(key: str, articles: int, outlets: int, languages: int, day: float) -> Story:
    """A story seen once, ``day`` days after the window opens."""
    seen = START + timedelta(days=day)
    return Story(
        key=key,
        headline=key,
        article_ids=tuple(range(articles)),
        first_seen=seen,
        last_seen=seen,
        outlets=tuple(f"o{i}" for i in range(outlets)),
        languages=tuple(["en", "ru", "uz-Latn"][:languages]),
        independent_articles=articles,
    )


def test_only_window_stories_ranked_with_parts() -> None:
    """Stories outside the window are dropped; parts sum to the score."""
    stories = [
        _story("s-before", 9, 9, 3, -2),
        _story("s-after", 9, 9, 3, 3),
        _story("s-small", 1, 1, 1, 1),
        _story("s-wide", 4, 3, 2, 0.5),
    ]
    ranked = rank_stories(stories, window_start=START, window_end=END, limit=10)
    assert [r.story.key for r in ranked] == ["s-wide", "s-small"]
    for item in ranked:
        assert item.score == pytest.approx(sum(item.parts.values()))
        assert set(item.parts) == {"independent_articles", "outlets", "languages", "recency"}
    assert ranked[0].parts["languages"] > 0
    assert ranked[1].parts["languages"] == 0


def test_coverage_beats_recency_and_limit_applies() -> None:
    """One fresh article never outranks a story covered by several outlets."""
    stories = [_story("s-fresh", 1, 1, 1, 2.4), _story("s-covered", 3, 3, 1, 0.1)]
    ranked = rank_stories(stories, window_start=START, window_end=END, limit=1)
    assert [r.story.key for r in ranked] == ["s-covered"]


def test_ties_are_deterministic() -> None:
    """Equal scores fall back to the key, whatever the input order."""
    a, b = _story("s-2", 1, 1, 1, 1), _story("s-1", 1, 1, 1, 1)
    first = rank_stories([a, b], window_start=START, window_end=END, limit=5)
    second = rank_stories([b, a], window_start=START, window_end=END, limit=5)
    assert [r.story.key for r in first] == [r.story.key for r in second] == ["s-1", "s-2"]


def test_reprints_and_out_of_window_articles_do_not_count() -> None:
    """With articles given, only independent in-window articles add to the score."""

    def art(i: int, day: float, outlet: str, dup: int | None = None) -> Article:
        """One article of the test story."""
        return Article(
            url=f"https://e.org/{i}",
            title="t",
            text="x",
            published=START + timedelta(days=day),
            outlet=outlet,
            lang="en",
            id=i,
            duplicate_of=dup,
        )

    articles = {1: art(1, 0.5, "A"), 2: art(2, 1.0, "B", dup=1), 3: art(3, -3, "C")}
    story = Story(
        key="s-1",
        headline="t",
        article_ids=(1, 2, 3),
        first_seen=articles[3].published,
        last_seen=articles[2].published,
        outlets=("A", "C"),
        languages=("en",),
        independent_articles=2,
    )
    alone = Story(key="s-9", headline="u", article_ids=(9,), first_seen=None, last_seen=None)
    only = {**articles, 9: art(9, 0.5, "A")}
    ranked = rank_stories(
        [story, alone], window_start=START, window_end=END, limit=5, articles=only
    )
    by_key = {r.story.key: r for r in ranked}
    # story s-1 counts one independent article (1) and one outlet (A): the reprint (2)
    # and the article before the window (3) add nothing
    assert by_key["s-1"].parts["independent_articles"] == pytest.approx(
        by_key["s-9"].parts["independent_articles"]
    )
    assert by_key["s-1"].parts["outlets"] == pytest.approx(by_key["s-9"].parts["outlets"])


def test_bad_arguments() -> None:
    """Negative limits and reversed windows are errors."""
    with pytest.raises(ValueError, match="limit"):
        rank_stories([], window_start=START, window_end=END, limit=-1)
    with pytest.raises(ValueError, match="not after"):
        rank_stories([], window_start=END, window_end=START, limit=1)
