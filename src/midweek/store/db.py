"""The store: the only module that talks to the database.

SQLite (WAL, busy timeout, ``BEGIN IMMEDIATE`` for writers, FTS5) by default;
PostgreSQL by URL for several writers. Every write is one transaction per batch, and
uniqueness lives in the schema, so a killed run resumes with nothing lost or doubled.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, Self

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import OperationalError, SQLAlchemyError, StatementError
from sqlalchemy.pool import ConnectionPoolEntry

from midweek.errors import StoreError
from midweek.kinds import article_kind
from midweek.models import Article, Failure, Review, Source, Story
from midweek.render.jsonout import review_from_dict
from midweek.store import editor_schema, schema, stories_schema
from midweek.text.clean import clean_text

logger = logging.getLogger(__name__)

# "database is locked" must not happen under one writer and many readers: wait up to
# 10 s for the lock (RELIABILITY.md asks for at least 5 s).
SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE = "midweek_write"
# Rows per IN (...) list: well under SQLite's 32,766 bound variables and PostgreSQL's
# 65,535, and small enough to keep each statement cheap.
IN_CHUNK = 500
# Rows fetched at a time where a query may stop early (a server-side cursor on
# PostgreSQL): enough that a short list costs one round trip.
ARTICLE_STREAM_ROWS = 100
# Control characters: FTS5 and PostgreSQL text reject NUL, and none carries meaning here.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    """Text as every backend can store it: what XML forbids (NUL, lone surrogates) and DEL
    removed. Values are cleaned where they are born (:mod:`midweek.text.clean`); this is
    the last line, for callers that build values by hand."""
    return _CONTROL.sub("", clean_text(value))


def _clean_or_none(value: str | None) -> str | None:
    """:func:`_clean` of an optional value; ``None`` when nothing is left."""
    if value is None:
        return None
    return _clean(value) or None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article ready to store: the values plus its dedupe keys."""

    article: Article
    key: str
    canonical_url: str
    content_hash: str
    minhash: bytes | None = None
    duplicate_of: int | None = None
    # a reprint of an earlier row of the same batch, whose id is not known yet
    duplicate_of_row: int | None = None


