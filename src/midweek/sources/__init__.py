"""Where articles come from: feeds, sitemaps, OPML lists, feed discovery, offline files.

Parsing only; fetching is :mod:`midweek.fetch`'s job. Every reader takes bytes and
returns values, raising :class:`midweek.errors.SourceError` only when nothing at all
can be read.
"""

from __future__ import annotations

from midweek.sources.discover import discover_feeds
from midweek.sources.feeds import parse_feed, sniff_kind
from midweek.sources.imports import iter_import
from midweek.sources.opml import parse_opml, write_opml
from midweek.sources.sitemaps import parse_sitemap
from midweek.sources.xmlsafety import MAX_FEED_BYTES

__all__ = [
    "MAX_FEED_BYTES",
    "discover_feeds",
    "iter_import",
    "parse_feed",
    "parse_opml",
    "parse_sitemap",
    "sniff_kind",
    "write_opml",
]
