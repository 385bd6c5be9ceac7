"""The review stage of the pipeline: memory of the last published review, story sources,
bad windows. Real Telegram posts of two Uzbek outlets (April 2022) at their real times."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from midweek import dedupe
from midweek.entities import load_kb
from midweek.errors import ConfigError
from midweek.models import Article, Section
from midweek.pipeline import (
    FROM_CLUSTERER,
    FROM_LEXICAL,
    build_review,
    cluster_new_articles,
    plan_review,
)
from midweek.render import REVIEW_JSON_SCHEMA, render_json, render_markdown
from midweek.store import ArticleRow, Store, open_store
from midweek.store.desk import set_article_kind, set_review_status
from quoting import quoted_from

TASHKENT = timezone(timedelta(hours=5))
# Day one and day two of the review windows: "Иннопром. Центральная Азия" opens in
# Tashkent on 25 April 2022 (three posts that evening, two outlets) and is reported
# again on the 26th at 14:45.
DAY_ONE = datetime(2022, 4, 25, tzinfo=TASHKENT)
DAY_TWO = DAY_ONE + timedelta(days=1)
DAY_THREE = DAY_TWO + timedelta(days=1)
NOW = datetime(2022, 4, 28, tzinfo=UTC)
INNOPROM = {
    "gazetauz-2022-04-25 19:40:00-0",
    "podrobnouz-2022-04-25 20:48:28-0",
    "podrobnouz-2022-04-25 21:09:19-0",
}
INNOPROM_LATER = "podrobnouz-2022-04-26 14:45:08-0"
# Posts shorter than this are one-line promos.
MIN_CHARS = 200


def _posts(shared_data: Path, first: str, last: str) -> list[dict[str, str]]:
    """Russian posts published on the days from ``first`` to ``last`` (ISO dates)."""
    path = shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    return sorted(
        (
            p
            for p in posts
            if first <= p["published"][:10] <= last and len(p.get("text_ru") or "") >= MIN_CHARS
        ),
        key=lambda p: (p["published"], p["id"]),
    )


def _store_posts(store: Store, posts: list[dict[str, str]], lang: str = "ru") -> dict[str, int]:
    """Store posts as articles; return article id by post id."""
    rows = []
    for post in posts:
        text = post["text_ru"]
        url = f"https://t.me/{post['channel']}/{post['id']}"
        article = Article(
            url=url,
            title=text.split("\n", 1)[0][:120],
            text=text,
            published=datetime.fromisoformat(post["published"]).replace(tzinfo=TASHKENT),
            lang=lang,
            script="Cyrl",
            outlet=post["channel"],
        )
        rows.append(
            ArticleRow(
                article=article,
                key=dedupe.dedupe_key(None, url, article.title, text, post["channel"]),
                canonical_url=dedupe.canonical_url_key(url),
                content_hash=dedupe.content_hash(article.title, text),
            )
        )
    ids = store.add_articles(rows, NOW)
    return {p["id"]: i for p, i in zip(posts, ids, strict=True) if i is not None}


@pytest.fixture
def store(tmp_path: Path, shared_data: Path) -> Iterator[Store]:
    """A store with the posts of 22 to 26 April 2022."""
    opened = open_store(f"sqlite:///{tmp_path / 'midweek.db'}")
    _store_posts(opened, _posts(shared_data, "2022-04-22", "2022-04-26"))
    yield opened
    opened.close()


def plan_review_text(section: Section) -> str:
    """A section's heading and sentences (a heading is cut to HEADLINE_MAX_CHARS)."""
    return " ".join([section.heading, *(s.text for s in section.sentences)])


