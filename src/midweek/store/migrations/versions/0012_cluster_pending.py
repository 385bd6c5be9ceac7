"""The articles no clustering run has looked at yet, as rows of their own.

Until now ``midweek cluster`` found its new articles by an anti-join of ``articles``
against ``article_clusters``: a scan over every stored article on each run, and every
set-aside (non-news) article read and classified again on every run, since no run ever
assigns it. From here ``cluster_pending`` holds one row per article still to look at,
written in the transaction that stores the article (and again when an editor marks an
unclustered article news), deleted in the one that clusters it or sets it aside; a run
reads it by its key. An id watermark would not do: PostgreSQL hands out ids when a
transaction inserts, not when it commits, so concurrent ingests (Dask workers) commit
ids below one a run has already seen, and a set-aside article marked news later lies
below any watermark.

The upgrade fills the table with the anti-join once (set-aside articles included: the
next run looks at them one last time); the downgrade drops it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``cluster_pending`` and fill it with the articles no run has clustered."""
    op.create_table(
        "cluster_pending",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.execute(
        "INSERT INTO cluster_pending (article_id) SELECT a.id FROM articles a "
        "WHERE NOT EXISTS (SELECT 1 FROM article_clusters c WHERE c.article_id = a.id)"
    )


def downgrade() -> None:
    """Drop ``cluster_pending`` (the anti-join finds the same articles again)."""
    op.drop_table("cluster_pending")
