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

from midweek import __version__
from midweek.store.db import Store
from midweek.web import api, editor, routes, tags
from midweek.web.auth import LoginRequired, login_required
from midweek.web.i18n import DEFAULT_LANGUAGE, gettext, normalize_language
from midweek.web.pagecache import ReviewFrames, SummaryCache
from midweek.web.runtime import Site, choose_language, get_site, render_html, render_page
from midweek.web.security import ReaderSigner, SecurityHeadersMiddleware, TokenBucket

logger = logging.getLogger(__name__)

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
# A reader may change their mind a few times in a row, then one vote per 10 s.
READER_BURST: Final = 5.0
READER_REFILL_S: Final = 10.0
# One address can be a newsroom or a mobile carrier's NAT: room for many readers.
ADDRESS_BURST: Final = 60.0
ADDRESS_REFILL_S: Final = 1.0
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
) -> FastAPI:
    """Build the site.

    Args:
        store: An open, migrated store.
        secret_key: Signs reader cookies and form tokens (at least 32 characters).
        site_name: Shown in the header, the feed and Open Graph tags.
        base_url: The public root (``https://news.example/``) for canonical and share
            URLs; when None, the request's own host is used.
        language: Interface language when neither the reader nor the page chooses one.
        now: The clock for rating times.

    Returns:
        The ASGI application.

    Raises:
        ConfigError: the secret key is too short.
    """
    site = Site(
        store=store,
        signer=ReaderSigner(secret_key),
        site_name=site_name,
        base_url=base_url.rstrip("/") + "/" if base_url else None,
        language=normalize_language(language) or DEFAULT_LANGUAGE,
        now=now,
        monotonic=time.monotonic,
        reader_throttle=TokenBucket(READER_BURST, READER_REFILL_S, THROTTLE_MAX_KEYS),
        address_throttle=TokenBucket(ADDRESS_BURST, ADDRESS_REFILL_S, THROTTLE_MAX_KEYS),
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
