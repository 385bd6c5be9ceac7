"""Review page throughput and latency under concurrent load, against a static file.

Builds the demo store (the bundled Wikinews corpus and its draft review) in a temporary
folder, starts ``uvicorn`` in a subprocess on 127.0.0.1 serving the site, and also serves
the review page's own HTML as a static file from the same server (a ``StaticFiles`` mount).
Then it sends the same bounded load to both from this process (threads, one keep-alive
``httpx.Client`` each, so each thread is one returning reader with a cookie) and prints
requests/s, p50 and p99 latency of each, their ratio, and the review page's weight
(HTML + CSS; the page has no JavaScript). The server's CPU time per request is printed
too: on 2 shared cores the load generator competes with the server, so requests/s
understates what the server alone would do.

``--repeat N`` measures page and static N times, alternating, in the same run;
``--interleave K`` adds N closed-loop measurements that alternate page and static every K
requests (so both meet the same passing load from other jobs on a shared machine).
``--ratings N`` first gives the review N ratings from distinct readers (the page computes
its count and mean from the rows on every request). ``--rate R`` adds an open-loop run
of each at a fixed R requests/s (each request is sent at its scheduled time and its
latency counts from then, so a stalled server cannot hide its queue). ``--with-ingest``
then loads the review page while an ingest of real pages from ``../shared/data`` (the
extraction sets, served by a local page server as in ``benchmarks/ingest.py``) writes to
the same SQLite store from another process, as a ``midweek ingest`` run beside
``midweek serve`` would: it reports the page's errors and latency during the ingest, and
the ingest's own outcome.

    python benchmarks/site.py --requests 2000 --concurrency 16
    python benchmarks/site.py --repeat 3 --rate 200 --with-ingest
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

logger = logging.getLogger(__name__)

# The server: the site plus the review's HTML as a static file, one uvicorn process.
SERVER = """
import sys, uvicorn
from starlette.staticfiles import StaticFiles
from midweek.store import open_store
from midweek.web.app import create_app
store = open_store(sys.argv[1])
app = create_app(store, secret_key="benchmark-secret-key-of-enough-length")
app.mount("/bench-static", StaticFiles(directory=sys.argv[2]), name="bench")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
"""
# The ingest beside the site: the whole midweek ingest path on one sitemap, one process.
INGEST = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Source
from midweek.pipeline import ingest_sources
from midweek.settings import load_settings
from midweek.store import open_store
settings = load_settings(Path(sys.argv[1]), environ={"MIDWEEK_SOURCE_MAX_ENTRIES": "1000000",
                                                     "MIDWEEK_SOURCE_BUDGET_S": "0"})
store = open_store(settings.database_url)
store.add_source(Source(sys.argv[2], "sitemap"), datetime.now(UTC))
origin = sys.argv[2].split("//", 1)[1].split("/", 1)[0]  # 127.0.0.1:PORT
policy = FetchPolicy(allow_hosts=(origin,), per_host_delay_s=0.0,
                     per_host_concurrency=settings.fetch_threads, respect_robots=False)
with Fetcher(policy) as fetcher:
    summary = ingest_sources(store, fetcher, settings, lambda: datetime.now(UTC))
store.close()
print(json.dumps(summary.as_dict()))
"""
WARMUP_REQUESTS = 100
# Requests per load round while the ingest runs: short rounds, so the page is measured
# through the whole ingest rather than only at its start.
INGEST_ROUND_REQUESTS = 200


def build_store(folder: Path) -> tuple[str, str]:
    """Run the demo into ``folder``; return the database URL and the review's slug."""
    from midweek.demo import run_demo
    from midweek.settings import load_settings
    from midweek.store import open_store

    settings = load_settings(folder, environ={})
    store = open_store(settings.database_url)
    try:
        result = run_demo(store, settings, folder / "out", lambda: datetime.now(UTC))
        [review] = store.list_reviews()
    finally:
        store.close()
    logger.info("demo review: %s", result.title)
    return settings.database_url, review.slug


