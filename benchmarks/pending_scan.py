"""How `cluster` finds its new articles: the anti-join over the archive against ``cluster_pending``.

    PYTHONPATH=src .venv/bin/python benchmarks/pending_scan.py [--sizes 1000 10000 100000]
        [--new 0 200] [--aside 0.18] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

For each backend and archive size, a migrated store is filled in SQL with ``size`` articles
(a 1,000-character text each, as a Telegram post), of which the share ``--aside`` is
set aside (``kind = 'advert'``) and the rest were clustered (an ``article_clusters`` row),
then ``new`` more articles no run has seen (a ``cluster_pending`` row each). Then, best of
``--rounds``, alternating, what a run reads to find its work:

- before: the anti-join of main at eb9779a (``articles LEFT JOIN article_clusters ... IS
  NULL``): every article is visited, and the set-aside ones come back on every run;
- after: :func:`midweek.store.stories.unclustered_articles` through ``cluster_pending``
  (a run deletes the rows of what it clustered or set aside).

Each time includes turning the rows into ``Article`` values. PostgreSQL runs in a database
of its own (created and dropped here) on the server of ``--pg``, after ``ANALYZE``
(SQLite: none, as a real store has none).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from midweek.models import Article
from midweek.store import Store, open_store, schema
from midweek.store.db import article_from_row
from midweek.store.stories import unclustered_articles
from midweek.store.stories_schema import article_clusters, cluster_pending

TEXT = ("Текст поста о событиях недели в Ташкенте и области. " * 20)[:1000]
NOW = datetime(2026, 12, 4, tzinfo=UTC)


def before(store: Store) -> list[Article]:
    """The query of main at eb9779a: an anti-join over every stored article."""
    a = schema.articles
    stmt = (
        select(a)
        .outerjoin(article_clusters, article_clusters.c.article_id == a.c.id)
        .where(article_clusters.c.article_id.is_(None))
        .order_by(func.coalesce(a.c.published, a.c.ingested_at), a.c.id)
    )
    with store.engine.connect() as conn:
        return [article_from_row(row) for row in conn.execute(stmt)]


def fill(store: Store, size: int, new: int, aside: float) -> None:
    """``size`` archived articles (clustered or set aside), then ``new`` waiting ones."""
    every = max(1, round(1 / aside)) if aside > 0 else 0
    rows: list[dict[str, Any]] = []
    clustered: list[dict[str, int]] = []
    pending: list[dict[str, int]] = []
    for n in range(1, size + new + 1):
        is_aside = n <= size and every and n % every == 0
        rows.append(
            {
                "id": n,
                "key": f"k{n}",
                "canonical_url": f"https://t.me/c/{n}",
                "url": f"https://t.me/c/{n}",
                "outlet": "c",
                "title": "",
                "description": "",
                "text": f"{n} {TEXT}",
                "authors": [],
                "published": NOW - timedelta(minutes=size + new - n),
                "ingested_at": NOW,
                "lang": "ru",
                "content_hash": f"{n:064x}",
                "kind": "advert" if is_aside else "news",
            }
        )
        if n > size:
            pending.append({"article_id": n})
        elif not is_aside:
            clustered.append({"article_id": n, "cluster_id": n})
    with store.write() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(schema.articles), rows[start : start + 5000])
        for start in range(0, len(clustered), 5000):
            conn.execute(insert(article_clusters), clustered[start : start + 5000])
        if pending:
            conn.execute(insert(cluster_pending), pending)
    if store.dialect == "postgresql":  # as autovacuum would after such a load; SQLite
        with store.engine.connect() as conn:  # stores are never analysed, nor here
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def timed(fn: Callable[[Store], list[Article]], store: Store) -> tuple[float, int]:
    """Seconds one read takes, and how many articles it found."""
    started = time.perf_counter()
    found = fn(store)
    return time.perf_counter() - started, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--new", type=int, nargs="+", default=[0, 200])
    parser.add_argument("--aside", type=float, default=0.18, help="share set aside (advert)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("MIDWEEK_TEST_PG_URL", ""))
    parser.add_argument("--tmp", default="/tmp")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    print("| backend | archive | new | before: s (rows) | after: s (rows) | before / after |")
    print("|---|---|---|---|---|---|")
    for backend in backends:
        for size in args.sizes:
            for new in args.new:
                url, cleanup = _store_url(backend, args)
                try:
                    store = open_store(url)
                    fill(store, size, new, args.aside)
                    times: dict[str, list[float]] = {"before": [], "after": []}
                    counts: dict[str, int] = {}
                    for _ in range(args.rounds):
                        for name, fn in (("before", before), ("after", unclustered_articles)):
                            seconds, count = timed(fn, store)
                            times[name].append(seconds)
                            counts[name] = count
                    store.close()
                finally:
                    cleanup()
                b, a = min(times["before"]), min(times["after"])
                print(
                    f"| {backend} | {size:,} | {new} | {b:.4f} ({counts['before']:,}) "
                    f"| {a:.4f} ({counts['after']:,}) | {b / a:.0f}× |",
                    flush=True,
                )
                print(
                    json.dumps({"backend": backend, "size": size, "new": new, **times}),
                    file=sys.stderr,
                )
    print(f"load average after: {os.getloadavg()}")


def _store_url(backend: str, args: argparse.Namespace) -> tuple[str, Callable[[], None]]:
    """A fresh store's URL and what removes it afterwards."""
    if backend == "sqlite":
        path = os.path.join(args.tmp, f"pending-scan-{uuid.uuid4().hex[:8]}.db")

        def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)

        return f"sqlite:///{path}", drop_file
    import psycopg

    admin = args.pg.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"midweek_pending_scan_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)

    def drop_db() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop_db


if __name__ == "__main__":
    main()
