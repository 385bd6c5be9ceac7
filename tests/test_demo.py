"""The demo's own pieces: the bundled corpus and the choice of its window."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from midweek.demo import DEMO_WINDOW, demo_corpus, densest_window


def test_bundled_corpus_is_the_attributed_wikinews_set() -> None:
    with gzip.open(demo_corpus(), "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    assert len(records) == 291
    assert all(r["license"] == "CC BY 2.5" and "Wikinews" in r["attribution"] for r in records)
    notice = demo_corpus().parent / "NOTICE"
    assert "CC BY 2.5" in notice.read_text(encoding="utf-8")


def test_densest_window_counts_half_open_and_prefers_the_earliest() -> None:
    day = datetime(2019, 10, 1, tzinfo=UTC)
    times = [day, day + timedelta(days=1), day + timedelta(days=7)]  # the 8th is outside
    times += [day + timedelta(days=20, hours=h) for h in (1, 2)]
    start, end = densest_window(times, DEMO_WINDOW)
    assert (start, end) == (day, day + DEMO_WINDOW)
    later = [*times, day + timedelta(days=21), day + timedelta(days=22)]
    assert densest_window(later, DEMO_WINDOW)[0] == day + timedelta(days=20)


def test_densest_window_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no dated articles"):
        densest_window([], DEMO_WINDOW)


def test_live_demo_reads_the_feeds_it_is_given(tmp_path, shared_data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from email.utils import format_datetime

    import midweek.demo
    from httpserver import LocalServer
    from midweek.demo import run_demo
    from midweek.settings import load_settings
    from midweek.store import open_store

    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    pages = sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.gz"))[:4]
    with LocalServer() as server:
        items = ""
        for i, page in enumerate(pages):
            server.static(f"/a/{i}", gzip.decompress(page.read_bytes()), content_type="text/html")
            items += (
                f"<item><title>T{i}</title><link>{server.url(f'/a/{i}')}</link>"
                f"<pubDate>{format_datetime(now - timedelta(days=i))}</pubDate></item>"
            )
        feed = f'<rss version="2.0"><channel><title>L</title>{items}</channel></rss>'
        server.static("/rss", feed.encode(), content_type="application/rss+xml")
        server.status("/robots.txt", 404)
        monkeypatch.setattr(midweek.demo, "LIVE_FEEDS", ((server.url("/rss"), "en"),))
        settings = load_settings(
            tmp_path,
            environ={
                "MIDWEEK_FETCH_ALLOW_HOSTS": server.allow,
                "MIDWEEK_FETCH_PER_HOST_DELAY_S": "0",
            },
        )
        store = open_store(settings.database_url)
        result = run_demo(store, settings, tmp_path / "out", lambda: now, live=True)
        store.close()
    assert result.summary["new"] == 4 and result.sections >= 1
    assert all(path.is_file() for path in result.files)
