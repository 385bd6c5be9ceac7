"""Feed parsing: real feeds from two public corpora, hostile fixtures, fuzzing.

Hostile fixtures live in ``tests/fixtures/sources``; each starts with a comment
stating ``Description``, ``Format`` (feed | sitemap | opml) and ``Expect``
(refused | entries | any), and one parametrised test picks them all up. Every parse
runs under an audit hook that records file opens and socket use, so "no file opens, no
network" is checked, not assumed.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, SHARED_DATA, read_gz, require_shared_data
from midweek.errors import SourceError
from midweek.models import Feed
from midweek.sources import (
    MAX_FEED_BYTES,
    discover_feeds,
    parse_feed,
    parse_opml,
    parse_sitemap,
    sniff_kind,
)

HOSTILE = FIXTURES / "sources"
FEEDJIRA = "feeds-feedjira-samples"
MAGPIE = "web-cache-feeds-sitemaps-pages-magpie"
# RELIABILITY.md, test plan item 1: every parse of a real or hostile input within 2 s.
MAX_PARSE_SECONDS = 2.0
# A line of /etc/passwd on every Linux system: if it shows up, a file was read.
PASSWD_MARK = "root:x:0:0"
# Measured: 154 of the 159 feedjira dev feeds sniffed as atom/rss/rdf/json give at least
# one entry; the 5 others are an OPML file, a list of URLs, an error page of Google Blog
# Search with no results, and two test feeds whose only item has no link.
FEEDJIRA_FEEDS_WITH_ENTRIES_FLOOR = 154
FEED_KINDS = {"atom", "rss", "rdf", "json"}


@functools.cache
def _index(folder: str) -> tuple[dict[str, Any], ...]:
    """Records of a shared data folder's ``index.jsonl.gz`` (read when first asked for)."""
    path = require_shared_data() / folder / "index.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per real feed, when the shared data is there (else one skipped case)."""
    if "real_feed" not in metafunc.fixturenames:
        return
    if not SHARED_DATA.is_dir():  # the case asks for shared_data: skipped with the reason
        metafunc.parametrize("real_feed", [("", "", "")], ids=["no-shared-data"])
        return
    feeds = [(FEEDJIRA, r["file"], r["kind"]) for r in _index(FEEDJIRA)] + [
        (MAGPIE, r["file"], r["kind"]) for r in _index(MAGPIE) if r["kind"] == "feed_or_sitemap"
    ]
    metafunc.parametrize("real_feed", feeds, ids=[f"{f[:7]}:{n}" for f, n, _ in feeds])


# --- the guard: record file opens and network use during a parse ------------------

_GUARD: dict[str, Any] = {"active": False, "events": []}
# Opening Python modules (lazy imports inside a library) is not reading input data.
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pth")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Record file opens of non-code files and any socket activity while guarded."""
    if not _GUARD["active"]:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, str | bytes) and not str(path).endswith(_CODE_SUFFIXES):
            _GUARD["events"].append((event, str(path)))
    elif event.startswith(("socket.", "urllib.", "http.client.")):
        _GUARD["events"].append((event, repr(args)[:200]))


sys.addaudithook(_audit)


@contextmanager
def guarded() -> Iterator[list[tuple[str, str]]]:
    """Run a block with the audit guard on; yields the list of recorded events."""
    _GUARD["events"] = []
    _GUARD["active"] = True
    try:
        yield _GUARD["events"]
    finally:
        _GUARD["active"] = False


def run_guarded(func: Callable[..., Any], *args: Any, hostile: bool = True) -> tuple[Any, float]:
    """Call ``func``; SourceError becomes the result. Asserts no opens, no sockets.

    For hostile input the result must also not hold a line of /etc/passwd (real feeds
    may quote one: a 2008 blog post in feedjira's PaulDowman.xml does).
    """
    started = time.perf_counter()
    with guarded() as events:
        try:
            result = func(*args)
        except SourceError as exc:
            result = exc
    elapsed = time.perf_counter() - started
    assert events == [], f"file or network access during parse: {events}"
    if hostile:
        assert PASSWD_MARK not in repr(result)
    return result, elapsed


# --- real feeds --------------------------------------------------------------------


