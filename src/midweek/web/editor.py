"""The editor's desk under ``/editor/``: drafts and published reviews, edit, preview, publish.

Every route here depends on :func:`midweek.web.auth.require_editor` (set on the router, so
a new route cannot forget it); every POST checks the session's CSRF token and the
version of the body the form was built from. Handlers parse the form, call
:mod:`midweek.edit` (the pure edits) and :mod:`midweek.store.desk` (storing them) and
render; no script runs on any of these pages.

Wire into the app with::

    app.include_router(editor.router)
    app.add_exception_handler(LoginRequired, login_required)
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from midweek.check import check_review
from midweek.edit import (
    ReviewEdit,
    SectionEdit,
    apply_edit,
    delete_section,
    move_section,
    review_diff,
    section_text,
    tag_names,
)
from midweek.entities import KnowledgeBase, load_kb
from midweek.kinds import KINDS, SET_ASIDE_KINDS, article_kind
from midweek.models import Article, Review
from midweek.render.jsonout import review_from_dict
from midweek.store.desk import (
    DeskReview,
    EditConflictError,
    body_version,
    generated_body,
    get_desk_review,
    list_audit,
    list_desk_reviews,
    save_review_edit,
    set_article_kind,
    set_review_status,
)
from midweek.web import auth
from midweek.web.auth import Editor, check_editor_csrf, editor_page, require_editor
from midweek.web.runtime import get_site, read_form
from midweek.web.views import review_page

logger = logging.getLogger(__name__)

__all__ = ["router"]

# Every desk route depends on require_editor here, so a new one cannot forget the guard.
desk_routes = APIRouter(
    prefix="/editor", include_in_schema=False, dependencies=[Depends(require_editor)]
)

# A review of six sections of ~2 KB each is ~20 KB as a form; 512 KiB bounds a runaway.
MAX_EDIT_FORM_BYTES: Final = 512 * 1024
# Fields of the edit form: ~8 of its own plus 2 per section; 400 is 190 sections.
MAX_EDIT_FORM_FIELDS: Final = 400
# The query parameter the redirect after a save carries, so the page confirms it.
SAVED_PARAM: Final = "saved"
# Small forms (publish, unpublish, an article's kind): a token and a field or two.
MAX_SMALL_FORM_BYTES: Final = 4096
# Set-aside articles of the window listed under the sources: a busy week has a few dozen
# adverts and digests; past 50 the editor uses `midweek stories --explain`.
MAX_SET_ASIDE_LISTED: Final = 50
# Characters of an article's title or first line in the sources table.
SNIPPET_CHARS: Final = 120

EditorDep = Annotated[Editor, Depends(require_editor)]


@lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    """The bundled knowledge base (resolves new tag names), loaded once per process."""
    return load_kb()


def _review_url(review_id: int, suffix: str = "") -> str:
    """The desk path of a review."""
    return f"/editor/reviews/{review_id}{suffix}"


async def _checked_form(
    request: Request, editor: Editor, max_bytes: int, fields: int
) -> dict[str, str]:
    """The form of a desk POST, its CSRF token checked.

    Raises:
        HTTPException: 400 for an unreadable body, 403 for a bad token.
    """
    form = await read_form(request, max_bytes, fields)
    if form is None:
        raise HTTPException(status_code=400)
    if not check_editor_csrf(get_site(request), editor, form):
        raise HTTPException(status_code=403)
    return form


@desk_routes.get("/")
def desk(request: Request, editor: EditorDep) -> Response:
    """Every review, drafts and published, with its state and whether it was edited."""
    site = get_site(request)
    reviews = list_desk_reviews(site.store)
    return editor_page(request, "editor/desk.html", editor=editor, reviews=reviews)


def _load(request: Request, review_id: int) -> DeskReview:
    """The review, or 404."""
    found = get_desk_review(get_site(request).store, review_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


@desk_routes.get("/reviews/{review_id}")
def edit_page(request: Request, review_id: int, editor: EditorDep) -> Response:
    """The edit form of a draft (a published review shows its state and the unpublish form)."""
    review = _load(request, review_id)
    return _edit_form(request, editor, review, saved=request.query_params.get(SAVED_PARAM) == "1")


def _edit_form(
    request: Request,
    editor: Editor,
    review: DeskReview,
    *,
    status_code: int = 200,
    error: str = "",
    saved: bool = False,
) -> Response:
    """Render the edit page of ``review``."""
    typed = review.review
    sections = [{"heading": s.heading, "text": section_text(s)} for s in typed.sections]
    store = get_site(request).store
    cited = store.get_articles(
        {c.article_id for s in typed.sections for x in s.sentences for c in x.citations}
    )
    # the checker's findings, shown above the form so the editor sees them before publishing
    findings = check_review(typed, articles=cited).defects
    set_aside = store.articles_of_kinds(
        typed.window_start,
        typed.window_end,
        SET_ASIDE_KINDS,
        limit=MAX_SET_ASIDE_LISTED,
        exclude=cited,
    )
    return editor_page(
        request,
        "editor/edit.html",
        status_code=status_code,
        editor=editor,
        review=review,
        version=body_version(review.body),
        fields={
            "title": typed.title,
            "rubric": typed.rubric,
            "intro": typed.intro,
            "teasers": "\n".join(typed.teasers),
            "tags": ", ".join(tag_names(typed.tags)),
        },
        sections=sections,
        findings=findings,
        sources=[_source_row(a) for a in sorted(cited.values(), key=lambda a: a.id or 0)],
        set_aside=[_source_row(a) for a in set_aside],
        kinds=KINDS,
        error=error,
        saved=saved,
    )


def _source_row(article: Article) -> dict[str, object]:
    """An article as the desk's sources table shows it."""
    first = " ".join((article.title or article.text).split())
    return {
        "id": article.id,
        "outlet": article.outlet or "",
        "url": article.url,
        "snippet": first[:SNIPPET_CHARS] + ("…" if len(first) > SNIPPET_CHARS else ""),
        "kind": article_kind(article),
    }


