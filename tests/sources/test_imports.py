"""Offline imports: JSONL dumps, HTML folders and WARC archives, good and broken."""

from __future__ import annotations

import gzip
import io
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from midweek.errors import SourceError
from midweek.models import Article, Failure, Page
from midweek.sources import imports
from midweek.sources.imports import (
    count_lines,
    iter_import,
    normalize_language,
    page_url_from_html,
    parse_published,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
WARC_DATE = "2024-05-01T10:20:30Z"


def _split(items: list[Article | Page | Failure]) -> tuple[list[Article], list[Failure]]:
    """Separate articles from failures, checking nothing else came out."""
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, Failure)]
    assert len(articles) + len(failures) == len(items)
    return articles, failures


# --- JSONL ------------------------------------------------------------------------------


def test_demo_wikinews_imports_every_article(shared_data: Path) -> None:
    """The real demo dump: 291 articles, dates aware, nothing lost."""
    path = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    articles, failures = _split(list(iter_import(path)))
    assert failures == []
    assert len(articles) == 291
    assert all(
        a.published is not None and a.published.utcoffset() == timedelta(0) for a in articles
    )
    first = articles[0]
    assert first.url.startswith("https://en.wikinews.org/wiki/")
    assert first.outlet == "Wikinews (English)"
    assert first.lang == "en" and first.script is None
    assert first.guid is not None and first.guid.startswith("enwikinews:")
    assert len({a.guid for a in articles}) == 291
    published = [a.published for a in articles if a.published is not None]
    assert min(published) == datetime(2019, 1, 4, tzinfo=UTC)
    assert max(published) == datetime(2020, 12, 28, tzinfo=UTC)


def test_mixed_jsonl_keeps_good_lines_and_reports_bad_ones() -> None:
    """Each bad line is a Failure naming its line; good lines around it still import."""
    path = FIXTURES / "mixed.jsonl"
    articles, failures = _split(list(iter_import(path)))
    assert [a.url for a in articles] == [
        "https://example.uz/ru/2024/05/01/first/",
        "https://kun.example/uz/news/2",
        "https://www.example.uz/uz/3",
        "https://news.example.com/a?x=1",
    ]
    by_line = {int(f.locator.rsplit(":", 1)[1]): f.reason for f in failures}
    assert all(f.stage == "import" and f.locator.startswith(str(path)) for f in failures)
    assert sorted(by_line) == [2, 3, 4, 5, 8, 9, 11, 12]
    assert "not valid JSON" in by_line[2]
    assert "list" in by_line[3]
    assert "'url'" in by_line[4]
    assert "published" in by_line[5] and "yesterday" in by_line[5]
    assert "'text'" in by_line[8] and "'text'" in by_line[9]
    assert "str" in by_line[11]
    assert "not valid JSON" in by_line[12]


def test_mixed_jsonl_fields() -> None:
    """Dates become aware, languages split into lang and script, outlet falls back to host."""
    first, kun, uz, last = _split(list(iter_import(FIXTURES / "mixed.jsonl")))[0]
    assert first.published == datetime(2024, 5, 1, tzinfo=UTC)
    assert first.outlet == "Example" and first.guid is None and first.lang == "ru"
    assert kun.published == datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
    assert (kun.lang, kun.script, kun.language_tag) == ("uz", "Cyrl", "uz-Cyrl")
    assert kun.guid == "kun-2" and kun.outlet == "kun.example"
    assert uz.published == datetime(2024, 5, 3, 12, tzinfo=timezone(timedelta(hours=5)))
    assert (uz.lang, uz.script) == ("uz", "Latn")
    assert uz.guid == "3" and uz.title == "Oʻzbekcha"
    assert last.title == "" and last.published is None and last.lang is None
    assert last.outlet == "news.example.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01 10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00-03:00", datetime(2024, 5, 1, 13, tzinfo=UTC)),
        ("20240501", datetime(2024, 5, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("2024-13-01", None),
        ("", None),
        (1714557600, None),
        (None, None),
    ],
)
def test_parse_published(value: object, expected: datetime | None) -> None:
    """ISO 8601 dates and date-times only; the result is always aware."""
    result = parse_published(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("uz-Cyrl", ("uz", "Cyrl")),
        ("uz_latn", ("uz", "Latn")),
        ("UZ-Latn-UZ", ("uz", "Latn")),
        ("ru-RU", ("ru", None)),
        ("en", ("en", None)),
        ("", (None, None)),
        (None, (None, None)),
        ("123", (None, None)),
    ],
)
def test_normalize_language(tag: str | None, expected: tuple[str | None, str | None]) -> None:
    """Language tags split into a lower-case language and a title-case script."""
    assert normalize_language(tag) == expected


