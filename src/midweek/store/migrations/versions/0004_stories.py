"""Incremental story clustering: the clusterer's state and each article's cluster.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from midweek.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create cluster_state and article_clusters."""
    op.create_table(
        "cluster_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "article_clusters",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cluster_id", sa.Integer, nullable=False, index=True),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("article_clusters")
    op.drop_table("cluster_state")
