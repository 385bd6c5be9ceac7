"""The pipeline end to end: imports and fetched sources, idempotency, reprints, resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import telegram_records
from httpserver import LocalServer, Reply, Request, rss_feed
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Source
from midweek.pipeline import build_review, ingest_file, ingest_sources
from midweek.settings import load_settings
from midweek.store import open_store
from quoting import quoted_from

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _now() -> datetime:
    return NOW


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "2"})


def _demo_records(shared_data: Path) -> list[dict[str, object]]:
    path = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _write_jsonl(path: Path, records: list[dict[str, object]], extra: str = "") -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.write(extra)
    return path


@pytest.mark.slow
def test_jsonl_import_is_idempotent(tmp_path: Path, shared_data: Path) -> None:
    settings = _settings(tmp_path)
    store = open_store(settings.database_url)
    corpus = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    first = ingest_file(store, corpus, settings, _now)
    assert (first.new, first.failed) == (291, 0)
    second = ingest_file(store, corpus, settings, _now)
    assert (second.new, second.duplicates, second.failed) == (0, 291, 0)
    assert store.count_articles() == 291
    store.close()


def test_bad_lines_are_recorded_and_reprints_linked(tmp_path: Path, shared_data: Path) -> None:
    records = _demo_records(shared_data)[:20]
    reprint = dict(records[3])
    reprint["url"] = "https://reprints.example/copy-of-3"
    reprint["source"] = "Reprints Daily"
    reprint["text"] = str(reprint["text"]) + "\n\nThis story was first published by Wikinews."
    path = _write_jsonl(tmp_path / "mixed.jsonl.gz", [*records, reprint], extra="{not json\n[1]\n")
    settings = _settings(tmp_path)
    store = open_store(settings.database_url)
    summary = ingest_file(store, path, settings, _now)
    assert (summary.new, summary.reprints, summary.failed) == (21, 1, 2)
    assert {f.stage for f, _ in store.list_failures()} == {"import"}
    (copy,) = [a for a in store.search_articles("first published by Wikinews")]
    assert copy.duplicate_of is not None
    assert store.get_articles([copy.duplicate_of])[copy.duplicate_of].url == records[3]["url"]
    store.close()


def test_html_folder_is_extracted_in_workers(tmp_path: Path, shared_data: Path) -> None:
    pages = sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.html.gz"))[:12]
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in pages:
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "empty.html").write_bytes(b"<html><body><nav>menu</nav></body></html>")
    settings = _settings(tmp_path)
    store = open_store(settings.database_url)
    summary = ingest_file(store, folder, settings, _now)
    assert summary.new + summary.failed + summary.duplicates == 13
    assert summary.new >= 11 and summary.failed >= 1
    assert store.count_articles() == summary.new
    store.close()


# -- fetched sources, through a real HTTP server on 127.0.0.1 -----------------------------
def _rss(base: str, paths: list[str]) -> bytes:
    return rss_feed(base, paths, NOW)


def test_sources_are_fetched_extracted_and_a_second_run_costs_one_304(
    tmp_path: Path, shared_data: Path
) -> None:
    pages = sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.html.gz"))[:8]
    with LocalServer() as server:
        paths = [f"/a/{i}" for i in range(len(pages))]
        for path, page in zip(paths, pages, strict=True):
            server.static(path, gzip.decompress(page.read_bytes()), content_type="text/html")
        paths += ["/missing", "/broken"]
        server.status("/missing", 404)
        server.status("/broken", 500)
        feed = _rss(server.base_url, paths)

        def feed_handler(request: Request) -> Reply:
            if request.headers.get("if-none-match") == '"v1"':
                return Reply(status=304)
            return Reply(body=feed, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        server.route("/feed.xml", feed_handler)
        server.status("/robots.txt", 404)
        settings = _settings(tmp_path)
        store = open_store(settings.database_url)
        store.add_source(Source(server.url("/feed.xml"), "feed"), NOW)
        policy = FetchPolicy(allow_hosts=(server.allow,), per_host_delay_s=0.0, retries=0)
        with Fetcher(policy) as fetcher:
            first = ingest_sources(store, fetcher, settings, _now)
            second = ingest_sources(store, fetcher, settings, _now)
        assert first.new == 8 and first.failed == 2
        reasons = " | ".join(first.reasons)
        assert "fetch: HTTP 404" in reasons and "fetch: HTTP 500" in reasons
        assert second.new == 0 and second.unchanged_sources == 1
        assert server.hits["/a/0"] == 1  # never fetched twice
        store.close()


def test_a_failing_source_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    with LocalServer() as server:
        server.status("/gone.xml", 410)
        server.status("/robots.txt", 404)
        settings = _settings(tmp_path)
        store = open_store(settings.database_url)
        store.add_source(Source(server.url("/gone.xml"), "feed"), NOW)
        store.add_source(Source("http://10.0.0.1/feed.xml", "feed"), NOW)
        policy = FetchPolicy(allow_hosts=(server.allow,), per_host_delay_s=0.0, retries=0)
        with Fetcher(policy) as fetcher:
            summary = ingest_sources(store, fetcher, settings, _now)
        assert summary.failed == 2 and summary.new == 0
        errors = {s.url: s for s in store.list_sources()}
        assert len(errors) == 2
        store.close()


# -- resume after kill -9 ------------------------------------------------------------------
@pytest.mark.slow
def test_killed_ingest_resumes_with_every_article_once(tmp_path: Path, shared_data: Path) -> None:
    records = telegram_records(shared_data, 3000, min_chars=80)
    corpus = _write_jsonl(tmp_path / "posts.jsonl.gz", records)
    db = tmp_path / "midweek.db"
    cmd = [
        sys.executable,
        "-m",
        "midweek",
        "--db",
        str(db),
        "ingest",
        "--file",
        str(corpus),
        "--json",
    ]
    env = {**os.environ, "MIDWEEK_EXTRACT_WORKERS": "1"}
    kills = 0
    for delay in (1.5, 2.5, 3.5):
        proc = subprocess.Popen(
            cmd,
            cwd=tmp_path,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1  # at least one run really died mid-way
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout)
    with sqlite3.connect(db) as conn:
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        urls = conn.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    distinct = len({r["url"] for r in records})
    assert total == urls == distinct
    assert summary["failed"] == 0


@pytest.mark.slow
def test_review_of_the_demo_window_cites_stored_articles(tmp_path: Path, shared_data: Path) -> None:
    settings = _settings(tmp_path)
    store = open_store(settings.database_url)
    ingest_file(
        store, shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz", settings, _now
    )
    start, end = datetime(2019, 10, 4, tzinfo=UTC), datetime(2019, 10, 11, tzinfo=UTC)
    review = build_review(store, start, end, lang="en", now=NOW)
    assert len(review.sections) >= 3 and len(review.teasers) == 3
    cited = {c.article_id for s in review.sections for x in s.sentences for c in x.citations}
    stored = store.get_articles(cited)
    assert set(stored) == cited
    for section in review.sections:
        for sentence in section.sentences:
            assert any(quoted_from(sentence.text, stored[c.article_id]) for c in sentence.citations)
    assert store.get_review(review.slug) is not None
    # tags are canonical entities named in the review's language
    slugs = {t.slug for t in review.tags}
    assert {"united-states", "united-kingdom"} <= slugs
    assert all(t.entity_id and t.name for t in review.tags)
    in_uzbek = build_review(store, start, end, lang="uz-Latn", now=NOW)
    assert "AQSh" in {t.name for t in in_uzbek.tags}
    store.close()


def test_a_page_over_its_time_limit_becomes_a_failure(shared_data: Path) -> None:
    from midweek.models import Page
    from midweek.pipeline import Extractor

    html = gzip.decompress(
        sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.gz"))[
            0
        ].read_bytes()
    )
    page = Page(url="http://127.0.0.1/slow", body=html * 40, fetched_at=NOW)
    with Extractor(workers=1, timeout_s=0.05, memory_mb=2048) as extractor:
        (result,) = list(extractor.run([page]))
    assert result.__class__.__name__ == "Failure"
    assert "timeout" in result.reason  # type: ignore[union-attr]
