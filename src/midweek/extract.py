"""HTML page -> clean :class:`~midweek.models.Article`.

trafilatura finds the main text and most metadata; htmldate (through trafilatura) finds
the date, bounded by the time the page was fetched; courlan normalises URLs; the language
and script come from :func:`midweek.text.lang.detect_language`.

Settings measured on the dev pages with the Scrapinghub shingle metric
(``benchmarks/extraction.py``). Scrapinghub (136 pages): plain ``trafilatura.extract`` F1
0.954; without comments 0.963; without comments in precision mode 0.972. WCXB 2025 (600):
plain 0.925, without comments 0.930, precision mode 0.915 (it cuts articles split into many
blocks). Comments are never article text, so they are always left out; precision mode is
used unless it lost more than half of the balanced text (:data:`PRECISION_KEEP_SHARE`),
which is only checked when it kept under half of the page's paragraph text (a second
trafilatura run on 4% of pages instead of all: Scrapinghub 0.972, WCXB 0.926, at twice
the speed).

Cost: the page is parsed once, with trafilatura's own loader, and the tree serves both
trafilatura runs, the metadata and midweek's own lookups (canonical URL, ``<meta>``,
JSON-LD). Title, author and date come from trafilatura's metadata steps called directly,
so the fields midweek never stores are not computed, and htmldate runs only when the feed
entry gives no date.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

import courlan
from htmldate import find_date
from lxml.etree import ParserError
from trafilatura import bare_extraction
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.utils import detect_encoding, line_processing, load_html

from midweek.errors import ExtractError
from midweek.models import Article, Page
from midweek.text.clean import clean_article
from midweek.text.lang import detect_language

logger = logging.getLogger(__name__)

__all__ = ["MIN_TEXT_CHARS", "decode_html", "extract_article", "extract_text"]

# An article shorter than this is a stub, a teaser or an error page. trafilatura uses 250
# as its own "too short, try the fallbacks" size (MIN_EXTRACTED_SIZE); the shortest gold
# body among the Scrapinghub dev pages is 369 characters, so 250 never rejects a real one.
MIN_TEXT_CHARS = 250
# Bytes searched for <meta charset>: the HTML standard requires it in the first 1024;
# pages in the wild put it a little later, so allow some slack.
META_CHARSET_WINDOW = 4096
# Content types that may hold an article; an empty one (file imports) is sniffed instead.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
# Single-byte encodings accept any byte sequence, so a wrong declaration of one of these
# silently produces mojibake; valid multi-byte UTF-8 is then the better reading.
_SINGLE_BYTE = frozenset(
    codecs.lookup(n).name
    for n in ("latin-1", "cp1252", "cp1251", "koi8-r", "iso8859-5", "cp1250", "iso8859-2")
)
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What trafilatura is asked for in both runs: no comments (never article text).
_TRAFILATURA_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True}
# Precision mode wins unless it keeps less than this share of the balanced mode's text:
# "more than half gone" means it cut the article, not boilerplate. A round number, not
# tuned; on the dev sets it keeps most of precision mode's gain on Scrapinghub (F1 0.969
# vs 0.972 for precision alone) and removes its loss on WCXB (0.930 vs 0.915).
PRECISION_KEEP_SHARE = 0.5
# trafilatura's cap on a metadata field (Document.clean_and_trim), kept so that titles and
# authors come out exactly as they did when trafilatura cleaned them.
MAX_FIELD_CHARS = 10000
# The date format asked of htmldate: ISO 8601 with the zone when the page gives one.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class PageMetadata(NamedTuple):
    """The metadata fields midweek takes from trafilatura, cleaned; None when not found."""

    title: str | None
    author: str | None
    date: str | None


def _codec(name: str | bytes | None) -> str | None:
    """Return Python's canonical codec name for a declared charset, or None if unknown."""
    if not name:
        return None
    label = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None