def _jsonl_lines(count: int) -> bytes:
    """Synthetic JSONL with ``count`` valid records."""
    return b"".join(
        json.dumps({"url": f"https://example.uz/{i}", "text": f"Synthetic body {i} " * 20}).encode()
        + b"\n"
        for i in range(count)
    )


def test_truncated_gzip_jsonl_yields_what_it_can_then_one_failure(tmp_path: Path) -> None:
    """A gzip stream cut mid-way gives its complete lines, then a Failure; it never raises."""
    compressed = gzip.compress(_jsonl_lines(2000))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    items = list(iter_import(path))
    articles, failures = _split(items)
    assert 0 < len(articles) < 2000
    assert [a.url for a in articles] == [f"https://example.uz/{i}" for i in range(len(articles))]
    assert len(failures) == 1 and items[-1] is failures[0]
    assert "compressed" in failures[0].reason
    assert failures[0].locator == f"{path}:{len(articles) + 1}"


def test_gz_name_on_plain_bytes_is_a_failure(tmp_path: Path) -> None:
    """A .jsonl.gz that is not gzip at all is reported, not raised."""
    path = tmp_path / "plain.jsonl.gz"
    path.write_bytes(_jsonl_lines(3))
    (failure,) = list(iter_import(path))
    assert isinstance(failure, Failure) and "compressed" in failure.reason


