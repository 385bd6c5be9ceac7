"""Text made safe where values are born: no NUL, no lone surrogates, nothing XML forbids.

Every string that comes from outside (a feed, a sitemap, an OPML file, a JSONL record, a
page, a URL path) passes :func:`clean_text` before it becomes a field of a
:class:`~midweek.models.FeedEntry`, :class:`~midweek.models.Article` or
:class:`~midweek.models.Source`. What it removes breaks the layers after it: PostgreSQL
refuses NUL in text (``psycopg.DataError``), UTF-8 cannot encode a lone surrogate
(``UnicodeEncodeError`` in sqlite3, psycopg, JSON output), and an XML 1.0 document with
a C0 control character does not parse (our Atom feed, OPML export).
"""

from __future__ import annotations

import re
from dataclasses import replace

from midweek.models import Article

__all__ = ["clean_article", "clean_optional", "clean_text", "is_clean"]

# XML 1.0 section 2.2 "Char": tab, newline, carriage return, U+0020-U+D7FF,
# U+E000-U+FFFD, U+10000-U+10FFFF. Everything else (NUL and the other C0 controls, lone
# surrogates, U+FFFE/U+FFFF) is forbidden, and is exactly what the stores and encoders
# above refuse. Python strings hold a surrogate as one code point, so each one here is
# lone by construction (``json.loads`` joins a valid ``\ud83d\ude00`` pair itself).
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids; the rest is kept as it is.

    Args:
        value: untrusted text.

    Returns:
        The text with NUL, the other C0 controls except tab, newline and carriage
        return, lone surrogates and U+FFFE/U+FFFF removed.
    """
    return _FORBIDDEN.sub("", value)


def clean_optional(value: str | None) -> str | None:
    """:func:`clean_text` of ``value``, ``None`` kept; an empty result becomes ``None``.

    Args:
        value: untrusted text or ``None``.

    Returns:
        The cleaned text, or ``None`` when nothing is left.
    """
    if value is None:
        return None
    return clean_text(value) or None


def is_clean(value: str) -> bool:
    """Whether ``value`` holds none of the characters :func:`clean_text` removes.

    Args:
        value: any text.

    Returns:
        True when :func:`clean_text` would return it unchanged.
    """
    return _FORBIDDEN.search(value) is None


def clean_article(article: Article) -> Article:
    """``article`` with every text field through :func:`clean_text`.

    Args:
        article: an article built from untrusted values.

    Returns:
        The same article when every field is clean already, else a cleaned copy
        (authors left empty by the cleaning are dropped).
    """
    fields = (
        article.url,
        article.title,
        article.text,
        article.outlet,
        article.description,
        *article.authors,
        *(v for v in (article.guid, article.image, article.lang, article.script) if v),
    )
    if all(map(is_clean, fields)):
        return article
    return replace(
        article,
        url=clean_text(article.url),
        title=clean_text(article.title),
        text=clean_text(article.text),
        outlet=clean_text(article.outlet),
        description=clean_text(article.description),
        authors=tuple(a for a in map(clean_text, article.authors) if a),
        guid=clean_optional(article.guid),
        image=clean_optional(article.image),
        lang=clean_optional(article.lang),
        script=clean_optional(article.script),
    )
