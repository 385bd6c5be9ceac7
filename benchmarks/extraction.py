"""Main-text extraction benchmark: midweek vs plain trafilatura, readability-lxml, newspaper4k.

Usage::

    python benchmarks/extraction.py [--data /work/shared/data] [--sets scrapinghub,trafeval]

Every extractor runs on the same pages in the same run. Shingle-scored sets (scrapinghub,
wcxb, readability, fundus) print the Scrapinghub benchmark's macro precision/recall/F1;
``trafeval`` (the trafilatura evaluation set) prints trafilatura's own snippet metric:
precision/recall/F1 and accuracy over its with/without strings. The ``all-text`` baseline
returns every text node of the page (what trafilatura's evaluation calls "everything").
See midweek.evaluate.extraction for both metrics.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura

from midweek.evaluate.extraction import (
    LAYOUTS,
    ExtractionScores,
    load_gold_pages,
    load_snippet_pages,
    score_pages,
    score_snippets,
)
from midweek.extract import extract_text

logger = logging.getLogger(__name__)
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def plain_trafilatura(html: bytes, url: str) -> str:
    """trafilatura.extract with its default settings."""
    return trafilatura.extract(html, url=url) or ""


def readability_lxml(html: bytes, url: str) -> str:
    """readability-lxml's summary, reduced to text."""
    from readability import Document

    summary = Document(html, url=url).summary(html_partial=True)
    root = lxml.html.fromstring(summary)
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def all_text(html: bytes, url: str) -> str:
    """Every text node of the page: the keep-everything baseline."""
    root = lxml.html.fromstring(html)
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def newspaper4k(html: bytes, url: str) -> str:
    """newspaper4k's article text (no download: the HTML is given)."""
    from newspaper import Article, Config

    config = Config()
    # newspaper4k fetches images to size them unless told not to: never touch the network
    config.fetch_images = False
    article = Article(url or "http://example.com/", config=config)
    article.download(input_html=html.decode("utf-8", errors="replace"))
    article.parse()
    return str(article.text or "")


EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "midweek": extract_text,
    "trafilatura": plain_trafilatura,
    "readability-lxml": readability_lxml,
    "newspaper4k": newspaper4k,
    "all-text": all_text,
}
# Sets scored by with/without snippets: name -> folder under the shared data.
SNIPPET_SETS = {"trafeval": "article-extraction-trafilatura-eval"}


def main(argv: list[str] | None = None) -> int:
    """Run every extractor on every chosen set and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--sets", default="scrapinghub", help=f"comma list of {sorted(LAYOUTS | SNIPPET_SETS)}"
    )
    parser.add_argument("--extractors", default=",".join(EXTRACTORS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = sys.stdout
    for name in args.sets.split(","):
        if name in SNIPPET_SETS:
            _snippet_set(name, args.data / SNIPPET_SETS[name], args.extractors.split(","))
            continue
        out.write(f"{name:<12} {'extractor':<17} {'P':>6} {'R':>6} {'F1':>6} {'pages/s':>8}\n")
        folder = args.data / LAYOUTS[name][0]
        pages = load_gold_pages(folder, name)
        results: dict[str, ExtractionScores] = {}
        for extractor in args.extractors.split(","):
            scores = score_pages(pages, EXTRACTORS[extractor])
            results[extractor] = scores
            out.write(
                f"{name:<12} {extractor:<17} {scores.precision:6.3f} {scores.recall:6.3f} "
                f"{scores.f1:6.3f} {scores.pages_per_s:8.1f}"
                f"{f'  ({scores.failures} failures)' if scores.failures else ''}\n"
            )
            out.flush()
        if "midweek" in results and "trafilatura" in results:
            ratio = results["midweek"].pages_per_s / results["trafilatura"].pages_per_s
            out.write(f"{name:<12} speed midweek / plain trafilatura: {ratio:.2f}\n")
    return 0


def _snippet_set(name: str, folder: Path, extractors: list[str]) -> None:
    """Score the extractors on a with/without snippet set and print their rows."""
    pages = load_snippet_pages(folder)
    out = sys.stdout
    out.write(
        f"{name:<12} {'extractor':<17} {'P':>6} {'R':>6} {'F1':>6} {'acc':>6} {'pages/s':>8}\n"
    )
    for extractor in extractors:
        scores = score_snippets(pages, EXTRACTORS[extractor])
        out.write(
            f"{name:<12} {extractor:<17} {scores.precision:6.3f} {scores.recall:6.3f} "
            f"{scores.f1:6.3f} {scores.accuracy:6.3f} {scores.pages_per_s:8.1f}"
            f"{f'  ({scores.failures} failures)' if scores.failures else ''}\n"
        )
        out.flush()


if __name__ == "__main__":
    raise SystemExit(main())
