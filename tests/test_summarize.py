"""Extractive summaries: verbatim, cited, filtered, redundancy-free."""

from __future__ import annotations

from dataclasses import replace

import pytest

from midweek.cluster import group_stories
from midweek.models import Article, Story
from midweek.summarize import MIN_WORDS, summarize_story


def _flat(text: str) -> str:
    """Whitespace-normalised text (the only change a summary may make)."""
    return " ".join(text.split())


def test_every_sentence_is_verbatim_and_cited(wikinews: list[Article]) -> None:
    """Across 40 real stories each sentence is found verbatim in its first cited article."""
    by_id = {a.id: a for a in wikinews if a.id is not None}
    stories = group_stories(wikinews)[:40]
    total = 0
    for story in stories:
        sentences = summarize_story(story, by_id, max_sentences=3)
        assert 1 <= len(sentences) <= 3
        assert len({s.text for s in sentences}) == len(sentences)
        for sentence in sentences:
            assert sentence.citations
            assert sentence.text in _flat(by_id[sentence.citations[0].article_id].text)
            assert len(sentence.text.split()) >= MIN_WORDS
            assert {c.article_id for c in sentence.citations} <= set(story.article_ids)
            total += 1
    assert total >= 100


def test_sentence_shared_with_a_reprint_cites_both(wikinews: list[Article]) -> None:
    """A near-verbatim copy (one word changed) in a reprint is cited alongside the source."""
    original = next(a for a in wikinews if "Ginger Baker" in a.title)
    assert original.id is not None
    first = summarize_story(
        Story("s", original.title, (original.id,), None, None), {original.id: original}
    )[0]
    changed = original.text.replace(first.text, first.text.replace(" the ", " a ", 1), 1)
    reprint = replace(
        original, id=10_000, url="https://copy.example/x", text=changed, duplicate_of=original.id
    )
    story = group_stories([original, reprint])[0]
    sentences = summarize_story(story, {original.id: original, 10_000: reprint})
    cited = [c.article_id for c in sentences[0].citations]
    assert cited == [original.id, 10_000]


def test_datelines_short_and_unterminated_lines_are_dropped() -> None:
    """Only full sentences of at least MIN_WORDS words, and no datelines, are picked."""
    text = (
        "Monday, October 7, 2019\n"
        "MOSCOW, Oct 7 (Reuters) - The central bank raised its key interest rate again today.\n"
        "Rates rose.\n"
        "Map legend showing the northern provinces and their borders\n"
        "The central bank of Russia raised its key rate by half a point on Monday.\n"
        "Analysts had expected a smaller move given slowing inflation this autumn."
    )
    article = Article(url="https://e.org/1", title="Rates", text=text, id=1)
    story = Story("s-1", "Rates", (1,), None, None, independent_articles=1)
    got = [s.text for s in summarize_story(story, {1: article}, max_sentences=5)]
    assert got == [
        "The central bank of Russia raised its key rate by half a point on Monday.",
        "Analysts had expected a smaller move given slowing inflation this autumn.",
    ]


def test_language_preference_and_edge_cases() -> None:
    """With lang, sentences come from articles in that language; nothing usable gives ()."""
    en = Article(
        url="https://e.org/en",
        title="t",
        id=1,
        lang="en",
        text="The parliament approved the new budget law on Tuesday evening.",
    )
    ru = Article(
        url="https://e.org/ru",
        title="т",
        id=2,
        lang="ru",
        text="Парламент одобрил новый закон о бюджете во вторник вечером.",
    )
    story = Story("s-1", "t", (1, 2), None, None, independent_articles=2)
    got = summarize_story(story, {1: en, 2: ru}, lang="ru")
    assert [s.text for s in got] == [ru.text]
    assert got[0].citations[0].article_id == 2
    assert summarize_story(story, {1: en, 2: ru}, max_sentences=0) == ()
    empty = replace(en, text="Too short.")
    assert summarize_story(Story("s", "t", (1,), None, None), {1: empty}) == ()
    with pytest.raises(ValueError):
        summarize_story(story, {1: en}, max_sentences=-1)
