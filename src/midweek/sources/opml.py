"""Read and write OPML subscription lists.

Reading goes through :mod:`midweek.sources.xmlsafety` (capped, screened, lxml without
entities or network). Writing builds the tree with lxml, so titles are always escaped,
and strips characters XML 1.0 forbids so the output always parses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml import etree

from midweek.errors import SourceError
from midweek.models import Source
from midweek.sources.normalize import absolute_http_url, collapse_space
from midweek.sources.xmlsafety import local_name, parse_xml_root, prepare_xml
from midweek.text.clean import clean_text

logger = logging.getLogger(__name__)

# OPML has no ``type`` for sitemaps or single pages; midweek writes these values so a
# list it exported reads back with the same kinds. Any other type (usually "rss") is a feed.
_KIND_BY_TYPE = {"sitemap": "sitemap", "page": "page"}


def parse_opml(data: bytes) -> list[Source]:
    """Every ``<outline>`` with an ``xmlUrl``, folders at any depth included.

    Args:
        data: the OPML document.

    Returns:
        One :class:`Source` per distinct http(s) ``xmlUrl``, in document order, titled
        by the outline's ``title`` (else ``text``); ``kind`` is ``"feed"`` unless the
        outline's ``type`` is midweek's ``"sitemap"`` or ``"page"``.

    Raises:
        SourceError: too large, refused (DTD subset, entities), or not OPML.
    """
    prepared = prepare_xml(data)
    root = parse_xml_root(prepared)
    if local_name(root).lower() != "opml":
        raise SourceError(f"not OPML: root element is {local_name(root) or 'missing'!r}")
    sources: list[Source] = []
    seen: set[str] = set()
    skipped = 0
    for element in root.iter():
        if local_name(element).lower() != "outline":
            continue
        # Attribute names vary in case between exporters (xmlUrl, xmlurl, XMLURL).
        attributes = {str(key).lower(): str(value) for key, value in element.attrib.items()}
        if "xmlurl" not in attributes:
            continue
        url = absolute_http_url(attributes["xmlurl"])
        if url is None:
            skipped += 1
            continue
        if url in seen:
            continue
        seen.add(url)
        title = collapse_space(attributes.get("title") or attributes.get("text") or "")
        kind = _KIND_BY_TYPE.get(attributes.get("type", "").strip().lower(), "feed")
        sources.append(Source(url=url, kind=kind, title=title))
    if skipped:
        logger.info("OPML: skipped %d outlines whose xmlUrl is not an http(s) URL", skipped)
    return sources


def _clean(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (lone surrogates included)."""
    return clean_text(value)


def write_opml(sources: Sequence[Source], title: str = "midweek sources") -> bytes:
    """An OPML 2.0 document listing ``sources``; :func:`parse_opml` reads it back.

    Args:
        sources: the sources, written in order as flat outlines.
        title: the document's ``<head><title>``.

    Returns:
        UTF-8 bytes with an XML declaration.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _clean(title)
    body = etree.SubElement(root, "body")
    for source in sources:
        name = collapse_space(_clean(source.title)) or _clean(source.url)
        outline_type = "rss" if source.kind == "feed" else source.kind
        etree.SubElement(
            body,
            "outline",
            type=_clean(outline_type),
            text=name,
            title=name,
            xmlUrl=_clean(source.url),
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
