"""Articles: their kind (news, advert, digest, service, opinion; midweek.kinds).

Non-news articles are stored and searchable but kept out of stories, rankings and
reviews. The kind is set when an article is stored; rows stored before this revision
keep NULL and are classified when read (``midweek.kinds.article_kind``), so the
migration reads no text and runs in constant time on a large store.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``articles.kind`` column."""
    # a plain ALTER TABLE ADD COLUMN on both backends (no table rebuild: the FTS triggers
    # on articles stay as they are)
    op.add_column("articles", sa.Column("kind", sa.String(16), nullable=True))


def downgrade() -> None:
    """Drop ``articles.kind``."""
    op.drop_column("articles", "kind")  # SQLite >= 3.35 drops a column in place
