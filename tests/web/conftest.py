"""Fixtures of the site's tests: a store filled by the real demo path, and a client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from midweek.store import Store, open_store
from web.sitehelpers import NOW, SLUG, Client, make_app


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the demo's ingest and its published review (built once)."""
    from midweek.demo import DEMO_CREDITS, run_demo
    from midweek.settings import load_settings

    folder = tmp_path_factory.mktemp("demo")
    settings = load_settings(folder, environ={})
    store = open_store(settings.database_url)
    run_demo(store, settings, folder / "out", lambda: NOW)
    stored = store.get_review(SLUG)
    assert stored is not None and stored.body["credits"] == DEMO_CREDITS
    assert stored.status == "published"  # the demo publishes what it builds
    with store.engine.connect() as conn:  # fold the WAL into the file so a copy is whole
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return folder / "midweek.db"


@pytest.fixture
def demo_store(demo_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the demo store, migrated to the newest schema."""
    path = tmp_path / "site.db"
    shutil.copyfile(demo_db, path)
    store = open_store(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture
def client(demo_store: Store) -> Iterator[Client]:
    """An in-process client of the site on the demo store."""
    c = Client(make_app(demo_store))
    yield c
    c.close()
