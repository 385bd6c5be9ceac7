"""Adding sources: a feed, a sitemap, a site with declared feeds, a plain page; OPML."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from httpserver import LocalServer, allow_live_servers
from midweek.errors import BlockedURLError, ContentTypeError, SourceError
from midweek.fetch import Fetcher, FetchPolicy
from midweek.settings import load_settings
from midweek.sourcing import add_source, classify_url, import_opml
from midweek.store import open_store

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def local_policy() -> FetchPolicy:
    """A policy that allows the running test servers (call it once they have started)."""
    return FetchPolicy(allow_hosts=allow_live_servers(), per_host_delay_s=0.0, respect_robots=False)


def _magpie(shared_data: Path, name: str) -> bytes:
    return gzip.decompress(
        (shared_data / "web-cache-feeds-sitemaps-pages-magpie" / name).read_bytes()
    )


def test_feed_sitemap_site_and_page_are_told_apart(shared_data: Path) -> None:
    feed = _magpie(shared_data, "cache/blog.rust-lang.org/feeds/main.atom.xml.gz")
    article = gzip.decompress(
        sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.gz"))[
            0
        ].read_bytes()
    )
    with LocalServer() as server:
        server.static("/feed.atom", feed, content_type="application/atom+xml")
        sitemap = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{server.url('/a')}</loc></url></urlset>"
        ).encode()
        server.static("/sitemap.xml", sitemap, content_type="application/xml")
        home = (
            b"<html><head><title>Site</title>"
            b'<link rel="alternate" type="application/rss+xml" href="/feed.atom">'
            b"</head><body>home</body></html>"
        )
        server.static("/", home, content_type="text/html")
        server.static("/a", article, content_type="text/html; charset=utf-8")
        server.static("/song.mp3", b"ID3", content_type="audio/mpeg")
        with Fetcher(local_policy()) as fetcher:
            (as_feed,) = classify_url(fetcher, server.url("/feed.atom"))
            (as_sitemap,) = classify_url(fetcher, server.url("/sitemap.xml"))
            (from_site,) = classify_url(fetcher, server.url("/"))
            (as_page,) = classify_url(fetcher, server.url("/a"))
            assert (as_feed.kind, as_sitemap.kind, from_site.kind, as_page.kind) == (
                "feed",
                "sitemap",
                "feed",
                "page",
            )
            assert from_site.url == server.url("/feed.atom") and as_feed.title
            with pytest.raises(ContentTypeError):
                classify_url(fetcher, server.url("/song.mp3"))


def test_private_addresses_are_refused_when_adding() -> None:
    with Fetcher(FetchPolicy()) as fetcher, pytest.raises(BlockedURLError):
        classify_url(fetcher, "http://127.0.0.1:9/feed")


def test_opml_import_reads_real_subscriptions(tmp_path: Path, shared_data: Path) -> None:
    index = shared_data / "feeds-feedjira-samples" / "feeds"
    opml = next(
        p for p in sorted(index.glob("*.gz")) if b"<opml" in gzip.decompress(p.read_bytes())[:2000]
    )
    path = tmp_path / "subs.opml"
    path.write_bytes(gzip.decompress(opml.read_bytes()))
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    new, known = import_opml(store, path, NOW)
    assert new > 0 and known == 0
    assert import_opml(store, path, NOW) == (0, new)
    store.close()


def test_opml_import_errors_are_clear(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(SourceError, match="cannot read"):
        import_opml(store, tmp_path / "missing.opml", NOW)
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<html>not opml</html>")
    with pytest.raises(SourceError):
        import_opml(store, bad, NOW)
    store.close()


def test_add_source_classifies_with_the_fetcher_it_is_given(
    tmp_path: Path, shared_data: Path
) -> None:
    # the settings' own policy refuses the local test server, so the source can only be
    # classified through the fetcher handed in, which add_source must leave open
    feed = _magpie(shared_data, "cache/blog.rust-lang.org/feeds/main.atom.xml.gz")
    settings = load_settings(tmp_path, environ={})
    store = open_store(settings.database_url)
    with LocalServer() as server:
        server.static("/feed.atom", feed, content_type="application/atom+xml")
        with pytest.raises(BlockedURLError):
            add_source(store, server.url("/feed.atom"), "auto", settings, lambda: NOW)
        with Fetcher(local_policy()) as fetcher:
            ((source, created),) = add_source(
                store, server.url("/feed.atom"), "auto", settings, lambda: NOW, fetcher=fetcher
            )
            assert (source.kind, created) == ("feed", True) and source.title
            (again,) = classify_url(fetcher, server.url("/feed.atom"))  # still open
            assert again.url == source.url
    store.close()