@dataclass(frozen=True, slots=True)
class StoredReview:
    """A review as stored: its JSON body, the :class:`Review` it holds, and where it stands.

    ``body`` is the JSON exactly as stored (the API serves it as it is); :attr:`review`
    reads it as a typed review. The columns beside it are what lists sort and filter on.
    The site's listings (:class:`midweek.store.site.ReviewListing`) and the editor's desk
    (:class:`midweek.store.desk.DeskReview`) hand out the same row with a little more.
    """

    id: int
    slug: str
    title: str
    lang: str
    status: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    published_at: datetime | None
    body: dict[str, object]

    @classmethod
    def from_row(cls, row: Row[Any], body: dict[str, object] | None = None, **more: Any) -> Self:
        """A reviews row as this record: ``body`` replaces the stored one when given (the
        site's listings scrub it), ``more`` fills a subclass's own fields."""
        return cls(
            id=int(row.id),
            slug=row.slug,
            title=row.title,
            lang=row.lang,
            status=row.status,
            window_start=row.window_start,
            window_end=row.window_end,
            created_at=row.created_at,
            published_at=row.published_at,
            body=dict(row.body or {}) if body is None else body,
            **more,
        )

    @property
    def review(self) -> Review:
        """The stored body as a review (:func:`~midweek.render.jsonout.review_from_dict`).

        Raises:
            ReviewFormatError: the body is not a review (the message names the field).
        """
        return review_from_dict(self.body)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    """WAL, busy timeout, foreign keys; let SQLAlchemy's begin event open transactions."""
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take the lock up front (BEGIN IMMEDIATE) so they never deadlock on upgrade."""
    if conn.get_execution_options().get(_WRITE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def quote_fts_query(query: str) -> str:
    """Turn user text into a safe FTS5 query: every term quoted, joined by AND.

    Punctuation can never break the query (datasette #651): each whitespace-separated
    word becomes a double-quoted string with inner quotes doubled.
    """
    terms = [t for t in re.split(r"\s+", _CONTROL.sub(" ", query).strip()) if t]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


class Store:
    """A connection to one midweek database."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already migrated (use :func:`open_store`)."""
        self.engine = engine
        self.dialect = engine.dialect.name

    # -- plumbing -----------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite); for modules that add tables."""
        try:
            with self.engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
                yield conn
        except (OperationalError, StatementError) as exc:
            raise StoreError(f"database write failed: {exc.orig}") from exc

    def insert_for(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """A dialect insert that supports ON CONFLICT (upserts on either backend)."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # -- sources ------------------------------------------------------------------------
    def add_source(self, source: Source, now: datetime) -> tuple[Source, bool]:
        """Add a source unless its URL is already there.

        Returns:
            The stored source and whether it was new.
        """
        url = _clean(source.url)
        stmt = (
            self.insert_for(schema.sources)
            .values(url=url, kind=source.kind, title=_clean(source.title), added_at=now)
            .on_conflict_do_nothing()
            .returning(schema.sources.c.id)
        )
        with self.write() as conn:
            created = conn.execute(stmt).scalar_one_or_none() is not None
            row = conn.execute(select(schema.sources).where(schema.sources.c.url == url)).one()
        return _source(row), created

    def list_sources(self) -> list[Source]:
        """Every source, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.sources).order_by(schema.sources.c.id)).all()
        return [_source(r) for r in rows]

    def remove_source(self, url_or_id: str) -> bool:
        """Remove a source by URL or numeric id; its articles stay. Returns whether it existed."""
        column = schema.sources.c.id if url_or_id.isdigit() else schema.sources.c.url
        value: int | str = int(url_or_id) if url_or_id.isdigit() else url_or_id
        with self.write() as conn:
            return conn.execute(schema.sources.delete().where(column == value)).rowcount > 0

    def mark_source_checked(
        self,
        source_id: int,
        now: datetime,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record a fetch of a source: validators for the next conditional GET, or the error."""
        values: dict[str, object] = {"checked_at": now, "last_error": _clean_or_none(error)}
        if error is None:
            values.update(etag=_clean_or_none(etag), last_modified=_clean_or_none(last_modified))
        with self.write() as conn:
            conn.execute(
                update(schema.sources).where(schema.sources.c.id == source_id).values(**values)
            )

    # -- articles -----------------------------------------------------------------------
    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` already stored, as article keys or canonical URLs."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        a = schema.articles
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                found.update(conn.scalars(select(a.c.key).where(a.c.key.in_(chunk))))
                found.update(
                    conn.scalars(select(a.c.canonical_url).where(a.c.canonical_url.in_(chunk)))
                )
        return found

    def canonical_url_owners(self, urls: Iterable[str]) -> dict[str, str | None]:
        """The GUID of the stored article holding each of ``urls`` as its canonical URL.

        Args:
            urls: canonical URL keys (:func:`midweek.dedupe.canonical_url_key`).

        Returns:
            For each URL that is stored, the GUID of its article (None when it has none);
            URLs not stored are absent.
        """
        wanted = list(dict.fromkeys(urls))
        found: dict[str, str | None] = {}
        a = schema.articles
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                stmt = select(a.c.canonical_url, a.c.guid).where(a.c.canonical_url.in_(chunk))
                found.update({url: guid for url, guid in conn.execute(stmt)})
        return found

    def add_articles(self, rows: Sequence[ArticleRow], now: datetime) -> list[int | None]:
        """Insert a batch in one transaction; an article already there is skipped.

        Each new article is also written to ``cluster_pending`` in the same transaction,
        so the next ``midweek cluster`` finds it whatever order concurrent ingests commit in.

        Returns:
            For each row, the new id, or None when its key or canonical URL was stored.
        """
        ids: list[int | None] = []
        with self.write() as conn:
            for row in rows:
                a = row.article
                duplicate_of = row.duplicate_of
                if duplicate_of is None and row.duplicate_of_row is not None:
                    duplicate_of = ids[row.duplicate_of_row]
                stmt = (
                    self.insert_for(schema.articles)
                    .values(
                        key=row.key,
                        canonical_url=row.canonical_url,
                        url=_clean(a.url),
                        guid=_clean_or_none(a.guid),
                        source_id=a.source_id,
                        outlet=_clean(a.outlet),
                        title=_clean(a.title),
                        description=_clean(a.description),
                        text=_clean(a.text),
                        authors=[_clean(x) for x in a.authors],
                        published=a.published,
                        fetched_at=a.fetched_at,
                        ingested_at=now,
                        lang=_clean_or_none(a.lang),
                        script=_clean_or_none(a.script),
                        image=_clean_or_none(a.image),
                        content_hash=row.content_hash,
                        minhash=row.minhash,
                        duplicate_of=duplicate_of,
                        kind=article_kind(a),
                    )
                    .on_conflict_do_nothing()
                    .returning(schema.articles.c.id)
                )
                ids.append(conn.execute(stmt).scalar_one_or_none())
            # the next clustering run's work, committed with the articles themselves
            pending = [{"article_id": i} for i in ids if i is not None]
            if pending:
                conn.execute(stories_schema.cluster_pending.insert(), pending)
        return ids

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(schema.articles)) or 0)

    def find_by_content_hash(self, hashes: Iterable[str]) -> dict[str, int]:
        """The first stored article id of each content hash present."""
        a = schema.articles
        wanted = list(set(hashes))
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                stmt = (
                    select(a.c.content_hash, func.min(a.c.id))
                    .where(a.c.content_hash.in_(wanted[start : start + IN_CHUNK]))
                    .group_by(a.c.content_hash)
                )
                out.update({h: int(i) for h, i in conn.execute(stmt)})
        return out

    def recent_signatures(self, since: datetime) -> Iterator[tuple[int, bytes]]:
        """(id, MinHash bytes) of originals published or ingested since ``since``."""
        a = schema.articles
        stmt = (
            select(a.c.id, a.c.minhash)
            .where(a.c.minhash.is_not(None), a.c.duplicate_of.is_(None))
            .where((a.c.published >= since) | (a.c.ingested_at >= since))
            .order_by(a.c.id)
        )
        with self.engine.connect() as conn:
            for article_id, blob in conn.execute(stmt):
                yield int(article_id), bytes(blob)

    def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Articles published in [start, end), oldest first."""
        a = schema.articles
        stmt = (
            select(a)
            .where(a.c.published >= start, a.c.published < end)
            .order_by(a.c.published, a.c.id)
        )
        with self.engine.connect() as conn:
            return [article_from_row(r) for r in conn.execute(stmt)]

    def has_articles_between(self, start: datetime, end: datetime) -> bool:
        """Whether any article was published in [start, end) (one indexed row read)."""
        a = schema.articles
        stmt = select(a.c.id).where(a.c.published >= start, a.c.published < end).limit(1)
        with self.engine.connect() as conn:
            return conn.scalar(stmt) is not None

    def articles_of_kinds(
        self,
        start: datetime,
        end: datetime,
        kinds: Collection[str],
        *,
        limit: int,
        exclude: Collection[int] = (),
    ) -> list[Article]:
        """Articles of some kinds published in [start, end), oldest first, at most ``limit``.

        The desk lists a window's set-aside posts with this rather than reading the whole
        window: the kind is matched in SQL (``ix_articles_kind_published``), so only the
        matching rows are read. A row stored before kinds were (``kind`` NULL) is
        classified as it is read, as :func:`midweek.kinds.article_kind` does everywhere.

        Args:
            start: Start of the window (inclusive, aware).
            end: End of the window (exclusive, aware).
            kinds: Kinds wanted (of :data:`midweek.kinds.KINDS`).
            limit: Most articles returned.
            exclude: Ids left out (e.g. the articles a review cites).

        Returns:
            The articles, by publication time then id.
        """
        wanted = sorted(set(kinds))
        if limit <= 0 or not wanted:
            return []
        a = schema.articles
        stmt = (
            select(a)
            .where(a.c.published >= start, a.c.published < end)
            .where(a.c.kind.in_(wanted) | a.c.kind.is_(None))
            .order_by(a.c.published, a.c.id)
            .execution_options(yield_per=ARTICLE_STREAM_ROWS)
        )
        skipped = set(exclude)
        out: list[Article] = []
        # the result closed before the connection: a server-side cursor left open when
        # the loop stops early would be closed by the garbage collector, after the
        # connection went back to the pool
        with self.engine.connect() as conn, conn.execute(stmt) as rows:
            for row in rows:
                article = article_from_row(row)
                if article.id in skipped or article_kind(article) not in wanted:
                    continue
                out.append(article)
                if len(out) == limit:
                    break
        return out

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        """Articles by id."""
        wanted = list(set(ids))
        a = schema.articles
        out: dict[int, Article] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), IN_CHUNK):
                stmt = select(a).where(a.c.id.in_(wanted[start : start + IN_CHUNK]))
                out.update({int(r.id): article_from_row(r) for r in conn.execute(stmt)})
        return out

    def published_range(self) -> tuple[datetime | None, datetime | None]:
        """The oldest and newest publication time stored."""
        a = schema.articles
        with self.engine.connect() as conn:
            row = conn.execute(select(func.min(a.c.published), func.max(a.c.published))).one()
        lo, hi = row
        return (
            schema.UTCDateTime().process_result_value(lo, self.engine.dialect),
            schema.UTCDateTime().process_result_value(hi, self.engine.dialect),
        )

    def search_articles(self, query: str, limit: int = 20) -> list[Article]:
        """Full-text search over titles and texts; any user text is safe."""
        quoted = quote_fts_query(query)
        if not quoted:
            return []
        a = schema.articles
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                ids = conn.scalars(
                    text(
                        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                        "ORDER BY rank LIMIT :n"
                    ),
                    {"q": quoted, "n": limit},
                ).all()
                rows = {int(r.id): r for r in conn.execute(select(a).where(a.c.id.in_(ids)))}
                return [article_from_row(rows[i]) for i in ids if i in rows]
            document = func.to_tsvector(
                "simple", func.coalesce(a.c.title, "") + " " + func.coalesce(a.c.text, "")
            )
            tsquery = func.plainto_tsquery("simple", query)
            stmt = (
                select(a)
                .where(document.op("@@")(tsquery))
                .order_by(func.ts_rank(document, tsquery).desc(), a.c.id)
                .limit(limit)
            )
            return [article_from_row(r) for r in conn.execute(stmt)]

    # -- failures -----------------------------------------------------------------------
    def record_failures(self, items: Sequence[Failure], now: datetime) -> None:
        """Record skipped items; the same locator again bumps its count and reason."""
        if not items:
            return
        f = schema.failures
        with self.write() as conn:
            for item in items:
                reason = _clean(item.reason)
                stmt = self.insert_for(f).values(
                    stage=_clean(item.stage),
                    locator=_clean(item.locator)[:2048],
                    reason=reason,
                    first_at=now,
                    last_at=now,
                    count=1,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=[f.c.stage, f.c.locator],
                    set_={"reason": reason, "last_at": now, "count": f.c.count + 1},
                )
                conn.execute(stmt)

    def list_failures(self, limit: int = 100) -> list[tuple[Failure, int]]:
        """The latest failures with how often each happened."""
        f = schema.failures
        stmt = select(f).order_by(f.c.last_at.desc(), f.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                (Failure(r.stage, r.locator, r.reason), int(r._mapping["count"]))
                for r in conn.execute(stmt)
            ]

    # -- stories and reviews ----------------------------------------------------------
    def save_stories(self, stories: Sequence[Story]) -> None:
        """Store stories (keyed by story key), each article moving to its story."""
        with self.write() as conn:
            self.write_stories(conn, stories)

    def write_stories(self, conn: Connection, stories: Sequence[Story]) -> None:
        """Upsert stories inside a caller's transaction; an article is in one story only.

        Every member leaves whatever story held it before, so a story split or merged by a
        later run never leaves an article counted twice.
        """
        s, sa_ = schema.stories, schema.story_articles
        members = sorted({i for story in stories for i in story.article_ids})
        for start in range(0, len(members), IN_CHUNK):
            conn.execute(
                sa_.delete().where(sa_.c.article_id.in_(members[start : start + IN_CHUNK]))
            )
        for story in stories:
            values = {
                "headline": story.headline,
                "first_seen": story.first_seen,
                "last_seen": story.last_seen,
                "languages": list(story.languages),
                "outlets": list(story.outlets),
                "independent_articles": story.independent_articles,
            }
            stmt = self.insert_for(s).values(key=story.key, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=[s.c.key], set_=values))
            story_id = conn.scalar(select(s.c.id).where(s.c.key == story.key))
            conn.execute(sa_.delete().where(sa_.c.story_id == story_id))
            conn.execute(
                sa_.insert(), [{"story_id": story_id, "article_id": i} for i in story.article_ids]
            )
            assert story_id is not None  # upserted just above
            self._write_figures(conn, story_id, story)

    def _write_figures(self, conn: Connection, story_id: int, story: Story) -> None:
        """Upsert a story's headlines per language and growth series (its figures row)."""
        f = stories_schema.story_figures
        values = {
            "headlines": [list(pair) for pair in story.headlines],
            "growth": list(story.growth),
            "growth_hours": story.growth_hours,
        }
        stmt = self.insert_for(f).values(story_id=story_id, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=[f.c.story_id], set_=values))

    def save_review(
        self,
        *,
        slug: str,
        title: str,
        lang: str,
        window_start: datetime,
        window_end: datetime,
        created_at: datetime,
        body: Mapping[str, object],
    ) -> int:
        """Insert or replace the draft with this slug; an editor's work is never overwritten.

        ``body`` is what :func:`~midweek.render.jsonout.review_to_dict` writes; it is read
        back first, so every stored body is a review that :attr:`StoredReview.review` reads.

        Raises:
            ReviewFormatError: the body is not a review (the message names the field).
            StoreError: the slug belongs to a published review, or to a draft an editor
                has changed (its generated body was kept at the first edit).
        """
        review_from_dict(body)
        r = schema.reviews
        with self.write() as conn:
            existing = conn.execute(select(r.c.id, r.c.status).where(r.c.slug == slug)).first()
            values = {
                "title": title,
                "lang": lang,
                "window_start": window_start,
                "window_end": window_end,
                "created_at": created_at,
                "body": body,
            }
            if existing is None:
                return int(
                    conn.execute(
                        r.insert().values(slug=slug, status="draft", **values).returning(r.c.id)
                    ).scalar_one()
                )
            if existing.status == "published":
                raise StoreError(f"review {slug!r} is published; unpublish it before rebuilding")
            generated = editor_schema.reviews_generated
            edited = conn.scalar(
                select(func.count())
                .select_from(generated)
                .where(generated.c.review_id == existing.id)
            )
            if edited:
                raise StoreError(
                    f"review {slug!r} has an editor's changes; rebuilding would lose them"
                )
            conn.execute(update(r).where(r.c.id == existing.id).values(**values))
            return int(existing.id)

    def get_review(self, slug: str) -> StoredReview | None:
        """A review by slug."""
        r = schema.reviews
        with self.engine.connect() as conn:
            row = conn.execute(select(r).where(r.c.slug == slug)).first()
        return StoredReview.from_row(row) if row else None

    def list_reviews(self) -> list[StoredReview]:
        """Every review, newest window first."""
        r = schema.reviews
        with self.engine.connect() as conn:
            rows = conn.execute(select(r).order_by(r.c.window_end.desc(), r.c.id.desc())).all()
        return [StoredReview.from_row(x) for x in rows]


