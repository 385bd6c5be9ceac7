"""Logins: back-off per (name, network) instead of a lock per name.

``login_failures`` counted failures per name and per address and locked a name for 15
minutes after ten, so anyone could lock an editor out from anywhere, and it counted after
the password check, so concurrent attempts raced past the limit. ``login_throttle``
counts admitted password checks per (subject, network), upserted and read in the same
transaction as the decision (midweek.store.users.authenticate).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from midweek.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace ``login_failures`` by ``login_throttle`` (open locks are dropped with it)."""
    op.create_table(
        "login_throttle",
        sa.Column("subject", sa.String(72), nullable=False),
        sa.Column("network", sa.String(72), nullable=False),
        sa.Column("checks", sa.Integer, nullable=False),
        sa.Column("last_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("subject", "network", name="pk_login_throttle"),
    )
    op.create_index("ix_login_throttle_last_at", "login_throttle", ["last_at"])
    op.drop_table("login_failures")


def downgrade() -> None:
    """Bring ``login_failures`` back, empty, and drop ``login_throttle``."""
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(192), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("locked_until", UTCDateTime),
    )
    op.drop_index("ix_login_throttle_last_at", table_name="login_throttle")
    op.drop_table("login_throttle")
