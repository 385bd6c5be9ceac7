"""Persistence: schema, migrations and queries (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from midweek.store.db import ArticleRow, Store, StoredReview, open_store, quote_fts_query

__all__ = ["ArticleRow", "Store", "StoredReview", "open_store", "quote_fts_query"]