def _source(row: Row[Any]) -> Source:
    """A sources row as a Source."""
    return Source(
        url=row.url,
        kind=row.kind,
        title=row.title or "",
        id=int(row.id),
        etag=row.etag,
        last_modified=row.last_modified,
    )


def article_from_row(row: Row[Any]) -> Article:
    """An articles row as an Article (for modules that query the articles table)."""
    return Article(
        url=row.url,
        title=row.title,
        text=row.text,
        published=row.published,
        authors=tuple(row.authors or ()),
        lang=row.lang,
        script=row.script,
        image=row.image,
        outlet=row.outlet,
        guid=row.guid,
        source_id=row.source_id,
        fetched_at=row.fetched_at,
        description=row.description,
        id=int(row.id),
        duplicate_of=row.duplicate_of,
        kind=row.kind,
    )


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and by default create or migrate) the database at ``url``.

    Args:
        url: a SQLAlchemy URL (``sqlite:///path.db``, ``postgresql+psycopg://...``).
        migrate: bring the schema to the newest revision.

    Returns:
        The store.

    Raises:
        StoreError: the database cannot be reached or migrated.
    """
    try:
        engine = create_engine(url, pool_pre_ping=url.startswith("postgresql"))
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name != "postgresql":
        raise StoreError(f"unsupported database {engine.dialect.name!r}: use SQLite or PostgreSQL")
    if migrate:
        try:
            migrate_store(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open database {engine.url!r}: {exc.orig}") from None
    return Store(engine)


def migrate_store(engine: Engine) -> None:
    """Run Alembic migrations up to head on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("midweek.store") / "migrations"))
    with engine.connect().execution_options(**{_WRITE: True}) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