def test_over_long_line_is_skipped_and_the_next_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line over the record cap is a Failure; the reader resynchronises on the next line."""
    monkeypatch.setattr(imports, "MAX_RECORD_BYTES", 200)
    monkeypatch.setattr(imports, "_CHUNK", 64)
    long_line = json.dumps({"url": "https://example.uz/long", "text": "x" * 1000}).encode()
    path = tmp_path / "long.ndjson"
    short_line = json.dumps({"url": "https://example.uz/0", "text": "short"}).encode()
    path.write_bytes(long_line + b"\n" + short_line + b"\n")
    items = list(iter_import(path))
    assert isinstance(items[0], Failure) and items[0].locator.endswith(":1")
    assert "longer than 200" in items[0].reason
    assert isinstance(items[1], Article) and items[1].url == "https://example.uz/0"


def test_hostile_json_lines_are_failures(tmp_path: Path) -> None:
    """Deep nesting and a 10,000-digit integer are reported per line, not raised."""
    path = tmp_path / "hostile.jsonl"
    deep = b"[" * 100_000 + b"]" * 100_000
    huge = b'{"url": "https://example.uz/n", "text": "t", "n": ' + b"9" * 10_000 + b"}"
    path.write_bytes(deep + b"\n" + huge + b"\n" + _jsonl_lines(1))
    items = list(iter_import(path))
    assert [type(i).__name__ for i in items] == ["Failure", "Failure", "Article"]
    assert isinstance(items[0], Failure) and "deeply" in items[0].reason


def test_count_lines(tmp_path: Path) -> None:
    """Plain JSONL lines are counted; gzip and WARC totals are unknown."""
    path = tmp_path / "n.jsonl"
    path.write_bytes(_jsonl_lines(5) + b'{"url": "u", "text": "no newline"}')
    assert count_lines(path) == 6
    gz = tmp_path / "n.jsonl.gz"
    gz.write_bytes(gzip.compress(_jsonl_lines(5)))
    assert count_lines(gz) is None
    assert count_lines(FIXTURES / "mixed.jsonl") == 13


# --- WARC -------------------------------------------------------------------------------


def _response(
    writer: WARCWriter, url: str, body: bytes, content_type: str, extra: list[tuple[str, str]]
) -> None:
    """Write one HTTP response record."""
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", content_type), *extra], protocol="HTTP/1.1"
    )
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": WARC_DATE},
    )
    writer.write_record(record)


def _chunked(data: bytes, size: int = 50) -> bytes:
    """Encode bytes with HTTP chunked transfer coding."""
    out = b""
    for i in range(0, len(data), size):
        part = data[i : i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def _build_warc(gzipped: bool) -> bytes:
    """Two HTML responses (one gzip+chunked), a request record and an image response."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped)
    _response(
        writer,
        "https://example.uz/ru/a",
        b"<html><head><title>A</title></head><body><p>Plain page.</p></body></html>",
        "text/html; charset=utf-8",
        [],
    )
    get = b"GET /ru/b HTTP/1.1\r\nHost: example.uz\r\n\r\n"
    request = writer.create_warc_record(
        "https://example.uz/ru/b",
        "request",
        payload=io.BytesIO(get),
        length=len(get),
        warc_headers_dict={"WARC-Date": WARC_DATE},
    )
    writer.write_record(request)
    page_b = "<html><body><p>Сжатая страница, передана частями.</p></body></html>".encode()
    _response(
        writer,
        "https://example.uz/ru/b",
        _chunked(gzip.compress(page_b)),
        "text/html",
        [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked"), ("X-Test", "yes")],
    )
    _response(
        writer, "https://example.uz/logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png", []
    )
    return buffer.getvalue()


@pytest.mark.parametrize("gzipped", [False, True])
def test_warc_yields_html_responses_only(tmp_path: Path, gzipped: bool) -> None:
    """Requests and images are skipped; chunked gzip bodies are decoded."""
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    path.write_bytes(_build_warc(gzipped))
    items = list(iter_import(path))
    assert all(isinstance(i, Page) for i in items)
    pages = [i for i in items if isinstance(i, Page)]
    assert [p.url for p in pages] == ["https://example.uz/ru/a", "https://example.uz/ru/b"]
    assert all(p.fetched_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC) for p in pages)
    assert all(p.status == 200 and p.content_type == "text/html" for p in pages)
    assert b"Plain page." in pages[0].body
    assert "Сжатая страница".encode() in pages[1].body
    assert pages[1].headers["x-test"] == "yes"
    assert "content-encoding" not in pages[1].headers
    assert "transfer-encoding" not in pages[1].headers


@pytest.mark.parametrize(("gzipped", "keep"), [(False, 0.5), (True, 0.5), (False, 0.99)])
def test_truncated_warc_reports_a_failure(tmp_path: Path, gzipped: bool, keep: float) -> None:
    """A WARC cut short gives the complete records before the cut and then a Failure."""
    data = _build_warc(gzipped)
    path = tmp_path / ("cut.warc.gz" if gzipped else "cut.warc")
    path.write_bytes(data[: int(len(data) * keep)])
    items = list(iter_import(path))
    assert isinstance(items[-1], Failure)
    assert "truncated" in items[-1].reason
    assert all(isinstance(i, Page) for i in items[:-1])
    assert sum(isinstance(i, Failure) for i in items) == 1


def test_warc_garbage_is_a_failure(tmp_path: Path) -> None:
    """Bytes that are not a WARC at all are reported, not raised."""
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not a WARC file\r\n" * 10)
    (failure,) = list(iter_import(path))
    assert isinstance(failure, Failure) and failure.locator == str(path)


# --- HTML -------------------------------------------------------------------------------