@pytest.mark.slow
def test_continuing_story_returns_with_news_since_and_others_are_dropped(store: Store) -> None:
    kb = load_kb()
    first = build_review(store, DAY_ONE, DAY_TWO, lang="ru", now=NOW, kb=kb)
    assert first.previous == "" and first.dropped == ()
    assert all(s.status == "new" and s.new_since is None for s in first.sections)
    innoprom = [s for s in first.sections if "Иннопром" in plan_review_text(s)]
    assert innoprom, [s.heading for s in first.sections]
    assert first.id is not None
    # a draft is no memory: only a published review is
    assert plan_review(store, DAY_TWO, DAY_THREE, kb=kb).previous == ""
    set_review_status(store, first.id, "published", user_name="editor", now=NOW)

    plan = plan_review(store, DAY_TWO, DAY_THREE, kb=kb, limit=100)
    assert plan.previous == first.slug
    key = innoprom[0].story_key
    continuing = [r for r in plan.ranked if r.story.key in plan.continuing]
    # Innoprom continues; since articles are sorted by kind (adverts and digests kept out of
    # stories), the lexical stories of day two also give one other story a post since
    keys = [r.story.key for r in continuing]
    assert key in keys and len(keys) <= 2, keys
    assert plan.continuing[key] == DAY_TWO
    # ranked and written from what was published since the first review only
    innoprom_now = next(r for r in continuing if r.story.key == key)
    new_articles = [plan.articles[i] for i in innoprom_now.story.article_ids]
    assert new_articles and all(a.published and a.published >= DAY_TWO for a in new_articles)
    assert INNOPROM_LATER in {a.url.rsplit("/", 1)[1] for a in new_articles}
    # every other story of the first review has nothing new: all are listed as dropped
    dropped = {d.story_key: d.reason for d in plan.dropped}
    assert set(dropped) == {s.story_key for s in first.sections} - set(keys)
    assert set(dropped.values()) == {"no_new_developments"}

    second = build_review(store, DAY_TWO, DAY_THREE, lang="ru", now=NOW, kb=kb)
    statuses = {s.story_key: s.status for s in second.sections}
    assert set(statuses.values()) <= {"new", "continuing"}
    assert not set(statuses) & set(dropped)
    if key in statuses:  # placed among the six: marked, and cites only new articles
        section = next(s for s in second.sections if s.story_key == key)
        assert section.status == "continuing" and section.new_since == DAY_TWO
        cited = store.get_articles(c.article_id for x in section.sentences for c in x.citations)
        assert all(a.published and a.published >= DAY_TWO for a in cited.values())
    else:  # outranked, or nothing new to quote: said in the review, never hidden
        assert {d.story_key: d.reason for d in second.dropped}[key] in {
            "outranked",
            "no_usable_sentence",
        }
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(render_json(second))
    jsonschema.Draft202012Validator(REVIEW_JSON_SCHEMA).validate(document)
    assert {d["story_key"] for d in document["dropped"]} >= set(dropped)
    assert "Из прошлого обзора больше не освещаются" in render_markdown(second)


def test_stories_of_the_clusterer_are_used_when_it_has_seen_the_window(store: Store) -> None:
    assert plan_review(store, DAY_ONE, DAY_TWO).stories_from == FROM_LEXICAL
    cluster_new_articles(store, NOW)
    plan = plan_review(store, DAY_ONE, DAY_TWO, kb=load_kb())
    assert plan.stories_from == FROM_CLUSTERER
    assert plan.ranked and len({r.story.key for r in plan.ranked}) == len(plan.ranked)
    review = build_review(store, DAY_ONE, DAY_TWO, lang="ru", now=NOW, save=False)
    assert review.sections


@pytest.mark.slow
def test_articles_an_editor_sets_aside_after_clustering_leave_the_review(store: Store) -> None:
    """A desk verdict ("advert") on articles already in stories: never ranked or quoted;
    a story all of whose articles are set aside gets no section (and no empty one)."""
    cluster_new_articles(store, NOW)
    review = build_review(store, DAY_ONE, DAY_TWO, lang="ru", now=NOW)
    saved = store.get_review(review.slug)
    assert saved is not None
    lead = review.sections[0]
    marked = sorted({c.article_id for s in lead.sentences for c in s.citations})
    for article_id in marked:
        set_article_kind(store, saved.id, article_id, "advert", user_name="ed", now=NOW)
    plan = plan_review(store, DAY_ONE, DAY_TWO, lang="ru")
    assert plan.stories_from == FROM_CLUSTERER  # the stored stories still hold them
    assert not set(marked) & set(plan.articles)
    assert any(s.kind == "advert" and s.count >= len(marked) for s in plan.set_aside)
    again = build_review(store, DAY_ONE, DAY_TWO, lang="ru", now=NOW, save=False)
    cited = {c.article_id for x in again.sections for s in x.sentences for c in s.citations}
    assert again.sections and not cited & set(marked)
    assert all(x.sentences and x.heading for x in again.sections)


def test_empty_window_gives_a_review_saying_so(store: Store) -> None:
    start = datetime(2030, 1, 7, tzinfo=UTC)
    review = build_review(store, start, start + timedelta(days=2), lang="en", now=NOW)
    assert review.sections == () and review.teasers == () and review.tags == ()
    assert review.intro.startswith("No stories were found")
    assert plan_review(store, start, start + timedelta(days=2)).ranked == ()


def test_one_story_window(tmp_path: Path, shared_data: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'one.db'}")
    posts = [p for p in _posts(shared_data, "2022-04-25", "2022-04-25") if p["id"] in INNOPROM]
    _store_posts(store, posts[:1])
    review = build_review(store, DAY_ONE, DAY_TWO, lang="ru", now=NOW)
    store.close()
    assert len(review.sections) == 1 and len(review.teasers) == 1
    assert "1" in review.intro


def test_stories_the_output_language_cannot_quote_are_cited_as_they_are(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    review = build_review(store, DAY_ONE, DAY_TWO, lang="uz-Latn", now=NOW, save=False)
    assert review.sections and review.lang == "uz-Latn"
    cited = store.get_articles(
        c.article_id for s in review.sections for x in s.sentences for c in x.citations
    )
    for section in review.sections:
        for sentence in section.sentences:
            assert any(quoted_from(sentence.text, cited[c.article_id]) for c in sentence.citations)
    assert "no article in uz-Latn" in caplog.text
    with pytest.raises(ConfigError, match="unsupported review language"):
        build_review(store, DAY_ONE, DAY_TWO, lang="de", now=NOW, save=False)
