"""Shared fixtures: where the real evaluation data lives, and small helpers."""

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
# The evaluation data sits beside the checkout (../shared/data), in CI as in development.
SHARED_DATA = Path(os.environ.get("MIDWEEK_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real data sets; a missing folder is an error, not a skip."""
    if not SHARED_DATA.is_dir():
        raise RuntimeError(f"evaluation data not found at {SHARED_DATA}; set MIDWEEK_SHARED_DATA")
    return SHARED_DATA


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
