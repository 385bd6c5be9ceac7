"""docs/import-format.md against the readers, strict validation, and saved feeds/sitemaps.

Issue 13 item 2. Real files: tests/fixtures/imports/strict.jsonl (invented records, one
problem a line), the feedjira sample feeds and magpie's Google News sitemap in the shared
data.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import FIXTURES, REPO
from midweek.errors import SourceError
from midweek.models import Article, Failure, Page
from midweek.sources import imports
from midweek.sources.imports import (
    JSONL_FIELDS,
    NEEDS_FETCH,
    import_language,
    iter_import,
    sniff_import_kind,
)

DOC = REPO / "docs" / "import-format.md"
STRICT = FIXTURES / "imports" / "strict.jsonl"


def _section(title: str) -> str:
    """The text of one ``## title`` section of the doc."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/import-format.md has no section {title!r}"
    return match.group(1)


def _table_keys(section: str) -> list[str]:
    """The backticked names in the first column of the section's first table."""
    rows = re.findall(r"^\| `([^`]+)` \|", section, re.M)
    return rows


def test_the_doc_names_every_jsonl_field_the_reader_accepts() -> None:
    documented = _table_keys(_section("JSONL"))
    assert sorted(documented) == sorted(JSONL_FIELDS)
    assert len(documented) == len(set(documented))


def test_the_doc_lists_the_accepted_languages() -> None:
    """Every tag of the languages table is accepted and stored as its row says."""
    section = _section("JSONL")
    table = section[section.index("| accepted | stored as |") :].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    stored = set()
    for row in rows:
        accepted, target = row.strip("|").split("|")
        expected = re.findall(r"`([^`]+)`", target)[0]
        stored.add(expected)
        for tag in re.findall(r"`([^`]+)`", accepted):
            lang, script = import_language(tag)
            assert (f"{lang}-{script}" if lang == "uz" else lang) == expected, tag
    assert stored == {"en", "ru", "uz-Latn", "uz-Cyrl"}
    assert set(imports.IMPORT_LANGUAGES) == {tag.split("-")[0] for tag in stored}


def test_the_doc_examples_import() -> None:
    """The JSONL example block imports as three articles; the refused lines fail as said."""
    section = _section("JSONL")
    good = re.search(r"```json\n(.*?)```", section, re.S)
    assert good
    refused = re.search(r"```text\n(.*?)```", section, re.S)
    assert refused
    for block, want in ((good.group(1), "Article"), (refused.group(1), "Failure")):
        lines = [re.split(r"}\s{2,}", line)[0].rstrip() for line in block.splitlines()]
        records = [line if line.endswith("}") else line + "}" for line in lines]
        items = [imports._article_from_line(r.replace("…", "b").encode(), "doc:1") for r in records]
        assert [type(i).__name__ for i in items] == [want] * len(records)
        if want == "Failure":
            for item, line in zip(items, block.splitlines(), strict=True):
                assert isinstance(item, Failure)
                reason = re.split(r"}\s{2,}", line)[1].strip()
                assert item.reason.startswith(reason.split("(…)")[0].rstrip(" …")), line


def test_strict_fixture_lines_fail_with_their_reason() -> None:
    items = list(iter_import(STRICT))
    articles = [i for i in items if isinstance(i, Article)]
    failures = {int(f.locator.rsplit(":", 1)[1]): f.reason for f in items if isinstance(f, Failure)}
    assert all(f.locator.startswith(f"{STRICT}:") for f in items if isinstance(f, Failure))
    assert articles[0].url == "https://example.uz/ok/1?q=a%20b"  # whitespace encoded
    assert [(a.url.rsplit("/", 1)[1], a.language_tag) for a in articles] == [
        ("1?q=a%20b", "en"),
        ("7", "uz-Latn"),
        ("8", "uz-Cyrl"),
        ("9", "ru"),
        ("15", "uz-Latn"),
    ]
    assert articles[3].guid == "9" and articles[3].authors == ("Ann Author",)
    assert articles[4].authors == ("A", "B") and articles[4].outlet == "Example"
    assert sorted(failures) == [2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 16, 17, 18]
    assert failures[2].startswith("unknown language in 'lang': 'klingon'; use en, ru")
    assert failures[16].startswith("unknown language in 'lang': 'xx'")
    assert "not written in Latn" in failures[10]
    for line in (3, 5, 6):
        assert failures[line].startswith("bad 'url', not an absolute http(s) URL: ")
    assert "space" in failures[14] and "no host" in failures[18]
    assert failures[4].startswith("cannot parse 'published'") and "'05/01/2024'" in failures[4]
    assert failures[13].startswith("cannot parse 'published'") and "1714557600" in failures[13]
    assert "'text' must be a string" in failures[11]
    assert "'guid' must be a string or an integer" in failures[12]
    assert "'title' must be a string" in failures[17]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", ("en", None)),
        ("EN-gb", ("en", None)),
        ("en-Latn-US", ("en", "Latn")),
        ("ru", ("ru", None)),
        ("ru-RU", ("ru", None)),
        ("ru-Cyrl", ("ru", "Cyrl")),
        ("uz", ("uz", "Latn")),
        ("uz-UZ", ("uz", "Latn")),
        ("UZ-LATN", ("uz", "Latn")),
        ("uz_cyrl", ("uz", "Cyrl")),
        ("uz-Cyrl-UZ", ("uz", "Cyrl")),
        ("uz-Cyrl-860", ("uz", "Cyrl")),
    ],
)
def test_import_language_accepts(tag: str, expected: tuple[str, str | None]) -> None:
    assert import_language(tag) == expected


