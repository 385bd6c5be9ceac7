"""Offline imports through the store (issue 13 item 2), on SQLite and PostgreSQL.

Refused JSONL lines are recorded as failures at ``file:line`` and nothing of them is
stored; a saved JSON Feed (feedjira sample) and RSS feed import once, a rerun stores
nothing, and link-only entries are recorded as needing fetching.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy

from conftest import FIXTURES
from midweek.models import Article, FeedEntry
from midweek.pipeline import Ingestor, _new_entries, ingest_file
from midweek.settings import load_settings
from midweek.store import open_store, schema

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _now() -> datetime:
    return NOW


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "1"})


def test_refused_lines_are_failures_at_file_line_and_not_stored(
    store_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "strict.jsonl"
    shutil.copy(FIXTURES / "imports" / "strict.jsonl", path)
    store = open_store(store_url)
    summary = ingest_file(store, path, _settings(tmp_path), _now)
    assert (summary.new, summary.failed) == (5, 13)
    failures = {f.locator: f.reason for f, _ in store.list_failures(limit=50)}
    assert f"{path}:2" in failures and "klingon" in failures[f"{path}:2"]
    assert f"{path}:3" in failures and "notaurl" in failures[f"{path}:3"]
    engine = sqlalchemy.create_engine(store_url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.select(schema.articles.c.url, schema.articles.c.lang))
        stored = {url: lang for url, lang in rows}
    engine.dispose()
    assert sorted(stored.values()) == ["en", "ru", "uz", "uz", "uz"]
    assert all(url.startswith("https://example.uz/ok/") for url in stored)
    again = ingest_file(store, path, _settings(tmp_path), _now)
    assert (again.new, again.duplicates) == (0, 5)
    store.close()


def test_saved_feeds_import_once(store_url: str, tmp_path: Path, shared_data: Path) -> None:
    feeds = shared_data / "feeds-feedjira-samples" / "feeds"
    store = open_store(store_url)
    settings = _settings(tmp_path)
    for name, new, failed in (("json_feed.json.gz", 20, 0), ("RedHanded.xml.gz", 13, 7)):
        path = tmp_path / name.removesuffix(".gz")
        path.write_bytes(gzip.decompress((feeds / name).read_bytes()))
        first = ingest_file(store, path, settings, _now)
        assert (first.new, first.failed) == (new, failed), name
        again = ingest_file(store, path, settings, _now)
        assert (again.new, again.duplicates) == (0, new), name
    assert store.count_articles() == 33
    reasons = {f.reason for f, _ in store.list_failures(limit=50)}
    assert any("needs fetching" in r for r in reasons)
    store.close()


def test_new_entries_put_the_guid_before_the_url(store_url: str) -> None:
    """Before fetching: an entry whose URL another GUID holds is still fetched."""
    store = open_store(store_url)
    url = "https://gazeta.example/news?utm_source=tg"
    text = "Текст новости, написанный для этой проверки, с достаточным числом слов."
    ingestor = Ingestor(store, _now)
    ingestor.add([Article(url=url, title="", text=text, lang="ru", outlet="gz", guid="a")])
    entries = [
        (FeedEntry(url="https://gazeta.example/news", guid="a"), None),  # stored (URL, GUID)
        (FeedEntry(url="https://gazeta.example/news", guid="b"), None),  # another GUID
        (FeedEntry(url="https://gazeta.example/news?utm_medium=x", guid="b"), None),  # again
        (FeedEntry(url="https://gazeta.example/news"), None),  # no GUID: the stored one
        (FeedEntry(url="https://gazeta.example/other"), None),
    ]
    fresh = _new_entries(store, entries)
    assert [(e.url, e.guid) for e, _ in fresh] == [
        ("https://gazeta.example/news", "b"),
        ("https://gazeta.example/other", None),
    ]
    store.close()