def edit_from_form(form: dict[str, str], section_count: int) -> ReviewEdit:
    """The edit a form asks for (missing fields read as empty).

    Args:
        form: The form fields.
        section_count: How many sections the stored review has.

    Returns:
        The edit.
    """
    return ReviewEdit(
        title=form.get("title", ""),
        rubric=form.get("rubric", ""),
        intro=form.get("intro", ""),
        teasers=tuple(form.get("teasers", "").splitlines()),
        tags=tuple(form.get("tags", "").split(",")),
        sections=tuple(
            SectionEdit(form.get(f"heading-{i}", ""), form.get(f"text-{i}", ""))
            for i in range(section_count)
        ),
    )


def _operation(review: Review, op: str) -> tuple[Review, str]:
    """Apply the section operation a button named (``up-2``, ``down-0``, ``delete-1``).

    Returns:
        The new review and the audit log's name of the action.

    Raises:
        ValueError: an unknown operation or section.
    """
    if op == "save":
        return review, "edit"
    verb, _, index = op.partition("-")
    if not index.isascii() or not index.isdigit():
        raise ValueError(f"unknown operation {op!r}")
    if verb in ("up", "down"):
        moved = move_section(review, int(index), -1 if verb == "up" else 1)
        return moved, f"move_section_{verb}"
    if verb == "delete":
        return delete_section(review, int(index)), "delete_section"
    raise ValueError(f"unknown operation {op!r}")


