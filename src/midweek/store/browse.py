"""What a reader browses besides reviews: paged search with a total, and the story index.

Search matches every term of the query in any of its spellings (:mod:`midweek.text.translit`
gives each term its Latin and Cyrillic forms): FTS5 on SQLite, ``to_tsvector('simple')``
on PostgreSQL (the index of migration 0001). Every value reaches the database as a bound
parameter; FTS5 terms are double-quoted so no punctuation can change the query.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, select, text

from midweek.models import Article
from midweek.store import schema
from midweek.store.db import IN_CHUNK, Store, article_from_row

logger = logging.getLogger(__name__)

__all__ = [
    "SearchHit",
    "SearchPage",
    "StoryListing",
    "StoryPage",
    "fts5_query",
    "list_story_page",
    "search_page",
]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found article and the key of the story it belongs to ("" when none)."""

    article: Article
    story_key: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results and how many there are in all."""

    total: int
    hits: tuple[SearchHit, ...]


@dataclass(frozen=True, slots=True)
class StoryListing:
    """A story as the index lists it."""

    key: str
    headline: str
    first_seen: datetime | None
    last_seen: datetime | None
    languages: tuple[str, ...]
    outlets: tuple[str, ...]
    independent_articles: int


@dataclass(frozen=True, slots=True)
class StoryPage:
    """One page of the story index and how many stories there are in all."""

    total: int
    stories: tuple[StoryListing, ...]


def _fts5_string(term: str) -> str:
    """One FTS5 string: double-quoted, inner quotes doubled (datasette #651)."""
    return '"' + term.replace('"', '""') + '"'


def fts5_query(terms: Sequence[Sequence[str]]) -> str:
    """An FTS5 query matching every term in any of its spellings.

    Args:
        terms: Per term, its spellings (:func:`midweek.text.translit.term_variants`).

    Returns:
        ``("a" OR "b") AND "c"``, or "" when there is no term.
    """
    parts = []
    for spellings in terms:
        strings = [_fts5_string(s) for s in spellings if s]
        if strings:
            parts.append(strings[0] if len(strings) == 1 else "(" + " OR ".join(strings) + ")")
    # FTS5 allows an implicit AND between phrases only, not beside a parenthesised group
    return " AND ".join(parts)


def _pg_tsquery(terms: Sequence[Sequence[str]]) -> ColumnElement[Any] | None:
    """A PostgreSQL tsquery: AND over the terms, OR over each term's spellings."""
    combined: ColumnElement[Any] | None = None
    for spellings in terms:
        alternatives: ColumnElement[Any] | None = None
        for spelling in spellings:
            one = func.plainto_tsquery("simple", spelling)
            alternatives = one if alternatives is None else alternatives.op("||")(one)
        if alternatives is not None:
            combined = alternatives if combined is None else combined.op("&&")(alternatives)
    return combined


def _story_keys(conn: Connection, article_ids: Sequence[int]) -> dict[int, str]:
    """The story key of each article that belongs to a story."""
    s, sa_ = schema.stories, schema.story_articles
    out: dict[int, str] = {}
    for start in range(0, len(article_ids), IN_CHUNK):
        chunk = list(article_ids[start : start + IN_CHUNK])
        stmt = (
            select(sa_.c.article_id, s.c.key)
            .join(s, s.c.id == sa_.c.story_id)
            .where(sa_.c.article_id.in_(chunk))
        )
        out.update({int(r.article_id): str(r.key) for r in conn.execute(stmt)})
    return out


def search_page(
    store: Store, terms: Sequence[Sequence[str]], *, limit: int, offset: int = 0
) -> SearchPage:
    """One page of articles matching every term (in any spelling), best match first.

    Args:
        store: The store.
        terms: Per term, its spellings (:func:`midweek.text.translit.term_variants`).
        limit: Results on the page.
        offset: Results skipped before it.

    Returns:
        The page and the total number of matches.
    """
    a = schema.articles
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            query = fts5_query(terms)
            if not query:
                return SearchPage(0, ())
            total = int(
                conn.scalar(
                    text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :q"),
                    {"q": query},
                )
                or 0
            )
            ids = [
                int(i)
                for i in conn.scalars(
                    text(
                        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                        "ORDER BY rank, rowid LIMIT :n OFFSET :o"
                    ),
                    {"q": query, "n": limit, "o": offset},
                )
            ]
        else:
            tsquery = _pg_tsquery(terms)
            if tsquery is None:
                return SearchPage(0, ())
            # the expression of the GIN index of migration 0001, so the index serves it
            document = func.to_tsvector(
                "simple", func.coalesce(a.c.title, "") + " " + func.coalesce(a.c.text, "")
            )
            matches = document.op("@@")(tsquery)
            total = int(conn.scalar(select(func.count()).select_from(a).where(matches)) or 0)
            ids = [
                int(i)
                for i in conn.scalars(
                    select(a.c.id)
                    .where(matches)
                    .order_by(func.ts_rank(document, tsquery).desc(), a.c.id)
                    .limit(limit)
                    .offset(offset)
                )
            ]
        rows = {int(r.id): r for r in conn.execute(select(a).where(a.c.id.in_(ids)))}
        keys = _story_keys(conn, ids)
    hits = tuple(SearchHit(article_from_row(rows[i]), keys.get(i, "")) for i in ids if i in rows)
    return SearchPage(total, hits)


def list_story_page(store: Store, *, limit: int, offset: int = 0) -> StoryPage:
    """One page of stories, the most recently active first.

    Args:
        store: The store.
        limit: Stories on the page.
        offset: Stories skipped before it.

    Returns:
        The page and the total number of stories.
    """
    s = schema.stories
    stmt = (
        select(s)
        # a story never seen sorts last on both backends (NULLs first on PostgreSQL)
        .order_by(s.c.last_seen.is_(None), s.c.last_seen.desc(), s.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with store.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(s)) or 0)
        rows = conn.execute(stmt).all()
    return StoryPage(total, tuple(_story_listing(r) for r in rows))


def _story_listing(row: Row[Any]) -> StoryListing:
    """A stories row as a listing."""
    return StoryListing(
        key=str(row.key),
        headline=str(row.headline),
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        languages=tuple(row.languages or ()),
        outlets=tuple(row.outlets or ()),
        independent_articles=int(row.independent_articles or 0),
    )
