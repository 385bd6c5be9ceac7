"""The hostile-input suite of issue 11: every class of bad value next to good sources.

Real servers on loopback addresses (127.0.0.1 to 127.0.0.5) serve, side by side: a good
feed; feeds and a JSON Feed whose values hold lone surrogates, NUL and other characters
XML 1.0 forbids (raw and as character references); pages that redirect to
``javascript:`` and ``data:`` URLs; a host whose robots.txt trickles past the request
deadline; a host with ``Crawl-delay: 30``; a sitemap index with a fan-out far past the
cap; a source that is no feed at all. One ``ingest`` must store every good article,
record every bad one in ``failures``, end normally and keep each source within its
budget. A JSONL file with the same classes of values goes through ``ingest --file``
beside it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from httpserver import LocalServer, Reply
from midweek.fetch import Fetcher
from midweek.models import Source
from midweek.pipeline import ingest_sources
from midweek.settings import load_settings
from midweek.store import open_store
from midweek.text.clean import clean_text
from midweek.workspace import fetch_policy

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SRC = Path(__file__).resolve().parent.parent / "src"
# Budgets small enough for a test, large enough for 2 loaded cores to fetch and extract
# a dozen pages: the suite checks that each bound holds, not their production values.
DEADLINE_S = 2.0
SOURCE_BUDGET_S = 6.0
HOST_BUDGET_S = 3.0
SITEMAP_CHILDREN = 5
# robots.txt that takes 3x the request deadline to arrive.
ROBOTS_TRICKLE_S = 3 * DEADLINE_S
FORBIDDEN = "\x00\x0b\ud800\udfff\ufffe"


def _now() -> datetime:
    return NOW


def _pages(shared_data: Path, count: int) -> list[bytes]:
    found = sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.html.gz"))
    return [gzip.decompress(p.read_bytes()) for p in found[:count]]


def _rss(base: str, items: Sequence[tuple[str, str, str]]) -> bytes:
    """An RSS feed of (title, path, guid) items; the strings go in as they are."""
    body = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(NOW)}</pubDate></item>"
        for title, path, guid in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Local</title><link>{base}/</link>{body}</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def _sitemap_index(server: LocalServer, fanout: int, pages: Sequence[str]) -> None:
    """An index of ``fanout`` child sitemaps, each listing ``pages`` (served elsewhere)."""
    children = "".join(
        f"<sitemap><loc>{server.url(f'/sitemap-{i}.xml')}</loc></sitemap>" for i in range(fanout)
    )
    server.static(
        "/sitemap.xml",
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{children}</sitemapindex>".encode(),
        content_type="application/xml",
    )
    urls = "".join(f"<url><loc>{page}</loc></url>" for page in pages)
    for i in range(fanout):
        server.static(
            f"/sitemap-{i}.xml",
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>".encode(),
            content_type="application/xml",
        )


class Hostile:
    """The servers of the suite and what each source is expected to give."""

    def __init__(self, stack: ExitStack, shared_data: Path) -> None:
        """Start the servers and lay out their routes."""
        pages = _pages(shared_data, 9)
        # one loopback address each: per-host limits (and a Crawl-delay) are per host name
        self.good = stack.enter_context(LocalServer("127.0.0.1"))
        self.text = stack.enter_context(LocalServer("127.0.0.2"))
        self.trickle = stack.enter_context(LocalServer("127.0.0.3"))
        self.delay = stack.enter_context(LocalServer("127.0.0.4"))
        self.maps = stack.enter_context(LocalServer("127.0.0.5"))
        servers = (self.good, self.text, self.trickle, self.delay, self.maps)
        for server in (self.good, self.text, self.maps):
            server.status("/robots.txt", 404)
        # 1. a good feed of three pages
        good_items = [(f"Good {i}", f"/a/{i}", f"good-{i}") for i in range(3)]
        for i in range(3):
            self.good.static(f"/a/{i}", pages[i])
        # 2. redirects to scripts and data: two failures in the good feed
        self.good.redirect("/bad/js", "javascript:x")
        self.good.redirect("/bad/data", "data:text/html,x")
        bad_items = [("Script", "/bad/js", "bad-js"), ("Data", "/bad/data", "bad-data")]
        self.good.static(
            "/feed.xml",
            _rss(self.good.base_url, good_items + bad_items),
            content_type="application/rss+xml",
        )
        # 3. forbidden characters: references in one feed, raw bytes in another, escapes
        #    in a JSON Feed; each points at a good page
        for i in range(3):
            self.text.static(f"/p/{i}", pages[3 + i])
        self.text.static(
            "/refs.xml",
            _rss(self.text.base_url, [("Ref &#xD800;title&#0;", "/p/0", "ref-&#xDFFF;guid")]),
            content_type="application/rss+xml",
        )
        self.text.static(
            "/raw.xml",
            _rss(self.text.base_url, [(f"Raw{FORBIDDEN}title", "/p/1", f"raw{FORBIDDEN}")]),
            content_type="application/rss+xml",
        )
        json_feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "JSON \ud800 feed",
            "items": [
                {
                    "id": "json-\ud800-\u0000-id",
                    "url": self.text.url("/p/2"),
                    "title": "JSON \udfff title",
                    "date_published": NOW.isoformat(),
                }
            ],
        }
        self.text.static(
            "/feed.json",
            json.dumps(json_feed).encode(),  # ASCII escapes: \ud800 stays an escape
            content_type="application/feed+json",
        )
        # 4. no feed at all
        self.text.static("/binary", os.urandom(2048), content_type="application/octet-stream")
        # 5. robots.txt that trickles past the deadline
        robots = b"User-agent: *\nAllow: /\n"
        self.trickle.route(
            "/robots.txt",
            lambda _r: Reply(
                headers={"Content-Type": "text/plain"},
                body=self.trickle.trickle(robots, ROBOTS_TRICKLE_S / len(robots)),
            ),
        )
        self.trickle.static(
            "/feed.xml", _rss(self.trickle.base_url, []), content_type="application/rss+xml"
        )
        # 6. a host that asks 30 s between requests: its feed and one page within budget
        self.delay.static(
            "/robots.txt", b"User-agent: *\nCrawl-delay: 30\n", content_type="text/plain"
        )
        delay_items = [(f"Slow {i}", f"/s/{i}", f"slow-{i}") for i in range(5)]
        for i in range(5):
            self.delay.static(f"/s/{i}", pages[i % 3])
        self.delay.static(
            "/feed.xml",
            _rss(self.delay.base_url, delay_items),
            content_type="application/rss+xml",
        )
        # 7. a sitemap index of 40 children, each listing the same three good pages
        for i in range(3):
            self.maps.static(f"/m/{i}", pages[6 + i])
        _sitemap_index(self.maps, 40, [self.maps.url(f"/m/{i}") for i in range(3)])
        self.sources = [
            Source(self.good.url("/feed.xml"), "feed"),
            Source(self.text.url("/refs.xml"), "feed"),
            Source(self.text.url("/raw.xml"), "feed"),
            Source(self.text.url("/feed.json"), "feed"),
            Source(self.text.url("/binary"), "page"),
            Source(self.trickle.url("/feed.xml"), "feed"),
            Source(self.delay.url("/feed.xml"), "feed"),
            Source(self.maps.url("/sitemap.xml"), "sitemap"),
        ]
        self.allow = ",".join(f"{s.host}:{s.port}" for s in servers)

    def environ(self) -> dict[str, str]:
        """The settings of the run, as MIDWEEK_* variables."""
        return {
            "MIDWEEK_EXTRACT_WORKERS": "1",
            "MIDWEEK_FETCH_ALLOW_HOSTS": self.allow,
            "MIDWEEK_FETCH_DEADLINE_S": str(DEADLINE_S),
            "MIDWEEK_FETCH_RETRIES": "0",
            "MIDWEEK_FETCH_PER_HOST_DELAY_S": "0",
            "MIDWEEK_FETCH_HOST_BUDGET_S": str(HOST_BUDGET_S),
            "MIDWEEK_SOURCE_BUDGET_S": str(SOURCE_BUDGET_S),
            "MIDWEEK_SITEMAP_MAX_CHILDREN": str(SITEMAP_CHILDREN),
            "MIDWEEK_INGEST_COMMIT_INTERVAL_S": "1",
        }


@pytest.fixture
def hostile(shared_data: Path) -> Iterator[Hostile]:
    """The suite's servers, stopped afterwards."""
    with ExitStack() as stack:
        yield Hostile(stack, shared_data)


