"""Ingest throughput: midweek's whole path against plain extraction loops, same pages.

Serves N real article pages (the 1,780 pages of the extraction sets in ../shared/data,
repeated under new URLs past that, which exercises reprint detection) from a local HTTP
server on 127.0.0.1 — in its own process, as a real site would be — with a sitemap
listing them (with ``--dated`` each with its publication date, as Google News sitemaps
give; without, every page's date is searched for in its HTML). It ingests the sitemap
into a fresh SQLite store (fetch threads, extraction processes, dedupe and batched
writes, overlapped) and compares pages/s in the same run with two single-process loops
over the same bytes: ``trafilatura.extract`` (text only) and midweek's own
``extract_article`` (text, metadata, date, language). Prints the ratios and the resident
memory of the ingesting process at each quarter of the run.

    python benchmarks/ingest.py --pages 2000
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import multiprocessing
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from midweek.errors import ExtractError
from midweek.extract import extract_article
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import FeedEntry, Page, Source
from midweek.pipeline import ingest_sources
from midweek.settings import load_settings
from midweek.store import open_store

SETS = (
    "article-extraction-scrapinghub",
    "article-extraction-trafilatura-eval",
    "article-extraction-wcxb-2025",
    "article-extraction-fundus-publishers",
    "article-extraction-readability-testpages",
)


def collect_pages(data: Path, limit: int) -> list[bytes]:
    """``limit`` HTML pages from the extraction sets, cycling when there are fewer."""
    distinct: list[bytes] = []
    for name in SETS:
        for path in sorted((data / name).rglob("*.htm*")):
            raw = path.read_bytes()
            distinct.append(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    return [distinct[i % len(distinct)] for i in range(limit)]


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve_forever(pages: list[bytes], dated: bool, port_out: Any) -> None:
    """Child process: serve /p/<i>.html and /sitemap.xml until killed."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/sitemap.xml":
                body, kind = sitemap, "application/xml"
            elif self.path.startswith("/p/"):
                body, kind = pages[int(self.path[3:].split(".")[0])], "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # a Google News sitemap carries each article's publication date; a plain one may not
    news = (
        "<news:news><news:publication><news:name>Local</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-11-29T08:00:00+00:00</news:publication_date>"
        "<news:title>t</news:title></news:news>"
        if dated
        else ""
    )
    urls = "".join(f"<url><loc>{base}/p/{i}.html</loc>{news}</url>" for i in range(len(pages)))
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    ).encode()
    port_out.send(base)
    server.serve_forever()


def serve(pages: list[bytes], dated: bool) -> tuple[multiprocessing.Process, str]:
    """Start the page server in its own process; return it and its base URL."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_serve_forever, args=(pages, dated, send), daemon=True)
    process.start()
    return process, str(receive.recv())


def extract_loop(pages: list[bytes], dated: bool) -> tuple[int, float]:
    """midweek's extract_article over every page in one process: (articles, seconds).

    With ``dated``, each page comes with a feed entry that gives its date, as in the ingest.
    """
    fetched = datetime.now(UTC)
    ok = 0
    start = time.perf_counter()
    for i, body in enumerate(pages):
        page = Page(
            url=f"http://127.0.0.1/p/{i}.html",
            body=body,
            fetched_at=fetched,
            headers={"content-type": "text/html; charset=utf-8"},
            entry=FeedEntry(url=f"http://127.0.0.1/p/{i}.html", published=fetched)
            if dated
            else None,
        )
        try:
            extract_article(page)
            ok += 1
        except ExtractError:
            pass
    return ok, time.perf_counter() - start


def main() -> None:
    """Run both and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parents[1].parent / "shared" / "data"
    )
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument(
        "--dated",
        action="store_true",
        help="list each page with a publication date, as Google News sitemaps do",
    )
    args = parser.parse_args()
    pages = collect_pages(args.data, args.pages)

    start = time.perf_counter()
    baseline_ok = sum(1 for body in pages if trafilatura.extract(body))
    baseline_s = time.perf_counter() - start

    ours_loop_ok, ours_loop_s = extract_loop(pages, args.dated)

    server, base = serve(pages, args.dated)
    with tempfile.TemporaryDirectory() as tmp:
        # no per-source budgets: this measures throughput over one large sitemap
        unbounded = {"MIDWEEK_SOURCE_MAX_ENTRIES": "1000000", "MIDWEEK_SOURCE_BUDGET_S": "0"}
        settings = load_settings(Path(tmp), environ=unbounded)
        store = open_store(settings.database_url)
        store.add_source(Source(f"{base}/sitemap.xml", "sitemap"), datetime.now(UTC))
        # politeness off: one local host serves every page, as a fast site would
        policy = FetchPolicy(
            allow_hosts=(base.split("//", 1)[1].split("/", 1)[0],),  # 127.0.0.1:PORT
            per_host_delay_s=0.0,
            per_host_concurrency=settings.fetch_threads,
            respect_robots=False,
        )
        memory: list[tuple[int, float]] = []
        done = 0

        def progress(phase: str, n: int, total: int | None) -> None:
            nonlocal done
            if phase != "articles":
                return
            quarter = max(1, len(pages) // 4)
            before, done = done, done + n
            if before // quarter != done // quarter:
                memory.append((done, round(rss_mb(), 1)))

        start = time.perf_counter()
        with Fetcher(policy) as fetcher:
            summary = ingest_sources(
                store, fetcher, settings, lambda: datetime.now(UTC), progress=progress
            )
        ours_s = time.perf_counter() - start
        store.close()
    server.terminate()
    result = {
        "pages": len(pages),
        "sitemap_dates": args.dated,
        "cores": os.cpu_count(),
        "baseline_extracted": baseline_ok,
        "baseline_pages_per_s": round(len(pages) / baseline_s, 1),
        "extract_article_loop_pages_per_s": round(len(pages) / ours_loop_s, 1),
        "extract_article_loop_extracted": ours_loop_ok,
        "midweek_stored": summary.new,
        "midweek_reprints": summary.reprints,
        "midweek_failed": summary.failed,
        "midweek_duplicates": summary.duplicates,
        "midweek_pages_per_s": round(len(pages) / ours_s, 1),
        "ratio_vs_trafilatura_loop": round(baseline_s / ours_s, 2),
        "ratio_vs_extract_article_loop": round(ours_loop_s / ours_s, 2),
        "rss_mb_at_pages": memory,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
