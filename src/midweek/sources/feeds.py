"""Read RSS, RDF, Atom and JSON Feed documents into :class:`midweek.models.Feed`.

Parsing only: this module never fetches. feedparser reads XML feeds, but only after
:func:`midweek.sources.xmlsafety.prepare_xml` has capped, decoded and screened the
bytes, and always from a ``BytesIO``: ``feedparser.parse`` given a plain ``bytes``
value first tries ``open(value)``, so a body reading ``/etc/passwd`` would be read as a
file. JSON Feed (1.0 and 1.1) is read with :mod:`json`.

A malformed but readable feed is flagged (``bozo``) and yields what it can; only a
document with nothing readable raises :class:`midweek.errors.SourceError`.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import feedparser

from midweek.errors import SourceError
from midweek.models import Feed, FeedEntry
from midweek.sources.normalize import (
    absolute_http_url,
    collapse_space,
    html_to_text,
    parse_date,
    struct_to_utc,
)
from midweek.sources.xmlsafety import MAX_FEED_BYTES, decode_xml, gunzip_capped, prepare_xml
from midweek.text.clean import clean_optional, clean_text

logger = logging.getLogger(__name__)

# How many bytes sniff_kind looks at: a root element follows the declaration, comments
# and a DOCTYPE; 64 KiB covers every real feed and page head we have seen.
SNIFF_BYTES = 64 * 1024
# JSON nesting deeper than this is refused before json.loads can recurse into a
# RecursionError; a real JSON Feed nests about 4 levels (feed > items > item > authors).
MAX_JSON_DEPTH = 64
# feedparser spends 40-100 µs of Python per element when the feed is well-formed and up
# to ~300 µs in its loose parser (measured here), so the element count, not the byte
# count, bounds its time. The most in a real feed of ours is 7,250 (feedjira CRE.xml);
# 20,000 leaves 2.75x headroom, keeps a well-formed parse near a second, and refuses the
# 10^5-deep nesting attack outright (feedparser spends 5-9 s on it). The hard time bound
# is the worker's wall clock (RELIABILITY.md); this cap keeps honest feeds far from it.
MAX_FEED_START_TAGS = 20_000
_START_TAG = re.compile(r"<[A-Za-z_]")
# Longest author name kept: feedparser's author e-mail regex backtracks
# super-linearly (feedparser #562), and real names are short.
MAX_AUTHOR_CHARS = 200

# feedparser version strings that denote RSS 0.90 / 1.0, i.e. RDF documents.
_RDF_VERSIONS = frozenset({"rss090", "rss10"})
_JSON_FEED_MARK = "jsonfeed.org/version"
_ROOT_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")
_PROLOG_JUNK = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf", "channel"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
# Author elements whose text feedparser runs its e-mail regex over.
_AUTHOR_ELEMENT = re.compile(
    r"(<(?:[\w.-]+:)?(?:author|creator|name|managingEditor|webMaster|contributor|publisher)"
    r"\b[^>]*>(?:\s*<!\[CDATA\[)?)([^<\]]{" + str(MAX_AUTHOR_CHARS + 1) + r",})",
    re.IGNORECASE,
)


def _strip_prolog(text: str) -> str:
    """``text`` from its first element or first non-markup character."""
    position = 0
    while True:
        match = _PROLOG_JUNK.match(text, position)
        if not match or match.end() == position:
            return text[position:]
        position = match.end()


def sniff_kind(data: bytes, content_type: str = "") -> str:
    """Guess what a document is from its first bytes and its media type.

    Args:
        data: the document (only the first :data:`SNIFF_BYTES` are looked at).
        content_type: the HTTP ``Content-Type``, if known.

    Returns:
        One of ``"feed"``, ``"json_feed"``, ``"sitemap"``, ``"html"``, ``"opml"``,
        ``"unknown"``.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    head_bytes = data[:SNIFF_BYTES]
    if head_bytes.startswith(b"\x1f\x8b"):
        return "sitemap" if "xml" in media or not media else "unknown"
    text, _, _ = decode_xml(head_bytes)
    head = _strip_prolog(text.lstrip("\ufeff"))
    if head.startswith(("{", "[")):
        # JSON may escape the slash: "https:\/\/jsonfeed.org\/version\/1.1".
        if _JSON_FEED_MARK in head.replace("\\/", "/") or media == "application/feed+json":
            return "json_feed"
        return "unknown"
    if head.startswith("<"):
        match = _ROOT_TAG.match(head)
        root = match.group(1).lower() if match else ""
        if root in _FEED_ROOTS or root.endswith(":rdf"):
            return "feed"
        if root in _SITEMAP_ROOTS:
            return "sitemap"
        if root == "opml":
            return "opml"
        if root in {"html", "head", "body", "meta", "title", "link", "div", "script"}:
            return "html"
        if "html" in media:
            return "html"
        return "unknown"
    if head.startswith(("http://", "https://")):
        return "sitemap"  # a plain-text sitemap: one URL a line
    if "html" in media:
        return "html"
    return "unknown"