def _forbidden(value: str) -> bool:
    return clean_text(value) != value


@pytest.mark.slow
def test_one_ingest_of_every_hostile_source_stores_the_good_and_records_the_bad(
    hostile: Hostile, tmp_path: Path, store_url: str
) -> None:
    settings = load_settings(tmp_path, environ={**hostile.environ(), "MIDWEEK_DB": store_url})
    store = open_store(store_url)
    for source in hostile.sources:
        store.add_source(source, NOW)
    started = time.monotonic()
    with Fetcher(fetch_policy(settings)) as fetcher:
        summary = ingest_sources(store, fetcher, settings, _now)
    elapsed = time.monotonic() - started
    # every source ran at once within its own budget; the longest is one source's budget
    # plus one request that began just before it ran out, plus a second
    assert elapsed < SOURCE_BUDGET_S + DEADLINE_S + 1, elapsed

    stored = store.count_articles()
    articles = store.get_articles(range(1, stored + 100)).values()
    failures = {failure.locator: failure.reason for failure, _ in store.list_failures()}
    good = [hostile.good.url(f"/a/{i}") for i in range(3)]
    text = [hostile.text.url(f"/p/{i}") for i in range(3)]
    maps = [hostile.maps.url(f"/m/{i}") for i in range(3)]
    # the good pages, the three pages behind forbidden-character entries, the sitemap's
    # pages (each listed by every child read: stored once)
    assert stored == len(good) + len(text) + len(maps), (stored, summary.as_dict())
    assert set(good + text + maps) <= {a.url for a in articles}
    # the bad ones, each with its reason
    assert "bad redirect target" in failures[hostile.good.url("/bad/js")]
    assert "bad redirect target" in failures[hostile.good.url("/bad/data")]
    assert hostile.text.url("/binary") in failures
    assert hostile.trickle.url("/feed.xml") in failures
    # the Crawl-delay host's feed took its one turn within the budget: its five pages
    # wait for the next run, and the summary says so
    assert summary.deferred == 5, summary.as_dict()
    assert all(hostile.delay.hits[f"/s/{i}"] == 0 for i in range(5))
    # the fan-out was capped: at most the cap of child sitemaps was requested
    children = sum(n for path, n in hostile.maps.hits.items() if path.startswith("/sitemap-"))
    assert children <= SITEMAP_CHILDREN
    # nothing stored holds a forbidden character
    for article in articles:
        values = (article.title, article.text, article.url, article.guid or "", article.outlet)
        assert not any(_forbidden(v) for v in values), article.url
    store.close()


