"""Composing a review of a real week of Wikinews: cited, ranked, honest counts."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from midweek.cluster import group_stories
from midweek.compose import compose_review, format_date_range, warn_foreign_sections
from midweek.errors import ConfigError
from midweek.models import Article, Review
from midweek.rank import rank_stories
from quoting import quoted_from

START = datetime(2019, 10, 4, tzinfo=UTC)
END = datetime(2019, 10, 11, tzinfo=UTC)  # exclusive: the review covers 4–10 October
NOW = datetime(2019, 10, 11, 8, tzinfo=UTC)


def _review(articles: list[Article], limit: int = 20, **kwargs: str) -> tuple[Review, list[str]]:
    """Group, rank and compose; also return the ranked headlines."""
    by_id = {a.id: a for a in articles if a.id is not None}
    ranked = rank_stories(
        group_stories(articles), window_start=START, window_end=END, limit=limit, articles=by_id
    )
    review = compose_review(ranked, by_id, window_start=START, window_end=END, now=NOW, **kwargs)
    return review, [r.story.headline for r in ranked]


def test_week_review_is_fully_cited(wikinews: list[Article]) -> None:
    """Every sentence is verbatim in a cited article (relative dates resolved, "yesterday"
    → "on 5 January"); teasers are the top three headlines."""
    by_id = {a.id: a for a in wikinews}
    in_window = [a for a in wikinews if a.published and START <= a.published < END]
    assert len(in_window) == 11  # README: the densest 7 days hold 11 articles
    review, headlines = _review(wikinews)
    sentences = [s for section in review.sections for s in section.sentences]
    cited = sum(
        any(quoted_from(s.text, by_id[c.article_id]) for c in s.citations) for s in sentences
    )
    assert sentences
    assert cited / len(sentences) == 1.0
    assert review.teasers == tuple(headlines[:3])
    assert [s.heading for s in review.sections] == headlines
    keys = [s.story_key for s in review.sections]
    assert len(keys) == len(set(keys))
    assert review.title == headlines[0]  # the top story names the week
    assert review.rubric == "Review"
    assert review.slug == "review-2019-10-04-to-2019-10-10"
    assert review.created_at == NOW
    assert review.intro == (
        f"The week's main stories in brief, 4–10 October 2019: {len(review.sections)} stories from "
        f"{len(review.sections)} independent articles by 1 outlet."
    )
    # every cited article was published in the window (these stories are single articles)
    window_ids = {a.id for a in in_window}
    assert {c.article_id for s in sentences for c in s.citations} <= window_ids


@pytest.mark.slow
def test_reprints_do_not_raise_counts(wikinews: list[Article]) -> None:
    """A reprint of the top story changes neither its rank figures nor the intro counts."""
    plain, _ = _review(wikinews)
    top_key = plain.sections[0].story_key
    original = next(a for a in wikinews if f"s-{a.id}" == top_key)
    reprint = replace(
        original, id=5000, url="https://mirror.example/x", outlet="Mirror", duplicate_of=original.id
    )
    with_copy, _ = _review([*wikinews, reprint])
    assert with_copy.intro == plain.intro
    assert [s.story_key for s in with_copy.sections] == [s.story_key for s in plain.sections]


def test_empty_window_and_languages(wikinews: list[Article]) -> None:
    """No stories: no sections, an intro that says so; rubrics follow the language."""
    empty = compose_review([], {}, window_start=START, window_end=END, now=NOW, lang="ru")
    assert empty.sections == ()
    assert empty.teasers == ()
    assert empty.intro == "За 4–10 октября 2019 сюжетов не найдено."
    assert empty.rubric == "Обзор"
    assert empty.slug == "review-2019-10-04-to-2019-10-10-ru"
    uz = compose_review([], {}, window_start=START, window_end=END, now=NOW, lang="uz")
    assert (uz.rubric, uz.lang) == ("Sharh", "uz-Latn")
    cyrl = compose_review([], {}, window_start=START, window_end=END, now=NOW, lang="uz-Cyrl")
    assert cyrl.rubric == "Шарҳ"
    assert cyrl.title == "Ҳафта шарҳи: 4–10 октябрь 2019"
    with pytest.raises(ConfigError):
        compose_review([], {}, window_start=START, window_end=END, now=NOW, lang="xx")
    titled, _ = _review(wikinews, limit=2, title="My week")
    assert titled.title == "My week"
    assert len(titled.sections) == 2


def test_format_date_range() -> None:
    """Day ranges across months and years read like a headline."""
    assert format_date_range(date(2019, 10, 7), date(2019, 10, 9)) == "7–9 October 2019"
    assert format_date_range(date(2019, 10, 7), date(2019, 10, 7)) == "7 October 2019"
    assert (
        format_date_range(date(2019, 9, 30), date(2019, 10, 2)) == "30 September – 2 October 2019"
    )
    assert (
        format_date_range(date(2019, 12, 30), date(2020, 1, 2), "ru")
        == "30 декабря 2019 – 2 января 2020"
    )


@pytest.mark.slow
def test_continuing_stories_are_marked_and_dropped_ones_kept(wikinews: list[Article]) -> None:
    """Memory from the pipeline reaches the sections and the review, and the renderers."""
    from midweek.models import DroppedStory
    from midweek.render import render_html, render_markdown

    plain, _ = _review(wikinews)
    key = plain.sections[1].story_key
    by_id = {a.id: a for a in wikinews if a.id is not None}
    ranked = rank_stories(
        group_stories(wikinews), window_start=START, window_end=END, limit=20, articles=by_id
    )
    since = datetime(2019, 10, 6, 12, tzinfo=UTC)
    gone = DroppedStory("s-1", "An old story", "no_new_developments")
    review = compose_review(
        ranked,
        by_id,
        window_start=START,
        window_end=END,
        now=NOW,
        continuing={key: since},
        dropped=[gone],
        previous="review-2019-09-27-to-2019-10-03",
    )
    statuses = {s.story_key: (s.status, s.new_since) for s in review.sections}
    assert statuses.pop(key) == ("continuing", since)
    assert set(statuses.values()) == {("new", None)}
    assert review.dropped == (gone,) and review.previous == "review-2019-09-27-to-2019-10-03"
    markdown = render_markdown(review)
    assert markdown.count("Continuing story: new since 2019-10-06") == 1
    assert "From the last review, no longer covered:* An old story" in markdown
    html = render_html(review)
    assert 'class="continuing"' in html and "An old story" in html


@pytest.mark.slow
def test_a_section_quoting_another_language_is_said(
    wikinews: list[Article], caplog: pytest.LogCaptureFixture
) -> None:
    """An English week asked for in Russian: every section quotes English, and each says so;
    the same week in English says nothing."""
    english, _ = _review(wikinews, lang="en")
    russian, _ = _review(wikinews, lang="ru")
    by_id = {a.id: a for a in wikinews if a.id is not None}
    assert russian.sections
    with caplog.at_level(logging.WARNING, logger="midweek.compose"):
        warn_foreign_sections(english, by_id)
        assert not caplog.records
        warn_foreign_sections(russian, by_id)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == len(russian.sections)
    assert all("has no article in ru" in m and "en sources" in m for m in said)