def _declared_charsets(body: bytes, content_type: str) -> list[str]:
    """Return the charsets a page declares: HTTP header first, then <meta>."""
    found: list[str] = []
    header = _HEADER_CHARSET_RE.search(content_type or "")
    meta = _CHARSET_RE.search(body[:META_CHARSET_WINDOW])
    for raw in (header.group(1) if header else None, meta.group(1) if meta else None):
        codec = _codec(raw)
        if codec and codec not in found:
            found.append(codec)
    return found


def _is_utf8(body: bytes) -> bool:
    """Return whether ``body`` is valid UTF-8 holding at least one non-ASCII character."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not body.isascii()


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode page bytes to text with the right character set.

    Order: a byte-order mark; the HTTP ``content-type`` charset, then ``<meta charset>``
    (each used only if the bytes decode with it, and a single-byte declaration is
    overruled by valid UTF-8, the usual way such declarations are wrong); then
    trafilatura's charset detection; finally UTF-8 with replacement characters.

    Args:
        body: the raw bytes.
        content_type: the HTTP ``content-type`` header value, if any.

    Returns:
        The decoded text.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    for codec in _declared_charsets(body, content_type):
        if codec in _SINGLE_BYTE and _is_utf8(body):
            logger.debug("declared %s but the bytes are UTF-8", codec)
            return body.decode("utf-8")
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            logger.debug("declared charset %s does not decode the page", codec)
    if _is_utf8(body) or body.isascii():
        return body.decode("utf-8")
    for guess in detect_encoding(body):
        guessed = _codec(guess)
        if guessed is None:
            continue
        try:
            return body.decode(guessed)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


def _date_params(fetched_at: datetime) -> dict[str, Any]:
    """htmldate's settings: the original (not the updated) date, no later than the fetch."""
    return {
        "original_date": True,
        "extensive_search": True,
        "outputformat": _DATE_FORMAT,
        "max_date": fetched_at.strftime("%Y-%m-%d"),
    }


def _extract(tree: Any, url: str | None) -> Any:
    """Run trafilatura on a parsed page; return its Document (text only) or None.

    Precision mode first; when it keeps less than :data:`PRECISION_KEEP_SHARE` of the text
    that the balanced mode finds, precision mode cut real content, so the balanced text is
    used instead. ``tree`` is the page as :func:`trafilatura.utils.load_html` parses it;
    trafilatura works on its own copy, so one parse serves both runs and the metadata.
    """
    document: Any = bare_extraction(tree, url=url, favor_precision=True, **_TRAFILATURA_OPTIONS)
    # precision mode finding nothing at all means the page has no article (a navigation
    # page); the balanced mode would return its link lists
    if document is None or not document.text:
        return document
    # The balanced run costs as much as the first; it can only matter when precision mode
    # kept under PRECISION_KEEP_SHARE of the page's paragraph text (balanced text is mostly
    # paragraphs). On the dev pages this skips it on 95% of pages and loses 1 of 6 rescues.
    if len(document.text) >= PRECISION_KEEP_SHARE * _paragraph_chars(tree):
        return document
    balanced: Any = bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    if balanced is None or not balanced.text:
        return document
    if len(document.text) < PRECISION_KEEP_SHARE * len(balanced.text):
        document.text = balanced.text
    return document


def _paragraph_chars(tree: Any) -> int:
    """Characters of text inside the page's <p> elements, whitespace collapsed."""
    return sum(len(" ".join(p.text_content().split())) for p in tree.iter("p"))


def _load_tree(html: str) -> Any:
    """Parse decoded HTML the way trafilatura does (its parser settings and repairs).

    Returns:
        The lxml tree, or None when the text is not HTML that lxml can parse.
    """
    try:
        return load_html(html)
    except (ValueError, ParserError, TypeError):
        return None


def _clean_field(value: str | None) -> str | None:
    """Clean a metadata string as trafilatura's ``Document.clean_and_trim`` does."""
    if not value:
        return value
    if len(value) > MAX_FIELD_CHARS:
        value = value[: MAX_FIELD_CHARS - 1] + "…"
    return line_processing(unescape(value))


