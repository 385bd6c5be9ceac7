"""Article extraction on real pages from the shared evaluation data, and hostile inputs."""

from __future__ import annotations

import contextlib
import gzip
import json
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from trafilatura import bare_extraction

from midweek.errors import ExtractError
from midweek.evaluate import evaluate_extraction, load_gold_pages, shingle_scores
from midweek.extract import MIN_TEXT_CHARS, decode_html, extract_article, extract_text
from midweek.models import FeedEntry, Page

NOW = datetime(2024, 11, 10, 12, 0, tzinfo=UTC)
# The first eight Scrapinghub dev pages all reach F1 >= 0.95 (measured: lowest 0.972);
# a regression on any of them shows here before the slower gate runs.
PAGE_F1_FLOOR = 0.95
# Full Scrapinghub dev set (136 pages), measured F1 0.9694 with midweek's settings
# (plain trafilatura: 0.9539). The gate is the measured value minus 0.005.
GATE_F1 = 0.964
# A 5 MB page must finish well within the extraction worker's wall-clock limit.
BIG_PAGE_SECONDS = 30.0


def _scrapinghub(shared_data: Path) -> Path:
    """The Scrapinghub dev folder."""
    return shared_data / "article-extraction-scrapinghub"


def _russian_article(shared_data: Path) -> tuple[str, str]:
    """Title and text of a real Russian news article with enough text to extract."""
    path = shared_data / "news-ru-uz-uplz" / "articles.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if len(rec.get("text") or "") > 1500:
                return rec["title"], rec["text"]
    raise AssertionError("no long Russian article in the sample")


def _article_html(title: str, text: str, head: str = "", charset: str | None = None) -> str:
    """Wrap real text into a plain article page with navigation around it."""
    meta = f'<meta charset="{charset}">' if charset else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title>{head}</head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>© Example 2024. All rights reserved.</footer></body></html>"
    )


def _page(body: bytes, url: str = "https://news.example.com/2024/11/story", **kw: object) -> Page:
    """A Page fetched at NOW."""
    headers = kw.pop("headers", {"content-type": "text/html; charset=utf-8"})
    return Page(url=url, body=body, fetched_at=NOW, headers=headers, **kw)  # type: ignore[arg-type]


def test_scrapinghub_pages_reach_floor(shared_data: Path) -> None:
    pages = load_gold_pages(_scrapinghub(shared_data))[:8]
    assert len(pages) == 8  # the guard: the loop below asserts nothing on an empty list
    for page in pages:
        precision, recall = shingle_scores(extract_text(page.html, page.url), page.gold)
        f1 = 2 * precision * recall / (precision + recall)
        assert f1 >= PAGE_F1_FLOOR, (page.id, precision, recall)


@pytest.mark.slow
def test_quality_gate_scrapinghub(shared_data: Path) -> None:
    scores = evaluate_extraction(_scrapinghub(shared_data))
    assert scores.pages == 136
    assert scores.failures == 0
    assert scores.f1 >= GATE_F1, scores


def test_real_page_metadata(shared_data: Path) -> None:
    gold = load_gold_pages(_scrapinghub(shared_data))[3]
    article = extract_article(_page(gold.html, url=gold.url))
    assert article.title
    assert "<" not in article.title
    assert article.lang == "en"
    assert article.script == "Latn"
    assert article.url.startswith("https://")
    assert article.published is not None
    assert article.published.tzinfo is not None
    assert article.published <= NOW
    assert article.outlet
    assert article.fetched_at == NOW
    assert article.image is None or article.image.startswith("http")
    precision, recall = shingle_scores(article.text, gold.gold)
    assert precision > 0.9
    assert recall > 0.9


def test_cp1251_russian_page_from_header(shared_data: Path) -> None:
    title, text = _russian_article(shared_data)
    body = _article_html(title, text).encode("cp1251", errors="ignore")
    page = _page(body, headers={"content-type": "text/html; charset=windows-1251"})
    article = extract_article(page)
    assert article.title == " ".join(title.split())
    assert text.split("\n")[0].strip()[:60] in article.text
    assert (article.lang, article.script) == ("ru", "Cyrl")


def test_cp1251_page_with_meta_charset_only(shared_data: Path) -> None:
    title, text = _russian_article(shared_data)
    body = _article_html(title, text, charset="windows-1251").encode("cp1251", errors="ignore")
    assert decode_html(body) == body.decode("cp1251")


def test_wrong_declared_charset_single_byte_but_utf8(shared_data: Path) -> None:
    title, text = _russian_article(shared_data)
    body = _article_html(title, text, charset="iso-8859-1").encode("utf-8")
    decoded = decode_html(body, "text/html; charset=windows-1251")
    assert title in decoded


def test_wrong_declared_charset_utf8_but_cp1251(shared_data: Path) -> None:
    title, text = _russian_article(shared_data)
    body = _article_html(title, text).encode("cp1251", errors="ignore")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert title in decoded


def test_navigation_only_page_is_not_an_article() -> None:
    links = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(80))
    body = f"<html><body><nav><ul>{links}</ul></nav><footer>© 2024</footer></body></html>"
    with pytest.raises(ExtractError, match="no article"):
        extract_article(_page(body.encode()))


def test_short_text_is_not_an_article() -> None:
    body = "<html><body><article><p>Only a teaser line here.</p></article></body></html>"
    with pytest.raises(ExtractError, match=str(MIN_TEXT_CHARS)):
        extract_article(_page(body.encode()))


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_page(body: bytes) -> None:
    with pytest.raises(ExtractError, match="empty"):
        extract_article(_page(body))


def test_not_html_content_type() -> None:
    page = _page(b"%PDF-1.7 binary", headers={"content-type": "application/pdf"})
    with pytest.raises(ExtractError, match="not HTML"):
        extract_article(page)


