"""The store on SQLite and PostgreSQL: uniqueness, time zones, search, failures, reviews."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, update

from midweek.errors import ReviewFormatError, StoreError
from midweek.models import Article, Failure, Review, Source
from midweek.render.jsonout import review_from_dict, review_to_dict
from midweek.store import ArticleRow, open_store, quote_fts_query, schema

NOW = datetime(2025, 7, 9, 12, 0, tzinfo=UTC)


def _row(n: int, **changes: object) -> ArticleRow:
    article = Article(
        url=f"https://news.example/{n}",
        title=f"Title {n}",
        text=f"Body of article number {n}. Тошкент шаҳрида янгилик.",
        published=NOW - timedelta(hours=n),
        outlet="news.example",
    )
    values: dict[str, object] = {
        "article": article,
        "key": f"url:news.example/{n}",
        "canonical_url": f"news.example/{n}",
        "content_hash": f"{n:064x}",
    }
    values.update(changes)
    return ArticleRow(**values)  # type: ignore[arg-type]


def test_open_creates_schema_and_reopening_is_a_no_op(store_url: str) -> None:
    store = open_store(store_url)
    names = set(inspect(store.engine).get_table_names())
    assert {"sources", "articles", "failures", "stories", "story_articles", "reviews"} <= names
    store.close()
    again = open_store(store_url)  # migrating a migrated store changes nothing
    assert again.count_articles() == 0
    again.close()


def test_sources_are_unique_by_url(store_url: str) -> None:
    store = open_store(store_url)
    first, created = store.add_source(Source("https://a.example/feed", "feed", "A"), NOW)
    second, created_again = store.add_source(Source("https://a.example/feed", "feed", "A"), NOW)
    assert created and not created_again and first.id == second.id
    store.mark_source_checked(first.id or 0, NOW, etag='"v1"', last_modified="Wed, 09 Jul 2025")
    (listed,) = store.list_sources()
    assert listed.etag == '"v1"' and listed.last_modified == "Wed, 09 Jul 2025"
    assert store.remove_source(str(first.id)) and not store.remove_source(str(first.id))
    store.close()


def test_articles_are_stored_once_by_key_or_canonical_url(store_url: str) -> None:
    store = open_store(store_url)
    ids = store.add_articles([_row(1), _row(2)], NOW)
    assert all(isinstance(i, int) for i in ids)
    # same key, and a different key with the same canonical URL: both refused
    again = store.add_articles([_row(1), _row(2, key="guid:x:2"), _row(3)], NOW)
    assert again[0] is None and again[1] is None and isinstance(again[2], int)
    assert store.count_articles() == 3
    assert store.existing_keys(["url:news.example/1", "news.example/3", "nope"]) == {
        "url:news.example/1",
        "news.example/3",
    }
    store.close()


def test_reprint_of_an_earlier_row_in_the_same_batch_is_linked(store_url: str) -> None:
    store = open_store(store_url)
    original, reprint = store.add_articles([_row(1), _row(2, duplicate_of_row=0)], NOW)
    assert original is not None and reprint is not None
    assert store.get_articles([reprint])[reprint].duplicate_of == original
    store.close()


def test_times_come_back_aware_utc_and_naive_times_are_refused(store_url: str) -> None:
    store = open_store(store_url)
    tashkent = datetime(2025, 7, 9, 17, 0, tzinfo=UTC) + timedelta(0)
    row = _row(1)
    row = ArticleRow(
        article=Article(**{**_fields(row.article), "published": tashkent}),
        key=row.key,
        canonical_url=row.canonical_url,
        content_hash=row.content_hash,
    )
    (article_id,) = store.add_articles([row], NOW)
    assert article_id is not None
    stored = store.get_articles([article_id])[article_id]
    assert stored.published == tashkent and stored.published.tzinfo is not None
    naive = Article(**{**_fields(row.article), "published": datetime(2025, 7, 9)})
    with pytest.raises(StoreError):
        store.add_articles([ArticleRow(naive, "k2", "c2", "h2")], NOW)
    store.close()


def _fields(article: Article) -> dict[str, object]:
    return {name: getattr(article, name) for name in article.__slots__}  # type: ignore[attr-defined]


def test_articles_between_is_half_open_and_ordered(store_url: str) -> None:
    store = open_store(store_url)
    store.add_articles([_row(n) for n in range(1, 6)], NOW)
    found = store.articles_between(NOW - timedelta(hours=4), NOW - timedelta(hours=1))
    assert [a.title for a in found] == ["Title 4", "Title 3", "Title 2"]
    assert store.has_articles_between(NOW - timedelta(hours=4), NOW - timedelta(hours=1))
    # half open: the article at the window's end (5 h ago) is outside, at its start inside
    assert not store.has_articles_between(NOW - timedelta(hours=6), NOW - timedelta(hours=5))
    assert store.has_articles_between(NOW - timedelta(hours=5), NOW - timedelta(hours=4))
    assert not store.has_articles_between(NOW - timedelta(days=9), NOW - timedelta(days=8))
    store.close()


def test_articles_of_kinds_reads_only_the_kinds_asked_for(store_url: str) -> None:
    store = open_store(store_url)
    kinds = {1: "advert", 2: "news", 3: "digest", 4: "advert", 5: "opinion", 6: "advert"}
    rows = [_row(n, article=replace(_row(n).article, kind=k)) for n, k in kinds.items()]
    # a row stored before kinds were (NULL): classified as it is read
    legacy = replace(_row(7).article, text="Sponsored: the new phone lasts three days.")
    rows.append(_row(7, article=legacy))
    ids = dict(zip(range(1, 8), store.add_articles(rows, NOW), strict=True))
    with store.engine.begin() as conn:
        conn.execute(
            update(schema.articles).where(schema.articles.c.id == ids[7]).values(kind=None)
        )
    start, end = NOW - timedelta(hours=7), NOW - timedelta(hours=1)  # 1 h is outside
    found = store.articles_of_kinds(start, end, {"advert", "digest"}, limit=10)
    assert [a.title for a in found] == ["Title 7", "Title 6", "Title 4", "Title 3"]
    assert [a.kind for a in found] == [None, "advert", "advert", "digest"]
    # the limit counts what is returned, after the excluded ids
    cut = store.articles_of_kinds(start, end, {"advert"}, limit=2, exclude={ids[6]})
    assert [a.title for a in cut] == ["Title 7", "Title 4"]
    assert store.articles_of_kinds(start, end, {"advert"}, limit=0) == []
    assert store.articles_of_kinds(start, end, set(), limit=5) == []
    store.close()


def test_articles_of_kinds_has_its_index(store_url: str) -> None:
    store = open_store(store_url)
    indexes = {i["name"]: i["column_names"] for i in inspect(store.engine).get_indexes("articles")}
    assert indexes["ix_articles_kind_published"] == ["kind", "published"]
    store.close()


NASTY_QUERIES = [
    'a"b',
    "(",
    ")",
    "AND",
    "OR NOT",
    "NEAR(",
    "*",
    "^",
    "col:umn",
    "'; DROP TABLE articles; --",
    '"""',
    "-",
    "+",
    "{a}",
    "a\\b",
    "\x00",
    "тошкент*",
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_search_never_breaks_on_punctuation(store_url: str, query: str) -> None:
    store = open_store(store_url)
    store.add_articles([_row(1)], NOW)
    store.search_articles(query)  # must not raise
    assert store.count_articles() == 1
    store.close()