def seed_ratings(db_url: str, slug: str, count: int) -> None:
    """Give the review ``count`` ratings from distinct readers (1–5 stars in turn)."""
    from sqlalchemy import insert

    from midweek.store import open_store
    from midweek.store.site_schema import ratings

    store = open_store(db_url)
    try:
        review = store.get_review(slug)
        assert review is not None
        now = datetime.now(UTC)
        rows = [
            {
                "review_id": review.id,
                "reader_id": f"{i:032x}",
                "stars": 1 + i % 5,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        with store.engine.begin() as conn:
            conn.execute(insert(ratings), rows)
    finally:
        store.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, deadline_s: float = 30.0) -> None:
    """Poll the server until it answers."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if httpx.get(base + "/", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def load(url: str, requests: int, concurrency: int, rate: float | None = None) -> dict[str, Any]:
    """:func:`timed` summarized: requests/s, p50, p99 and errors."""
    return summarize(*timed(url, requests, concurrency, rate))


def timed(
    url: str, requests: int, concurrency: int, rate: float | None = None
) -> tuple[list[float], int, float]:
    """Send ``requests`` GETs to ``url`` from ``concurrency`` threads; time each.

    With ``rate``, the threads send on a fixed schedule (``rate`` requests/s in all) and a
    request's latency counts from its scheduled time (no coordinated omission); without,
    each thread sends its next request as soon as the last one is answered.
    """
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    share, extra = divmod(requests, concurrency)
    per_thread = [share + (i < extra) for i in range(concurrency)]
    begin = [0.0]
    # every thread has its cookie before the clock starts, and all start at one moment
    ready = threading.Barrier(concurrency, action=lambda: begin.__setitem__(0, time.perf_counter()))

    def worker(index: int, count: int) -> None:
        """One keep-alive client (one reader) sending ``count`` requests."""
        mine = []
        bad = 0
        with httpx.Client(timeout=30.0) as client:
            client.get(url)  # this reader's cookie, before the clock runs
            ready.wait()
            for k in range(count):
                if rate:
                    due = begin[0] + (k * concurrency + index) / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                    start = due
                else:
                    start = time.perf_counter()
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - start)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(i, n)) for i, n in enumerate(per_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begin[0]
    return latencies, errors[0], wall


def summarize(latencies: list[float], errors: int, wall: float) -> dict[str, Any]:
    """Requests/s, p50 and p99 of a list of latencies (seconds) over ``wall`` seconds."""
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": round(len(ordered) / wall, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def measured(
    pid: int, url: str, requests: int, concurrency: int, rate: float | None = None
) -> dict[str, Any]:
    """:func:`load`, plus the server's CPU time per request over the run."""
    before = cpu_seconds(pid)
    result = load(url, requests, concurrency, rate)
    used = cpu_seconds(pid) - before
    result["server_cpu_ms_per_request"] = round(1000 * used / max(1, result["requests"]), 3)
    return result


def interleaved(
    pid: int, targets: dict[str, str], requests: int, concurrency: int, chunk: int
) -> dict[str, Any]:
    """Page and static in alternating chunks of ``chunk`` requests, ``requests`` each.

    Other jobs on a shared machine come and go within seconds; alternating in short
    chunks exposes both targets to the same conditions, where one block each may not.
    """
    times: dict[str, list[float]] = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    walls = dict.fromkeys(targets, 0.0)
    cpu = dict.fromkeys(targets, 0.0)
    for _ in range(max(1, requests // chunk)):
        for name, url in targets.items():
            before = cpu_seconds(pid)
            latencies, bad, wall = timed(url, chunk, concurrency)
            cpu[name] += cpu_seconds(pid) - before
            times[name].extend(latencies)
            errors[name] += bad
            walls[name] += wall
    report: dict[str, Any] = {}
    for name in targets:
        report[name] = summarize(times[name], errors[name], walls[name])
        report[name]["server_cpu_ms_per_request"] = round(
            1000 * cpu[name] / max(1, len(times[name])), 3
        )
    report["page_to_static_rps_ratio"] = round(report["page"]["rps"] / report["static"]["rps"], 3)
    return report


def under_ingest(
    folder: Path, targets: dict[str, str], pages: int, concurrency: int, rate: float | None
) -> dict[str, Any]:
    """Load page and static in alternating rounds while an ingest writes to the store."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ingest import collect_pages, serve  # the ingest benchmark's real pages and server

    data = Path(__file__).parents[1].parent / "shared" / "data"
    page_server, base = serve(collect_pages(data, pages), dated=False)
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    start = time.perf_counter()
    ingest = subprocess.Popen(
        [sys.executable, "-c", INGEST, str(folder), f"{base}/sitemap.xml"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        while ingest.poll() is None:
            for name, url in targets.items():
                rounds[name].append(load(url, INGEST_ROUND_REQUESTS, concurrency, rate))
        ingest_s = time.perf_counter() - start
        out, _ = ingest.communicate()
    finally:
        page_server.terminate()
    report: dict[str, Any] = {
        "ingest_exit_code": ingest.returncode,
        "ingest_seconds": round(ingest_s, 1),
        "ingest_pages_per_s": round(pages / ingest_s, 1),
        "ingest_summary": json.loads(out.strip().splitlines()[-1]) if out.strip() else None,
    }
    for name, results in rounds.items():
        report[name] = {
            "rounds": len(results),
            "requests": sum(r["requests"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "rps_per_round": [r["rps"] for r in results],
            "p50_ms_per_round": [r["p50_ms"] for r in results],
            "p99_ms_per_round": [r["p99_ms"] for r in results],
            "worst_p99_ms": max(r["p99_ms"] for r in results),
        }
    return report


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each, alternating")
    parser.add_argument("--rate", type=float, default=None, help="also run open-loop at R req/s")
    parser.add_argument(
        "--with-ingest", action="store_true", help="also load the page during an ingest"
    )
    parser.add_argument("--ingest-pages", type=int, default=400)
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        help="also measure page and static alternating in chunks of this many requests",
    )
    parser.add_argument(
        "--ratings", type=int, default=0, help="ratings on the review before the load"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url, slug = build_store(folder)
        if args.ratings:
            seed_ratings(db_url, slug, args.ratings)
        static = folder / "static"
        static.mkdir()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-c", SERVER, db_url, str(static), str(port)])
        try:
            wait_ready(base)
            page = httpx.get(f"{base}/reviews/{slug}")
            css = sum(
                len(httpx.get(base + href).content)
                for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
            )
            js = sum(
                len(httpx.get(base + src).content)
                for src in re.findall(r'<script src="([^"]+)"', page.text)
            )
            (static / "review.html").write_bytes(page.content)
            targets = {
                "page": f"{base}/reviews/{slug}",
                "static": f"{base}/bench-static/review.html",
            }
            for url in targets.values():
                load(url, WARMUP_REQUESTS, args.concurrency)
            runs = []
            for _ in range(args.repeat):
                results = {
                    name: measured(server.pid, url, args.requests, args.concurrency)
                    for name, url in targets.items()
                }
                results["page_to_static_rps_ratio"] = round(
                    results["page"]["rps"] / results["static"]["rps"], 3
                )
                runs.append(results)
            mixed = (
                [
                    interleaved(
                        server.pid, targets, args.requests, args.concurrency, args.interleave
                    )
                    for _ in range(args.repeat)
                ]
                if args.interleave
                else None
            )
            paced = None
            if args.rate:
                paced = [
                    {
                        name: measured(server.pid, url, args.requests, args.concurrency, args.rate)
                        for name, url in targets.items()
                    }
                    for _ in range(args.repeat)
                ]
            ingesting = (
                under_ingest(folder, targets, args.ingest_pages, args.concurrency, args.rate)
                if args.with_ingest
                else None
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "concurrency": args.concurrency,
        "ratings_on_the_review": args.ratings,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "closed_loop": runs,
        "page_to_static_rps_ratios": [r["page_to_static_rps_ratio"] for r in runs],
        "closed_loop_interleaved": {"chunk": args.interleave, "runs": mixed} if mixed else None,
        "open_loop_at_rate": {"rate": args.rate, "runs": paced} if paced else None,
        "during_ingest": ingesting,
        "page_weight_bytes": {
            "html": len(page.content),
            "css": css,
            "js": js,
            "total": len(page.content) + css + js,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
