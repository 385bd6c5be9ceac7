"""Queries of incremental story clustering: the saved stream, assignments and stories.

Functions on a :class:`~midweek.store.Store` (as :mod:`midweek.store.site` does), so the
store class stays the one place that owns connections and transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select

from midweek.errors import MidweekError
from midweek.kinds import SET_ASIDE_KINDS
from midweek.models import Article, Story
from midweek.store import schema
from midweek.store.db import IN_CHUNK, Store, article_from_row
from midweek.store.stories_schema import (
    article_clusters,
    cluster_open,
    cluster_pending,
    cluster_state,
    cluster_stories,
    cluster_terms,
    story_figures,
)

logger = logging.getLogger(__name__)


class UnknownStoryError(MidweekError):
    """No stored story has that id or key."""


@dataclass(frozen=True, slots=True)
class SavedStream:
    """The clusterer's state as a run reads it: the header, the open clusters, their stories.

    Document frequencies are not in it: a run reads those of its articles' terms
    (:func:`load_cluster_terms`).
    """

    header: dict[str, Any]  # ClusterState.header_json (an older version: the whole state)
    clusters: list[tuple[dict[str, Any], bytes | None]]  # (fields, dense sum) by cluster id
    stories: dict[int, int]  # open cluster id -> its story (union-find root)


def load_cluster_stream(store: Store) -> SavedStream | None:
    """The open part of the clusterer state saved by the last run; None before the first.

    Three queries whatever the archive: the header row, the open clusters' rows (a closed
    cluster's row is deleted when it closes) and their stories (by primary key).
    """
    o, cs = cluster_open, cluster_stories
    with store.engine.connect() as conn:
        header = conn.scalar(select(cluster_state.c.state).where(cluster_state.c.id == 1))
        if header is None:
            return None
        rows = conn.execute(select(o.c.state, o.c.dense).order_by(o.c.cluster_id)).all()
        pairs = conn.execute(
            select(cs.c.cluster_id, cs.c.story_id).join(o, o.c.cluster_id == cs.c.cluster_id)
        ).all()
    return SavedStream(
        header=dict(header),
        clusters=[(dict(state), None if dense is None else bytes(dense)) for state, dense in rows],
        stories={int(c): int(story) for c, story in pairs},
    )


def load_cluster_terms(store: Store, lang: str, terms: Iterable[str]) -> dict[str, int]:
    """Stored document frequencies of ``terms`` in ``lang`` (absent terms are left out)."""
    wanted = sorted(set(terms))
    t = cluster_terms
    out: dict[str, int] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), IN_CHUNK):
            stmt = select(t.c.term, t.c.df).where(
                t.c.lang == lang, t.c.term.in_(wanted[start : start + IN_CHUNK])
            )
            out.update({str(term): int(df) for term, df in conn.execute(stmt)})
    return out


def clusters_of_stories(store: Store, story_ids: Iterable[int]) -> dict[int, int]:
    """``cluster id -> story id`` of every stored cluster (open or closed) of ``story_ids``."""
    wanted = sorted(set(story_ids))
    cs = cluster_stories
    out: dict[int, int] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), IN_CHUNK):
            stmt = select(cs.c.cluster_id, cs.c.story_id).where(
                cs.c.story_id.in_(wanted[start : start + IN_CHUNK])
            )
            out.update({int(c): int(story) for c, story in conn.execute(stmt)})
    return out


def unclustered_articles(store: Store, limit: int | None = None) -> list[Article]:
    """Articles no run has looked at yet, oldest first (undated ones by ingest time).

    They are read through ``cluster_pending`` (its rows by key, then each article by
    its own), so the cost follows the articles waiting, not the archive; a run that
    sets an article aside removes its row (:func:`forget_set_aside`), so a non-news
    article is read by one run, not by every run. One already clustered is left out.
    """
    a, p, c = schema.articles, cluster_pending, article_clusters
    clustered = select(c.c.article_id).where(c.c.article_id == p.c.article_id).exists()
    stmt = (
        select(a)
        .select_from(p.join(a, a.c.id == p.c.article_id))
        .where(~clustered)
        .order_by(func.coalesce(a.c.published, a.c.ingested_at), a.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with store.engine.connect() as conn:
        return [article_from_row(row) for row in conn.execute(stmt)]


def count_unclustered(store: Store) -> int:
    """How many articles a run has still to look at (news or not), by ``cluster_pending``."""
    p, c = cluster_pending, article_clusters
    clustered = select(c.c.article_id).where(c.c.article_id == p.c.article_id).exists()
    stmt = select(func.count()).select_from(p).where(~clustered)
    with store.engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def forget_set_aside(store: Store, article_ids: Collection[int]) -> None:
    """Forget the articles a run read and set aside (not news): no later run reads them.

    One transaction; for a run that also clustered articles,
    :func:`save_cluster_run` does the same in its own (``set_aside``).
    """
    if article_ids:
        with store.write() as conn:
            _forget_pending(conn, (), article_ids)


def _forget_pending(
    conn: Connection, clustered: Collection[int], set_aside: Collection[int]
) -> None:
    """Delete the ``cluster_pending`` rows of the articles a run clustered or set aside.

    A set-aside article's row is deleted only while its stored kind still sets it aside
    (NULL, classified as it was read, or a set-aside kind): an editor who marked it news
    while the run went on (:func:`midweek.store.desk.set_article_kind`) keeps it for the
    next run.
    """
    p, a, c = cluster_pending, schema.articles, article_clusters
    ordered = sorted(set(clustered))
    for start in range(0, len(ordered), IN_CHUNK):
        conn.execute(p.delete().where(p.c.article_id.in_(ordered[start : start + IN_CHUNK])))
    # a row an editor's verdict wrote while a run clustered the article (PostgreSQL lets
    # both commit): left out by unclustered_articles, deleted here (the table is small)
    done = select(c.c.article_id).where(c.c.article_id == p.c.article_id).exists()
    conn.execute(p.delete().where(done))
    still_aside = or_(a.c.kind.is_(None), a.c.kind.in_(sorted(SET_ASIDE_KINDS)))
    ordered = sorted(set(set_aside) - set(clustered))
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start : start + IN_CHUNK]
        aside = select(a.c.id).where(a.c.id.in_(chunk), still_aside)
        conn.execute(p.delete().where(p.c.article_id.in_(chunk), p.c.article_id.in_(aside)))


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
    header: Mapping[str, Any],
    assignments: Mapping[int, int],
    stories: Sequence[Story],
    now: datetime,
    clusters: Mapping[int, tuple[Mapping[str, Any], bytes | None]] | None = None,
    closed: Collection[int] = (),
    terms: Mapping[str, Mapping[str, int]] | None = None,
    cluster_story: Mapping[int, int] | None = None,
    merged: Mapping[int, int] | None = None,
    set_aside: Collection[int] = (),
) -> None:
    """Store one run in one transaction: what the state changed, assignments, stories.

    Only what the run changed is written (:meth:`midweek.cluster.ClusterState.changes`):
    the header; the rows of the open clusters it placed into (``clusters``: id ->
    (fields, dense sum)); the rows of the clusters that closed are deleted; the new
    document frequencies (``terms``); the story of each cluster it opened
    (``cluster_story``); and for each story merged into another (``merged``: old root ->
    new root) its clusters move to the new root. The ``cluster_pending`` rows of the
    articles assigned and of those the run read and ``set_aside`` (not news) are deleted
    (:func:`forget_set_aside`). Each story's members move to it from
    whatever story held them before; a story so left without members is deleted. A run
    killed before this commit leaves the previous state and assignments intact, so the
    next run clusters the same articles again.
    """
    s, sa_ = schema.stories, schema.story_articles
    o, t, cs = cluster_open, cluster_terms, cluster_stories
    with store.write() as conn:
        upsert = store.insert_for(cluster_state).values(id=1, state=dict(header), updated_at=now)
        conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[cluster_state.c.id],
                set_={"state": dict(header), "updated_at": now},
            )
        )
        rows = [
            {"cluster_id": c, "state": dict(data), "dense": dense, "newest": data.get("newest")}
            for c, (data, dense) in sorted((clusters or {}).items())
        ]
        gone = sorted(set(closed) | set(clusters or {}))
        for start in range(0, len(gone), IN_CHUNK):
            conn.execute(o.delete().where(o.c.cluster_id.in_(gone[start : start + IN_CHUNK])))
        if rows:
            conn.execute(o.insert(), rows)
        for lang, counts in sorted((terms or {}).items()):
            if not counts:
                continue
            stmt = store.insert_for(t)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[t.c.lang, t.c.term], set_={"df": stmt.excluded.df}
                ),
                [{"lang": lang, "term": term, "df": df} for term, df in sorted(counts.items())],
            )
        for old, new in sorted((merged or {}).items()):
            conn.execute(cs.update().where(cs.c.story_id == old).values(story_id=new))
        if cluster_story:
            conn.execute(
                cs.insert(),
                [{"cluster_id": c, "story_id": r} for c, r in sorted(cluster_story.items())],
            )
        if assignments:
            conn.execute(
                article_clusters.insert(),
                [{"article_id": a, "cluster_id": c} for a, c in sorted(assignments.items())],
            )
        _forget_pending(conn, assignments.keys(), set_aside)
        # the stories that held these members before: the only ones a run can empty
        members = sorted({i for story in stories for i in story.article_ids})
        held: set[int] = set()
        for start in range(0, len(members), IN_CHUNK):
            chunk = members[start : start + IN_CHUNK]
            held.update(conn.scalars(select(sa_.c.story_id).where(sa_.c.article_id.in_(chunk))))
        store.write_stories(conn, stories)
        empty = select(sa_.c.story_id).where(sa_.c.story_id == s.c.id).exists()
        ordered = sorted(held)
        for start in range(0, len(ordered), IN_CHUNK):
            chunk = ordered[start : start + IN_CHUNK]
            conn.execute(s.delete().where(s.c.id.in_(chunk), ~empty))


def list_stories(
    store: Store, *, since: datetime | None = None, lang: str | None = None, limit: int = 50
) -> list[Story]:
    """Stored stories, newest activity first, optionally since a time and in a language."""
    s, sa_ = schema.stories, schema.story_articles
    stmt = _with_figures().order_by(s.c.last_seen.desc(), s.c.id.desc())
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


def get_story(
    store: Store, key_or_id: str, *, by_id: bool = True
) -> tuple[Story, list[Article]] | None:
    """A story by key (``s-12``) or numeric id, with its articles oldest first.

    Args:
        store: An open store.
        key_or_id: The story's key, or (with ``by_id``) its id when all digits.
        by_id: Whether digits name an id (the CLI); the site's ``/stories/{key}`` pages
            look keys up only.

    Returns:
        The story and its articles, or None when there is no such story.
    """
    s = schema.stories
    numeric = by_id and key_or_id.isdigit()
    column = s.c.id if numeric else s.c.key
    value: int | str = int(key_or_id) if numeric else key_or_id
    with store.engine.connect() as conn:
        row = conn.execute(_with_figures().where(column == value)).first()
        if row is None:
            return None
        ids = _member_ids(conn, int(row.id))
    return _story(row, ids), _oldest_first(store, ids)


def story_articles(store: Store, story: str) -> list[Article]:
    """The articles of one stored story, oldest first.

    Unlike :func:`get_story`, a number matches a story's id or its key (the ``tags``
    command's ``--story``).

    Args:
        store: an open store.
        story: the story's numeric id or its key.

    Returns:
        The story's articles.

    Raises:
        UnknownStoryError: no story has that id or key.
    """
    s = schema.stories
    where = s.c.key == story
    if story.isdigit():
        where = or_(where, s.c.id == int(story))
    with store.engine.connect() as conn:
        story_id = conn.scalar(select(s.c.id).where(where).limit(1))
        if story_id is None:
            raise UnknownStoryError(f"no story with id or key {story!r}")
        ids = _member_ids(conn, int(story_id))
    return _oldest_first(store, ids)


def _member_ids(conn: Connection, story_id: int) -> list[int]:
    """The ids of a stored story's articles."""
    sa_ = schema.story_articles
    return [
        int(i) for i in conn.scalars(select(sa_.c.article_id).where(sa_.c.story_id == story_id))
    ]