def _assert_clean_entries(feed: Feed) -> None:
    """Every entry has an absolute http(s) URL, an aware UTC date and plain titles."""
    for entry in feed.entries:
        assert re.match(r"https?://[^/\s]+", entry.url), entry.url
        if entry.published is not None:
            assert entry.published.tzinfo is not None
            assert entry.published.utcoffset() is not None
            assert entry.published.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", entry.title)
        assert "\n" not in entry.title


def test_real_feed_parses(real_feed: tuple[str, str, str], shared_data: Path) -> None:
    """Each real feed (or sitemap) parses in time, cleanly, without file or network use."""
    folder, name, kind = real_feed
    data = read_gz(shared_data / folder / name)
    parser = parse_sitemap if sniff_kind(data) == "sitemap" else parse_feed
    result, elapsed = run_guarded(parser, data, "https://feeds.example.org/feed.xml", hostile=False)
    assert elapsed < MAX_PARSE_SECONDS, f"{name} took {elapsed:.2f} s"
    if isinstance(result, SourceError):
        # Only documents that are not feeds may be refused.
        assert kind == "other" or sniff_kind(data) in {"opml", "sitemap", "unknown"}, result
        return
    assert isinstance(result, Feed)
    if kind in FEED_KINDS or kind == "feed_or_sitemap":
        _assert_clean_entries(result)


def test_feedjira_feeds_mostly_give_entries(shared_data: Path) -> None:
    """The share of feedjira feeds that yield entries stays at its measured floor."""
    with_entries = 0
    for record in _index(FEEDJIRA):
        if record["kind"] not in FEED_KINDS:
            continue
        try:
            feed = parse_feed(read_gz(shared_data / FEEDJIRA / record["file"]), "https://x.org/")
        except SourceError:
            continue
        with_entries += bool(feed.entries)
    assert with_entries >= FEEDJIRA_FEEDS_WITH_ENTRIES_FLOOR


def test_magpie_feeds_all_give_entries(shared_data: Path) -> None:
    """Every current news feed of the web cache parses to entries of the right kind."""
    kinds: dict[str, str] = {}
    for record in _index(MAGPIE):
        if record["kind"] != "feed_or_sitemap" or "googlenews" in record["file"]:
            continue
        data = read_gz(shared_data / MAGPIE / record["file"])
        feed = parse_feed(data, "https://x.org/")
        assert len(feed.entries) > 0, record["file"]
        if re.search(rb"pubDate|<published|<updated|date_published|dc:date", data):
            assert all(e.published is not None for e in feed.entries), record["file"]
        kinds[record["file"].split("/")[1]] = feed.kind
    assert kinds["daringfireball.net"] == "json"
    assert kinds["blog.rust-lang.org"] == "atom"
    assert kinds["faz.net"] == "rss"


def test_json_feed_escaped_urls_are_unescaped(shared_data: Path) -> None:
    """JSON ``\\/`` escapes are decoded: URLs are plain and the version sniffed."""
    data = read_gz(shared_data / FEEDJIRA / "feeds/json_feed_with_escaped_uris.json.gz")
    assert sniff_kind(data) == "json_feed"
    feed = parse_feed(data, "https://x.org/feed.json")
    assert feed.kind == "json" and len(feed.entries) == 30
    assert feed.site_url == "https://lukedorny.com"
    assert all("\\" not in e.url for e in feed.entries)


def test_sniff_kind_on_real_data(shared_data: Path) -> None:
    """Real Atom/RSS are feeds, the JSON Feed is json_feed, homepages are html."""
    not_feeds = set()
    for record in _index(FEEDJIRA):
        data = read_gz(shared_data / FEEDJIRA / record["file"])
        if record["kind"] in {"atom", "rss"} and sniff_kind(data) != "feed":
            not_feeds.add(record["file"])
    # This one wraps its Atom feed in an XHTML page: "html" is the right answer.
    assert not_feeds == {"feeds/DuplicateContentAtomFeed.xml.gz"}
    news = read_gz(shared_data / MAGPIE / "cache/genickbruch.com/feeds/googlenews.xml.gz")
    assert sniff_kind(news) == "sitemap"
    for record in _index(MAGPIE):
        if record["kind"] == "homepage":
            data = read_gz(shared_data / MAGPIE / record["file"])
            assert sniff_kind(data, "text/html; charset=utf-8") == "html", record["file"]
    assert sniff_kind(b'<?xml version="1.0"?><opml version="2.0"/>') == "opml"
    assert sniff_kind(b"\x00\x01garbage") == "unknown"


