"""`cluster` finds its new articles through ``cluster_pending``, not a scan of the archive.

Nothing is lost: every stored article is looked at by exactly one run, a set-aside one too
(and not again), one an editor marks news afterwards by the next run, whatever order the
articles' ids were drawn in; the migration fills the table from the old anti-join.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from conftest import telegram_records
from midweek.kinds import SET_ASIDE_KINDS, is_news
from midweek.pipeline import build_review, cluster_new_articles, ingest_file
from midweek.settings import load_settings
from midweek.store import Store, open_store
from midweek.store.desk import set_article_kind
from midweek.store.schema import articles
from midweek.store.stories import count_unclustered, forget_set_aside, unclustered_articles
from midweek.store.stories_schema import article_clusters, cluster_pending

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _ingest(store: Store, tmp_path: Path, records: list[dict[str, object]], name: str) -> None:
    path = tmp_path / f"{name}.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    settings = load_settings(tmp_path / name, environ={})
    ingest_file(store, path, settings, lambda: NOW)


def _posts(shared_data: Path, limit: int) -> list[dict[str, object]]:
    records = telegram_records(shared_data, limit, min_chars=120)
    return sorted(records, key=lambda r: str(r["published"]))


def _pending(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.scalars(select(cluster_pending.c.article_id)))


def _clustered(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.scalars(select(article_clusters.c.article_id)))


def _all_ids(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.scalars(select(articles.c.id)))


def _review_id(store: Store) -> int:
    """A stored review for the desk's verdicts (an empty window's: no stories)."""
    start = datetime(2030, 1, 7, tzinfo=UTC)
    review = build_review(store, start, start + timedelta(days=2), lang="en", now=NOW)
    saved = store.get_review(review.slug)
    assert saved is not None
    return saved.id


def test_each_article_is_looked_at_by_one_run_and_a_set_aside_one_not_again(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    posts = _posts(shared_data, 200)
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, posts[:120], "a")
        first = _all_ids(store)
        assert _pending(store) == first and count_unclustered(store) == len(first)
        waiting = unclustered_articles(store)
        aside = {a.id for a in waiting if not is_news(a)}
        assert aside, "the replay has set-aside posts"
        run = cluster_new_articles(store, NOW)
        assert run.articles == len(first) - len(aside)
        assert _clustered(store) == first - aside
        # nothing waits: the set-aside posts are not read again by the next run
        assert _pending(store) == set() and unclustered_articles(store) == []
        assert count_unclustered(store) == 0

        _ingest(store, tmp_path, posts[120:], "b")
        second = _all_ids(store) - first
        assert {a.id for a in unclustered_articles(store)} == _pending(store) == second
        again = cluster_new_articles(store, NOW)
        assert again.articles == sum(1 for a in store.get_articles(second).values() if is_news(a))
        assert _pending(store) == set()
        assert _clustered(store) == {
            i for i, a in store.get_articles(_all_ids(store)).items() if is_news(a)
        }
    finally:
        store.close()


def test_an_article_marked_news_after_it_was_set_aside_is_clustered_next(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, _posts(shared_data, 120), "a")
        waiting = unclustered_articles(store)
        aside = sorted(a.id for a in waiting if a.id is not None and not is_news(a))
        assert len(aside) >= 2
        cluster_new_articles(store, NOW)
        review = _review_id(store)
        marked = aside[0]
        set_article_kind(store, review, marked, "news", user_name="ed", now=NOW)
        assert [a.id for a in unclustered_articles(store)] == [marked]
        run = cluster_new_articles(store, NOW)
        assert run.articles == 1 and marked in _clustered(store) and _pending(store) == set()
        # marking a clustered article news again queues nothing
        set_article_kind(store, review, marked, "advert", user_name="ed", now=NOW)
        set_article_kind(store, review, marked, "news", user_name="ed", now=NOW)
        assert _pending(store) == set()
    finally:
        store.close()


def test_an_editors_verdict_during_a_run_is_not_lost(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    """A run read two posts as set aside; an editor marks one news before the run saves:
    the run forgets the other one only, and the next run clusters the marked one."""
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, _posts(shared_data, 120), "a")
        review = _review_id(store)
        read = [a for a in unclustered_articles(store) if not is_news(a)]  # the run's read
        assert len(read) >= 2 and all(a.id is not None for a in read)
        marked, other = read[0].id, read[1].id
        assert marked is not None and other is not None
        set_article_kind(store, review, marked, "news", user_name="ed", now=NOW)
        forget_set_aside(store, [marked, other])  # the run saves what it read
        assert marked in _pending(store) and other not in _pending(store)
        assert marked in {a.id for a in unclustered_articles(store)}
        cluster_new_articles(store, NOW)
        assert marked in _clustered(store) and other not in _clustered(store)
    finally:
        store.close()


def test_ids_drawn_out_of_commit_order_are_not_lost(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    """An article stored with an id below those a run has clustered (as an ingest that
    drew its ids first and committed last leaves it on PostgreSQL) is found by the next
    run: the table names it, no watermark hides it."""
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, _posts(shared_data, 60), "a")
        news = next(a for a in unclustered_articles(store) if is_news(a))
        with store.engine.connect() as conn:  # copy one post's row out before it goes
            row = dict(
                conn.execute(select(articles).where(articles.c.id == news.id)).one()._mapping
            )
        with store.write() as conn:
            conn.execute(articles.delete().where(articles.c.id == news.id))
        assert news.id not in _pending(store)  # the row went with its article (cascade)
        cluster_new_articles(store, NOW)
        assert row["id"] < max(_clustered(store))  # below a watermark of the run's ids
        # the late commit: the same row and its pending row, as Store.add_articles writes
        with store.write() as conn:
            conn.execute(articles.insert().values(row))
            conn.execute(cluster_pending.insert().values(article_id=row["id"]))
        assert [a.id for a in unclustered_articles(store)] == [row["id"]]
        run = cluster_new_articles(store, NOW)
        assert run.articles == 1 and row["id"] in _clustered(store)
    finally:
        store.close()


def test_a_row_left_for_a_clustered_article_is_skipped_and_then_deleted(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    """A verdict racing a run's commit can leave a row for an article the run clustered:
    no run reads that article again, and the next run that saves deletes the row."""
    posts = _posts(shared_data, 80)
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, posts[:60], "a")
        cluster_new_articles(store, NOW)
        done = min(_clustered(store))
        with store.write() as conn:
            conn.execute(cluster_pending.insert().values(article_id=done))
        assert unclustered_articles(store) == [] and count_unclustered(store) == 0
        _ingest(store, tmp_path, posts[60:], "b")
        assert done not in {a.id for a in unclustered_articles(store)}
        cluster_new_articles(store, NOW)
        assert _pending(store) == set()
    finally:
        store.close()


def _migrate(store: Store, revision: str, *, down: bool) -> None:
    config = Config()
    config.set_main_option("script_location", str(resources.files("midweek.store") / "migrations"))
    with store.engine.connect().execution_options(midweek_write=True) as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
        conn.commit()


def test_the_migration_fills_the_table_with_the_articles_no_run_clustered(
    tmp_path: Path, shared_data: Path, store_url: str
) -> None:
    posts = _posts(shared_data, 100)
    store = open_store(store_url)
    try:
        _ingest(store, tmp_path, posts[:60], "a")
        cluster_new_articles(store, NOW)
        _ingest(store, tmp_path, posts[60:], "b")
        _migrate(store, "0011", down=True)
        assert "cluster_pending" not in sqlalchemy.inspect(store.engine).get_table_names()
        _migrate(store, "head", down=False)
        unclustered = _all_ids(store) - _clustered(store)
        # the set-aside posts of the first run are back once: the next run forgets them
        assert _pending(store) == unclustered and len(unclustered) > len(posts) - 60
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(cluster_pending)) == len(
                unclustered
            )
        cluster_new_articles(store, NOW)
        assert _pending(store) == set()
        kinds = {a.kind for a in store.get_articles(_all_ids(store)).values()}
        assert kinds & SET_ASIDE_KINDS  # the case above had set-aside posts to forget
    finally:
        store.close()
