"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from midweek.store import editor_schema, open_store, site_schema, stories_schema
from midweek.store.schema import metadata

# every module that declares tables on the shared metadata
SCHEMAS = (editor_schema, site_schema, stories_schema)


def test_migrated_schema_matches_the_declared_tables(store_url: str) -> None:
    open_store(store_url).close()  # runs every migration up to head
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = [
                d
                for d in compare_metadata(context, metadata)
                # full-text search lives outside the declared tables: SQLite's FTS5 table
                # (and its shadow tables), PostgreSQL's GIN expression index
                if not (d[0] in {"remove_table", "remove_index"} and "articles_fts" in d[1].name)
            ]
    finally:
        engine.dispose()
    assert differences == [], "\n".join(map(str, differences))