def _html(head: str = "", body: str = "<p>Text.</p>") -> bytes:
    """A small synthetic HTML page."""
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_html_folder_nested_sorted_with_gzip(tmp_path: Path) -> None:
    """Nested folders, .htm and .html.gz files; canonical/og:url or a stable file URI."""
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.html").write_bytes(
        _html('<link rel="canonical" href="https://example.uz/one">')
    )
    (tmp_path / "b" / "deep" / "two.html.gz").write_bytes(
        gzip.compress(_html('<meta property="og:url" content="http://example.uz/two">'))
    )
    (tmp_path / "b" / "three.HTM").write_bytes(_html('<link rel="canonical" href="/relative">'))
    (tmp_path / "notes.txt").write_text("not HTML")
    (tmp_path / "a" / "empty.html").write_bytes(b"  \n")
    (tmp_path / "b" / "broken.html.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    os.utime(tmp_path / "a" / "one.html", (1714557600, 1714557600))

    items = list(iter_import(tmp_path))
    located = [(type(i).__name__, i.url if isinstance(i, Page) else i.locator) for i in items]
    three = (tmp_path / "b" / "three.HTM").resolve().as_uri()
    assert located == [
        ("Failure", str(tmp_path / "a" / "empty.html")),
        ("Page", "https://example.uz/one"),
        ("Failure", str(tmp_path / "b" / "broken.html.gz")),
        ("Page", "http://example.uz/two"),
        ("Page", three),
    ]
    one = items[1]
    assert isinstance(one, Page)
    assert one.fetched_at == datetime.fromtimestamp(1714557600, UTC)
    assert one.requested_url == (tmp_path / "a" / "one.html").resolve().as_uri()
    two = items[3]
    assert isinstance(two, Page) and b"<body><p>Text.</p></body>" in two.body
    assert count_lines(tmp_path) == 5
    # stable across runs: a second pass gives the same pages
    assert list(iter_import(tmp_path)) == items


def test_single_html_file(tmp_path: Path) -> None:
    """A single HTML file is one Page; its URL is a file URI without a canonical link."""
    path = tmp_path / "page.html"
    path.write_bytes(_html("<title>x</title>"))
    (page,) = list(iter_import(path))
    assert isinstance(page, Page)
    assert page.url == path.resolve().as_uri() and page.url.startswith("file:///")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="Canonical" href=" https://example.uz/x ">', "https://example.uz/x"),
        ('<link rel="alternate canonical" href="https://example.uz/y">', "https://example.uz/y"),
        ('<link rel="canonical" href="javascript:alert(1)">', None),
        ('<link rel="canonical" href="//example.uz/z">', None),
        ('<meta name="og:url" content="https://example.uz/og">', "https://example.uz/og"),
        ("", None),
    ],
)
def test_page_url_from_html(head: str, expected: str | None) -> None:
    """Only absolute http(s) canonical or og:url values are taken."""
    assert page_url_from_html(_html(head)) == expected


def test_real_html_folder(shared_data: Path) -> None:
    """The Readability test pages: every .html.gz imports; real canonicals are used."""
    folder = shared_data / "article-extraction-readability-testpages" / "pages"
    items = list(iter_import(folder))
    assert all(isinstance(i, Page) for i in items)
    pages = [i for i in items if isinstance(i, Page)]
    assert len(pages) == 2 * len(list(folder.iterdir()))
    by_file = {p.requested_url.rsplit("/pages/", 1)[1]: p for p in pages}
    assert (
        by_file["002/source.html.gz"].url
        == "https://hacks.mozilla.org/2015/03/this-api-is-so-fetching/"
    )
    assert by_file["001/expected.html.gz"].url.startswith("file:///")
    assert sum(p.url.startswith("http") for p in pages) >= 40


# --- what cannot be imported -------------------------------------------------------------


def test_missing_path_raises(tmp_path: Path) -> None:
    """A path that does not exist is the caller's error."""
    with pytest.raises(SourceError, match="does not exist"):
        list(iter_import(tmp_path / "nope.jsonl"))


def test_unknown_extension_raises(tmp_path: Path) -> None:
    """A file of an unknown kind is refused with the kinds that are known."""
    path = tmp_path / "data.csv"
    path.write_text("url,text\n")
    with pytest.raises(SourceError, match=r"\.jsonl"):
        list(iter_import(path))