def test_search_finds_words_in_any_script(store_url: str) -> None:
    store = open_store(store_url)
    store.add_articles([_row(1), _row(2)], NOW)
    assert {a.title for a in store.search_articles("number 2")} == {"Title 2"}
    assert len(store.search_articles("шаҳрида")) == 2
    assert store.search_articles("") == []
    store.close()


def test_quote_fts_query_quotes_every_term() -> None:
    assert quote_fts_query('tokayev "putin') == '"tokayev" """putin"'
    assert quote_fts_query("   ") == ""


def test_failures_are_counted_not_duplicated(store_url: str) -> None:
    store = open_store(store_url)
    failure = Failure("fetch", "https://x.example/a", "HTTP 500")
    store.record_failures([failure], NOW)
    store.record_failures([Failure("fetch", "https://x.example/a", "HTTP 502")], NOW)
    ((stored, count),) = store.list_failures()
    assert stored.reason == "HTTP 502" and count == 2
    store.close()


_REVIEW_ARGS: dict[str, object] = {
    "slug": "2025-07-07",
    "title": "T",
    "lang": "en",
    "window_start": NOW - timedelta(days=2),
    "window_end": NOW,
    "created_at": NOW,
}


def _body(version: int) -> dict[str, object]:
    """The body of a review of the arguments above, told apart by its intro."""
    review = Review(
        slug="2025-07-07",
        rubric="Review",
        title="T",
        teasers=(),
        intro=f"version {version}",
        sections=(),
        window_start=NOW - timedelta(days=2),
        window_end=NOW,
        created_at=NOW,
    )
    return review_to_dict(review)


