"""Tables of incremental story clustering, on the same ``metadata`` as the rest.

``cluster_state`` holds the online clusterer's saved state (one row), so a run resumes
the stream where the last one stopped; ``article_clusters`` remembers the monolingual
cluster of every article ever clustered, so a story can be rebuilt when a later article
links its clusters across languages. ``story_figures`` holds, one row per story, the
figures of :class:`~midweek.models.Story` beyond the ``stories`` columns: a representative
headline per language and the growth series (a row of its own so every writer of
``stories`` keeps working; a story without one simply has no figures yet).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, Table

from midweek.store.schema import UTCDateTime, metadata

__all__ = ["article_clusters", "cluster_state", "story_figures"]

cluster_state = Table(
    "cluster_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one stream per store
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

article_clusters = Table(
    "article_clusters",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", Integer, nullable=False, index=True),
)

story_figures = Table(
    "story_figures",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    # [[language tag, headline], ...] sorted by tag (a list keeps the order on every backend)
    Column("headlines", JSON, nullable=False),
    Column("growth", JSON, nullable=False),  # [count per bucket, ...]
    Column("growth_hours", Integer, nullable=False),  # bucket width; 0 when no series
)
