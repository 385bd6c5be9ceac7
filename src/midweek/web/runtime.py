"""What every request handler shares: the site's configuration, templates, cookies, language.

Handlers stay thin: read the request, call the store and the view models, render through
:func:`render_page`, and let :func:`finish` set the cookies with the right flags
(HttpOnly, SameSite=Lax, Secure when the request came over https).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from midweek.store.db import Store
from midweek.web.i18n import LANGUAGES, format_rating, gettext, normalize_language
from midweek.web.security import ReaderSigner, TokenBucket

logger = logging.getLogger(__name__)

__all__ = [
    "LANG_COOKIE",
    "READER_COOKIE",
    "Site",
    "canonical_url",
    "choose_language",
    "finish",
    "get_site",
    "reader_of",
    "render_page",
]

READER_COOKIE: Final = "mw_reader"
LANG_COOKIE: Final = "mw_lang"
# 400 days: the longest lifetime browsers keep a cookie (Chrome caps Max-Age there).
COOKIE_MAX_AGE_S: Final = 400 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Site:
    """One running site: its store, keys, names, clocks and vote throttles."""

    store: Store
    signer: ReaderSigner
    site_name: str
    base_url: str | None
    language: str
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    reader_throttle: TokenBucket
    address_throttle: TokenBucket


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
    """The interface language: ``?lang=``, else the cookie, else the content's, else the site's.

    Returns:
        The language and whether ``?lang=`` chose it (so the cookie should be set).
    """
    asked = normalize_language(request.query_params.get("lang"))
    if asked:
        return asked, True
    remembered = normalize_language(request.cookies.get(LANG_COOKIE))
    if remembered:
        return remembered, False
    return normalize_language(content_lang) or site.language, False


def reader_of(request: Request, site: Site) -> tuple[str, str | None]:
    """The reader behind a request: from the signed cookie only, or a new one.

    Returns:
        (reader id, cookie value to set when the reader is new, else None).
    """
    reader_id = site.signer.reader_from_cookie(request.cookies.get(READER_COOKIE))
    if reader_id is not None:
        return reader_id, None
    return site.signer.new_cookie()


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


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The templates: autoescape always on, so every third-party string is text."""
    return Environment(
        loader=PackageLoader("midweek.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _language_links(request: Request) -> list[tuple[str, str, str]]:
    """(code, name, href) for switching language on the current page, query kept."""
    links = []
    for code, name in LANGUAGES.items():
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        links.append((code, name, f"{request.url.path}?{urlencode(params)}"))
    return links


def render_page(
    request: Request,
    site: Site,
    template: str,
    lang: str,
    *,
    status_code: int = 200,
    canonical: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render one of the site's templates in ``lang``.

    Args:
        request: The request.
        site: The site.
        template: The template's file name.
        lang: The interface language.
        status_code: The response status.
        canonical: The page's canonical URL, if it has one.
        **context: The template's own values.

    Returns:
        The HTML response.
    """
    html = (
        _environment()
        .get_template(template)
        .render(
            t=partial(gettext, lang),
            rating_text=partial(format_rating, lang),
            lang=lang,
            site_name=site.site_name,
            canonical=canonical,
            language_links=_language_links(request),
            feed_url=canonical_url(request, site, "/feed.atom"),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


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
