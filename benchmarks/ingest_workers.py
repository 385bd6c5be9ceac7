"""Ingest throughput on a local Dask cluster (1 and 2 workers) against the single process.

(Not named distributed.py: a script's folder comes first on sys.path, and that name would
shadow the ``distributed`` package it imports.)

Two real corpora from ../shared/data, each ingested into a fresh PostgreSQL database per
mode, the modes run one after another in the same run:

* ``pages``: saved HTML pages of the extraction sets (a folder import): extraction,
  language id, keys and MinHash per page; the heavy case.
* ``posts``: Russian Telegram posts as JSONL without a language: language id, keys and
  MinHash only; the light case, where a task's own round trip matters.

Modes: ``single`` (today's path: ``extract_workers`` extraction processes, preparation
and writing in the calling process), ``dask-1`` and ``dask-2`` (LocalCluster workers, one
thread each, extraction in a child process of each worker; preparation on the workers;
the calling process writes). Cluster start-up is timed apart and not counted; the warm-up
(extraction children, models) is counted in every mode, as in a real run.

It also measures, for the projection to 10^6 articles a week:

* the CPU seconds per article of the worker stages (the task function run in this
  process, extraction in-thread), and
* the writer's rate: already-prepared rows through the same :class:`Ingestor` into
  PostgreSQL (dedupe lookups and batched inserts), the part that stays one process.

    python benchmarks/ingest_workers.py --pages 600 --posts 3000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask
import psycopg
from distributed import Client, LocalCluster

from midweek.distributed import DaskStages, prepare_items
from midweek.models import Article, Page
from midweek.pipeline import Ingestor, extract_page, ingest_file, prepare_article
from midweek.settings import Settings, load_settings
from midweek.sources.imports import iter_import
from midweek.store import ArticleRow, open_store

SETS = (
    "article-extraction-scrapinghub",
    "article-extraction-trafilatura-eval",
    "article-extraction-wcxb-2025",
    "article-extraction-fundus-publishers",
)
PG_ADMIN = os.environ.get("MIDWEEK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
WEEK_S = 6 * 3600.0  # a week's articles processed within six hours
WEEK_ARTICLES = 1_000_000


@contextmanager
def local_cluster(workers: int) -> Iterator[Client]:
    """A client of ``workers`` local worker processes of one thread each, allowed to start
    children (extraction runs in one), on 127.0.0.1."""
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _now() -> datetime:
    return datetime(2020, 1, 8, 12, tzinfo=UTC)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards)."""
    name = f"midweek_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            + "/"
            + name
        )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_pages(data: Path, limit: int, folder: Path) -> Path:
    """Copy ``limit`` distinct saved pages into ``folder``."""
    count = 0
    for name in SETS:
        for path in sorted((data / name).rglob("*.htm*")):
            if count >= limit:
                return folder
            suffix = ".html.gz" if path.suffix == ".gz" else ".html"
            shutil.copyfile(path, folder / f"{count:05d}{suffix}")
            count += 1
    return folder


