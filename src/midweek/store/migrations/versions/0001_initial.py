"""Initial schema: sources, articles (+ full-text index), failures, stories, reviews.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from midweek.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite keeps a contentless-external FTS5 index in step with `articles` by triggers.
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
]
# 'simple' configuration: no stemming, so Russian and Uzbek are treated alike.
_PG_FTS = (
    "CREATE INDEX ix_articles_fts ON articles USING gin "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, '')))"
)


def upgrade() -> None:
    """Create every table and the full-text index of the dialect."""
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("etag", sa.String(512)),
        sa.Column("last_modified", sa.String(128)),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.Column("checked_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(2200), nullable=False, unique=True),
        sa.Column("canonical_url", sa.String(2048), nullable=False, unique=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("guid", sa.String(2048)),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("outlet", sa.String(512), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("published", UTCDateTime, index=True),
        sa.Column("fetched_at", UTCDateTime),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.Column("lang", sa.String(16)),
        sa.Column("script", sa.String(8)),
        sa.Column("image", sa.String(2048)),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column(
            "duplicate_of",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="SET NULL"),
            index=True,
        ),
    )
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("locator", sa.String(2048), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("last_at", UTCDateTime, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("stage", "locator", name="uq_failures_stage_locator"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("first_seen", UTCDateTime),
        sa.Column("last_seen", UTCDateTime),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("outlets", sa.JSON, nullable=False),
        sa.Column("independent_articles", sa.Integer, nullable=False),
        sa.Column("score", sa.Float),
    )
    op.create_table(
        "story_articles",
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(128), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("window_start", UTCDateTime, nullable=False),
        sa.Column("window_end", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime),
        sa.Column("body", sa.JSON, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_PG_FTS)


def downgrade() -> None:
    """Drop everything the upgrade made."""
    if op.get_bind().dialect.name == "sqlite":
        for name in ("articles_au", "articles_ad", "articles_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in ("reviews", "story_articles", "stories", "failures", "articles", "sources"):
        op.drop_table(table)
