"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from midweek.store import editor_schema, open_store, site_schema, stories_schema
from midweek.store.schema import metadata

# every module that declares tables on the shared metadata
SCHEMAS = (editor_schema, site_schema, stories_schema)


def _differences(url: str, declared: sqlalchemy.MetaData) -> list[Any]:
    """What Alembic's autogenerate finds between the migrated database and ``declared``.

    Column types are compared (``compare_type``): a column whose type changed in the code
    without a migration, or the other way round, is a difference.
    """
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return [
                d
                for d in compare_metadata(context, declared)
                # full-text search lives outside the declared tables: SQLite's FTS5 table
                # (and its shadow tables), PostgreSQL's GIN expression index
                if not (
                    isinstance(d, tuple)
                    and d[0] in {"remove_table", "remove_index"}
                    and "articles_fts" in d[1].name
                )
            ]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_declared_tables(store_url: str) -> None:
    open_store(store_url).close()  # runs every migration up to head
    differences = _differences(store_url, metadata)
    assert differences == [], "\n".join(map(str, differences))


@pytest.mark.parametrize(
    ("column", "drifted"),
    [("title", sqlalchemy.Integer()), ("kind", sqlalchemy.String(64))],
    ids=["text-to-integer", "longer-string"],
)
def test_the_comparison_sees_a_column_type_drift(
    store_url: str, column: str, drifted: sqlalchemy.types.TypeEngine[Any]
) -> None:
    # the guard of the test above: a declared type the migrations never made is reported
    open_store(store_url).close()
    declared = sqlalchemy.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(declared)
    declared.tables["sources"].c[column].type = drifted
    differences = _differences(store_url, declared)
    changed = [
        change
        for d in differences
        if isinstance(d, list)
        for change in d
        if change[0] == "modify_type" and change[2:4] == ("sources", column)
    ]
    assert len(changed) == 1, differences