@pytest.mark.parametrize(
    "tag",
    ["klingon", "xx", "de", "uz-Arab", "ru-Latn", "en-Cyrl", "uz-Cyrl-UZ-x", "uz--", "-", "u"],
)
def test_import_language_refuses(tag: str) -> None:
    with pytest.raises(ValueError, match="en, ru, uz-Latn or uz-Cyrl"):
        import_language(tag)


# -- saved feeds and sitemaps, by content -------------------------------------------------
def _sample(shared_data: Path, name: str, tmp_path: Path, as_name: str) -> Path:
    """A feedjira sample feed written under another name, to show the name does not count."""
    data = gzip.decompress((shared_data / "feeds-feedjira-samples" / "feeds" / name).read_bytes())
    path = tmp_path / as_name
    path.write_bytes(data)
    return path


def test_saved_json_feed_becomes_articles(shared_data: Path, tmp_path: Path) -> None:
    path = _sample(shared_data, "json_feed.json.gz", tmp_path, "saved-feed")
    assert sniff_import_kind(path) == "feed"
    items = list(iter_import(path))
    assert len(items) == 20 and all(isinstance(i, Article) for i in items)
    articles = [i for i in items if isinstance(i, Article)]
    assert all(a.url.startswith("http") and a.text and a.guid for a in articles)
    assert len({a.guid for a in articles}) == 20
    assert all(a.published is not None for a in articles)


def test_saved_rss_entries_without_content_need_fetching(shared_data: Path, tmp_path: Path) -> None:
    """RedHanded: 13 entries with content, 7 with only a link; each is reported alone."""
    path = _sample(shared_data, "RedHanded.xml.gz", tmp_path, "redhanded.txt")
    items = list(iter_import(path))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, Failure)]
    assert (len(articles), len(failures)) == (13, 7)
    assert all(f.reason == NEEDS_FETCH and f.locator.startswith(f"{path}#http") for f in failures)
    assert not any(isinstance(i, Page) for i in items)


def test_saved_atom_content_keeps_paragraphs(shared_data: Path, tmp_path: Path) -> None:
    path = _sample(shared_data, "FeedjiraBlog.xml.gz", tmp_path, "atom.xml")
    articles = [i for i in iter_import(path) if isinstance(i, Article)]
    assert articles and any("\n\n" in a.text for a in articles)
    assert all("<p>" not in a.text and "&amp;" not in a.text for a in articles)


def test_saved_sitemap_urls_are_reported_as_needing_fetch(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "web-cache-feeds-sitemaps-pages-magpie" / "cache" / "genickbruch.com"
    path = tmp_path / "news-sitemap"
    shutil.copy(source / "feeds" / "googlenews.xml.gz", path)  # gzipped, no suffix
    assert sniff_import_kind(path) == "sitemap"
    items = list(iter_import(path))
    assert items and all(isinstance(i, Failure) and "needs fetching" in i.reason for i in items)
    assert all(i.locator.startswith(f"{path}#http") for i in items if isinstance(i, Failure))


def test_kind_is_sniffed_from_content(tmp_path: Path) -> None:
    jsonl = tmp_path / "dump.data"
    jsonl.write_text('{"url": "https://a.example/1", "text": "Body."}\n')
    warc = tmp_path / "crawl.bin"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    body = b"<html><body><p>Text.</p></body></html>"
    writer.write_record(
        writer.create_warc_record(
            "https://a.example/p",
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": "2024-05-01T10:00:00Z"},
        )
    )
    warc.write_bytes(buffer.getvalue())
    page = tmp_path / "page.txt"
    page.write_text("<!DOCTYPE html><html><head><title>t</title></head><body>x</body></html>")
    opml = tmp_path / "subs.xml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body/></opml>')
    assert [sniff_import_kind(p) for p in (jsonl, warc, page, opml)] == [
        "jsonl",
        "warc",
        "html",
        "opml",
    ]
    assert isinstance(next(iter_import(jsonl)), Article)
    (got,) = list(iter_import(warc))
    assert isinstance(got, Page) and got.url == "https://a.example/p"
    assert isinstance(next(iter_import(page)), Page)
    with pytest.raises(SourceError, match="import-opml"):
        iter_import(opml)  # raised at the call, before iterating


def test_file_uri_and_bad_paths_raise_at_the_call(tmp_path: Path) -> None:
    path = tmp_path / "a b.jsonl"
    path.write_text('{"url": "https://a.example/1", "text": "Body."}\n')
    (article,) = list(iter_import(path.as_uri()))
    assert isinstance(article, Article)
    with pytest.raises(SourceError, match="does not exist"):
        iter_import(tmp_path / "missing.jsonl")
    with pytest.raises(SourceError, match="only local"):
        iter_import("file://elsewhere.example/a.jsonl")
    (tmp_path / "data.csv").write_text("url,text\n")
    with pytest.raises(SourceError, match=r"import-format\.md"):
        iter_import(tmp_path / "data.csv")


def test_nested_and_hidden_folders_are_read_in_path_order(tmp_path: Path) -> None:
    """As docs/import-format.md says: recursive, hidden folders too, sorted, others ignored."""
    html = b"<html><head><link rel='canonical' href='https://a.example/%s'></head></html>"
    files = ["b/z.html", "a.htm", ".hidden/c.HTML", "b/deeper/d.html.gz", "notes.txt"]
    for name in files:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        data = html % name.encode()
        target.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    pages = [i for i in iter_import(tmp_path) if isinstance(i, Page)]
    assert [p.url.removeprefix("https://a.example/") for p in pages] == [
        ".hidden/c.HTML",
        "a.htm",
        "b/deeper/d.html.gz",
        "b/z.html",
    ]
