"""The reviews on the editor's desk: listing, the generated body, edits stored, publication,
and the audit log.

:func:`save_review_edit` stores a :class:`~midweek.models.Review` that a pure edit of
:mod:`midweek.edit` returned, in a transaction that checks the body has not changed since
the editor loaded it (:func:`body_version`), keeps the generated body at the first edit,
and appends the audit entry (:func:`changed_fields`). Only drafts are edited: a published
review is unpublished first. Accounts and sessions are :mod:`midweek.store.users`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypedDict

from sqlalchemy import Connection, select, update

from midweek.errors import StoreError
from midweek.kinds import KINDS, SET_ASIDE_KINDS
from midweek.models import Review
from midweek.render.jsonout import review_to_dict
from midweek.store import schema
from midweek.store.db import Store, StoredReview
from midweek.store.editor_schema import review_audit, reviews_generated
from midweek.store.stories_schema import article_clusters, cluster_pending

logger = logging.getLogger(__name__)

__all__ = [
    "EDITABLE_FIELDS",
    "AuditEntry",
    "DeskReview",
    "EditConflictError",
    "FieldChange",
    "body_version",
    "changed_fields",
    "generated_body",
    "get_desk_review",
    "list_audit",
    "list_desk_reviews",
    "save_review_edit",
    "set_review_status",
]

_STATUSES: Final = ("draft", "published")
# The fields an edit may change, in the order the audit log and the diff show them.
EDITABLE_FIELDS: Final = ("title", "rubric", "intro", "teasers", "tags", "sections")


class EditConflictError(StoreError):
    """The review changed since the editor loaded it, or its state forbids the edit."""


class FieldChange(TypedDict):
    """One field of the audit log: its JSON value before and after."""

    before: object
    after: object


@dataclass(frozen=True, slots=True)
class DeskReview(StoredReview):
    """A review as the desk shows it; ``edited`` once an editor has changed it."""

    edited: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action on a review: who, when, what, and the changed fields before and after."""

    id: int
    review_id: int
    user_name: str
    at: datetime
    action: str
    changes: dict[str, object]


def list_desk_reviews(store: Store) -> list[DeskReview]:
    """Every review, drafts and published, newest window first."""
    r = schema.reviews
    with store.engine.connect() as conn:
        edited = set(conn.scalars(select(reviews_generated.c.review_id)))
        rows = conn.execute(select(r).order_by(r.c.window_end.desc(), r.c.id.desc())).all()
    return [DeskReview.from_row(row, edited=int(row.id) in edited) for row in rows]


def get_desk_review(store: Store, review_id: int) -> DeskReview | None:
    """One review by id, or None."""
    r = schema.reviews
    with store.engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None:
            return None
        edited = conn.scalar(
            select(reviews_generated.c.review_id).where(reviews_generated.c.review_id == review_id)
        )
    return DeskReview.from_row(row, edited=edited is not None)


def generated_body(store: Store, review_id: int) -> dict[str, object] | None:
    """The body as generated, kept at the first edit; None when never edited."""
    stmt = select(reviews_generated.c.body).where(reviews_generated.c.review_id == review_id)
    with store.engine.connect() as conn:
        body = conn.scalar(stmt)
    return dict(body) if body is not None else None


def list_audit(store: Store, review_id: int) -> list[AuditEntry]:
    """The audit log of a review, newest first."""
    a = review_audit
    stmt = select(a).where(a.c.review_id == review_id).order_by(a.c.at.desc(), a.c.id.desc())
    with store.engine.connect() as conn:
        return [
            AuditEntry(
                int(r.id), int(r.review_id), r.user_name, r.at, r.action, dict(r.changes or {})
            )
            for r in conn.execute(stmt)
        ]