@desk_routes.post("/reviews/{review_id}")
async def save_edit(request: Request, review_id: int, editor: EditorDep) -> Response:
    """Save the form, then move or delete a section if that button was pressed."""
    site = get_site(request)
    form = await _checked_form(request, editor, MAX_EDIT_FORM_BYTES, MAX_EDIT_FORM_FIELDS)
    review = await run_in_threadpool(_load, request, review_id)
    try:
        stored = review.review
        edit = edit_from_form(form, len(stored.sections))
        kb = await run_in_threadpool(_kb) if edit.tags else None
        edited, action = _operation(apply_edit(stored, edit, kb), form.get("op", "save"))
        await run_in_threadpool(
            lambda: save_review_edit(
                site.store,
                review_id,
                edited,
                expected_version=form.get("version", ""),
                user_name=editor.user.name,
                action=action,
                now=site.now(),
            )
        )
    except (ValueError, EditConflictError) as exc:
        return _edit_form(request, editor, review, status_code=409, error=str(exc))
    # the edit page says "Saved." once, after this redirect (post/redirect/get)
    return RedirectResponse(_review_url(review_id, f"?{SAVED_PARAM}=1"), status_code=303)


@desk_routes.post("/reviews/{review_id}/kind")
async def change_kind(request: Request, review_id: int, editor: EditorDep) -> Response:
    """Set what an article is (news, advert, digest, service, opinion), logged on the review.

    Its story and the review change when the review is next built (``midweek review``),
    and the checker flags the review's sentences that cite an article set aside.
    """
    site = get_site(request)
    form = await _checked_form(request, editor, MAX_SMALL_FORM_BYTES, 8)
    review = await run_in_threadpool(_load, request, review_id)
    try:
        article_id = int(form.get("article", ""))
        await run_in_threadpool(
            lambda: set_article_kind(
                site.store,
                review_id,
                article_id,
                form.get("kind", ""),
                user_name=editor.user.name,
                now=site.now(),
            )
        )
    except (ValueError, EditConflictError) as exc:
        return _edit_form(request, editor, review, status_code=409, error=str(exc))
    return RedirectResponse(_review_url(review_id, f"?{SAVED_PARAM}=1#sources"), status_code=303)


async def _set_status(request: Request, review_id: int, editor: Editor, status: str) -> Response:
    """Publish or unpublish, then back to the review's desk page."""
    site = get_site(request)
    await _checked_form(request, editor, MAX_SMALL_FORM_BYTES, 8)
    try:
        await run_in_threadpool(
            lambda: set_review_status(
                site.store, review_id, status, user_name=editor.user.name, now=site.now()
            )
        )
    except EditConflictError:
        raise HTTPException(status_code=404) from None
    return RedirectResponse(_review_url(review_id), status_code=303)


@desk_routes.post("/reviews/{review_id}/publish")
async def publish(request: Request, review_id: int, editor: EditorDep) -> Response:
    """Publish the review: readers see it as published; it can no longer be rebuilt."""
    return await _set_status(request, review_id, editor, "published")


@desk_routes.post("/reviews/{review_id}/unpublish")
async def unpublish(request: Request, review_id: int, editor: EditorDep) -> Response:
    """Return the review to draft, so it can be edited again."""
    return await _set_status(request, review_id, editor, "draft")


@desk_routes.get("/reviews/{review_id}/preview")
def preview(request: Request, review_id: int, editor: EditorDep) -> Response:
    """The review as readers will see it (without the rating and share forms)."""
    review = _load(request, review_id)
    return editor_page(
        request,
        "editor/preview.html",
        editor=editor,
        review=review,
        page=review_page(review.review),
    )


@desk_routes.get("/reviews/{review_id}/history")
def history(request: Request, review_id: int, editor: EditorDep) -> Response:
    """The audit log of a review and the diff between its generated and current text."""
    site = get_site(request)
    review = _load(request, review_id)
    generated = generated_body(site.store, review_id)
    entries = [
        (entry, json.dumps(entry.changes, ensure_ascii=False, indent=2))
        for entry in list_audit(site.store, review_id)
    ]
    diff = ""
    if generated is not None:
        diff = review_diff(review_from_dict(generated), review.review)
    return editor_page(
        request,
        "editor/history.html",
        editor=editor,
        review=review,
        entries=entries,
        diff_lines=diff.splitlines(),
        edited=generated is not None,
    )


# What the app includes: the login and logout routes (auth) and the guarded desk.
router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(desk_routes)
