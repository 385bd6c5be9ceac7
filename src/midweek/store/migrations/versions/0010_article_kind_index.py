"""Articles: an index on (kind, published) for the desk's set-aside posts.

The desk's edit page lists a window's adverts, digests, service posts and opinions
(``midweek.store.db.Store.articles_of_kinds``); with (kind, published) indexed the store
reads only those rows of the window instead of every article published in it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index articles by (kind, published)."""
    op.create_index("ix_articles_kind_published", "articles", ["kind", "published"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_articles_kind_published", table_name="articles")
