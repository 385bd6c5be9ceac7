"""Read XML sitemaps, sitemap indexes, Google News sitemaps and plain-text sitemaps.

Parsing only. Input is capped, gunzipped within a cap, screened by
:mod:`midweek.sources.xmlsafety` and parsed with lxml's safe, recovering parser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TypeVar

from lxml import etree

from midweek.errors import SourceError
from midweek.models import Feed, FeedEntry
from midweek.sources.normalize import absolute_http_url, collapse_space, parse_date
from midweek.sources.xmlsafety import (
    gunzip_capped,
    local_name,
    parse_xml_root,
    prepare_xml,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# sitemaps.org protocol: a sitemap holds at most 50,000 URLs and 50 MB uncompressed.
MAX_SITEMAP_URLS = 50_000
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def parse_sitemap(data: bytes, url: str) -> Feed:
    """Parse a sitemap (``urlset``), a sitemap index, or a plain-text sitemap.

    Args:
        data: the document, gzip-compressed or not, at most :data:`MAX_SITEMAP_BYTES`
            before and after decompression.
        url: where it was read from; relative locations resolve against it.

    Returns:
        ``Feed(kind="sitemap")`` whose entries carry the URL, the publication date
        (``news:publication_date``, else ``lastmod``), the ``news:title`` and the
        ``news:language``; or ``Feed(kind="sitemapindex")`` listing child sitemaps in
        ``children``. At most :data:`MAX_SITEMAP_URLS` locations are kept.

    Raises:
        SourceError: too large, refused (DTD subset, entities), or no sitemap in it.
    """
    if len(data) > MAX_SITEMAP_BYTES:
        raise SourceError(f"sitemap of {len(data)} bytes is over the cap of {MAX_SITEMAP_BYTES}")
    data = gunzip_capped(data, MAX_SITEMAP_BYTES)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"http://", b"https://")):
        return _parse_text_sitemap(stripped, url)
    prepared = prepare_xml(data, MAX_SITEMAP_BYTES)
    notes = list(prepared.notes)
    root = parse_xml_root(prepared)
    name = local_name(root)
    if name == "sitemapindex":
        children = _locations(root, "sitemap", url, notes)
        return Feed(
            url=url,
            kind="sitemapindex",
            children=tuple(loc for loc, _ in children),
            bozo=bool(notes),
            bozo_reason="; ".join(notes),
        )
    if name != "urlset":
        raise SourceError(f"not a sitemap: root element is {name or 'missing'!r}")
    entries = tuple(_entry(loc, element) for loc, element in _locations(root, "url", url, notes))
    return Feed(
        url=url,
        kind="sitemap",
        entries=entries,
        bozo=bool(notes),
        bozo_reason="; ".join(notes),
    )


def _locations(
    root: etree._Element, item_name: str, base: str, notes: list[str]
) -> list[tuple[str, etree._Element]]:
    """``(absolute loc, item element)`` for each ``<url>``/``<sitemap>``, de-duplicated."""
    items = (
        (absolute_http_url(_child_text(element, "loc"), base), element)
        for element in root
        if local_name(element) == item_name
    )
    return _unique_urls(
        items, notes, what="locations", dropped="locations without an http(s) URL dropped"
    )


def _unique_urls(
    items: Iterable[tuple[str | None, _T]], notes: list[str], *, what: str, dropped: str
) -> list[tuple[str, _T]]:
    """The first item of each URL, at most :data:`MAX_SITEMAP_URLS`, in order.

    An item without an http(s) URL (None) is counted and dropped; ``notes`` gets a line
    for what was cut (``what``: the items' name) and one for what was ``dropped``.
    """
    found: list[tuple[str, _T]] = []
    seen: set[str] = set()
    bad = 0
    for loc, item in items:
        if loc is None:
            bad += 1
            continue
        if loc in seen:
            continue
        if len(found) >= MAX_SITEMAP_URLS:
            notes.append(f"more than {MAX_SITEMAP_URLS} {what}; the rest ignored")
            break
        seen.add(loc)
        found.append((loc, item))
    if bad:
        notes.append(f"{bad} {dropped}")
    return found


def _child_text(element: etree._Element, name: str) -> str:
    """Text of the first direct child of ``element`` with local name ``name``."""
    for child in element:
        if local_name(child) == name:
            return child.text or ""
    return ""


def _entry(loc: str, element: etree._Element) -> FeedEntry:
    """One sitemap ``<url>`` as a :class:`FeedEntry`, Google News fields included."""
    news = next((child for child in element if local_name(child) == "news"), None)
    title = ""
    language = None
    published = None
    if news is not None:
        title = collapse_space(_child_text(news, "title"))
        published = parse_date(_child_text(news, "publication_date"))
        publication = next((child for child in news if local_name(child) == "publication"), None)
        if publication is not None:
            language = collapse_space(_child_text(publication, "language")) or None
    if published is None:
        published = parse_date(_child_text(element, "lastmod"))
    return FeedEntry(url=loc, title=title, published=published, language=language)


def _parse_text_sitemap(data: bytes, url: str) -> Feed:
    """A plain-text sitemap: one absolute URL a line, UTF-8."""
    text = data.decode("utf-8", errors="replace")
    notes: list[str] = []
    lines = ((absolute_http_url(line.strip()), None) for line in text.splitlines() if line.strip())
    found = _unique_urls(
        lines, notes, what="URLs", dropped="lines that are not http(s) URLs skipped"
    )
    entries = [FeedEntry(url=loc) for loc, _ in found]
    if not entries:
        raise SourceError("plain-text sitemap without any http(s) URL")
    return Feed(
        url=url,
        kind="sitemap",
        entries=tuple(entries),
        bozo=bool(notes),
        bozo_reason="; ".join(notes),
    )