def parse_feed(data: bytes, url: str) -> Feed:
    """Parse an RSS 0.9x/1.0/2.0, RDF, Atom or JSON Feed document.

    Security: never fetches anything; see the module docstring and
    :mod:`midweek.sources.xmlsafety` for the XML rules.

    Args:
        data: the feed bytes (gzip accepted), at most :data:`MAX_FEED_BYTES`.
        url: the URL the feed was read from; relative links resolve against it.

    Returns:
        The :class:`Feed`; entries without an http(s) link are dropped and entries
        sharing a GUID (or, lacking one, a URL) collapse to the first.

    Raises:
        SourceError: the input is too large, empty, refused (DTD subset, entities) or
            not a feed at all.
    """
    if len(data) > MAX_FEED_BYTES:
        raise SourceError(f"feed of {len(data)} bytes is over the cap of {MAX_FEED_BYTES}")
    data = gunzip_capped(data, MAX_FEED_BYTES)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return _parse_json_feed(data, url)
    return _parse_xml_feed(data, url)


def _clip_authors(text: str) -> tuple[str, int]:
    """Shorten over-long author element text before feedparser's regex sees it."""

    def clip(match: re.Match[str]) -> str:
        """Keep the first MAX_AUTHOR_CHARS characters of the element text."""
        return match.group(1) + match.group(2)[:MAX_AUTHOR_CHARS]

    return _AUTHOR_ELEMENT.subn(clip, text)