def test_not_html_bytes_without_content_type() -> None:
    page = _page(json.dumps({"a": "b" * 2000}).encode(), headers={})
    with pytest.raises(ExtractError, match="not HTML"):
        extract_article(page)


@pytest.mark.slow
def test_five_megabyte_page_finishes(shared_data: Path) -> None:
    title, text = _russian_article(shared_data)
    filler = "<div class='related'><a href='/x'>link</a> " + "word " * 200 + "</div>"
    html = _article_html(title, text).replace("<footer>", filler * 5000 + "<footer>")
    body = html.encode("utf-8")
    assert len(body) > 5_000_000
    start = time.monotonic()
    # giving up (ExtractError) is fine; hanging is not
    with contextlib.suppress(ExtractError):
        extract_article(_page(body))
    assert time.monotonic() - start < BIG_PAGE_SECONDS


def _head_page(shared_data: Path, head: str, url: str) -> Page:
    """A real-text article page with the given extra <head> markup."""
    title, text = _russian_article(shared_data)
    return _page(_article_html(title, text, head=head).encode(), url=url)


def test_canonical_on_same_domain_is_used(shared_data: Path) -> None:
    head = '<link rel="canonical" href="https://www.example.com/story?utm_source=rss#top">'
    article = extract_article(_head_page(shared_data, head, "https://m.example.com/s?id=1"))
    assert article.url == "https://www.example.com/story"


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://evil.test/story">',
        '<link rel="canonical" href="/relative/story">',
        '<meta property="og:url" content="javascript:alert(1)">',
    ],
)
def test_untrusted_canonical_is_ignored(shared_data: Path, head: str) -> None:
    article = extract_article(_head_page(shared_data, head, "https://news.example.com/a/1"))
    assert article.url == "https://news.example.com/a/1"


def test_metadata_from_head_and_feed_entry(shared_data: Path) -> None:
    head = (
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:image" content="https://cdn.example.com/pic.jpg">'
        '<meta name="description" content="A short summary.">'
    )
    tashkent = timezone(timedelta(hours=5))
    entry = FeedEntry(
        url="https://news.example.com/a/1",
        guid="guid-1",
        published=datetime(2024, 11, 9, 10, 30, tzinfo=tashkent),
    )
    page = _head_page(shared_data, head, "https://news.example.com/a/1")
    page = Page(
        url=page.url, body=page.body, fetched_at=NOW, headers=page.headers, source_id=7, entry=entry
    )
    article = extract_article(page)
    assert article.outlet == "Example News"
    assert article.image == "https://cdn.example.com/pic.jpg"
    assert article.description == "A short summary."
    assert article.guid == "guid-1"
    assert article.source_id == 7
    assert article.published == entry.published


def test_relative_image_and_no_site_name(shared_data: Path) -> None:
    head = '<meta property="og:image" content="/pic.jpg">'
    article = extract_article(_head_page(shared_data, head, "https://www.example.org/a/1"))
    assert article.image is None
    assert article.outlet == "example.org"


def test_naive_page_date_is_utc(shared_data: Path) -> None:
    head = '<meta property="article:published_time" content="2024-11-08">'
    article = extract_article(_head_page(shared_data, head, "https://www.example.org/a/1"))
    assert article.published == datetime(2024, 11, 8, tzinfo=UTC)


def test_extract_text_accepts_str_and_empty() -> None:
    assert extract_text("") == ""
    assert extract_text(b"") == ""


def test_metadata_matches_trafilatura(shared_data: Path) -> None:
    # midweek runs trafilatura's metadata steps for title, author and date itself (to skip
    # the fields it never uses); the results must stay those of trafilatura's own run
    golds = load_gold_pages(_scrapinghub(shared_data))[:8]
    assert len(golds) == 8  # the guard: the loop below asserts nothing on an empty list
    for gold in golds:
        html = decode_html(gold.html) if isinstance(gold.html, bytes) else gold.html
        reference = bare_extraction(
            html,
            url=gold.url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params={
                "original_date": True,
                "extensive_search": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z",
                "max_date": NOW.strftime("%Y-%m-%d"),
            },
        )
        assert reference is not None
        article = extract_article(_page(gold.html, url=gold.url))
        assert article.title == " ".join(str(reference.title or "").split()), gold.id
        expected_authors = tuple(a.strip() for a in (reference.author or "").split(";"))
        assert article.authors == tuple(a for a in expected_authors if a), gold.id
        if reference.date:
            assert article.published is not None, gold.id
            assert article.published.date() == date.fromisoformat(reference.date[:10]), gold.id


def test_feed_date_skips_the_date_search(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_search(*args: object, **kwargs: object) -> str:
        raise AssertionError("htmldate ran although the feed entry gives the date")

    monkeypatch.setattr("midweek.extract.find_date", no_search)
    page = _head_page(shared_data, "", "https://news.example.com/a/1")
    entry = FeedEntry(url=page.url, published=NOW - timedelta(hours=2))
    page = Page(url=page.url, body=page.body, fetched_at=NOW, headers=page.headers, entry=entry)
    assert extract_article(page).published == entry.published


def test_xml_declaration_page_is_extracted(shared_data: Path) -> None:
    # lxml refuses a str that carries an encoding declaration; trafilatura's loader copes
    title, text = _russian_article(shared_data)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + _article_html(title, text)
    article = extract_article(_page(body.encode()))
    assert article.title == title
    assert article.lang == "ru"


def test_fragment_without_html_is_not_an_article() -> None:
    body = b"<div><p>" + b"A fragment, not a page. " * 30 + b"</p></div>"
    with pytest.raises(ExtractError, match="no article"):
        extract_article(_page(body))