def _metadata(tree: Any, url: str, date_params: dict[str, Any] | None) -> PageMetadata:
    """Title, author and (when ``date_params`` is given) date, as trafilatura finds them.

    The same steps as :func:`trafilatura.metadata.extract_metadata` for these three fields
    (``<meta>`` and OpenGraph, then JSON-LD, then the page's markup; htmldate for the
    date), without what midweek never uses: site name, categories, tags and licence (29% of
    trafilatura's metadata time on 200 pages of the extraction sets). ``date_params`` None
    skips htmldate for pages whose feed entry already gives the date (the feed's date wins).
    """
    found = examine_meta(tree)
    # trafilatura's own rule: a one-word <meta> author is a handle, not a name
    if found.author and " " not in found.author:
        found.author = None
    # trafilatura guards its JSON-LD code against any error the same way
    try:
        found = extract_meta_json(tree, found)
    except Exception as exc:
        logger.debug("JSON-LD metadata failed for %s: %s", url, exc)
    title = found.title or extract_title(tree)
    author = found.author or extract_author(tree)
    date = None
    if date_params is not None:
        page_url = found.url or extract_url(tree, url)
        date = find_date(tree, url=page_url, **date_params)
    return PageMetadata(_clean_field(title), _clean_field(author), _clean_field(date))


def extract_text(html: str | bytes, url: str | None = None) -> str:
    """Return the main body text of a page (what the extraction benchmark scores).

    Args:
        html: the page, as bytes (decoded by :func:`decode_html`) or text.
        url: the page URL, which helps trafilatura with some sites.

    Returns:
        The article text, paragraphs separated by newlines; "" when there is none.
    """
    text = decode_html(html) if isinstance(html, bytes) else html
    if not text.strip():
        return ""
    tree = _load_tree(text)
    if tree is None:
        return ""
    try:
        document = _extract(tree, url)
    except (ValueError, ParserError) as exc:
        logger.info("extraction failed for %s: %s", url, exc)
        return ""
    return str(document.text or "") if document is not None else ""


