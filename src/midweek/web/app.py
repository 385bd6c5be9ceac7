"""The site's application factory: reader pages, the JSON API, static files, hardening.

Server-rendered pages that work without JavaScript; one strict Content-Security-Policy
on every response (our own files only: one small script that lets a reader vote without
leaving the page, the stylesheet; nothing inline, never framed); the OpenAPI
schema at ``/api/openapi.json``, an index at ``/api/`` and the schema rendered as a plain
page at ``/api/docs`` (FastAPI's Swagger UI and ReDoc pages are off: they load scripts
from a CDN and run inline script, which the policy forbids).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from midweek import __version__
from midweek.store.db import Store
from midweek.web import api, editor, routes, tags
from midweek.web.auth import LoginRequired, login_required
from midweek.web.i18n import DEFAULT_LANGUAGE, gettext, normalize_language
from midweek.web.inputs import CleanInputMiddleware
from midweek.web.pagecache import ReviewFrames, SummaryCache
from midweek.web.runtime import Site, choose_language, get_site, render_html, render_page
from midweek.web.security import (
    AbuseLimits,
    ReaderSigner,
    SecurityHeadersMiddleware,
    TokenBucket,
    parse_trusted_proxies,
)

logger = logging.getLogger(__name__)

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
# Keys each throttle remembers (~100 bytes each, so a few MB at most).
THROTTLE_MAX_KEYS: Final = 100_000


def _utc_now() -> datetime:
    """The wall clock in UTC (the web app is an IO edge: it reads the clock for stages)."""
    return datetime.now(UTC)


def create_app(
    store: Store,
    *,
    secret_key: str,
    site_name: str = "midweek",
    base_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    now: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    limits: AbuseLimits | None = None,
    trusted_proxies: tuple[str, ...] = (),
) -> FastAPI:
    """Build the site.

    Args:
        store: An open, migrated store.
        secret_key: Signs reader cookies and form tokens (at least 32 characters).
        site_name: Shown in the header, the feed and Open Graph tags.
        base_url: The public root (``https://news.example/``) for canonical and share
            URLs; when None, the request's own host is used.
        language: Interface language when neither the reader nor the page chooses one.
        now: The wall clock (rating times, reader ages, login back-off).
        monotonic: The clock of the throttles and page caches.
        limits: Reader, vote and login limits (default :class:`AbuseLimits`).
        trusted_proxies: Addresses or networks of reverse proxies whose
            ``X-Forwarded-For``/``-Proto`` are believed (right-most untrusted address of
            the chain, uvicorn's ``ProxyHeadersMiddleware``); empty: no header is.

    Returns:
        The ASGI application.

    Raises:
        ConfigError: the secret key is too short, or a trusted proxy is not an address.
    """
    rules = limits or AbuseLimits()
    proxies = parse_trusted_proxies(trusted_proxies)
    site = Site(
        store=store,
        signer=ReaderSigner(secret_key),
        site_name=site_name,
        base_url=base_url.rstrip("/") + "/" if base_url else None,
        language=normalize_language(language) or DEFAULT_LANGUAGE,
        now=now,
        monotonic=monotonic,
        limits=rules,
        new_readers=TokenBucket(
            rules.new_readers_burst, rules.new_readers_refill_s, THROTTLE_MAX_KEYS
        ),
        reader_throttle=TokenBucket(
            rules.reader_votes_burst, rules.reader_votes_refill_s, THROTTLE_MAX_KEYS
        ),
        network_throttle=TokenBucket(
            rules.network_votes_burst, rules.network_votes_refill_s, THROTTLE_MAX_KEYS
        ),
        login_checks=threading.BoundedSemaphore(rules.login_concurrent_checks),
        review_frames=ReviewFrames(render_html, site_name),
        summaries=SummaryCache(),
    )
    app = FastAPI(
        title=f"{site_name} API",
        version=__version__,
        description="Read-only access to reviews, stories and articles.",
        docs_url=None,
        redoc_url=None,
        openapi_url=api.OPENAPI_PATH,
    )
    app.state.site = site
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CleanInputMiddleware)  # before routing: no NUL reaches the store
    if proxies:  # outermost: every handler and throttle sees the rewritten client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(proxies))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(routes.router)
    app.include_router(tags.router)
    app.include_router(editor.router)  # /editor/: login, desk, edits, publishing
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Errors as JSON under /api/, as a small page in the reader's language elsewhere."""
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    site = get_site(request)
    lang, _ = choose_language(request, site)
    key = "not_found" if exc.status_code == 404 else "bad_request"
    return render_page(
        request,
        site,
        "message.html",
        lang,
        status_code=exc.status_code,
        message=gettext(lang, key),
    )
