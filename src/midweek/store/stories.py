"""Queries of incremental story clustering: the saved stream, assignments and stories.

Functions on a :class:`~midweek.store.Store` (as :mod:`midweek.store.site` does), so the
store class stays the one place that owns connections and transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from midweek.models import Article, Story
from midweek.store import schema
from midweek.store.db import IN_CHUNK, Store, article_from_row
from midweek.store.stories_schema import article_clusters, cluster_state

logger = logging.getLogger(__name__)


def load_cluster_state(store: Store) -> dict[str, Any] | None:
    """The clusterer state saved by the last run, or None before the first."""
    with store.engine.connect() as conn:
        value = conn.scalar(select(cluster_state.c.state).where(cluster_state.c.id == 1))
    return dict(value) if value is not None else None


def unclustered_articles(store: Store, limit: int | None = None) -> list[Article]:
    """Articles no run has clustered yet, oldest first (undated ones by ingest time)."""
    a = schema.articles
    stmt = (
        select(a)
        .outerjoin(article_clusters, article_clusters.c.article_id == a.c.id)
        .where(article_clusters.c.article_id.is_(None))
        .order_by(func.coalesce(a.c.published, a.c.ingested_at), a.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.engine.connect() as conn:
        return [article_from_row(row) for row in conn.execute(stmt)]


def articles_in_clusters(store: Store, cluster_ids: Iterable[int]) -> dict[int, int]:
    """``article id -> cluster id`` for every stored article of the given clusters."""
    wanted = sorted(set(cluster_ids))
    out: dict[int, int] = {}
    c = article_clusters
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), IN_CHUNK):
            stmt = select(c.c.article_id, c.c.cluster_id).where(
                c.c.cluster_id.in_(wanted[start : start + IN_CHUNK])
            )
            out.update({int(a): int(k) for a, k in conn.execute(stmt)})
    return out


def save_cluster_run(
    store: Store,
    *,
    state: Mapping[str, Any],
    assignments: Mapping[int, int],
    stories: Sequence[Story],
    now: datetime,
) -> None:
    """Store one run in one transaction: the state, new assignments and rebuilt stories.

    Each story's members move to it from whatever story held them before; a story left
    without members is deleted. A run killed before this commit leaves the previous state
    and assignments intact, so the next run clusters the same articles again.
    """
    s, sa_ = schema.stories, schema.story_articles
    with store.write() as conn:
        upsert = store.insert_for(cluster_state).values(id=1, state=dict(state), updated_at=now)
        conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[cluster_state.c.id],
                set_={"state": dict(state), "updated_at": now},
            )
        )
        if assignments:
            conn.execute(
                article_clusters.insert(),
                [{"article_id": a, "cluster_id": c} for a, c in sorted(assignments.items())],
            )
        store.write_stories(conn, stories)
        empty = select(sa_.c.story_id).where(sa_.c.story_id == s.c.id).exists()
        conn.execute(s.delete().where(~empty))


def list_stories(
    store: Store, *, since: datetime | None = None, lang: str | None = None, limit: int = 50
) -> list[Story]:
    """Stored stories, newest activity first, optionally since a time and in a language."""
    s, sa_ = schema.stories, schema.story_articles
    stmt = select(s).order_by(s.c.last_seen.desc(), s.c.id.desc())
    if since is not None:
        stmt = stmt.where(s.c.last_seen >= since)
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
        found: list[Story] = []
        for row in rows:
            if lang is not None and lang not in (row.languages or ()):
                continue
            ids = conn.scalars(select(sa_.c.article_id).where(sa_.c.story_id == row.id)).all()
            found.append(_story(row, ids))
            if len(found) >= limit:
                break
    return found


def get_story(store: Store, key_or_id: str) -> tuple[Story, list[Article]] | None:
    """A story by key (``s-12``) or numeric id, with its articles oldest first."""
    s, sa_ = schema.stories, schema.story_articles
    column = s.c.id if key_or_id.isdigit() else s.c.key
    value: int | str = int(key_or_id) if key_or_id.isdigit() else key_or_id
    with store.engine.connect() as conn:
        row = conn.execute(select(s).where(column == value)).first()
        if row is None:
            return None
        ids = conn.scalars(select(sa_.c.article_id).where(sa_.c.story_id == row.id)).all()
    articles = sorted(
        store.get_articles(ids).values(),
        key=lambda a: (a.published is None, a.published or datetime.min, a.id or 0),
    )
    return _story(row, ids), articles


def _story(row: Any, article_ids: Sequence[int]) -> Story:
    """A stories row and its members as a Story."""
    return Story(
        key=row.key,
        headline=row.headline,
        article_ids=tuple(sorted(int(i) for i in article_ids)),
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        outlets=tuple(row.outlets or ()),
        languages=tuple(row.languages or ()),
        independent_articles=int(row.independent_articles),
        id=int(row.id),
    )
