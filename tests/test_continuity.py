"""Continuity between reviews: continuing, held back and new stories, and what is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from midweek.continuity import cited_ids, dropped_stories, remember
from midweek.models import Article, Citation, Review, Section, Sentence
from midweek.rank import RankedStory
from midweek.story_figures import build_story

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
BEFORE = MONDAY - timedelta(days=7)  # the previous review's window: the week before


def _article(n: int, when: datetime, outlet: str = "a.uz") -> Article:
    return Article(
        url=f"https://{outlet}/{n}",
        title=f"Report {n}",
        text=f"Report number {n} says what happened.",
        published=when,
        lang="en",
        outlet=outlet,
        id=n,
    )


def _section(key: str, heading: str, *cited: int) -> Section:
    sentence = Sentence(
        "It happened.", tuple(Citation(i, f"https://a.uz/{i}", "", "a.uz") for i in cited)
    )
    return Section(heading, (sentence,), story_key=key)


def test_stories_of_the_previous_review_continue_with_what_is_new_or_are_held() -> None:
    articles = {
        1: _article(1, BEFORE + timedelta(days=1)),  # told last week
        2: _article(2, MONDAY + timedelta(hours=3)),  # new since
        3: _article(3, BEFORE + timedelta(days=2)),  # told last week, nothing new
        4: _article(4, MONDAY + timedelta(hours=5)),  # a new story
    }
    previous = Review(
        slug="last-week",
        rubric="",
        title="",
        teasers=(),
        intro="",
        sections=(_section("s-old-key", "Trial opens", 1), _section("s-3", "Quiet story", 3)),
        window_start=BEFORE,
        window_end=MONDAY,
        created_at=MONDAY,
    )
    trial = build_story([1, 2], articles)  # the clusterer renamed it: its key is new
    quiet, fresh = build_story([3], articles), build_story([4], articles)
    memory = remember([trial, quiet, fresh], articles, previous, MONDAY + timedelta(days=2))
    kept = {s.key: s for s in memory.stories}
    assert set(kept) == {trial.key, fresh.key}  # the quiet story is held back
    assert kept[trial.key].article_ids == (2,)  # told from what is new since
    assert memory.continuing == {trial.key: MONDAY}
    assert memory.returning[trial.key] == ("s-old-key", "Trial opens")
    assert memory.held == {"s-3": quiet.key}
    placed = [RankedStory(story=kept[fresh.key], score=1.0, parts={})]
    gone = {d.story_key: d.reason for d in dropped_stories(previous, memory, placed)}
    assert gone == {"s-old-key": "outranked", "s-3": "no_new_developments"}
    assert cited_ids(previous.sections[0]) == {1}


def test_without_a_previous_review_every_story_is_new() -> None:
    articles = {1: _article(1, MONDAY)}
    story = build_story([1], articles)
    memory = remember([story], articles, None, MONDAY + timedelta(days=1))
    assert memory.stories == [story] and not memory.continuing
    assert dropped_stories(None, memory, []) == ()
