"""Small value cleaners shared by the feed, sitemap and OPML readers.

Each takes untrusted text and returns a clean value or ``None``; none raises. Every text
they return has been through :func:`midweek.text.clean.clean_text` (no NUL, no lone
surrogate, nothing XML 1.0 forbids).
"""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from midweek.text.clean import clean_text

logger = logging.getLogger(__name__)

# Longest date string worth parsing: an RFC 822 date with a long zone name is ~40
# characters; anything far longer is not a date and is not fed to the parsers.
MAX_DATE_CHARS = 100
# Longest URL accepted: browsers and sitemaps.org both stop at 2,048 characters; 8 KiB
# leaves room for long tracking query strings while refusing absurd values.
MAX_URL_CHARS = 8192

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_ALLOWED_SCHEMES = frozenset({"http", "https"})


def html_to_text(value: str) -> str:
    """Plain text from an HTML fragment: tags dropped, entities decoded, spaces collapsed.

    Args:
        value: an HTML fragment (a title or summary from a feed).

    Returns:
        The text, stripped; ``""`` for empty input.
    """
    if not value:
        return ""
    # cleaned after unescaping too: "&#0;" or "&#xD800;" decode to what XML forbids
    text = html.unescape(_TAG.sub(" ", clean_text(value)))
    return _SPACE.sub(" ", clean_text(text)).strip()


def collapse_space(value: str) -> str:
    """``value`` cleaned, with runs of whitespace made single spaces and the ends stripped."""
    return _SPACE.sub(" ", clean_text(value)).strip()


def absolute_http_url(value: str | None, base: str = "") -> str | None:
    """Resolve ``value`` against ``base`` and keep it only if it is an http(s) URL.

    Args:
        value: a URL as written in a document (may be relative, padded, or junk).
        base: the URL of the document, for relative references.

    Returns:
        The absolute URL, or ``None`` when it is empty, too long, not http(s) or
        has no host (``javascript:``, ``file:``, ``mailto:`` all give ``None``).
    """
    if not value:
        return None
    value = clean_text(value).strip()
    if not value or len(value) > MAX_URL_CHARS:
        return None
    try:
        absolute = urljoin(base, value) if base else value
        parts = urlsplit(absolute)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.hostname:
        return None
    # Control characters make a URL ambiguous between parsers (and can smuggle header
    # lines); inner spaces are a common publisher slip, so they are percent-encoded.
    absolute = absolute.replace(" ", "%20")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in absolute):
        return None
    return absolute


def to_utc(moment: datetime) -> datetime | None:
    """``moment`` in UTC; a naive value is taken to be UTC already.

    Returns:
        A timezone-aware UTC datetime, or ``None`` when the conversion overflows.
    """
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_date(value: str | None) -> datetime | None:
    """Parse an ISO 8601 / W3C or RFC 822 date to an aware UTC datetime.

    Args:
        value: a date as written in a sitemap or JSON Feed.

    Returns:
        The moment in UTC, or ``None`` when the text is not a date this understands.
    """
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > MAX_DATE_CHARS:
        return None
    try:
        return to_utc(datetime.fromisoformat(value))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def struct_to_utc(value: object) -> datetime | None:
    """A UTC datetime from feedparser's ``*_parsed`` 9-tuple (already in UTC).

    Returns:
        The datetime, or ``None`` when the tuple is missing or out of range.
    """
    if not isinstance(value, tuple | list):  # time.struct_time is a tuple subclass
        return None
    try:
        fields: tuple[object, ...] = tuple(value)
        year, month, day, hour, minute, second = (int(str(part)) for part in fields[:6])
        # time.struct_time allows leap seconds (60, 61); datetime does not.
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
