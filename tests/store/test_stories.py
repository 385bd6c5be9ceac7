"""Stories in the store, on SQLite and PostgreSQL: figures saved, loaded, replaced, dropped;
a story's articles by id or key."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from midweek.models import Article, Story
from midweek.store import ArticleRow, Store, open_store
from midweek.store.stories import (
    UnknownStoryError,
    get_story,
    list_stories,
    save_cluster_run,
    story_articles,
)
from midweek.store.stories_schema import story_figures
from midweek.story_figures import build_story

NOW = datetime(2026, 11, 29, tzinfo=UTC)
T0 = datetime(2022, 11, 30, 9, 0, tzinfo=UTC)


def _posts(shared_data: Path, count: int) -> list[dict[str, str]]:
    """Telegram posts with their Uzbek translation, in file order."""
    path = shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    out: list[dict[str, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            if post.get("text_uz_mt"):
                out.append(post)
            if len(out) == count:
                return out
    raise AssertionError("not enough translated posts")


def _stored(store: Store, shared_data: Path) -> dict[int, Article]:
    """Three Russian posts, their Uzbek translations and a reprint, stored; by id."""
    rows: list[ArticleRow] = []
    for n, post in enumerate(_posts(shared_data, 3)):
        for lang, text in (("ru", post["text_ru"]), ("uz", post["text_uz_mt"])):
            article = Article(
                url=f"https://t.me/{post['id']}/{lang}",
                title=text.split("\n", 1)[0][:120],
                text=text,
                published=T0 + timedelta(hours=7 * n),
                lang=lang,
                script="Latn" if lang == "uz" else None,
                outlet=post["channel"],
            )
            key = f"{post['id']}/{lang}"
            rows.append(ArticleRow(article, key=key, canonical_url=key, content_hash=key))
    reprint = Article(
        url="https://copy.example/1",
        title=rows[0].article.title,
        text=rows[0].article.text,
        published=T0 + timedelta(days=2),
        lang="ru",
        outlet="copy.example",
    )
    rows.append(ArticleRow(reprint, "copy", "copy", "copy", duplicate_of_row=0))
    ids = store.add_articles(rows, NOW)
    return store.get_articles(i for i in ids if i is not None)


def _save(store: Store, stories: list[Story]) -> None:
    save_cluster_run(store, header={"v": 1}, assignments={}, stories=stories, now=NOW)


def test_figures_round_trip_and_are_replaced(store_url: str, shared_data: Path) -> None:
    store = open_store(store_url)
    assert "story_figures" in inspect(store.engine).get_table_names()
    by_id = _stored(store, shared_data)
    story = build_story(by_id, by_id)
    assert [tag for tag, _ in story.headlines] == ["ru", "uz-Latn"]
    # posts at 0, 7 and 14 h, each in two languages; the reprint at 48 h is left out
    assert (story.growth, story.growth_hours) == ((2, 2, 2), 6)
    _save(store, [story])
    (listed,) = list_stories(store)
    found = get_story(store, story.key)
    assert found is not None
    for loaded in (listed, found[0]):
        assert (loaded.headlines, loaded.growth, loaded.growth_hours) == (
            story.headlines,
            story.growth,
            story.growth_hours,
        )
    # a later run rebuilds the story without its first post: figures are replaced
    rest = {i: a for i, a in by_id.items() if a.published != T0}
    smaller = build_story(rest, rest)
    _save(store, [smaller, build_story([min(by_id)], by_id)])
    again = get_story(store, smaller.key)
    assert again is not None and again[0].growth == smaller.growth
    assert again[0].headlines == smaller.headlines != story.headlines
    store.close()


def test_a_story_saved_without_figures_loads_with_none(store_url: str) -> None:
    store = open_store(store_url)
    article = Article(url="https://a.example/1", title="Rail link", text="Opens.", published=T0)
    (article_id,) = store.add_articles([ArticleRow(article, "k", "k", "h")], NOW)
    assert article_id is not None
    store.save_stories([Story("plain", "Rail link", (article_id,), T0, T0)])
    (loaded,) = list_stories(store)
    assert (loaded.headlines, loaded.growth, loaded.growth_hours) == ((), (), 0)
    assert loaded.headline_in("en") == "Rail link"
    store.close()


def test_figures_go_with_their_story(store_url: str, shared_data: Path) -> None:
    store = open_store(store_url)
    by_id = _stored(store, shared_data)
    _save(store, [build_story(by_id, by_id)])
    # every member moves to one-article stories: the old story and its figures are deleted
    _save(store, [replace(build_story([i], by_id), key=f"solo-{i}") for i in by_id])
    with store.engine.connect() as conn:
        owners = set(conn.scalars(select(story_figures.c.story_id)))
    assert owners == {s.id for s in list_stories(store)} and len(owners) == len(by_id)
    store.close()


def test_story_articles_by_id_and_key_oldest_first(store_url: str) -> None:
    store = open_store(store_url)
    later = Article(url="https://a.example/2", title="Rail link", text="Opens.", published=NOW)
    first = replace(later, url="https://a.example/1", published=T0)
    ids = store.add_articles(
        [ArticleRow(later, "k2", "k2", "h2"), ArticleRow(first, "k1", "k1", "h1")], NOW
    )
    assert None not in ids
    store.save_stories([Story("rail", "Rail link", tuple(i for i in ids if i), T0, NOW)])
    (story,) = list_stories(store)
    by_key = story_articles(store, "rail")
    assert [a.url for a in by_key] == ["https://a.example/1", "https://a.example/2"]
    assert [a.id for a in story_articles(store, str(story.id))] == [a.id for a in by_key]
    found = get_story(store, "rail")
    assert found is not None and [a.id for a in found[1]] == [a.id for a in by_key]
    assert get_story(store, str(story.id)) is not None  # the CLI: digits are an id
    assert get_story(store, str(story.id), by_id=False) is None  # the site: keys only
    with pytest.raises(UnknownStoryError):
        story_articles(store, str((story.id or 0) + 99))
    store.close()
