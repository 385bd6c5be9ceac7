"""Feeds, sitemaps, OPML and imports with NUL, lone surrogates and forbidden characters.

Each document mixes hostile items with good ones: the good ones must all come through,
the hostile ones must come through clean (or be dropped alone), and nothing may raise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from midweek.models import Article, Failure
from midweek.sources.feeds import parse_feed
from midweek.sources.imports import iter_import
from midweek.sources.opml import parse_opml, write_opml
from midweek.sources.sitemaps import parse_sitemap
from midweek.text.clean import is_clean

FEED_URL = "https://feeds.example/rss.xml"
# Character references feedparser's loose parser cannot turn into text: a lone surrogate
# (UnicodeEncodeError in handle_charref before issue 11), past U+10FFFF (ValueError),
# NUL and a C0 control (not XML characters).
BAD_REFS = ["&#xD800;", "&#xdfff;", "&#55296;", "&#x110000;", "&#99999999999;", "&#0;", "&#x1;"]


def _entry_texts(entry: object) -> list[str]:
    """Every text value of a FeedEntry."""
    values = [getattr(entry, n) for n in ("url", "guid", "title", "summary", "content_html")]
    values += [entry.language or "", *entry.authors]
    return [v for v in values if v]


def _rss(items: list[str]) -> bytes:
    body = "".join(items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Chan&#xD800;nel</title><link>https://site.example/</link>{body}"
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize("ref", BAD_REFS)
def test_rss_item_with_a_forbidden_character_reference_fails_alone(ref: str) -> None:
    items = [
        f"<item><title>Bad {ref} title</title><link>https://news.example/1</link>"
        f"<guid isPermaLink='false'>guid-{ref}-1</guid><author>A {ref} B</author>"
        f"<description>Sum {ref} mary</description></item>",
        "<item><title>Good title</title><link>https://news.example/2</link>"
        "<guid>https://news.example/2</guid></item>",
    ]
    feed = parse_feed(_rss(items), FEED_URL)
    assert [e.url for e in feed.entries] == ["https://news.example/1", "https://news.example/2"]
    bad, good = feed.entries
    assert bad.title == "Bad title" and bad.guid == "guid--1" and bad.summary == "Sum mary"
    assert good.title == "Good title" and feed.title == "Channel"
    assert all(is_clean(v) for e in feed.entries for v in _entry_texts(e))
    assert "character references" in feed.bozo_reason


def test_atom_entry_with_surrogate_reference_in_id_and_html_title() -> None:
    data = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>'
        b'<entry><title type="html">A &amp;#xD800; B &amp;#0; C</title><id>urn:x:&#xD800;1</id>'
        b'<link href="https://news.example/a"/><content type="html">&lt;p&gt;t&amp;#xD800;'
        b"&lt;/p&gt;</content></entry>"
        b'<entry><title>Fine</title><id>urn:x:2</id><link href="https://news.example/b"/></entry>'
        b"</feed>"
    )
    feed = parse_feed(data, FEED_URL)
    assert [e.guid for e in feed.entries] == ["urn:x:1", "urn:x:2"]
    assert feed.entries[0].title.startswith("A ") and feed.entries[0].title.endswith("C")
    assert all(is_clean(v) for e in feed.entries for v in _entry_texts(e))


def test_raw_nul_and_controls_in_xml_bytes_are_removed() -> None:
    items = [
        "<item><title>Ti\x00tle\x0b</title><link>https://news.example/\x00n</link>"
        "<guid>g\x001</guid></item>",
    ]
    (entry,) = parse_feed(_rss(items), FEED_URL).entries
    assert (entry.title, entry.url, entry.guid) == ("Title", "https://news.example/n", "g1")


def test_json_feed_with_escaped_surrogates_and_nul_in_every_field() -> None:
    bad = "x\ud800\u0000\udfffy"
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Feed {bad}",
        "language": f"en{bad}",
        "items": [
            {
                "id": f"id-{bad}",
                "url": f"https://news.example/{bad}",
                "title": f"Title {bad}",
                "summary": f"Sum {bad}",
                "content_html": f"<p>Body {bad}</p>",
                "authors": [{"name": f"Name {bad}"}, {"name": "\ud800\u0000"}],
                "language": bad,
            },
            {"id": "good", "url": "https://news.example/good", "title": "Good"},
        ],
    }
    # json.dumps escapes the lone surrogates as \ud800, exactly what a hostile feed sends
    data = json.dumps(document).encode("ascii")
    feed = parse_feed(data, FEED_URL)
    assert [e.guid for e in feed.entries] == ["id-xy", "good"]
    entry = feed.entries[0]
    assert entry.url == "https://news.example/xy" and entry.title == "Title xy"
    assert entry.authors == ("Name xy",) and entry.content_html == "<p>Body xy</p>"
    assert feed.title == "Feed xy"
    assert all(is_clean(v) for e in feed.entries for v in _entry_texts(e))


def test_one_json_feed_item_that_breaks_conversion_is_dropped_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from midweek.sources import feeds

    real = feeds._entry_from_json

    def flaky(item: object, base: str, language: str | None) -> object:
        if isinstance(item, dict) and item.get("id") == "boom":
            raise KeyError("a bug in one item")
        return real(item, base, language)

    monkeypatch.setattr(feeds, "_entry_from_json", flaky)
    items = [{"id": i, "url": f"https://news.example/{i}"} for i in ("a", "boom", "c")]
    data = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(data, FEED_URL)
    assert [e.guid for e in feed.entries] == ["a", "c"]
    assert "1 unreadable entries skipped" in feed.bozo_reason and "KeyError" in feed.bozo_reason


def test_feedparser_crash_fails_the_feed_with_a_source_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from midweek.errors import SourceError
    from midweek.sources import feeds

    def crash(*_args: object, **_kwargs: object) -> object:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(feeds.feedparser, "parse", crash)
    with pytest.raises(SourceError, match="feed parser failed: UnicodeEncodeError"):
        parse_feed(_rss(["<item><link>https://news.example/1</link></item>"]), FEED_URL)


def test_sitemap_with_forbidden_references_keeps_its_urls_clean() -> None:
    data = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://news.example/a&#xD800;b</loc><news:news><news:publication>"
        b"<news:language>e&#0;n</news:language></news:publication>"
        b"<news:title>T&#xD800;itle\x00</news:title></news:news></url>"
        b"<url><loc>https://news.example/ok</loc></url></urlset>"
    )
    feed = parse_sitemap(data, "https://news.example/sitemap.xml")
    assert [e.url for e in feed.entries] == ["https://news.example/ab", "https://news.example/ok"]
    assert feed.entries[0].title == "Title" and feed.entries[0].language == "en"


def test_opml_titles_and_urls_are_clean_and_export_parses_back() -> None:
    data = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="Fe&#xD800;ed" xmlUrl="https://feeds.example/a&#0;.xml"/>'
        b'<outline text="Good" xmlUrl="https://feeds.example/b.xml"/></body></opml>'
    )
    sources = parse_opml(data)
    assert [(s.url, s.title) for s in sources] == [
        ("https://feeds.example/a.xml", "Feed"),
        ("https://feeds.example/b.xml", "Good"),
    ]
    from midweek.models import Source

    exported = write_opml([*sources, Source(url="https://x.example/", kind="feed", title="\ud800")])
    assert len(parse_opml(exported)) == 3


# -- JSONL imports --------------------------------------------------------------------------
BODY = "A sentence long enough to be an article body about the week's news. " * 5
FIELDS = ("title", "text", "url", "guid", "source")


def _hostile_lines() -> list[dict[str, object]]:
    """One good record, then one record per field holding a lone surrogate and NUL."""
    records: list[dict[str, object]] = [{"url": "https://news.example/good", "text": BODY}]
    for field in FIELDS:
        record: dict[str, object] = {
            "url": f"https://news.example/{field}",
            "title": f"Title of {field}",
            "text": f"{BODY} {field}",
            "guid": f"guid-{field}",
            "source": "Outlet",
        }
        # a space would make the URL invalid (a Failure of its own): "-end" there
        tail = "-end" if field == "url" else " end"
        record[field] = f"{record[field]}\ud800\u0000\udfff{tail}"
        records.append(record)
    records.append(
        {
            "url": "https://news.example/authors",
            "text": BODY + "a",
            "authors": ["x\ud800\u0000y", "\ud800"],
        }
    )
    return records


# Wrong types are refused, each line alone, with the field named (issue 13 item 2).
_WRONG_TYPES = [
    ({"url": "https://news.example/lang-number", "text": BODY + "n", "lang": 5}, "'lang'"),
    ({"url": "https://news.example/lang-list", "text": BODY + "l", "lang": ["en"]}, "'lang'"),
    ({"url": "https://news.example/a3", "text": BODY, "authors": ["x", 3]}, "'authors'"),
    ({"url": "https://news.exa\ud800 mple/u", "text": BODY}, "space"),
]


def test_jsonl_records_with_surrogate_escapes_come_out_clean(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _hostile_lines()), encoding="ascii")
    items = list(iter_import(path))
    assert not [i for i in items if isinstance(i, Failure)]
    articles = [i for i in items if isinstance(i, Article)]
    assert len(articles) == len(_hostile_lines())
    by_url = {a.url: a for a in articles}
    assert by_url["https://news.example/title"].title == "Title of title end"
    assert by_url["https://news.example/url-end"].title == "Title of url"
    assert by_url["https://news.example/guid"].guid == "guid-guid end"
    assert by_url["https://news.example/source"].outlet == "Outlet end"
    assert by_url["https://news.example/text"].text.endswith("text end")
    assert by_url["https://news.example/authors"].authors == ("xy",)
    for article in articles:
        texts = [article.url, article.title, article.text, article.outlet, article.guid or ""]
        assert all(is_clean(t) for t in [*texts, *article.authors]), article.url


def test_jsonl_records_of_wrong_types_fail_alone_and_clean(tmp_path: Path) -> None:
    path = tmp_path / "types.jsonl"
    records = [{"url": "https://news.example/ok", "text": BODY}] + [r for r, _ in _WRONG_TYPES]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    items = list(iter_import(path))
    assert [type(i).__name__ for i in items] == ["Article"] + ["Failure"] * len(_WRONG_TYPES)
    for item, (_, named) in zip(items[1:], _WRONG_TYPES, strict=True):
        assert isinstance(item, Failure) and named in item.reason and is_clean(item.reason)


def test_a_record_that_trips_a_bug_is_one_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from midweek.sources import imports

    real = imports._article_from_record

    def flaky(record: dict[str, object], locator: str) -> object:
        if record.get("url") == "https://news.example/1":
            raise TypeError("unexpected shape")
        return real(record, locator)

    monkeypatch.setattr(imports, "_article_from_record", flaky)
    path = tmp_path / "three.jsonl"
    lines = [json.dumps({"url": f"https://news.example/{i}", "text": BODY}) for i in range(3)]
    path.write_text("\n".join(lines) + "\n")
    items = list(iter_import(path))
    assert [type(i).__name__ for i in items] == ["Article", "Failure", "Article"]
    failure = items[1]
    assert isinstance(failure, Failure) and failure.locator.endswith(":2")
    assert "TypeError: unexpected shape" in failure.reason


def test_html_canonical_url_with_nul_is_clean(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_bytes(
        b'<html><head><link rel="canonical" href="https://news.example/p\x00age">'
        b"</head><body>x</body></html>"
    )
    (page,) = list(iter_import(folder))
    assert not isinstance(page, Failure)
    # lxml reads the NUL as U+FFFD; either way the URL holds nothing a store refuses
    assert page.url.startswith("https://news.example/p") and is_clean(page.url)
    assert page.url.endswith("age")
