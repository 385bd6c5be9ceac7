"""Shared fixtures: where the real evaluation data lives, and small helpers.

The evaluation data is found in ONE place, here: the folder ``MIDWEEK_SHARED_DATA``
names, else ``../shared/data`` beside the repository root. No test module reads it at
import time; tests ask for the :func:`shared_data` fixture (or call
:func:`require_shared_data`). When the folder is missing those tests are skipped with a
reason that names ``MIDWEEK_SHARED_DATA``, and the session header says so; with
``CI=true`` the session stops with that message instead, so CI never passes by skipping.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from midweek.models import Article

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The evaluation data sits beside the checkout (../shared/data) unless the variable says.
SHARED_DATA = Path(
    os.environ.get("MIDWEEK_SHARED_DATA") or REPO.parent / "shared" / "data"
).resolve()
SHARED_DATA_MISSING = (
    f"evaluation data not found at {SHARED_DATA}: set MIDWEEK_SHARED_DATA to the folder "
    "that holds the shared data sets (e.g. MIDWEEK_SHARED_DATA=/path/to/shared/data)"
)


def in_ci() -> bool:
    """Whether the tests run in CI (``CI=true``), where missing data fails."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_shared_data() -> Path:
    """The shared data folder; a skip (a failure in CI) naming MIDWEEK_SHARED_DATA if absent."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if in_ci():
        pytest.fail(SHARED_DATA_MISSING, pytrace=False)
    pytest.skip(SHARED_DATA_MISSING)


def pytest_configure(config: pytest.Config) -> None:
    """In CI, stop before collecting when the shared data is missing."""
    if in_ci() and not SHARED_DATA.is_dir():
        raise pytest.UsageError(SHARED_DATA_MISSING)


def pytest_report_header(config: pytest.Config) -> str:
    """Say where the shared data is, or that it is missing and how to point at it."""
    if SHARED_DATA.is_dir():
        return f"shared data: {SHARED_DATA}"
    return f"shared data: MISSING; tests that need it are skipped: {SHARED_DATA_MISSING}"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real data sets (skipped, or failed in CI, when it is missing)."""
    return require_shared_data()


def read_gz(path: Path) -> bytes:
    """Return the decompressed bytes of a .gz fixture."""
    with gzip.open(path, "rb") as fh:
        return fh.read()


@pytest.fixture(scope="session")
def wikinews(shared_data: Path) -> list[Article]:
    """The English Wikinews demo set as articles with ids."""
    path = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    return [
        Article(
            url=r["url"],
            title=r["title"],
            text=r["text"],
            published=datetime.fromisoformat(r["published"]).replace(tzinfo=UTC),
            lang="en",
            outlet=r["source"],
            id=i + 1,
        )
        for i, r in enumerate(records)
    ]


# PostgreSQL: the server CI starts on 127.0.0.1:5432 (trust auth). Each test session
# gets a database of its own, dropped at the end, so runs never see each other's rows.
PG_ADMIN_URL = os.environ.get("MIDWEEK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty PostgreSQL database for this session."""
    import uuid

    import psycopg

    name = f"midweek_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'midweek.db'}"
        return
    import sqlalchemy

    url = request.getfixturevalue("pg_server_url")
    yield url
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:  # leave the database empty for the next test
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


def telegram_records(shared_data: Path, limit: int, min_chars: int) -> list[dict[str, object]]:
    """Russian telegram posts (gazeta.uz, podrobno.uz) as import records, in file order."""
    path = shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    out: list[dict[str, object]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            text = post.get("text_ru") or ""
            if len(text) < min_chars:
                continue
            out.append(
                {
                    "url": f"https://t.me/{post['channel']}/{post['id']}",
                    "title": text.split("\n", 1)[0][:120],
                    "text": text,
                    "published": post["published"].replace(" ", "T") + "+05:00",
                    "lang": "ru",
                    "source": post["channel"],
                }
            )
            if len(out) >= limit:
                break
    return out