def write_posts(data: Path, limit: int, path: Path) -> Path:
    """``limit`` Russian Telegram posts as JSONL, without a language (it is detected)."""
    source = data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    written = 0
    with gzip.open(source, "rt", encoding="utf-8") as fh, gzip.open(path, "wt") as out:
        for line in fh:
            post = json.loads(line)
            text = post.get("text_ru") or ""
            if len(text) < 80:
                continue
            record = {
                "url": f"https://t.me/{post['channel']}/{post['id']}",
                "title": text.split("\n", 1)[0][:120],
                "text": text,
                "published": post["published"].replace(" ", "T") + "+05:00",
                "source": post["channel"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            if written >= limit:
                break
    return path


def run_mode(mode: str, corpus: Path, settings: Settings, client: Client | None) -> dict[str, Any]:
    """Ingest ``corpus`` into a fresh database; wall time, writer CPU and counts."""
    with fresh_database() as url:
        run_settings = replace(settings, database_url=url)
        store = open_store(url)
        stages = DaskStages(client, run_settings) if client is not None else None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if stages is not None:
            stages.warm_up()  # what open_stages does: extraction children, models
        summary = ingest_file(store, corpus, run_settings, _now, stages=stages)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        stored = store.count_articles()
        store.close()
    done = summary.new + summary.duplicates + summary.failed
    return {
        "mode": mode,
        "items": done,
        "new": summary.new,
        "reprints": summary.reprints,
        "failed": summary.failed,
        "stored": stored,
        "wall_s": round(wall, 2),
        "items_per_s": round(done / wall, 1),
        "caller_cpu_s": round(cpu, 2),
        "failure_reasons": dict(summary.reasons.most_common()),
    }


def stage_cpu(corpus: Path, sample: int) -> float:
    """CPU seconds per item of the worker stages, run in this process (extraction
    in-thread, so this process's own CPU clock counts all of it)."""
    items = [i for i in iter_import(corpus) if isinstance(i, Page | Article)][:sample]

    def work(item: Page | Article) -> None:
        article = extract_page(item) if isinstance(item, Page) else item
        if isinstance(article, Article):
            prepare_article(article)

    for item in items[:2]:  # load the models first, as a worker's warm-up does
        work(item)
    cpu0 = time.process_time()
    for item in items:
        work(item)
    return (time.process_time() - cpu0) / max(1, len(items))


def writer_rate(corpus: Path, settings: Settings, limit: int) -> dict[str, float]:
    """Rows per second the single writer stores when every row comes prepared."""
    items = [i for i in iter_import(corpus) if isinstance(i, Article)][:limit]
    rows = [r for r in prepare_items(items, 30.0, 1024) if isinstance(r, ArticleRow)]
    with fresh_database() as url:
        store = open_store(url)
        ingestor = Ingestor(store, _now, horizon_days=settings.dedupe_horizon_days)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        ingestor.add(rows)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        store.close()
    return {
        "rows": len(rows),
        "rows_per_s": round(len(rows) / wall, 1),
        "writer_cpu_ms_per_row": round(1000 * cpu / len(rows), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parent.parent.parent / "shared" / "data"
    )
    args = parser.parse_args()
    data = Path(os.environ.get("MIDWEEK_SHARED_DATA") or args.data)
    tmp = Path(tempfile.mkdtemp(prefix="midweek-dist-"))
    try:
        pages_dir = tmp / "pages"
        pages_dir.mkdir()
        corpora = {
            "pages": write_pages(data, args.pages, pages_dir),
            "posts": write_posts(data, args.posts, tmp / "posts.jsonl.gz"),
        }
        settings = replace(load_settings(tmp, environ={}), extract_workers=2)
        results: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_before": os.getloadavg()}
        for name, corpus in corpora.items():
            rows = [run_mode("single", corpus, settings, None)]
            print(json.dumps({name: rows[0]}), file=sys.stderr, flush=True)
            for workers in (1, 2):
                started = time.perf_counter()
                with local_cluster(workers) as client:
                    client.run(os.getpid)
                    up = time.perf_counter() - started
                    row = run_mode(f"dask-{workers}", corpus, settings, client)
                    row["cluster_start_s"] = round(up, 2)
                    rows.append(row)
                    print(json.dumps({name: row}), file=sys.stderr, flush=True)  # as it comes
            base = rows[0]["items_per_s"]
            for row in rows:
                row["ratio_to_single"] = round(row["items_per_s"] / base, 2)
            results[name] = rows
            results[f"{name}_stage_cpu_ms"] = round(1000 * stage_cpu(corpus, 200), 2)
        results["writer"] = writer_rate(corpora["posts"], settings, args.posts)
        need = WEEK_ARTICLES / WEEK_S
        results["projection"] = {
            "articles_per_s_needed": round(need, 1),
            "worker_cores_needed_pages": round(need * results["pages_stage_cpu_ms"] / 1000, 1),
            "worker_cores_needed_posts": round(need * results["posts_stage_cpu_ms"] / 1000, 1),
            "writer_headroom": round(results["writer"]["rows_per_s"] / need, 2),
        }
        results["load_after"] = os.getloadavg()
        print(json.dumps(results, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
