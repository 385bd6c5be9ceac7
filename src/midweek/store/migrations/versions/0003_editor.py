"""Editor's desk: users, sessions, login failures, the audit log, generated bodies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from midweek.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the desk's tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "editor_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_editor_sessions_expires_at", "editor_sessions", ["expires_at"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(192), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("locked_until", UTCDateTime),
    )
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "review_id",
            sa.Integer,
            sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_index("ix_review_audit_review_id", "review_audit", ["review_id"])
    op.create_table(
        "reviews_generated",
        sa.Column(
            "review_id",
            sa.Integer,
            sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("saved_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop the desk's tables."""
    op.drop_table("reviews_generated")
    op.drop_index("ix_review_audit_review_id", "review_audit")
    op.drop_table("review_audit")
    op.drop_table("login_failures")
    op.drop_index("ix_editor_sessions_expires_at", "editor_sessions")
    op.drop_table("editor_sessions")
    op.drop_table("users")