def test_a_stored_body_comes_back_as_the_review_it_was(store_url: str) -> None:
    store = open_store(store_url)
    body = _body(1)
    store.save_review(**_REVIEW_ARGS, body=body)  # type: ignore[arg-type]
    stored = store.get_review("2025-07-07")
    assert stored is not None and stored.body == body
    assert stored.review == review_from_dict(body) and stored.review.intro == "version 1"
    assert (stored.window_start, stored.window_end) == (NOW - timedelta(days=2), NOW)
    with pytest.raises(ReviewFormatError, match="rubric is missing"):
        store.save_review(**_REVIEW_ARGS, body={"slug": "2025-07-07"})  # type: ignore[arg-type]
    assert [r.body for r in store.list_reviews()] == [body]  # the refused body left no trace
    store.close()


def test_a_published_review_is_never_overwritten(store_url: str) -> None:
    store = open_store(store_url)
    args = _REVIEW_ARGS
    first = store.save_review(**args, body=_body(1))  # type: ignore[arg-type]
    assert store.save_review(**args, body=_body(2)) == first  # type: ignore[arg-type]
    review = store.get_review("2025-07-07")
    assert review is not None and review.body == _body(2) and review.status == "draft"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE reviews SET status = 'published'")
    with pytest.raises(StoreError, match="published"):
        store.save_review(**args, body=_body(3))  # type: ignore[arg-type]
    store.close()


def test_bad_database_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError):
        open_store("mysql+nonexistentdriver://x/y")
    with pytest.raises(StoreError):
        open_store("sqlite:////nonexistent-dir/deeper/midweek.db")


def test_control_characters_in_text_are_stored_without_them(store_url: str) -> None:
    store = open_store(store_url)
    row = _row(1)
    dirty = Article(**{**_fields(row.article), "text": "a\x00b\x07c", "title": "t\x1ft"})
    (article_id,) = store.add_articles([ArticleRow(dirty, "k", "c", "h")], NOW)
    assert article_id is not None
    stored = store.get_articles([article_id])[article_id]
    assert (stored.text, stored.title) == ("abc", "tt")
    store.close()


def test_a_draft_an_editor_changed_is_never_rebuilt_over(store_url: str) -> None:
    from midweek.store.editor_schema import reviews_generated

    store = open_store(store_url)
    args = _REVIEW_ARGS
    review_id = store.save_review(**args, body=_body(1))  # type: ignore[arg-type]
    with store.engine.begin() as conn:  # what the desk keeps at an editor's first edit
        conn.execute(reviews_generated.insert().values(review_id=review_id, body={}, saved_at=NOW))
    with pytest.raises(StoreError, match="editor's changes"):
        store.save_review(**args, body=_body(2))  # type: ignore[arg-type]
    stored = store.get_review("2025-07-07")
    assert stored is not None and stored.body == _body(1)
    store.close()