# --- behaviour on small synthetic feeds ---------------------------------------------


def _rss(items: str, extra: str = "") -> bytes:
    """A minimal RSS 2.0 document around ``items``."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>T</title><link>https://site.example/</link>{extra}{items}</channel></rss>"
    ).encode()


def test_duplicate_guids_collapse_and_linkless_items_drop() -> None:
    """Two items with one GUID give one entry; an item without a link is dropped."""
    items = (
        "<item><guid>g1</guid><link>https://site.example/a</link><title>A</title></item>"
        "<item><guid>g1</guid><link>https://site.example/a2</link><title>A2</title></item>"
        "<item><title>no link</title><description>x</description></item>"
        "<item><guid>g2</guid><link>/relative/b</link><title>B</title></item>"
    )
    feed = parse_feed(_rss(items), "https://site.example/feed")
    assert [e.url for e in feed.entries] == [
        "https://site.example/a",
        "https://site.example/relative/b",
    ]
    assert [e.guid for e in feed.entries] == ["g1", "g2"]
    assert "without an http(s) link" in feed.bozo_reason
    assert "duplicate" in feed.bozo_reason


def test_titles_are_plain_text_and_dates_utc() -> None:
    """HTML titles lose tags and entities; RFC 822 dates become aware UTC."""
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="uz">
 <title type="html">&lt;b&gt;O&#699;zbekiston&lt;/b&gt; &amp;amp; news</title>
 <link rel="alternate" href="https://kun.example/"/>
 <entry><id>tag:x,2024:1</id>
  <title type="html">&lt;i&gt;Toshkent&lt;/i&gt; &amp;amp; Samarqand</title>
  <link rel="alternate" href="https://kun.example/1"/><updated>2024-11-09T12:00:00+05:00</updated>
  <author><name>Ali</name></author>
  <content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
</feed>"""
    feed = parse_feed(atom, "https://kun.example/atom.xml")
    assert feed.kind == "atom" and feed.bozo is False
    assert feed.title == "Oʻzbekiston & news"
    (entry,) = feed.entries
    assert entry.title == "Toshkent & Samarqand"
    assert entry.published == datetime(2024, 11, 9, 7, 0, tzinfo=UTC)
    assert entry.published.tzinfo is UTC
    assert entry.content_html == "<p>Body</p>"
    assert entry.authors == ("Ali",)
    assert entry.guid == "tag:x,2024:1"


def test_rdf_and_rss_kinds() -> None:
    """RSS 1.0 (RDF) is kind rdf; RSS 2.0 is kind rss with its language."""
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
 <channel rdf:about="https://r.example/"><title>R</title><link>https://r.example/</link></channel>
 <item rdf:about="https://r.example/1"><title>One</title><link>https://r.example/1</link></item>
</rdf:RDF>"""
    assert parse_feed(rdf, "https://r.example/rdf").kind == "rdf"
    feed = parse_feed(
        _rss("<item><link>https://s.example/1</link></item>", "<language>ru</language>"), ""
    )
    assert feed.kind == "rss" and feed.language == "ru"


def test_malformed_but_readable_feed_is_bozo_with_entries() -> None:
    """An unclosed, ill-formed RSS still yields its entry, flagged bozo."""
    broken = b'<rss version="2.0"><channel><title>T &amp B</title><item><link>https://b.example/1</link><title>x'
    feed = parse_feed(broken, "https://b.example/rss")
    assert feed.bozo is True
    assert [e.url for e in feed.entries] == ["https://b.example/1"]


def test_json_feed_1_0_and_1_1() -> None:
    """JSON Feed 1.0 ``author`` and 1.1 ``authors``/``language`` are read; bad items skipped."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "home_page_url": "https://j.example/",
        "language": "ru",
        "items": [
            {"id": 1, "url": "https://j.example/1", "title": "One",
             "date_published": "2024-11-09T12:00:00+05:00", "authors": [{"name": "A"}],
             "content_html": "<p>x</p>"},
            {"id": "2", "external_url": "https://other.example/2", "author": {"name": "B"},
             "content_text": "plain", "date_modified": "Sat, 09 Nov 2024 07:00:00 GMT"},
            {"id": "3", "url": "javascript:alert(1)"},
            "not an object",
        ],
    }  # fmt: skip
    feed = parse_feed(json.dumps(doc).encode(), "https://j.example/feed.json")
    assert feed.kind == "json" and feed.language == "ru"
    one, two = feed.entries
    assert (one.guid, one.authors, one.summary, one.language) == ("1", ("A",), "x", "ru")
    assert one.published == datetime(2024, 11, 9, 7, 0, tzinfo=UTC)
    assert (two.url, two.authors, two.summary) == ("https://other.example/2", ("B",), "plain")
    assert two.published == datetime(2024, 11, 9, 7, 0, tzinfo=UTC)
    with pytest.raises(SourceError):
        parse_feed(b'{"title": "no version, no items"}', "")
    with pytest.raises(SourceError):
        parse_feed(b"[1, 2, 3]", "")


