"""The tables, as SQLAlchemy Core metadata (queries use these; Alembic creates them).

Uniqueness is what makes ingestion idempotent: an article's ``key`` (feed GUID, else
canonical URL, else content hash) and its ``canonical_url`` are both unique, so a
re-run or a resumed run inserts nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store as naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused by the store: {value!r}")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2048), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("etag", String(512)),
    Column("last_modified", String(128)),
    Column("added_at", UTCDateTime, nullable=False),
    Column("checked_at", UTCDateTime),
    Column("last_error", Text),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(2200), nullable=False, unique=True),
    Column("canonical_url", String(2048), nullable=False, unique=True),
    Column("url", String(2048), nullable=False),
    Column("guid", String(2048)),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("outlet", String(512), nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("authors", JSON, nullable=False, default=list),
    Column("published", UTCDateTime, index=True),
    Column("fetched_at", UTCDateTime),
    Column("ingested_at", UTCDateTime, nullable=False),
    Column("lang", String(16)),
    Column("script", String(8)),
    Column("image", String(2048)),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("minhash", LargeBinary),
    Column("duplicate_of", Integer, ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    # midweek.kinds: news, advert, digest, service, opinion (NULL: stored before 0008)
    Column("kind", String(16)),
    # the desk's set-aside posts of a window (Store.articles_of_kinds; migration 0010)
    Index("ix_articles_kind_published", "kind", "published"),
)

failures = Table(
    "failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("locator", String(2048), nullable=False),
    Column("reason", Text, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("count", Integer, nullable=False, default=1),
    UniqueConstraint("stage", "locator", name="uq_failures_stage_locator"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("headline", Text, nullable=False),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("languages", JSON, nullable=False, default=list),
    Column("outlets", JSON, nullable=False, default=list),
    Column("independent_articles", Integer, nullable=False, default=0),
    Column("score", Float),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    # an article's story is looked up by the article (a run rewrites the stories its
    # articles were in; a review finds its window's stories): without it, a scan
    Index("ix_story_articles_article_id", "article_id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(128), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("lang", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="draft"),
    Column("window_start", UTCDateTime, nullable=False),
    Column("window_end", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("body", JSON, nullable=False),
)

# When each host may be fetched again (seconds since the epoch, the database server's
# clock): shared by every ingest worker (midweek.distributed.PgHostGate).
fetch_hosts = Table(
    "fetch_hosts",
    metadata,
    Column("host", String(253), primary_key=True),
    Column("next_at", Float, nullable=False),
)