def _normalise_url(url: str) -> str:
    """Normalise a URL with courlan (case, default port, tracking parameters), no fragment."""
    normalised = courlan.normalize_url(url, strict=True)
    parts = urlsplit(normalised)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _http_url(value: str | None, base: str | None = None) -> str | None:
    """Return ``value`` when it is an absolute http(s) URL (after joining ``base``)."""
    if not value:
        return None
    value = value.strip()
    if base is not None:
        value = urljoin(base, value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value


def _canonical_url(tree: Any, page_url: str) -> str:
    """Return the page's canonical URL when it is trustworthy, else the page URL.

    A ``<link rel=canonical>`` or ``og:url`` is used only when absolute http(s) and on the
    same registered domain as the page: a page must not be able to claim another site's URL.
    """
    page_domain = courlan.extract_domain(page_url)
    candidates = tree.xpath(
        '//link[translate(@rel,"CANONIAL","canonial")="canonical"]/@href'
        '|//meta[@property="og:url"]/@content'
    )
    for candidate in candidates:
        url = _http_url(str(candidate))
        if url and page_domain and courlan.extract_domain(url) == page_domain:
            return _normalise_url(url)
    return _normalise_url(page_url)


def _meta(tree: Any, *names: str) -> str:
    """Return the first non-empty ``<meta name|property=...>`` content among ``names``."""
    for name in names:
        values = tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
        for value in values:
            if str(value).strip():
                return " ".join(str(value).split())
    return ""


def _parse_date(value: str | None) -> datetime | None:
    """Parse an htmldate/trafilatura date string; a missing zone is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _declared_language(tree: Any) -> str | None:
    """Return the primary subtag of ``<html lang>``, lower-cased, or None."""
    values = tree.xpath("/html/@lang|/html/@xml:lang")
    if not values:
        return None
    primary = str(values[0]).strip().split("-", 1)[0].split("_", 1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


def _looks_like_html(text: str) -> bool:
    """Return whether decoded text starts like markup (after whitespace and a BOM)."""
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    return head.startswith("<") and ("<html" in head or "<body" in head or "<p" in text[:100000])


def _authors(value: str | None) -> tuple[str, ...]:
    """Split trafilatura's ``"A; B"`` author string into names."""
    if not value:
        return ()
    return tuple(a.strip() for a in value.split(";") if a.strip())


def _json_ld_dates(tree: Any) -> str | None:
    """Return ``datePublished`` from JSON-LD, which carries a time and zone when htmldate's
    answer is only a day."""
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                value = item.get("datePublished")
                if isinstance(value, str) and "T" in value:
                    return value
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


def _published(page: Page, tree: Any, found: str | None) -> datetime | None:
    """Choose the publication time: feed entry, JSON-LD timestamp, then htmldate's date."""
    if page.entry is not None and page.entry.published is not None:
        published = page.entry.published
        return published if published.tzinfo is not None else published.replace(tzinfo=UTC)
    stamped = _parse_date(_json_ld_dates(tree))
    day = _parse_date(found)
    if stamped is not None and (day is None or stamped.date() == day.date()):
        return stamped
    return day


def extract_article(page: Page) -> Article:
    """Turn a fetched page into an :class:`Article`.

    Args:
        page: the page bytes, headers, URL and (optionally) the feed entry it came from.

    Returns:
        The article: plain-text title and body, canonical URL, timezone-aware publication
        time, authors, language and script, image, outlet, description and the page's
        provenance (guid, source id, fetch time).

    Raises:
        ExtractError: when the page is empty, is not HTML, cannot be parsed, or holds no
            article text of at least :data:`MIN_TEXT_CHARS` characters.
    """
    if not page.body or not page.body.strip():
        raise ExtractError(f"empty page: {page.url}")
    if page.content_type and page.content_type not in HTML_TYPES:
        raise ExtractError(f"not HTML ({page.content_type}): {page.url}")
    html = decode_html(page.body, page.headers.get("content-type", ""))
    if not _looks_like_html(html):
        raise ExtractError(f"not HTML (no markup found): {page.url}")
    tree = _load_tree(html)
    if tree is None:
        raise ExtractError(f"no article: the page does not parse as an HTML document: {page.url}")
    has_feed_date = page.entry is not None and page.entry.published is not None
    date_params = None if has_feed_date else _date_params(page.fetched_at)
    try:
        document = _extract(tree, page.url)
    except (ValueError, ParserError) as exc:
        raise ExtractError(f"extraction failed: {page.url}: {exc}") from exc
    text = str(document.text or "").strip() if document is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractError(
            f"no article: {len(text)} characters of text, fewer than {MIN_TEXT_CHARS}: {page.url}"
        )
    # after the text: a page without an article is rejected before its metadata is sought
    try:
        found = _metadata(tree, page.url, date_params)
    except (ValueError, ParserError) as exc:
        raise ExtractError(f"metadata extraction failed: {page.url}: {exc}") from exc
    title = " ".join((found.title or "").split())
    if not title and page.entry is not None:
        title = " ".join(page.entry.title.split())
    lang, script = detect_language(f"{title}\n{text}")
    if lang is None:
        lang = _declared_language(tree)
    outlet = _meta(tree, "og:site_name") or (urlsplit(page.url).hostname or "").removeprefix("www.")
    # cleaned where it is born: a page may hold NUL or a lone surrogate (issue 11)
    return clean_article(
        Article(
            url=_canonical_url(tree, page.url),
            title=title,
            text=text,
            published=_published(page, tree, found.date),
            authors=_authors(found.author) or (page.entry.authors if page.entry else ()),
            lang=lang,
            script=script,
            image=_http_url(_meta(tree, "og:image", "og:image:url", "og:image:secure_url")),
            outlet=outlet,
            guid=page.entry.guid if page.entry is not None else None,
            source_id=page.source_id,
            fetched_at=page.fetched_at,
            description=_meta(tree, "description", "og:description"),
        )
    )
