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

    python benchmarks/site.py --requests 2000 --concurrency 16
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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
WARMUP_REQUESTS = 100


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


def load(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    """Send ``requests`` GETs to ``url`` from ``concurrency`` threads; time each."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    share, extra = divmod(requests, concurrency)
    per_thread = [share + (i < extra) for i in range(concurrency)]

    def worker(count: int) -> None:
        """One keep-alive client (one reader) sending ``count`` requests."""
        mine = []
        bad = 0
        with httpx.Client(timeout=30.0) as client:
            for _ in range(count):
                start = time.perf_counter()
                response = client.get(url)
                mine.append(time.perf_counter() - start)
                bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in per_thread]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors[0],
        "rps": round(len(ordered) / wall, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def measured(pid: int, url: str, requests: int, concurrency: int) -> dict[str, Any]:
    """:func:`load`, plus the server's CPU time per request over the run."""
    before = cpu_seconds(pid)
    result = load(url, requests, concurrency)
    used = cpu_seconds(pid) - before
    result["server_cpu_ms_per_request"] = round(1000 * used / max(1, result["requests"]), 3)
    return result


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url, slug = build_store(folder)
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
                for href in ("/static/site.css",)
                if href in page.text
            )
            (static / "review.html").write_bytes(page.content)
            targets = {
                "page": f"{base}/reviews/{slug}",
                "static": f"{base}/bench-static/review.html",
            }
            for url in targets.values():
                load(url, WARMUP_REQUESTS, args.concurrency)
            results = {
                name: measured(server.pid, url, args.requests, args.concurrency)
                for name, url in targets.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = {
        "concurrency": args.concurrency,
        "review_page": results["page"],
        "static_same_html": results["static"],
        "page_to_static_rps_ratio": round(results["page"]["rps"] / results["static"]["rps"], 3),
        "page_weight_bytes": {
            "html": len(page.content),
            "css": css,
            "js": 0,
            "total": len(page.content) + css,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