@pytest.mark.parametrize("data", [b"", b"   ", b"<html><body>hi</body></html>", b"not xml"])
def test_non_feeds_raise_source_error(data: bytes) -> None:
    """Nothing readable: SourceError, never an empty Feed."""
    with pytest.raises(SourceError):
        parse_feed(data, "https://x.example/")


# --- hostile inputs -----------------------------------------------------------------


def _fixture_header(path: Path) -> dict[str, str]:
    """The ``Description``/``Format``/``Expect`` header of a hostile fixture."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    elif raw[:2] == b"\x00<":
        text = raw.decode("utf-16-be")
    else:
        text = raw.decode("latin-1")
    fields = dict(re.findall(r"(Description|Format|Expect): ([^\n]*?)(?: -->)?\n", text))
    assert set(fields) == {"Description", "Format", "Expect"}, path.name
    return fields


HOSTILE_FILES = sorted(HOSTILE.glob("*.xml"))
PARSERS: dict[str, Callable[[bytes], Any]] = {
    "feed": lambda data: parse_feed(data, "https://h.example/feed"),
    "sitemap": lambda data: parse_sitemap(data, "https://h.example/sitemap.xml"),
    "opml": parse_opml,
    "discover": lambda data: discover_feeds(data, "https://h.example/"),
}


def test_hostile_fixture_set_is_complete() -> None:
    """The fixture folder holds the attacks RELIABILITY.md names (guards against loss)."""
    names = {p.stem for p in HOSTILE_FILES}
    for needed in ("billion_laughs", "quadratic_blowup", "xxe_file", "external_dtd"):
        assert any(needed in name for name in names), needed
    assert len(HOSTILE_FILES) >= 20


@pytest.mark.parametrize("path", HOSTILE_FILES, ids=[p.name for p in HOSTILE_FILES])
def test_hostile_fixture(path: Path) -> None:
    """Every parser survives every hostile file; its own parser does what it expects."""
    header = _fixture_header(path)
    data = path.read_bytes()
    outcomes = {}
    for name, parser in PARSERS.items():
        result, elapsed = run_guarded(parser, data)
        assert elapsed < MAX_PARSE_SECONDS, f"{name} took {elapsed:.2f} s"
        outcomes[name] = result
    own = outcomes[header["Format"]]
    if header["Expect"] == "refused":
        assert isinstance(own, SourceError), own
    elif header["Expect"] == "entries":
        assert not isinstance(own, SourceError), own
        entries = own if isinstance(own, list) else own.entries
        assert len(entries) >= 1
        if isinstance(own, Feed):
            _assert_clean_entries(own)


def test_hostile_content_is_cleaned() -> None:
    """Specific repairs: wrong charset, NULs, controls, and unsafe links."""
    wrong = parse_feed((HOSTILE / "feed_wrong_encoding.xml").read_bytes(), "")
    assert wrong.entries[0].title == "Café" and wrong.bozo
    nul = parse_feed((HOSTILE / "feed_nul_bytes.xml").read_bytes(), "")
    assert [e.title for e in nul.entries] == ["First", "Second"]
    assert nul.entries[0].url == "https://example.org/a"
    controls = parse_feed((HOSTILE / "feed_control_chars.xml").read_bytes(), "")
    assert controls.entries[0].title == "Control" and controls.bozo
    links = parse_feed((HOSTILE / "feed_hostile_links.xml").read_bytes(), "")
    assert [e.url for e in links.entries] == ["https://example.org/ok"]
    external = parse_feed((HOSTILE / "feed_external_dtd_public.xml").read_bytes(), "")
    assert external.entries[0].title == "First"


def _deep(open_tag: str, close_tag: str, depth: int) -> str:
    """``depth`` nested elements."""
    return open_tag * depth + close_tag * depth


ONE_ITEM = '<rss version="2.0"><channel><item><link>https://d.example/</link></item>'
OUTLINE = '<outline xmlUrl="https://o.example/f">'
JSON_HEAD = b'{"version": "https://jsonfeed.org/version/1", "items": '
GENERATED: dict[str, tuple[str, Callable[[], bytes]]] = {
    "100MB": ("all", lambda: b"<rss><channel><title>" + b"a" * (100 * 2**20)),
    "gzip_bomb": ("all", lambda: gzip.compress(b" " * (100 * 2**20), 1)),
    "deep_feed": ("feed", lambda: (ONE_ITEM + _deep("<a>", "</a>", 10**5)).encode()),
    "deep_feed_unclosed": ("feed", lambda: (ONE_ITEM + "<a>" * 10**5).encode()),
    "deep_sitemap": ("sitemap", lambda: ("<urlset>" + _deep("<url>", "</url>", 10**5)).encode()),
    "deep_opml": ("opml", lambda: ("<opml><body>" + _deep(OUTLINE, "</outline>", 10**5)).encode()),
    "deep_html": ("discover", lambda: ("<html><body>" + "<div>" * 10**5).encode()),
    "deep_json": ("feed", lambda: JSON_HEAD + b"[" * 10**5),
    "path_as_body": ("feed", lambda: b"/etc/passwd"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_hostile_input(case: str) -> None:
    """Huge, compressed, deeply nested and path-shaped inputs end fast, without escape."""
    target, make = GENERATED[case]
    data = make()
    targets = [name for name in PARSERS if target in ("all", name)]
    assert targets, target  # the guard: a target no parser has would check nothing
    for name in targets:
        parser = PARSERS[name]
        result, elapsed = run_guarded(parser, data)
        assert elapsed < MAX_PARSE_SECONDS, f"{case}/{name} took {elapsed:.2f} s"
        if case in {"100MB", "gzip_bomb", "deep_json", "path_as_body"} and name != "discover":
            assert isinstance(result, SourceError), (case, name)


def test_size_cap_is_applied_before_parsing() -> None:
    """One byte over the cap is refused even if the bytes are a valid feed."""
    item = b"<item><link>https://c.example/</link></item>"
    padding = b" " * (MAX_FEED_BYTES - len(_rss(item.decode())) + 1)
    with pytest.raises(SourceError, match="cap"):
        parse_feed(_rss(item.decode()) + padding, "")
    assert len(parse_feed(_rss(item.decode()) + padding[:-1], "").entries) == 1


def test_gzipped_feed_is_read() -> None:
    """A gzip-compressed feed is decompressed (within the cap) and read."""
    data = gzip.compress(_rss("<item><link>https://g.example/1</link></item>"))
    assert [e.url for e in parse_feed(data, "").entries] == ["https://g.example/1"]
    with pytest.raises(SourceError, match="gzip"):
        parse_feed(data[:20] + b"corrupt" + data[27:], "")


# --- fuzzing ------------------------------------------------------------------------

FRAGMENTS = [
    b"<rss>", b'<rss version="2.0">', b"<channel>", b"<item>", b"</item>", b"<link>",
    b"https://f.example/", b"</link>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"<entry>", b"<!DOCTYPE rss", b"<!ENTITY", b" [", b"]>", b"&", b";", b"\x00", b"\xff",
    b"<![CDATA[", b"]]>", b"<?xml version='1.0' encoding='utf-16'?>", b"\xfe\xff", b"{",
    b'"items": [', b"<urlset>", b"<url><loc>", b"<opml><body><outline xmlUrl='", b"'/>",
]  # fmt: skip
fuzz_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join),
)


@settings(max_examples=150, deadline=None)
@given(data=fuzz_bytes)
def test_fuzz_parsers_raise_only_source_error(data: bytes) -> None:
    """Arbitrary bytes: every parser returns or raises SourceError, nothing else."""
    for parser in PARSERS.values():
        with suppress(SourceError):
            parser(data)
