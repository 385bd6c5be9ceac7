"""Story figures: a representative headline per language and the growth series.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create story_figures (stories clustered before it get theirs when next rebuilt)."""
    op.create_table(
        "story_figures",
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("headlines", sa.JSON, nullable=False),
        sa.Column("growth", sa.JSON, nullable=False),
        sa.Column("growth_hours", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop story_figures."""
    op.drop_table("story_figures")