def _parse_xml_feed(data: bytes, url: str) -> Feed:
    """Screen XML bytes, run feedparser on them and convert its result."""
    prepared = prepare_xml(data)
    start_tags = sum(1 for _ in _START_TAG.finditer(prepared.text))
    if start_tags > MAX_FEED_START_TAGS:
        raise SourceError(f"{start_tags} elements: over the cap of {MAX_FEED_START_TAGS}")
    notes = list(prepared.notes)
    text, clipped = _clip_authors(prepared.text)
    if clipped:
        notes.append(f"clipped {clipped} over-long author names")
    # No Content-Location: feedparser would resolve relative GUIDs against it, and a
    # GUID that changes with the feed URL duplicates articles (NetNewsWire #3286).
    # Links are resolved below, against the channel link or the feed URL.
    headers = {"content-type": "application/xml; charset=utf-8"}
    try:
        parsed = feedparser.parse(
            io.BytesIO(text.encode("utf-8")),
            response_headers=headers,
            # content_html stays raw: the caller sanitises it with nh3 and resolves links
            # against the entry URL. Resolving here ran a second HTML parse over every
            # content block and tripled parse time on our largest real feed (CRE.xml).
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:  # a feedparser bug on one hostile document fails this feed only
        logger.warning("feedparser crashed on %s", url, exc_info=True)
        raise SourceError(f"feed parser failed: {type(exc).__name__}: {exc}") from exc
    version = str(parsed.get("version") or "")
    channel = parsed.get("feed") or {}
    raw_entries = parsed.get("entries") or []
    if not version and not raw_entries:
        reason = parsed.get("bozo_exception")
        raise SourceError(f"not a feed{f': {reason}' if reason else ''}")
    if version in _RDF_VERSIONS:
        kind = "rdf"
    elif version.startswith("atom"):
        kind = "atom"
    else:
        kind = "rss"
    if parsed.get("bozo"):
        notes.insert(0, str(parsed.get("bozo_exception") or "malformed"))
    site_url = absolute_http_url(channel.get("link"), url) or ""
    base = site_url or url
    entries = _collect(raw_entries, lambda item: _entry_from_feedparser(item, base), notes)
    return Feed(
        url=url,
        kind=kind,
        title=_text_of(channel, "title"),
        site_url=site_url,
        language=_language(channel.get("language")),
        entries=entries,
        bozo=bool(parsed.get("bozo")) or bool(prepared.notes),
        bozo_reason="; ".join(notes),
    )


_Item = TypeVar("_Item")


def _collect(
    items: Sequence[_Item], convert: Callable[[_Item], FeedEntry | None], notes: list[str]
) -> tuple[FeedEntry, ...]:
    """Convert items one by one, drop those without a link, collapse duplicates.

    An item whose conversion raises is dropped alone and noted: one hostile item never
    costs the rest of the feed.
    """
    seen: set[str] = set()
    kept: list[FeedEntry] = []
    total = len(items)
    without_link = 0
    duplicates = 0
    broken: list[str] = []
    for position, item in enumerate(items):
        try:
            converted = convert(item)
        except Exception as exc:  # one item's bug must not cost the feed's other items
            logger.warning("feed item %d skipped", position, exc_info=True)
            broken.append(f"item {position}: {type(exc).__name__}: {exc}")
            continue
        if converted is None:
            without_link += 1
            continue
        entry = _clean_entry(converted)
        key = f"guid:{entry.guid}" if entry.guid else f"url:{entry.url}"
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        kept.append(entry)
    if without_link:
        notes.append(f"{without_link} of {total} entries without an http(s) link dropped")
        logger.debug("dropped %d of %d entries without an http(s) link", without_link, total)
    if duplicates:
        notes.append(f"{duplicates} duplicate entries collapsed")
    if broken:
        notes.append(f"{len(broken)} unreadable entries skipped ({'; '.join(broken[:3])})")
    return tuple(kept)


def _clean_entry(entry: FeedEntry) -> FeedEntry:
    """``entry`` with every text field through :func:`clean_text` (a no-op when clean)."""
    return replace(
        entry,
        url=clean_text(entry.url),
        guid=clean_optional(entry.guid),
        title=clean_text(entry.title),
        summary=clean_text(entry.summary),
        content_html=clean_text(entry.content_html),
        authors=tuple(a for a in (clean_text(a) for a in entry.authors) if a),
        language=clean_optional(entry.language),
    )


def _text_of(item: Mapping[str, Any], key: str) -> str:
    """Plain text of a feedparser text construct (``title``, ``summary``...)."""
    value = item.get(key)
    if not isinstance(value, str) or not value:
        return ""
    detail = item.get(f"{key}_detail") or {}
    kind = str(detail.get("type") or "")
    if "html" in kind:
        return html_to_text(value)
    return collapse_space(value)


def _language(value: object) -> str | None:
    """A language tag from a feed, or ``None`` when absent or not a plausible tag."""
    if not isinstance(value, str):
        return None
    value = clean_text(value).strip()
    # BCP 47 tags are short; this keeps junk like a whole sentence out of the field.
    if not value or len(value) > 35 or " " in value:
        return None
    return value


def _entry_link(item: Mapping[str, Any], base: str) -> str | None:
    """The entry's permalink: ``link``, an alternate link, else a URL-shaped GUID."""
    link = absolute_http_url(item.get("link"), base)
    if link:
        return link
    for candidate in item.get("links") or []:
        if candidate.get("rel", "alternate") == "alternate":
            link = absolute_http_url(candidate.get("href"), base)
            if link:
                return link
    guid = item.get("id")
    # RSS <guid> is a permalink unless isPermaLink="false"; only trust absolute URLs.
    if isinstance(guid, str) and guid.strip().lower().startswith(("http://", "https://")):
        return absolute_http_url(guid)
    return None


def _entry_from_feedparser(item: Mapping[str, Any], base: str) -> FeedEntry | None:
    """Convert one feedparser entry, or ``None`` when it has no usable link."""
    link = _entry_link(item, base)
    if link is None:
        return None
    guid = item.get("id")
    published = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        published = struct_to_utc(item.get(key))
        if published is not None:
            break
    content_html = ""
    for content in item.get("content") or []:
        if isinstance(content.get("value"), str) and content["value"].strip():
            content_html = content["value"]
            break
    summary_detail = item.get("summary_detail") or {}
    if not content_html and "html" in str(summary_detail.get("type") or ""):
        content_html = str(item.get("summary") or "")
    authors: list[str] = []
    for author in item.get("authors") or []:
        name = collapse_space(str(author.get("name") or author.get("email") or ""))
        if name and name not in authors:
            authors.append(name)
    if not authors and isinstance(item.get("author"), str):
        name = collapse_space(item["author"])
        if name:
            authors.append(name)
    title_detail = item.get("title_detail") or {}
    return FeedEntry(
        url=link,
        guid=(collapse_space(guid) or None) if isinstance(guid, str) else None,
        title=_text_of(item, "title"),
        published=published,
        summary=_text_of(item, "summary"),
        content_html=content_html,
        authors=tuple(authors),
        language=_language(item.get("language") or title_detail.get("language")),
    )


def _json_depth_ok(text: str) -> bool:
    """Whether brackets never nest deeper than :data:`MAX_JSON_DEPTH` (strings skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


def _parse_json_feed(data: bytes, url: str) -> Feed:
    """Read a JSON Feed 1.0/1.1 document."""
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        notes.append("invalid UTF-8 replaced")
    if not _json_depth_ok(text):
        raise SourceError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise SourceError("not a JSON Feed: top level is not an object")
    version = document.get("version")
    items = document.get("items")
    if not (isinstance(version, str) and _JSON_FEED_MARK in version) and not isinstance(
        items, list
    ):
        raise SourceError("not a JSON Feed: no version and no items")
    if not isinstance(version, str) or _JSON_FEED_MARK not in version:
        notes.append("missing or unknown JSON Feed version")
    if not isinstance(items, list):
        notes.append("items is not a list")
        items = []
    site_url = absolute_http_url(_str(document.get("home_page_url")), url) or ""
    language = _language(document.get("language"))
    entries = _collect(items, lambda item: _entry_from_json(item, url, language), notes)
    return Feed(
        url=url,
        kind="json",
        title=collapse_space(_str(document.get("title"))),
        site_url=site_url,
        language=language,
        entries=entries,
        bozo=bool(notes),
        bozo_reason="; ".join(notes),
    )


def _str(value: object) -> str:
    """``value`` if it is a string, else ``""`` (JSON fields may hold anything)."""
    return value if isinstance(value, str) else ""


def _entry_from_json(item: object, base: str, feed_language: str | None) -> FeedEntry | None:
    """Convert one JSON Feed item, or ``None`` when it has no usable link."""
    if not isinstance(item, dict):
        return None
    link = absolute_http_url(_str(item.get("url")), base) or absolute_http_url(
        _str(item.get("external_url")), base
    )
    if link is None:
        return None
    raw_id = item.get("id")
    guid = (
        clean_text(str(raw_id)).strip()
        if isinstance(raw_id, str | int) and not isinstance(raw_id, bool)
        else ""
    )
    authors: list[str] = []
    raw_authors = item.get("authors")
    if not isinstance(raw_authors, list):
        raw_authors = [item.get("author")]  # JSON Feed 1.0 has one author object
    for author in raw_authors:
        if isinstance(author, dict):
            name = collapse_space(_str(author.get("name")))
            if name and name not in authors:
                authors.append(name)
    content_html = _str(item.get("content_html"))
    summary = collapse_space(_str(item.get("summary")))
    if not summary:
        summary = collapse_space(_str(item.get("content_text"))) or html_to_text(content_html)
    return FeedEntry(
        url=link,
        guid=guid or None,
        title=collapse_space(_str(item.get("title"))),
        published=parse_date(_str(item.get("date_published")))
        or parse_date(_str(item.get("date_modified"))),
        summary=summary,
        content_html=content_html,
        authors=tuple(authors),
        language=_language(item.get("language")) or feed_language,
    )
