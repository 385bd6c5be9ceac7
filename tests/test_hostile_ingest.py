"""Hostile values through ingest and the site, on SQLite and PostgreSQL (issue 11).

What is promised: a feed, JSON Feed or JSONL file whose title, text, url, guid, source or
authors hold a lone surrogate or NUL never stops an ingest; every stored value is clean,
the good part of each value survives, and a rerun stores nothing new. One article the
store refuses fails alone. The site answers 404, not 500, to a NUL in a path.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from httpserver import LocalServer
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Article, Source
from midweek.pipeline import Ingestor, ingest_file, ingest_sources
from midweek.settings import load_settings
from midweek.store import Store, open_store, schema
from midweek.text.clean import is_clean

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BODY = (
    "The council met on Tuesday to discuss the new budget for the city's schools. "
    "Members argued for hours about teachers' pay and the cost of new buildings. "
    "A vote is expected next week, after a public hearing in the town hall. "
)
BAD = "\ud800\u0000\udfff"  # a lone surrogate, NUL and another lone surrogate
# Stored text columns of an article, checked for forbidden characters.
TEXT_COLUMNS = ("url", "guid", "outlet", "title", "description", "text", "lang", "script")


def _now() -> datetime:
    return NOW


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "1"})


def _stored(store: Store) -> list[dict[str, object]]:
    """Every stored article row as a dict."""
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(schema.articles))]


def _assert_all_clean(rows: list[dict[str, object]]) -> None:
    for row in rows:
        for column in TEXT_COLUMNS:
            value = row[column]
            assert value is None or is_clean(str(value)), (column, value)
        authors = row["authors"]
        assert isinstance(authors, list) and all(is_clean(a) for a in authors), authors


# -- JSONL ----------------------------------------------------------------------------------
def _jsonl_records() -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for i in range(4):
        records.append(
            {"url": f"https://news.example/good-{i}", "title": f"Good {i}", "text": f"{BODY} {i}"}
        )
    for field in ("title", "text", "url", "guid", "source"):
        record: dict[str, object] = {
            "url": f"https://news.example/bad-{field}",
            "title": f"Bad {field}",
            "text": f"{BODY} bad {field}",
            "guid": f"guid-{field}",
            "source": "Outlet",
            "lang": "en",
        }
        record[field] = f"{record[field]}{BAD}-kept"
        records.append(record)
    authors = [f"Ann{BAD}Lee", BAD]
    records.append({"url": "https://news.example/authors", "text": BODY + " a", "authors": authors})
    records.append({"url": "https://news.example/lang-number", "text": BODY + " n", "lang": 7})
    records.append({"url": "https://news.example/lang-list", "text": BODY + " l", "lang": ["en"]})
    records.append({"url": "https://news.example/lang-dict", "text": BODY + " d", "lang": {"x": 1}})
    return records


def test_jsonl_with_surrogates_and_nul_is_imported_clean_and_once(
    store_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.jsonl"
    records = _jsonl_records()
    # json.dumps writes the lone surrogates as \ud800 escapes and NUL as \u0000
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    store = open_store(store_url)
    try:
        first = ingest_file(store, path, _settings(tmp_path), _now)
        # the three `lang` values of the wrong JSON type are refused, each alone (issue 13)
        kept = len(records) - 3
        assert (first.new, first.failed) == (kept, 3), first.as_dict()
        reasons = [f.reason for f, _ in store.list_failures()]
        assert sorted(reasons) == [
            "'lang' must be a string, not a JSON " + t for t in ("array", "number", "object")
        ]
        rows = _stored(store)
        _assert_all_clean(rows)
        by_url = {str(r["url"]): r for r in rows}
        assert by_url["https://news.example/bad-title"]["title"] == "Bad title-kept"
        assert by_url["https://news.example/bad-url-kept"]["title"] == "Bad url"
        assert by_url["https://news.example/bad-guid"]["guid"] == "guid-guid-kept"
        assert by_url["https://news.example/bad-source"]["outlet"] == "Outlet-kept"
        assert str(by_url["https://news.example/bad-text"]["text"]).endswith("bad text-kept")
        assert by_url["https://news.example/authors"]["authors"] == ["AnnLee"]
        assert "https://news.example/lang-number" not in by_url
        second = ingest_file(store, path, _settings(tmp_path), _now)
        assert (second.new, second.failed) == (0, 3) and second.duplicates == kept
        assert store.count_articles() == kept
    finally:
        store.close()


# -- feeds and JSON feeds over HTTP --------------------------------------------------------
def _page(title: str, n: int) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{BODY}</p><p>{BODY} Item {n}.</p><p>Published 28 November 2026.</p>"
        "</article></body></html>"
    ).encode()


def _rss(base: str) -> bytes:
    items = [
        # a character reference to a lone surrogate in title, guid and author
        f"<item><title>Bad &#xD800; one</title><link>{base}/p/1</link>"
        "<guid isPermaLink='false'>g&#xD800;-1</guid><author>x@e.example (Ann &#xD800;Lee)</author>"
        "<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>",
        # a raw NUL and a control character
        f"<item><title>Bad\x00 two\x0b</title><link>{base}/p/2</link><guid>g\x00-2</guid>"
        "<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>",
        f"<item><title>Good three</title><link>{base}/p/3</link><guid>g-3</guid>"
        "<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>",
    ]
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{base}/</link>{''.join(items)}</channel></rss>"
    ).encode()


def _json_feed(base: str) -> bytes:
    items = [
        {
            "id": f"j{BAD}-4",
            "url": f"{base}/p/4{BAD}",
            "title": f"Json{BAD} four",
            "authors": [{"name": f"Bo{BAD}b"}],
            "date_published": "2026-11-28T10:00:00Z",
        },
        {"id": "j-5", "url": f"{base}/p/5", "title": "Good five"},
    ]
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}
    return json.dumps(document).encode("ascii")


def test_feeds_with_forbidden_characters_are_ingested_clean_and_once(
    store_url: str, tmp_path: Path
) -> None:
    with LocalServer() as server:
        base = server.base_url.rstrip("/")
        server.status("/robots.txt", 404)
        server.static("/rss.xml", _rss(base), content_type="application/rss+xml")
        server.static("/feed.json", _json_feed(base), content_type="application/feed+json")
        titles = {1: "Page &#xD800; one", 2: "Page two", 3: "Page three", 4: "Page four"}
        for n, title in titles.items():
            server.static(f"/p/{n}", _page(title, n), content_type="text/html")
        server.static("/p/5", _page("Page\x00 five", 5), content_type="text/html")
        store = open_store(store_url)
        try:
            store.add_source(Source(server.url("/rss.xml"), "feed"), NOW)
            store.add_source(Source(server.url("/feed.json"), "feed"), NOW)
            # both forms of the allow-list entry: the host, and the host with its port
            allow = ("127.0.0.1", f"127.0.0.1:{server.base_url.rsplit(':', 1)[1].strip('/')}")
            policy = FetchPolicy(allow_hosts=allow, per_host_delay_s=0.0, retries=0)
            settings = _settings(tmp_path)
            with Fetcher(policy) as fetcher:
                first = ingest_sources(store, fetcher, settings, _now)
            assert (first.new, first.failed) == (5, 0), first.as_dict()
            rows = _stored(store)
            _assert_all_clean(rows)
            guids = sorted(str(r["guid"]) for r in rows)
            assert guids == ["g-1", "g-2", "g-3", "j-4", "j-5"]
            assert any(str(r["url"]).endswith("/p/4") for r in rows)
            with Fetcher(policy) as fetcher:
                second = ingest_sources(store, fetcher, settings, _now)
            assert (second.new, second.failed) == (0, 0), second.as_dict()
            assert store.count_articles() == 5
        finally:
            store.close()


# -- the store refusing one row -------------------------------------------------------------
def _article(n: int, **changes: object) -> Article:
    base = Article(
        url=f"https://news.example/s/{n}",
        title=f"Story number {n}",
        text=f"{BODY} Story {n} " + "unique words " * n,
        published=NOW,
        lang="en",
        outlet="Outlet",
    )
    return Article(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})  # type: ignore[arg-type]


def test_a_row_the_store_refuses_fails_alone_and_the_batch_is_kept(store_url: str) -> None:
    store = open_store(store_url)
    try:
        articles = [_article(n) for n in range(5)]
        # a source id with no source row: a foreign-key violation on both backends
        articles[2] = _article(2, source_id=987654)
        ingestor = Ingestor(store, _now)
        ingestor.add(articles)
        assert (ingestor.summary.new, ingestor.summary.failed) == (4, 1)
        stored = {str(r["url"]) for r in _stored(store)}
        assert stored == {a.url for a in articles} - {articles[2].url}
        ((failure, count),) = store.list_failures()
        assert (failure.stage, failure.locator, count) == ("store", articles[2].url, 1)
        assert "IntegrityError" in failure.reason or "StoreError" in failure.reason
    finally:
        store.close()


def test_hand_built_articles_with_nul_and_surrogates_are_stored_clean(store_url: str) -> None:
    store = open_store(store_url)
    try:
        bad = _article(1, title=f"T{BAD}t", guid=f"g{BAD}", authors=(f"A{BAD}",), outlet=BAD)
        ingestor = Ingestor(store, _now)
        ingestor.add([bad, _article(2)])
        assert (ingestor.summary.new, ingestor.summary.failed) == (2, 0)
        rows = _stored(store)
        _assert_all_clean(rows)
        assert {str(r["title"]) for r in rows} == {"Tt", "Story number 2"}
    finally:
        store.close()


# -- the site -----------------------------------------------------------------------------
PATHS_WITH_NUL = [
    "/reviews/%00",
    "/api/reviews/%00",
    "/stories/%00",
    "/api/stories/%00",
    "/reviews/x%00y",
    "/tags/%00",
    "/reviews/%ED%A0%80",
]


@pytest.mark.parametrize("path", PATHS_WITH_NUL)
def test_a_nul_in_a_path_is_404_on_either_backend(store_url: str, path: str) -> None:
    from web.sitehelpers import Client, make_app

    store = open_store(store_url)
    client = Client(make_app(store))
    try:
        response = client.get(path)
        assert response.status_code == 404, (path, response.text[:200])
        if path.startswith("/api/"):
            assert response.json() == {"detail": "Not Found"} or "detail" in response.json()
    finally:
        client.close()
        store.close()


@pytest.mark.parametrize("query", ["q=%00", "q=x%00y", "q=%ED%A0%80", "q=a&lang=%00"])
def test_a_nul_in_a_query_never_reaches_the_store(store_url: str, query: str) -> None:
    from web.sitehelpers import Client, make_app

    store = open_store(store_url)
    client = Client(make_app(store))
    try:
        assert client.get(f"/search?{query}").status_code == 200
        assert client.get(f"/api/search?{query}").status_code == 200
        assert client.get(f"/archive?{query}").status_code == 200
    finally:
        client.close()
        store.close()
