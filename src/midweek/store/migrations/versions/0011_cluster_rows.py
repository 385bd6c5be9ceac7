"""The clusterer's state as rows: open clusters, term frequencies, each cluster's story.

Until now the whole state was one JSON value in ``cluster_state``, read and written whole
by every run (hundreds of MiB at 10⁵ articles). From here ``cluster_state`` holds the
stream's header only, and a run reads the open clusters and its new articles' terms and
writes back what it changed (``midweek.cluster.ClusterState.from_parts`` / ``changes``).
A state saved before (version 4) stays in ``cluster_state`` and is refused with advice,
as any state of another version is. ``story_articles`` gains an index by article: each
run looks up the stories its articles were in.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``cluster_open``, ``cluster_terms``, ``cluster_stories`` and the index."""
    op.create_table(
        "cluster_open",
        sa.Column("cluster_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("dense", sa.LargeBinary, nullable=True),
        sa.Column("newest", sa.Float, nullable=True),
    )
    op.create_table(
        "cluster_terms",
        sa.Column("lang", sa.String(35), primary_key=True),
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
    )
    op.create_table(
        "cluster_stories",
        sa.Column("cluster_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("story_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_cluster_stories_story_id", "cluster_stories", ["story_id"])
    op.create_index("ix_story_articles_article_id", "story_articles", ["article_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_story_articles_article_id", "story_articles")
    op.drop_index("ix_cluster_stories_story_id", "cluster_stories")
    op.drop_table("cluster_stories")
    op.drop_table("cluster_terms")
    op.drop_table("cluster_open")
