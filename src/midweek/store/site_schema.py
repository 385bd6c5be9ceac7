"""Tables of the reader-facing site, on the same ``metadata`` as :mod:`midweek.store.schema`.

One rating per reader per review is a schema fact (``UNIQUE(review_id, reader_id)``), not
a check in code: a check-then-insert races (siv-org #318), a unique key plus an upsert does
not. Stars are held to 1..5 by a CHECK so no path can store a negative or huge vote
(throat #250).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from midweek.store.schema import UTCDateTime, metadata

__all__ = ["READER_ID_LENGTH", "ratings"]

# A reader id is 32 hex characters (128 random bits, see midweek.web.security); the column
# leaves room for a longer format later without a migration.
READER_ID_LENGTH = 64

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "review_id",
        Integer,
        ForeignKey("reviews.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("reader_id", String(READER_ID_LENGTH), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("review_id", "reader_id", name="uq_ratings_review_reader"),
    CheckConstraint("stars BETWEEN 1 AND 5", name="ck_ratings_stars"),
    # the page's count and mean read the index alone (migration 0006)
    Index("ix_ratings_review_stars", "review_id", "stars"),
)