def _oldest_first(store: Store, ids: Sequence[int]) -> list[Article]:
    """The stored articles of ``ids``, oldest first (undated last, then by id)."""
    return sorted(
        store.get_articles(ids).values(),
        key=lambda a: (a.published is None, a.published or datetime.min, a.id or 0),
    )


def _with_figures() -> Select[Any]:
    """Stories rows with their figures (NULL for a story saved without them)."""
    s, f = schema.stories, story_figures
    return select(s, f.c.headlines, f.c.growth, f.c.growth_hours).outerjoin(
        f, f.c.story_id == s.c.id
    )


def _story(row: Any, article_ids: Sequence[int]) -> Story:
    """A stories row (joined with its figures) and its members as a Story."""
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
        headlines=tuple((str(tag), str(text)) for tag, text in row.headlines or ()),
        growth=tuple(int(n) for n in row.growth or ()),
        growth_hours=int(row.growth_hours or 0),
    )


def clustered_stories(store: Store, article_ids: Iterable[int]) -> tuple[list[Story], set[int]]:
    """The stored stories holding any of these articles, and which of them were clustered.

    A review uses the stories of ``midweek cluster`` (embedder and canonical entities)
    when every article of its window was clustered; the second value tells it whether so.

    Args:
        store: An open store.
        article_ids: The articles of a window.

    Returns:
        The stories (each with all its members, inside the window or not) ordered by
        key, and the ids among ``article_ids`` that a clustering run has assigned.
    """
    wanted = sorted(set(article_ids))
    s, sa_, c = schema.stories, schema.story_articles, article_clusters
    clustered: set[int] = set()
    story_ids: set[int] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            clustered.update(conn.scalars(select(c.c.article_id).where(c.c.article_id.in_(chunk))))
            story_ids.update(
                conn.scalars(select(sa_.c.story_id).where(sa_.c.article_id.in_(chunk)))
            )
        ordered = sorted(story_ids)
        rows: list[Any] = []
        members: dict[int, list[int]] = {}
        for start in range(0, len(ordered), IN_CHUNK):
            chunk = ordered[start : start + IN_CHUNK]
            rows.extend(conn.execute(_with_figures().where(s.c.id.in_(chunk))))
            pairs = select(sa_.c.story_id, sa_.c.article_id).where(sa_.c.story_id.in_(chunk))
            for story_id, article_id in conn.execute(pairs):
                members.setdefault(int(story_id), []).append(int(article_id))
    stories = [_story(row, members.get(int(row.id), [])) for row in rows]
    return sorted(stories, key=lambda story: story.key), clustered