def body_version(body: Mapping[str, object]) -> str:
    """A short fingerprint of a body: forms carry it so a stale form cannot overwrite."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _audit(
    conn: Connection,
    review_id: int,
    user_name: str,
    action: str,
    changes: Mapping[str, object],
    now: datetime,
) -> None:
    """Append one audit entry."""
    conn.execute(
        review_audit.insert().values(
            review_id=review_id, user_name=user_name, at=now, action=action, changes=changes
        )
    )


def save_review_edit(
    store: Store,
    review_id: int,
    review: Review,
    *,
    expected_version: str,
    user_name: str,
    action: str,
    now: datetime,
) -> dict[str, FieldChange]:
    """Store an edited body of a draft, keep the generated one, log what changed.

    Args:
        store: The store.
        review_id: The review.
        review: The edited review (from :func:`apply_edit`, :func:`move_section`, ...),
            stored as :func:`~midweek.render.jsonout.review_to_dict` writes it.
        expected_version: :func:`body_version` of the body the editor started from.
        user_name: Who edits.
        action: What the audit log calls it (``edit``, ``move_section``, ...).
        now: The time of the edit.

    Returns:
        The changed fields (before/after), empty when nothing changed.

    Raises:
        EditConflictError: no such review, it is published, or it changed meanwhile.
    """
    body = review_to_dict(review)
    r = schema.reviews
    with store.write() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None:
            raise EditConflictError(f"no review {review_id}")
        if row.status == "published":
            raise EditConflictError("the review is published: unpublish it to edit")
        before = dict(row.body or {})
        if body_version(before) != expected_version:
            raise EditConflictError("the review changed since the form was loaded")
        changes = changed_fields(before, body)
        if not changes:
            return changes
        stmt = (
            store.insert_for(reviews_generated)
            .values(review_id=review_id, body=before, saved_at=now)
            .on_conflict_do_nothing()
        )
        conn.execute(stmt)
        conn.execute(update(r).where(r.c.id == review_id).values(body=body, title=review.title))
        _audit(conn, review_id, user_name, action, changes, now)
    return changes


def set_review_status(
    store: Store, review_id: int, status: str, *, user_name: str, now: datetime
) -> bool:
    """Publish or unpublish a review (the row's status and the body's agree).

    Args:
        store: The store.
        review_id: The review.
        status: ``published`` or ``draft``.
        user_name: Who does it.
        now: The time (the publication time when publishing).

    Returns:
        Whether the status changed.

    Raises:
        ValueError: an unknown status.
        EditConflictError: no such review.
    """
    if status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    r = schema.reviews
    with store.write() as conn:
        row = conn.execute(select(r.c.status, r.c.body).where(r.c.id == review_id)).first()
        if row is None:
            raise EditConflictError(f"no review {review_id}")
        if row.status == status:
            return False
        body = {**dict(row.body or {}), "status": status}
        conn.execute(
            update(r)
            .where(r.c.id == review_id)
            .values(
                status=status,
                body=body,
                published_at=now if status == "published" else None,
            )
        )
        action = "publish" if status == "published" else "unpublish"
        _audit(
            conn,
            review_id,
            user_name,
            action,
            {"status": {"before": row.status, "after": status}},
            now,
        )
    return True


def set_article_kind(
    store: Store, review_id: int, article_id: int, kind: str, *, user_name: str, now: datetime
) -> str:
    """An editor's verdict on what an article is, from a review's desk page, logged there.

    The stored kind is what :func:`midweek.kinds.article_kind` reads, so the article is
    set aside (or, marked ``news``, taken in) by the next clustering and the next
    review of its window; the review on the desk is not rewritten.

    Args:
        store: The store.
        review_id: The review whose page the editor is on (its audit log records it).
        article_id: The article.
        kind: One of :data:`midweek.kinds.KINDS`.
        user_name: Who decides.
        now: When.

    Returns:
        The kind the article had ("" when none was stored).

    Raises:
        ValueError: an unknown kind.
        EditConflictError: no such review or article.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    a = schema.articles
    with store.write() as conn:
        if conn.scalar(select(schema.reviews.c.id).where(schema.reviews.c.id == review_id)) is None:
            raise EditConflictError(f"no review {review_id}")
        row = conn.execute(select(a.c.kind).where(a.c.id == article_id)).first()
        if row is None:
            raise EditConflictError(f"no article {article_id}")
        before = str(row.kind or "")
        if before != kind:
            conn.execute(update(a).where(a.c.id == article_id).values(kind=kind))
            clustered = select(article_clusters.c.article_id).where(
                article_clusters.c.article_id == article_id
            )
            if kind not in SET_ASIDE_KINDS and conn.scalar(clustered) is None:
                # a run set it aside and forgot it: the next one is to look at it again
                conn.execute(
                    store.insert_for(cluster_pending)
                    .values(article_id=article_id)
                    .on_conflict_do_nothing()
                )
            change = {"article": article_id, "before": before or None, "after": kind}
            _audit(conn, review_id, user_name, "article_kind", {"kind": change}, now)
    return before


def changed_fields(
    before: Mapping[str, object], after: Mapping[str, object]
) -> dict[str, FieldChange]:
    """The editable fields of two bodies that differ, each as ``{"before", "after"}``."""
    return {
        field: FieldChange(before=before.get(field), after=after.get(field))
        for field in EDITABLE_FIELDS
        if before.get(field) != after.get(field)
    }
