"""Feed discovery from real homepages and from small pages that probe the rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conftest import read_gz
from midweek.sources import discover_feeds

MAGPIE = "web-cache-feeds-sitemaps-pages-magpie"

# What each cached homepage declares, read by hand from its <head> (golem.de, lto.de,
# rnd.de and a restaurant page declare no feed).
EXPECTED = {
    "blog.rust-lang.org": ["https://blog.rust-lang.org/feed.xml"],
    "daringfireball.net": ["https://daringfireball.net/feeds/main", "https://daringfireball.net/feeds/json"],
    "faz.net": ["https://www.faz.net/rss/aktuell/"],
    "fischereihafenrestaurant.de": [],
    "golem.de": [],
    "goodnews.eu": ["https://goodnews.eu/feed/"],
    "lto.de": [],
    "rnd.de": [],
    "shapeof.com": ["https://shapeof.com/feed.json", "https://shapeof.com/rss.xml"],
    "techcrunch.com": ["https://techcrunch.com/feed/"],
    "www.manton.org": [
        "https://www.manton.org/feed.xml",
        "https://www.manton.org/feed.json",
        "https://www.manton.org/podcast.xml",
        "https://www.manton.org/podcast.json",
    ],
}  # fmt: skip


def test_real_homepages(shared_data: Path) -> None:
    """Each cached homepage gives exactly the feeds it declares, absolute, in order."""
    with gzip.open(shared_data / MAGPIE / "index.jsonl.gz", "rt", encoding="utf-8") as fh:
        homepages = [r for r in map(json.loads, fh) if r["kind"] == "homepage"]
    found = {
        r["domain"]: discover_feeds(
            read_gz(shared_data / MAGPIE / r["file"]), f"https://{r['domain']}/"
        )
        for r in homepages
    }
    assert found == EXPECTED
    assert sum(bool(urls) for urls in found.values()) >= 7


def test_rules_on_a_small_page() -> None:
    """<base href>, relative hrefs, rel tokens, type parameters, unsafe and non-feed links."""
    page = b"""<!doctype html><html><head>
<base href="https://cdn.example/blog/">
<link rel="alternate" type="application/rss+xml" href="rss.xml">
<link rel="Alternate feed" type="Application/Atom+XML; charset=utf-8" href="/atom.xml">
<link rel="alternate" type="application/rss+xml" href="https://cdn.example/blog/rss.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/json" href="https://cdn.example/wp-json/wp/v2/pages/12">
<link rel="alternate" hreflang="de" href="https://cdn.example/de/">
<link rel="stylesheet" type="text/css" href="s.css">
<link rel="alternate" type="application/feed+json" href="//other.example/feed.json">
</head><body><link rel="alternate" type="application/rdf+xml" href="rdf"></body></html>"""
    assert discover_feeds(page, "https://www.example/") == [
        "https://cdn.example/blog/rss.xml",
        "https://cdn.example/atom.xml",
        "https://other.example/feed.json",
        "https://cdn.example/blog/rdf",
    ]


def test_relative_to_page_url_without_base() -> None:
    """Without <base>, hrefs resolve against the page URL."""
    page = b'<html><head><link rel="alternate" type="application/atom+xml" href="../f.atom">'
    assert discover_feeds(page, "https://p.example/a/b/") == ["https://p.example/a/f.atom"]


@pytest.mark.parametrize("page", [b"", b"   ", b"\x00\x01\x02", b"<html>", b"\xff" * 1000])
def test_unreadable_or_empty_pages(page: bytes) -> None:
    """Nothing declared or nothing readable: an empty list, never an exception."""
    assert discover_feeds(page, "https://p.example/") == []
