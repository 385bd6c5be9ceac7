"""Tables of incremental story clustering, on the same ``metadata`` as the rest.

``cluster_state`` holds the online clusterer's saved state (one row), so a run resumes
the stream where the last one stopped; ``article_clusters`` remembers the monolingual
cluster of every article ever clustered, so a story can be rebuilt when a later article
links its clusters across languages.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, Table

from midweek.store.schema import UTCDateTime, metadata

__all__ = ["article_clusters", "cluster_state"]

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
