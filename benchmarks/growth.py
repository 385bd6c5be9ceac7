"""How the cost of ingest -> cluster -> review grows with the archive (issue 16 item 4).

    PYTHONPATH=src .venv/bin/python benchmarks/growth.py [--sizes 1000 10000 100000]

Each size is a fresh SQLite store filled with the real Russian Telegram posts of
../shared/data (9,032 posts over 18 months), replayed as many times as the size needs:
copy k is shifted k spans later (the archive grows, a week's news stays a week's news)
and has every fourth word replaced by a copy-specific token, so that neither the exact
keys nor MinHash (word 3-shingles: estimated Jaccard about 0.3 < 0.55) drops it as a
reprint. Stages run as the CLI runs them, each in its own process: `ingest --file`,
`cluster` (lexical), `cluster` again with nothing new, then `ingest --file` of the
next ``--more`` posts of the replay (later than all the others) and `cluster` of those
(the incremental run: its cost should follow the new posts and the stories they touch,
not the archive), `review` of the last Monday to Wednesday-noon window. For each: wall
seconds and the process's peak RSS (``os.wait4``); then the exponent b of cost ~ size^b
between successive sizes. Memory of cluster and review should stay flat in the archive
size (they read the open stories and the window), ingest's time should grow linearly.
After the incremental run it prints a digest (SHA-256) of the stored stories (each
story's sorted article ids): two versions of midweek that cluster alike print the same.

``PYTHONPATH`` is made absolute for the stages (they run in a temporary folder).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"


def replay(data: Path, size: int, path: Path, start: int = 0) -> datetime:
    """Write import records ``start`` to ``size - 1``; return the newest published time."""
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        posts = [p for p in map(json.loads, fh) if (p.get("text_ru") or "").strip()]
    posts.sort(key=lambda p: p["published"])
    first = datetime.fromisoformat(posts[0]["published"])
    span = datetime.fromisoformat(posts[-1]["published"]) - first + timedelta(days=7)
    newest = first
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for n in range(start, size):
            copy, post = divmod(n, len(posts))
            p = posts[post]
            words = p["text_ru"].split()
            if copy:
                words = [f"k{copy}w{i}" if i % 4 == 3 else w for i, w in enumerate(words)]
            when = datetime.fromisoformat(p["published"]) + copy * span
            newest = max(newest, when)
            record = {
                "url": f"https://t.me/{p['channel']}/{p['id']}?copy={copy}",
                "title": "",
                "text": " ".join(words),
                "published": when.isoformat() + "+05:00",
                "lang": "ru",
                "source": p["channel"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return newest


def stories_digest(db: Path) -> str:
    """SHA-256 of the stored stories, each as its sorted article ids, sorted."""
    conn = sqlite3.connect(db)
    try:
        members: dict[int, list[int]] = {}
        for story, article in conn.execute("SELECT story_id, article_id FROM story_articles"):
            members.setdefault(story, []).append(article)
    finally:
        conn.close()
    stories = sorted(sorted(ids) for ids in members.values())
    return hashlib.sha256(json.dumps(stories).encode()).hexdigest()[:16]


def _drain(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Read a child's stdout and stderr to their ends at once (stderr on a thread), and close them.

    Reading one pipe to its end before the other deadlocks once the child fills the
    other pipe's buffer (64 KiB on Linux) and blocks writing to it.
    """
    assert proc.stdout is not None and proc.stderr is not None
    with proc.stdout, proc.stderr, ThreadPoolExecutor(max_workers=1) as pool:
        stderr = pool.submit(proc.stderr.read)
        stdout = proc.stdout.read()
        return stdout, stderr.result()


def run(args: list[str], cwd: Path) -> dict[str, Any]:
    """Run one CLI stage; its wall time and peak RSS."""
    started = time.perf_counter()
    # the stages run in a temporary folder: a relative PYTHONPATH ("src") would point
    # there and the stages would silently import the installed midweek instead
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(os.path.abspath(p) for p in paths if p)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "midweek", "--quiet", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = _drain(proc)
    # wait4, not communicate(): it reaps the child with its own peak RSS
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[2:4]} failed: {stderr.decode()[-2000:]}")
    return {
        "s": round(time.perf_counter() - started, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "out": stdout.decode()[-300:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument(
        "--more", type=int, default=200, help="posts of the incremental run (cluster_more)"
    )
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parent.parent.parent / "shared" / "data"
    )
    args = parser.parse_args()
    data = Path(os.environ.get("MIDWEEK_SHARED_DATA") or args.data)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="midweek-growth-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            corpus = folder / "posts.jsonl.gz"
            newest = replay(data, size, corpus)
            monday = (newest - timedelta(days=newest.weekday())).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            if newest < monday + timedelta(days=2, hours=12):
                monday -= timedelta(days=7)
            window = [
                "--from",
                monday.isoformat(),
                "--to",
                (monday + timedelta(days=2, hours=12)).isoformat(),
                "--tz",
                "Asia/Tashkent",
            ]
            db = ["--db", f"sqlite:///{folder / 'midweek.db'}"]
            row: dict[str, Any] = {"articles": size}
            row["ingest"] = run([*db, "ingest", "--file", str(corpus), "--json"], folder)
            row["cluster"] = run([*db, "cluster", "--json"], folder)
            row["cluster_nothing_new"] = run([*db, "cluster", "--json"], folder)
            more = folder / "more.jsonl.gz"
            replay(data, size + args.more, more, start=size)
            run([*db, "ingest", "--file", str(more), "--json"], folder)
            row["cluster_more"] = run([*db, "cluster", "--json"], folder)
            row["stories_digest"] = stories_digest(folder / "midweek.db")
            review = [*db, "review", *window, "--lang", "ru", "--format", "json"]
            row["review"] = run([*review, "--out", str(folder / "review.json")], folder)
            row["db_mib"] = round((folder / "midweek.db").stat().st_size / 2**20, 1)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    stages = ("ingest", "cluster", "cluster_nothing_new", "cluster_more", "review")
    print(
        "| stage | "
        + " | ".join(f"{r['articles']:,}: s, peak MiB" for r in rows)
        + " | exponents (time; memory) |"
    )
    print("|---|" + "---|" * (len(rows) + 1))
    for stage in stages:
        cells = [f"{r[stage]['s']}, {r[stage]['peak_mib']}" for r in rows]
        slopes = []
        for a, b in itertools.pairwise(rows):
            ratio = math.log(b["articles"] / a["articles"])
            t = math.log(max(b[stage]["s"], 1e-3) / max(a[stage]["s"], 1e-3)) / ratio
            m = math.log(b[stage]["peak_mib"] / a[stage]["peak_mib"]) / ratio
            slopes.append(f"{t:.2f}; {m:.2f}")
        print(f"| {stage} | " + " | ".join(cells) + f" | {' / '.join(slopes)} |")
    for r in rows:
        print(f"{r['articles']:,} + {args.more}: stories digest {r['stories_digest']}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
