"""The Atom feed of reviews (RFC 4287), valid whatever the sources' text holds.

Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
stripped from every string before it is written: one stray ``\\x0b`` in an article
title makes a whole feed unreadable (miniflux #575, pelican #2049). ElementTree escapes
the rest, and the entry content is HTML built from escaped text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from xml.etree import ElementTree as ET

from markupsafe import escape

from midweek.models import Review
from midweek.store.site import ReviewListing
from midweek.web.views import review_page

logger = logging.getLogger(__name__)

__all__ = ["ATOM_NS", "render_atom", "strip_xml_forbidden"]

ATOM_NS: Final = "http://www.w3.org/2005/Atom"
# XML 1.0 section 2.2 "Char": everything outside these ranges is forbidden.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def strip_xml_forbidden(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow.

    Args:
        text: Any string.

    Returns:
        The string, safe to put in an XML document.
    """
    return _FORBIDDEN.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append an Atom child element with cleaned text and attributes."""
    child = ET.SubElement(
        parent, f"{{{ATOM_NS}}}{tag}", {k: strip_xml_forbidden(v) for k, v in attrs.items()}
    )
    if text is not None:
        child.text = strip_xml_forbidden(text)
    return child


def _content_html(review: Review) -> str:
    """The entry's content: teasers, intro, then each section's text with its sources."""
    page = review_page(review)
    parts = [f"<p>{escape(page.intro)}</p>"]
    if page.teasers:
        parts.append("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in page.teasers) + "</ul>")
    for section in page.sections:
        parts.append(f"<h2>{escape(section.heading)}</h2>")
        parts.append("<p>" + " ".join(str(escape(s.text)) for s in section.sentences) + "</p>")
    if page.sources:
        items = []
        for source in page.sources:
            title = escape(source.title)
            link = f'<a href="{escape(source.href)}">{title}</a>' if source.href else str(title)
            items.append(f"<li>{link}{' — ' + escape(source.outlet) if source.outlet else ''}</li>")
        parts.append("<ol>" + "".join(items) + "</ol>")
    if page.credits:
        parts.append(f"<p>{escape(page.credits)}</p>")
    return "".join(parts)


def render_atom(
    listings: Sequence[ReviewListing],
    *,
    site_name: str,
    site_url: str,
    review_url: dict[str, str],
    now: datetime,
    self_url: str | None = None,
) -> bytes:
    """Render reviews as an Atom feed.

    Args:
        listings: The reviews, newest first.
        site_name: The feed's title.
        site_url: The site's root URL (``https://example.org/``), the feed's id.
        review_url: The canonical URL of each review, by slug.
        now: The feed's ``updated`` when there is no entry.
        self_url: The feed's own URL (default: ``feed.atom`` under ``site_url``).

    Returns:
        The UTF-8 XML document.
    """
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "title", site_name)
    _sub(feed, "id", site_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    _sub(
        feed,
        "link",
        rel="self",
        type="application/atom+xml",
        href=self_url or site_url + "feed.atom",
    )
    times = [r.published_at or r.created_at for r in listings]
    _sub(feed, "updated", max(times, default=now).isoformat())
    author = _sub(feed, "author")
    _sub(author, "name", site_name)
    for listing, updated in zip(listings, times, strict=True):
        entry = _sub(feed, "entry")
        url = review_url[listing.slug]
        _sub(entry, "id", url)
        _sub(entry, "title", listing.title)
        _sub(entry, "updated", updated.isoformat())
        if listing.published_at is not None:
            _sub(entry, "published", listing.published_at.isoformat())
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        review = listing.review
        _sub(_sub(entry, "author"), "name", review.author or site_name)
        _sub(entry, "summary", review.intro)
        _sub(entry, "content", _content_html(review), type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + document
