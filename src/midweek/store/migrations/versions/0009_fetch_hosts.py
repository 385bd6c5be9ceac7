"""Fetch hosts: when each host may be fetched again, shared by every ingest worker.

One row per host, taken with a row lock by an upsert (``midweek.distributed``), so
processes on many machines keep one per-host gap between requests. The time is the
database server's clock (seconds since the epoch), so workers' clocks need not agree.
The table is created on SQLite too (the schema is the same on both backends), where a
single process never reads it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``fetch_hosts``."""
    op.create_table(
        "fetch_hosts",
        sa.Column("host", sa.String(253), primary_key=True),
        sa.Column("next_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Drop ``fetch_hosts``."""
    op.drop_table("fetch_hosts")
