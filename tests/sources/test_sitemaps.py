"""Sitemaps: the real Google News sitemap, indexes, plain text, gzip, caps, fuzzing."""

from __future__ import annotations

import gzip
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import read_gz
from midweek.errors import SourceError
from midweek.sources import parse_sitemap
from midweek.sources.sitemaps import MAX_SITEMAP_BYTES, MAX_SITEMAP_URLS

NEWS_SITEMAP = "web-cache-feeds-sitemaps-pages-magpie/cache/genickbruch.com/feeds/googlenews.xml.gz"
SITEMAP_URL = "https://www.genickbruch.com/googlenews.xml"


def test_google_news_sitemap(shared_data: Path) -> None:
    """News fields are read; ISO-8859-1 is decoded; &amp; in locations is unescaped."""
    feed = parse_sitemap(read_gz(shared_data / NEWS_SITEMAP), SITEMAP_URL)
    assert feed.kind == "sitemap" and feed.bozo is False
    assert len(feed.entries) == 7
    first, second = feed.entries[:2]
    assert first.url == "https://www.genickbruch.com/index.php?befehl=news&meldung=37599"
    assert first.title == 'TNA: Showbericht "iMPACT! #1120" (01.01.26)'
    assert first.published == datetime(2026, 1, 2, 5, 28, 26, tzinfo=UTC)
    assert "für Diskussion" in second.title
    assert {e.language for e in feed.entries} == {"de"}
    assert all(e.published is not None and e.published.tzinfo is UTC for e in feed.entries)


def test_gzipped_sitemap_matches_plain(shared_data: Path) -> None:
    """The gzip-compressed bytes give the same entries as the plain ones."""
    plain = read_gz(shared_data / NEWS_SITEMAP)
    assert parse_sitemap(gzip.compress(plain), SITEMAP_URL) == parse_sitemap(plain, SITEMAP_URL)


def test_sitemap_index_lists_children() -> None:
    """A sitemap index yields its children: absolute, de-duplicated, http(s) only."""
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://n.example/sitemap-1.xml.gz</loc><lastmod>2024-11-09</lastmod></sitemap>
  <sitemap><loc> /sitemap-2.xml </loc></sitemap>
  <sitemap><loc>https://n.example/sitemap-1.xml.gz</loc></sitemap>
  <sitemap><loc>javascript:alert(1)</loc></sitemap>
</sitemapindex>"""
    feed = parse_sitemap(data, "https://n.example/sitemap_index.xml")
    assert feed.kind == "sitemapindex"
    assert feed.children == (
        "https://n.example/sitemap-1.xml.gz",
        "https://n.example/sitemap-2.xml",
    )
    assert feed.entries == ()
    assert feed.bozo and "1 locations" in feed.bozo_reason


def test_lastmod_is_the_fallback_date() -> None:
    """Without news:publication_date, lastmod (date-only too) is the published date."""
    data = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://n.example/a</loc><lastmod>2024-11-09</lastmod></url>
  <url><loc>https://n.example/b</loc><lastmod>2024-11-09T10:00:00+05:00</lastmod></url>
  <url><loc>https://n.example/c</loc><lastmod>not a date</lastmod></url>
</urlset>"""
    feed = parse_sitemap(data, "https://n.example/sitemap.xml")
    assert [e.published for e in feed.entries] == [
        datetime(2024, 11, 9, tzinfo=UTC),
        datetime(2024, 11, 9, 5, tzinfo=UTC),
        None,
    ]


def test_plain_text_sitemap() -> None:
    """One URL a line; blank and non-URL lines skipped, duplicates collapsed."""
    data = b"https://t.example/1\n\nhttps://t.example/2\r\nftp://t.example/x\nhttps://t.example/1\n"
    feed = parse_sitemap(data, "https://t.example/sitemap.txt")
    assert [e.url for e in feed.entries] == ["https://t.example/1", "https://t.example/2"]
    assert feed.bozo


def test_url_count_is_capped() -> None:
    """More than the protocol's 50,000 URLs: the first 50,000 are kept and it is flagged."""
    data = "".join(f"https://c.example/{i}\n" for i in range(MAX_SITEMAP_URLS + 5)).encode()
    feed = parse_sitemap(data, "")
    assert len(feed.entries) == MAX_SITEMAP_URLS and feed.bozo


def test_size_caps() -> None:
    """Over the cap compressed or decompressed: refused before parsing."""
    with pytest.raises(SourceError, match="cap"):
        parse_sitemap(b" " * (MAX_SITEMAP_BYTES + 1), "")
    bomb = gzip.compress(b" " * (MAX_SITEMAP_BYTES + 1), 1)
    with pytest.raises(SourceError, match="cap"):
        parse_sitemap(bomb, "")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b'<rss version="2.0"><channel></channel></rss>',
        b"<html><body>x</body></html>",
        b"\x1f\x8bnot really gzip",
        b"plain words, no URL",
    ],
)
def test_not_a_sitemap(data: bytes) -> None:
    """Documents that are not sitemaps raise SourceError."""
    with pytest.raises(SourceError):
        parse_sitemap(data, "https://x.example/")


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.lists(
            st.sampled_from(
                [b"<urlset>", b"<url>", b"<loc>", b"https://s.example/", b"</loc>", b"</url>",
                 b"<sitemapindex>", b"<sitemap>", b"<!DOCTYPE x [", b"<!ENTITY", b"&", b"\x00",
                 b"\x1f\x8b", b"<news:news>", b"<lastmod>", b"2024-13-45T99:00:00Z", b"\n"]
            ),
            max_size=40,
        ).map(b"".join),
    )
)  # fmt: skip
def test_fuzz_sitemap_raises_only_source_error(data: bytes) -> None:
    """Arbitrary bytes: parse_sitemap returns or raises SourceError, nothing else."""
    with suppress(SourceError):
        parse_sitemap(data, "https://s.example/sitemap.xml")
