"""Every path and query parameter made safe before any view (and so the store) sees it.

One ASGI middleware, not a check per route: a NUL in a URL (``/reviews/%00``) reached
``store.get_review`` and PostgreSQL answered ``text fields cannot contain NUL`` with a
500, where SQLite said 404 (issue 11). Here, in the decoded path, each character XML 1.0
forbids (NUL, the other C0 controls, lone surrogates) becomes U+FFFD, so the route still
matches and answers as for any unknown slug or key (404) on either backend, and a
``/reviews/x%00y`` can never alias the review ``xy``. In the query string such
characters are removed, as the search box always did (``?q=x%00y`` searches ``xy``).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from midweek.text.clean import clean_text, is_clean

logger = logging.getLogger(__name__)

__all__ = ["CleanInputMiddleware", "clean_path", "clean_query_string"]

# What a forbidden character of a path becomes: the replacement character, which every
# backend stores and no slug or story key holds.
PATH_REPLACEMENT = "\ufffd"


def clean_path(path: str) -> str:
    """``path`` with each character XML 1.0 forbids replaced by U+FFFD.

    Args:
        path: the percent-decoded request path.

    Returns:
        The path, unchanged when it was clean.
    """
    if is_clean(path):
        return path
    return "".join(c if is_clean(c) else PATH_REPLACEMENT for c in path)


def clean_query_string(raw: bytes) -> bytes:
    """A query string whose decoded names and values hold nothing XML 1.0 forbids.

    Args:
        raw: the query string as sent (percent-encoded bytes).

    Returns:
        ``raw`` itself when every name and value is clean, else the re-encoded query
        with those characters removed (blank values kept).
    """
    if not raw:
        return raw
    # decoded as Starlette decodes it (QueryParams): latin-1 bytes, UTF-8 escapes
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    if all(is_clean(name) and is_clean(value) for name, value in pairs):
        return raw
    cleaned = [(clean_text(name), clean_text(value)) for name, value in pairs]
    return urlencode(cleaned).encode("ascii")


class CleanInputMiddleware:
    """Rewrites each HTTP request's path and query string with :func:`clean_path` and
    :func:`clean_query_string` before routing."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Clean the request's parameters, then call the wrapped app."""
        if scope["type"] == "http":
            path = str(scope.get("path", ""))
            query = bytes(scope.get("query_string", b""))
            safe_path, safe_query = clean_path(path), clean_query_string(query)
            if safe_path is not path or safe_query is not query:
                logger.debug("request parameters cleaned: %r", path)
                scope = {**scope, "path": safe_path, "query_string": safe_query}
        await self.app(scope, receive, send)
