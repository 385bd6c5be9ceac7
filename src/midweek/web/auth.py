"""Editors' logins: the session cookie, the login and logout forms, the guard of /editor/.

The session cookie (``mw_editor``) is HttpOnly, SameSite=Strict, Secure over https and
scoped to ``/editor``, so reader pages never receive it; its value is a random id whose
hash the store keeps, and a new id is issued at every login (no session fixation). Every
editor form carries a CSRF token: an HMAC of the session id under the site's CSRF key
(the login form's is bound to the reader cookie, the only thing a visitor has yet).
:func:`require_editor` guards every route under ``/editor/``: an anonymous GET is
redirected to the login page, anything else is refused with 403.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from midweek.store.editor_schema import USER_NAME_LENGTH
from midweek.store.users import (
    MAX_PASSWORD_LENGTH,
    User,
    authenticate,
    create_session,
    delete_session,
    session_user,
)
from midweek.web.i18n import gettext
from midweek.web.runtime import (
    READER_COOKIE,
    Site,
    choose_language,
    client_network,
    finish,
    get_site,
    read_form,
    reader_of,
    render_page,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EDITOR_COOKIE",
    "LOGIN_PATH",
    "Editor",
    "LoginRequired",
    "check_editor_csrf",
    "editor_page",
    "login_required",
    "require_editor",
    "router",
]

EDITOR_COOKIE: Final = "mw_editor"
EDITOR_PATH: Final = "/editor"
LOGIN_PATH: Final = "/editor/login"
# A login form is three short fields; 4 KiB is plenty and caps what argon2 ever sees.
MAX_LOGIN_FORM_BYTES: Final = 4096

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Editor:
    """The logged-in editor of a request: the user, the session id, the forms' token."""

    user: User
    session: str
    csrf: str


class LoginRequired(Exception):  # noqa: N818 (a signal to the handler, not an error)
    """Raised by :func:`require_editor`; :func:`login_required` turns it into a response."""

    def __init__(self, method: str) -> None:
        """Remember the request's method (GET is redirected, the rest refused)."""
        super().__init__(method)
        self.method = method


def _editor_scope(session: str) -> str:
    """What a session's form tokens sign (own prefix: a reader id is bare hex)."""
    return f"editor:{session}"


def _login_scope(reader_id: str) -> str:
    """What the login form's token signs: the visitor's reader id, prefixed."""
    return f"login:{reader_id}"


def check_editor_csrf(site: Site, editor: Editor, form: dict[str, str]) -> bool:
    """Whether a desk form carries its session's token (constant-time)."""
    return site.signer.check_csrf(_editor_scope(editor.session), form.get("csrf"))


def require_editor(request: Request) -> Editor:
    """The editor behind a request (FastAPI dependency of every ``/editor/`` route).

    Args:
        request: The request.

    Returns:
        The editor.

    Raises:
        LoginRequired: no live session.
    """
    site = get_site(request)
    token = request.cookies.get(EDITOR_COOKIE)
    user = session_user(site.store, token, now=site.now())
    if user is None or token is None:
        raise LoginRequired(request.method)
    return Editor(user, token, site.signer.csrf_token(_editor_scope(token)))


async def login_required(request: Request, exc: Exception) -> Response:
    """The answer to an anonymous request: GET/HEAD go to the login page, the rest get 403."""
    method = exc.method if isinstance(exc, LoginRequired) else request.method
    if method in ("GET", "HEAD"):
        return RedirectResponse(LOGIN_PATH, status_code=303)
    site = get_site(request)
    lang, _ = choose_language(request, site)
    response = render_page(
        request, site, "message.html", lang, status_code=403, message=gettext(lang, "forbidden")
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def editor_page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> Response:
    """Render a desk page: never cached, never indexed.

    Args:
        request: The request.
        template: The template, under ``editor/``.
        status_code: The status.
        **context: The template's values.

    Returns:
        The response.
    """
    site = get_site(request)
    lang, _ = choose_language(request, site)
    response = render_page(request, site, template, lang, status_code=status_code, **context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over https, /editor only."""
    response.set_cookie(
        EDITOR_COOKIE,
        token,
        path=EDITOR_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _login_form(
    request: Request, site: Site, reader_id: str, *, status_code: int = 200, error: str = ""
) -> Response:
    """The login page with its token and, after a failure, what went wrong."""
    return editor_page(
        request,
        "editor/login.html",
        status_code=status_code,
        csrf=site.signer.csrf_token(_login_scope(reader_id)),
        error=error,
        name_length=USER_NAME_LENGTH,
        password_length=MAX_PASSWORD_LENGTH,
    )


@router.get(LOGIN_PATH)
def login_page(request: Request) -> Response:
    """The login form (it sets the reader cookie its token is bound to)."""
    site = get_site(request)
    reader_id, new_cookie = reader_of(request, site)
    return finish(_login_form(request, site, reader_id), request, reader_cookie=new_cookie)


@router.post(LOGIN_PATH)
async def login(request: Request) -> Response:
    """Check the name and password; on success a new session and a 303 to the desk."""
    site = get_site(request)
    lang, _ = choose_language(request, site)
    reader_id = site.signer.reader_from_cookie(request.cookies.get(READER_COOKIE))
    form = await read_form(request, MAX_LOGIN_FORM_BYTES, 8)
    if reader_id is None or form is None:
        raise HTTPException(status_code=403 if reader_id is None else 400)
    if not site.signer.check_csrf(_login_scope(reader_id), form.get("csrf")):
        raise HTTPException(status_code=403)
    network = client_network(request)
    result = await run_in_threadpool(
        lambda: authenticate(
            site.store,
            form.get("name", ""),
            form.get("password", ""),
            network=network,
            now=site.now(),
            policy=site.limits.login,
            checks=site.login_checks,
        )
    )
    if result.locked:  # the back-off of this (name, network), or no free check slot
        response = _login_form(
            request, site, reader_id, status_code=429, error=gettext(lang, "login_locked")
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(result.retry_after_s)))
        return response
    if result.user is None:
        return _login_form(
            request, site, reader_id, status_code=401, error=gettext(lang, "login_failed")
        )
    user_id = result.user.id
    token = await run_in_threadpool(
        lambda: create_session(
            site.store, user_id, now=site.now(), replaces=request.cookies.get(EDITOR_COOKIE)
        )
    )
    logger.info("editor %s logged in", result.user.name)
    response = RedirectResponse(EDITOR_PATH + "/", status_code=303)
    _set_session_cookie(response, request, token)
    return response


@router.post(EDITOR_PATH + "/logout")
async def logout(request: Request) -> Response:
    """End the session (CSRF-checked) and go to the login page."""
    site = get_site(request)
    editor = await run_in_threadpool(require_editor, request)
    form = await read_form(request, MAX_LOGIN_FORM_BYTES, 8)
    if form is None or not check_editor_csrf(site, editor, form):
        raise HTTPException(status_code=403)
    await run_in_threadpool(delete_session, site.store, editor.session)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(EDITOR_COOKIE, path=EDITOR_PATH, httponly=True, samesite="strict")
    return response
