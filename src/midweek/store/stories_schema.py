"""Tables of incremental story clustering, on the same ``metadata`` as the rest.

``cluster_state`` holds the online clusterer's stream header (one row: version, clock,
counts), and the rest of its state is rows, so a run reads what it needs and writes what
it changed: ``cluster_open`` one row per open cluster (deleted when it closes),
``cluster_terms`` the document frequency of each term per language (a run reads its new
articles' terms only), ``cluster_stories`` the story (union-find root) of every cluster
ever opened (indexed by story, so a story's closed clusters are found without reading the
others); ``article_clusters`` remembers the monolingual
cluster of every article ever clustered, so a story can be rebuilt when a later article
links its clusters across languages; ``cluster_pending`` names the articles no run has
looked at yet (one row per article, written in the transaction that stores it, deleted in
the one that clusters or sets it aside), so a run finds its new articles by that table's
key instead of scanning the archive. ``story_figures`` holds, one row per story, the
figures of :class:`~midweek.models.Story` beyond the ``stories`` columns: a representative
headline per language and the growth series (a row of its own so every writer of
``stories`` keeps working; a story without one simply has no figures yet).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, LargeBinary, String, Table, Text

from midweek.store.schema import UTCDateTime, metadata

__all__ = [
    "article_clusters",
    "cluster_open",
    "cluster_pending",
    "cluster_state",
    "cluster_stories",
    "cluster_terms",
    "story_figures",
]

cluster_state = Table(
    "cluster_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one stream per store
    Column("state", JSON, nullable=False),  # the header (ClusterState.header_json)
    Column("updated_at", UTCDateTime, nullable=False),
)

cluster_open = Table(
    "cluster_open",
    metadata,
    Column("cluster_id", Integer, primary_key=True, autoincrement=False),
    Column("state", JSON, nullable=False),  # the cluster's fields but its dense sum
    Column("dense", LargeBinary, nullable=True),  # float32 little-endian; NULL: no vector
    Column("newest", Float, nullable=True),  # days since the epoch (for inspection)
)

cluster_terms = Table(
    "cluster_terms",
    metadata,
    Column("lang", String(35), primary_key=True),
    Column("term", Text, primary_key=True),
    Column("df", Integer, nullable=False),
)

cluster_stories = Table(
    "cluster_stories",
    metadata,
    Column("cluster_id", Integer, primary_key=True, autoincrement=False),
    Column("story_id", Integer, nullable=False, index=True),
)

article_clusters = Table(
    "article_clusters",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", Integer, nullable=False, index=True),
)

# The articles a run has still to look at: written with the article (Store.add_articles),
# again when an editor marks an unclustered article news (store.desk.set_article_kind),
# deleted by the run that clusters it or sets it aside (migration 0012)
cluster_pending = Table(
    "cluster_pending",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
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