@pytest.mark.slow
def test_the_cli_ingest_of_hostile_sources_and_a_hostile_file_exits_zero(
    hostile: Hostile, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **hostile.environ(),
        "PYTHONPATH": str(SRC),
        "MIDWEEK_DB": f"sqlite:///{tmp_path / 'midweek.db'}",
    }
    lines = [
        {"url": "https://example.org/ok", "text": "A good line. " * 20, "title": "Good line"},
        {"url": "https://example.org/\ud800", "text": "Surrogate url line. " * 20},
        {"url": "https://example.org/nul", "text": "Nul \u0000 text line. " * 20, "guid": "\ud800"},
        {"url": "https://example.org/lang", "text": "Bad language type. " * 20, "lang": 7},
        {"url": "notaurl", "text": "No URL at all. " * 20},
        {"url": "https://example.org/ok2", "text": "Another good line. " * 20, "title": "Two"},
    ]
    path = tmp_path / "hostile.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")  # \ud800 written as an escape, as JSON allows
        fh.write("{not json\n")

    def midweek(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "midweek", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for source in hostile.sources:
        added = midweek("sources", "add", source.url, "--kind", source.kind)
        assert "Traceback" not in added.stderr, added.stderr
    run = midweek("ingest")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    imported = midweek("ingest", "--file", str(path), "--json")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    summary = json.loads(imported.stdout)
    assert summary["new"] >= 3 and summary["failed"] >= 2, summary
    again = midweek("ingest", "--file", str(path), "--json")
    assert json.loads(again.stdout)["new"] == 0
