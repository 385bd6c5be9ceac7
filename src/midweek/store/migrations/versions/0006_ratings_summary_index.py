"""Ratings: a covering index for the review page's count and mean.

The review page computes its rating count and mean from the rows on every request
(``midweek.store.site.review_for_reader``); with (review_id, stars) indexed both come from
the index alone instead of one table lookup per rating.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index ratings by (review_id, stars)."""
    op.create_index("ix_ratings_review_stars", "ratings", ["review_id", "stars"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_ratings_review_stars", table_name="ratings")
