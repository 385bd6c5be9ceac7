"""Find the feeds an HTML page declares with ``<link rel="alternate">``.

Only what the page declares is returned; guessing paths (``/feed``, ``/rss.xml``) is a
fetching decision left to the caller.
"""

from __future__ import annotations

import logging

from lxml import etree

from midweek.sources.normalize import absolute_http_url

logger = logging.getLogger(__name__)

# Feed declarations sit in <head>, which is near the top; 15 MiB (the feed cap) of a page
# is more than enough, and a larger page is read only that far rather than refused.
MAX_HTML_BYTES = 15 * 1024 * 1024

FEED_MEDIA_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rdf+xml",
    }
)
# WordPress declares its REST API as rel="alternate" type="application/json" on every
# page; those URLs are API records, not feeds.
_NOT_FEED_PATH_MARKERS = ("/wp-json/",)


def _html_parser() -> etree.HTMLParser:
    """An lxml HTML parser that reads no network and keeps no comments."""
    return etree.HTMLParser(
        no_network=True,
        recover=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """The feed URLs a page declares, absolute, de-duplicated, in page order.

    Args:
        html: the page bytes (only the first :data:`MAX_HTML_BYTES` are read).
        base_url: the page's URL; ``<base href>`` in the page takes precedence.

    Returns:
        Absolute http(s) URLs of ``<link rel="alternate">`` elements whose ``type`` is
        RSS, Atom, RDF or JSON Feed; ``[]`` when there are none or the page is unreadable.
    """
    html = html[:MAX_HTML_BYTES]
    if not html.strip():
        return []
    try:
        root = etree.fromstring(html, _html_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        logger.debug("feed discovery: unreadable page %s: %s", base_url, exc)
        return []
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        candidate = absolute_http_url(element.get("href"), base_url)
        if candidate:
            base = candidate
        break
    found: list[str] = []
    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        media = (element.get("type") or "").split(";", 1)[0].strip().lower()
        if "alternate" not in rel or media not in FEED_MEDIA_TYPES:
            continue
        url = absolute_http_url(element.get("href"), base)
        if url is None or url in found:
            continue
        if any(marker in url for marker in _NOT_FEED_PATH_MARKERS):
            continue
        found.append(url)
    return found
