"""What every request handler shares: the site's configuration, templates, cookies, language.

Handlers stay thin: read the request, call the store and the view models, render through
:func:`render_page`, and let :func:`finish` set the cookies with the right flags
(HttpOnly, SameSite=Lax, Secure when the request came over https).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Final
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from midweek.render.html import template_environment
from midweek.store.db import Store
from midweek.web.i18n import (
    LANGUAGES,
    count_text,
    format_rating,
    gettext,
    negotiate_language,
    normalize_language,
)
from midweek.web.pagecache import ReviewFrames, SummaryCache
from midweek.web.security import AbuseLimits, Reader, ReaderSigner, TokenBucket, network_of
from midweek.web.views import format_days, last_day, shown_rubric

logger = logging.getLogger(__name__)

__all__ = [
    "HTML",
    "LANG_COOKIE",
    "READER_COOKIE",
    "Site",
    "canonical_url",
    "choose_language",
    "client_network",
    "finish",
    "finish_shared",
    "get_site",
    "language_links",
    "reader_age_s",
    "reader_of",
    "render_html",
    "render_page",
    "revalidated",
]

READER_COOKIE: Final = "mw_reader"
LANG_COOKIE: Final = "mw_lang"
# The media type of every page.
HTML: Final = "text/html; charset=utf-8"
# 128 bits of BLAKE2b name a page version: a collision is out of reach.
ETAG_BYTES: Final = 16
# What a page's language depends on (choose_language): caches must key on both.
VARY: Final = "Cookie, Accept-Language"
# 400 days: the longest lifetime browsers keep a cookie (Chrome caps Max-Age there).
COOKIE_MAX_AGE_S: Final = 400 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Site:
    """One running site: its store, keys, names, clocks, limits, throttles and page caches.

    ``new_readers`` and ``network_throttle`` are keyed by the client's network
    (:func:`client_network`), ``reader_throttle`` by reader id; ``login_checks`` bounds
    the password checks running at once.
    """

    store: Store
    signer: ReaderSigner
    site_name: str
    base_url: str | None
    language: str
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    limits: AbuseLimits
    new_readers: TokenBucket
    reader_throttle: TokenBucket
    network_throttle: TokenBucket
    login_checks: threading.BoundedSemaphore
    review_frames: ReviewFrames
    summaries: SummaryCache


def get_site(request: Request) -> Site:
    """The :class:`Site` of the app serving ``request``."""
    site: Site = request.app.state.site
    return site


def canonical_url(request: Request, site: Site, path: str) -> str:
    """The absolute URL of ``path``: on the configured base URL, else on the request's.

    Args:
        request: The request.
        site: The site.
        path: An absolute path (``/reviews/x``), already percent-encoded.

    Returns:
        The URL.
    """
    base = site.base_url or str(request.base_url)
    return base.rstrip("/") + path


def choose_language(
    request: Request, site: Site, content_lang: str | None = None
) -> tuple[str, bool]:
    """The interface language: ``?lang=``, the cookie, Accept-Language, the content's, the site's.

    Returns:
        The language and whether ``?lang=`` chose it (so the cookie should be set).
    """
    asked = normalize_language(request.query_params.get("lang"))
    if asked:
        return asked, True
    remembered = normalize_language(request.cookies.get(LANG_COOKIE))
    if remembered:
        return remembered, False
    preferred = negotiate_language(request.headers.get("accept-language"))
    if preferred:
        return preferred, False
    return normalize_language(content_lang) or site.language, False


def client_network(request: Request) -> str:
    """The network of the request's client (its /24 or /64).

    The client is the socket's peer: uvicorn's proxy middleware rewrites it from
    ``X-Forwarded-For`` only when the peer is one of the configured ``trusted_proxies``.
    """
    return network_of(request.client.host if request.client else None)


def reader_of(request: Request, site: Site) -> tuple[str, str | None]:
    """The reader behind a request: from the signed cookie only, or a new one.

    A new reader is minted (born now) while the client's network has new-reader tokens
    left; past that the page gets a reader id that no cookie remembers, so reading works
    and voting does not. A cookie from before birth times keeps its id and is re-signed
    with a birth time of now.

    Returns:
        (reader id, cookie value to set when the reader is new, else None).
    """
    reader = site.signer.read_cookie(request.cookies.get(READER_COOKIE))
    if reader is not None:
        if reader.born is None:
            return reader.id, site.signer.cookie_for(reader.id, site.now())
        return reader.id, None
    if not site.new_readers.allow(client_network(request), site.monotonic()):
        logger.debug("new-reader limit reached for %s", client_network(request))
        return site.signer.new_id(), None
    return site.signer.new_cookie(site.now())


def reader_age_s(reader: Reader, now: datetime) -> float:
    """Seconds since a reader was minted (0 for a cookie without a birth time)."""
    return (now - reader.born).total_seconds() if reader.born is not None else 0.0


def _set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """Set a first-party cookie: HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def finish(
    response: Response,
    request: Request,
    *,
    lang: str | None = None,
    reader_cookie: str | None = None,
) -> Response:
    """Set the language and reader cookies a handler decided on.

    Args:
        response: The response.
        request: Its request.
        lang: The language to remember (from ``?lang=``), if any.
        reader_cookie: A new reader's cookie value, if any.

    Returns:
        The same response.
    """
    if lang is not None:
        _set_cookie(response, request, LANG_COOKIE, lang)
    if reader_cookie is not None:
        _set_cookie(response, request, READER_COOKIE, reader_cookie)
        response.headers["Cache-Control"] = "private, no-store"  # a cookie is never shared
    return response


def _etag(body: bytes) -> str:
    """A strong validator of a response body (a quoted hash)."""
    return '"' + hashlib.blake2b(body, digest_size=ETAG_BYTES).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def revalidated(
    request: Request, body: bytes, cache_control: str, media_type: str = HTML
) -> Response:
    """A 200 with an ETag, or a bodiless 304 when the client already holds this body.

    Only for responses that set no cookie: the ETag is computed from the very bytes sent,
    so a 304 can never stand in for different content.

    Args:
        request: The request (its If-None-Match).
        body: The response body.
        cache_control: Its Cache-Control (``private, no-cache`` for a reader's own page).
        media_type: Its media type.

    Returns:
        The response.
    """
    etag = _etag(body)
    # the page depends on the reader and language cookies and the browser's languages
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": VARY}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def finish_shared(response: Response, request: Request, *, lang: str | None = None) -> Response:
    """:func:`finish` for a page that is the same for every reader (home, story, archive, tag).

    Such a page holds no reader's token or vote, so when it sets no cookie it gets an ETag
    and may be answered 304 (``no-cache``: any cache may keep it but must ask first; it
    varies with the language cookie). When ``?lang=`` set the language, the cookie goes
    out on a normal 200.

    Args:
        response: The rendered page (status 200).
        request: Its request.
        lang: The language to remember (from ``?lang=``), if any.

    Returns:
        The response to send.
    """
    if lang is not None:
        return finish(response, request, lang=lang)
    return revalidated(request, bytes(response.body), "no-cache")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The site's templates (autoescape always on, so every third-party string is text)."""
    # templates are package data, fixed while the site runs: no stat() per render
    return template_environment("midweek.web", auto_reload=False)


def language_links(request: Request, path: str | None = None) -> tuple[tuple[str, str, str], ...]:
    """(code, name, href) for switching language on the current page, query kept.

    Args:
        request: The request.
        path: The page to switch on, when not the request's own (a form's answer links
            back to the page the form was on: its action may answer POST only).

    Returns:
        One link per language.
    """
    links = []
    for code, name in LANGUAGES.items():
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        links.append((code, name, f"{path or request.url.path}?{urlencode(params)}"))
    return tuple(links)


def render_html(site_name: str, template: str, lang: str, **context: object) -> str:
    """Render one of the site's templates in ``lang`` to a string.

    Args:
        site_name: The site's name (the header, titles).
        template: The template's file name.
        lang: The interface language.
        **context: The template's own values.

    Returns:
        The HTML.
    """
    return (
        _environment()
        .get_template(template)
        .render(
            t=partial(gettext, lang),
            rating_text=partial(format_rating, lang),
            result_count=partial(count_text, lang, "results"),
            article_count=partial(count_text, lang, "articles"),
            review_count=partial(count_text, lang, "reviews"),
            format_days=partial(format_days, lang),
            last_day=last_day,
            rubric_text=partial(shown_rubric, lang),
            lang=lang,
            site_name=site_name,
            **context,
        )
    )


def render_page(
    request: Request,
    site: Site,
    template: str,
    lang: str,
    *,
    status_code: int = 200,
    canonical: str | None = None,
    links_path: str | None = None,
    **context: object,
) -> HTMLResponse:
    """Render one of the site's templates in ``lang``.

    Args:
        request: The request.
        site: The site.
        template: The template's file name.
        lang: The interface language.
        status_code: The response status.
        canonical: The page's canonical URL, if it has one.
        links_path: Where the language links switch (default: the request's path).
        **context: The template's own values.

    Returns:
        The HTML response.
    """
    html = render_html(
        site.site_name,
        template,
        lang,
        canonical=canonical,
        language_links=language_links(request, links_path),
        feed_url=canonical_url(request, site, "/feed.atom"),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Vary": VARY})


async def read_form(request: Request, max_bytes: int, max_fields: int) -> dict[str, str] | None:
    """An urlencoded form body, blank fields kept; None for another type or too large a body.

    Args:
        request: The request.
        max_bytes: The largest body accepted.
        max_fields: The most fields accepted.

    Returns:
        Field name to value (the first value of a repeated field).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            return None
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=max_fields
        )
    except ValueError:
        return None
    return dict(reversed(pairs))
