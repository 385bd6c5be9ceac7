"""Score main-text extraction against gold article bodies.

The metric is the one of the Scrapinghub article extraction benchmark (``evaluate.py`` in
``scrapinghub/article-extraction-benchmark``), reimplemented here:

* tokens are the matches of ``\\w+`` (Unicode word characters; case is kept, punctuation
  and whitespace only separate tokens);
* a document becomes the multiset of its 4-token shingles; a text with fewer than four
  tokens is one shorter shingle, and a text without tokens has none;
* per document, true positives are the shingles both sides share (counting repeats),
  false positives the extra predicted ones, false negatives the missed gold ones;
* precision and recall are averaged over documents (macro), a document counting towards
  precision only when something was predicted and towards recall only when it has gold
  text, as the benchmark does; F1 is the harmonic mean of the two macro averages.

Besides the Scrapinghub layout, :func:`load_gold_pages` reads the other shingle-scored
extraction sets kept beside the checkout (WCXB 2025, Readability test pages, Fundus
publishers), so one benchmark script can score every extractor on each of them.
"""

from __future__ import annotations

import ast
import gzip
import json
import logging
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = [
    "LAYOUTS",
    "ExtractionScores",
    "GoldPage",
    "SnippetPage",
    "SnippetScores",
    "detect_layout",
    "evaluate_extraction",
    "load_gold_pages",
    "load_snippet_pages",
    "score_pages",
    "score_snippets",
    "shingle_scores",
]

# Same pattern as the benchmark's evaluate.py: Unicode word runs.
_TOKEN_RE = re.compile(r"\w+")
# The benchmark's shingle length.
SHINGLE_N = 4

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True, slots=True)
class ExtractionScores:
    """Macro-averaged shingle scores of one extractor on one set of pages."""

    precision: float
    recall: float
    f1: float
    pages: int
    pages_per_s: float
    failures: int


@dataclass(frozen=True, slots=True)
class GoldPage:
    """One page of an evaluation set: its bytes, its URL and the gold main text."""

    id: str
    url: str
    html: bytes
    gold: str


def _shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    """Return the multiset of ``n``-token shingles of ``text``.

    Args:
        text: any text.
        n: shingle length in tokens.

    Returns:
        A counter of token tuples; one short shingle when there are 1..n-1 tokens.
    """
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def _shingle_counts(predicted: str, gold: str, n: int) -> tuple[float, float, float]:
    """Return the benchmark's normalised (tp, fp, fn) for one document.

    Args:
        predicted: extracted text.
        gold: reference text.
        n: shingle length.

    Returns:
        The three counts divided by their sum (all zero when both texts are empty), so
        that long documents weigh no more than short ones, exactly as the benchmark does.
    """
    pred_sh = _shingles(predicted, n)
    gold_sh = _shingles(gold, n)
    tp = float(sum((pred_sh & gold_sh).values()))
    fp = float(sum((pred_sh - gold_sh).values()))
    fn = float(sum((gold_sh - pred_sh).values()))
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return 0.0, 0.0, 0.0


def _precision(tp: float, fp: float, fn: float) -> float:
    """Precision with the benchmark's conventions for empty sides."""
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    """Recall with the benchmark's conventions for empty sides."""
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def shingle_scores(predicted: str, gold: str, n: int = SHINGLE_N) -> tuple[float, float]:
    """Return shingle precision and recall of one extracted text against its gold text.

    Args:
        predicted: the extracted text.
        gold: the reference main text.
        n: shingle length in ``\\w+`` tokens (the benchmark uses 4).

    Returns:
        ``(precision, recall)``. Both 1.0 when the two texts have the same shingles
        (including both empty); precision 0.0 when nothing was predicted but gold exists
        (the macro average of :func:`evaluate_extraction` leaves such a page out of the
        precision mean, as the benchmark does, and counts its recall as 0.0).
    """
    tp, fp, fn = _shingle_counts(predicted, gold, n)
    return _precision(tp, fp, fn), _recall(tp, fp, fn)


def _macro(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Return macro precision, recall and F1 over per-document (tp, fp, fn)."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def score_pages(
    pages: list[GoldPage],
    extractor: Extractor,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractionScores:
    """Run ``extractor`` on every page and return the macro shingle scores.

    Args:
        pages: gold pages, e.g. from :func:`load_gold_pages`.
        extractor: ``(html_bytes, url) -> text``; an exception counts as a failure and
            as an empty prediction (recall 0 for that page).
        progress: called with ``(done, total)`` after each page.

    Returns:
        The scores, with throughput measured over the extractor calls only.
    """
    counts: list[tuple[float, float, float]] = []
    failures = 0
    spent = 0.0
    for done, page in enumerate(pages, start=1):
        # perf_counter measures the extractor's cost, it is not a timestamp for the data
        start = time.perf_counter()
        try:
            predicted = extractor(page.html, page.url)
        except Exception as exc:  # a benchmark must survive any extractor bug
            logger.info("extractor failed on %s: %s", page.id, exc)
            failures += 1
            predicted = ""
        spent += time.perf_counter() - start
        counts.append(_shingle_counts(predicted or "", page.gold, SHINGLE_N))
        if progress is not None:
            progress(done, len(pages))
    precision, recall, f1 = _macro(counts)
    return ExtractionScores(
        precision=precision,
        recall=recall,
        f1=f1,
        pages=len(pages),
        pages_per_s=len(pages) / spent if spent > 0 else 0.0,
        failures=failures,
    )


def _read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the objects of a gzip-compressed JSON-lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _as_object(value: Any) -> Any:
    """Return a JSON-ish field that some sets store as a Python literal string."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return json.loads(value)
    return value


def _html_text(html: bytes) -> str:
    """Return the text of an expected-output HTML fragment, one block per line."""
    if not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def _fundus_body(expected: dict[str, Any]) -> str:
    """Join a Fundus ``body`` (summary + section headlines and paragraphs) into text."""
    body = expected.get("body") or {}
    parts: list[str] = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts.extend(section.get("headline") or [])
        parts.extend(section.get("paragraphs") or [])
    return "\n\n".join(parts)


def _load_scrapinghub(folder: Path) -> Iterator[GoldPage]:
    """Yield pages of the Scrapinghub layout (``ground-truth.jsonl.gz`` + ``html/``)."""
    for rec in _read_jsonl_gz(folder / "ground-truth.jsonl.gz"):
        html = gzip.decompress((folder / rec["html_file"]).read_bytes())
        gold = rec.get("articleBody") or rec.get("main_content") or ""
        yield GoldPage(id=str(rec["id"]), url=rec.get("url", ""), html=html, gold=gold)


def _load_readability(folder: Path) -> Iterator[GoldPage]:
    """Yield Readability test pages; gold is the text of ``expected.html``."""
    for rec in _read_jsonl_gz(folder / "index.jsonl.gz"):
        html = gzip.decompress((folder / rec["source_file"]).read_bytes())
        expected = gzip.decompress((folder / rec["expected_file"]).read_bytes())
        # the test pages carry no URL; a neutral one keeps URL-dependent code paths alive
        url = f"http://fakehost/test/{rec['id']}/"
        yield GoldPage(id=str(rec["id"]), url=url, html=html, gold=_html_text(expected))


def _load_fundus(folder: Path) -> Iterator[GoldPage]:
    """Yield Fundus publisher pages; gold is summary + section headlines/paragraphs."""
    for rec in _read_jsonl_gz(folder / "annotations.jsonl.gz"):
        html = gzip.decompress((folder / rec["html_file"]).read_bytes())
        gold = _fundus_body(_as_object(rec.get("expected")) or {})
        yield GoldPage(id=str(rec["id"]), url=rec.get("url", ""), html=html, gold=gold)


# Set name -> (folder under the shared data, loader). The trafilatura eval set is scored
# by with/without snippets, not shingles: see :func:`score_snippets`.
LAYOUTS: dict[str, tuple[str, Callable[[Path], Iterator[GoldPage]]]] = {
    "scrapinghub": ("article-extraction-scrapinghub", _load_scrapinghub),
    "wcxb": ("article-extraction-wcxb-2025", _load_scrapinghub),
    "readability": ("article-extraction-readability-testpages", _load_readability),
    "fundus": ("article-extraction-fundus-publishers", _load_fundus),
}


def load_gold_pages(folder: Path, layout: str = "scrapinghub") -> list[GoldPage]:
    """Read every page of an evaluation folder with its gold text.

    Args:
        folder: the data set folder (e.g. ``.../article-extraction-scrapinghub``).
        layout: one of :data:`LAYOUTS` (``scrapinghub`` also reads the WCXB layout).

    Returns:
        The pages in file order; pages whose gold text is empty are kept (the metric
        leaves them out of recall).

    Raises:
        ValueError: for an unknown layout.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    return list(LAYOUTS[layout][1](folder))


# -- snippet scoring (the trafilatura evaluation set) ---------------------------------


@dataclass(frozen=True, slots=True)
class SnippetPage:
    """A page of the trafilatura evaluation set: strings its main text must (not) hold."""

    id: str
    url: str
    html: bytes
    expected: tuple[str, ...]  # "with": must appear in a correct extraction
    unwanted: tuple[str, ...]  # "without": boilerplate that must not appear


@dataclass(frozen=True, slots=True)
class SnippetScores:
    """Snippet counts summed over pages (micro), as trafilatura's evaluation reports them."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int
    pages_per_s: float
    failures: int


def load_snippet_pages(folder: Path) -> list[SnippetPage]:
    """Read the trafilatura evaluation layout (``annotations.jsonl.gz`` + ``html/``)."""
    pages = []
    for rec in _read_jsonl_gz(folder / "annotations.jsonl.gz"):
        html = gzip.decompress((folder / rec["html_file"]).read_bytes())
        pages.append(
            SnippetPage(
                id=str(rec["id"]),
                url=rec.get("url", ""),
                html=html,
                expected=tuple(rec.get("with") or ()),
                unwanted=tuple(rec.get("without") or ()),
            )
        )
    return pages


def score_snippets(
    pages: list[SnippetPage],
    extractor: Extractor,
    progress: Callable[[int, int], None] | None = None,
) -> SnippetScores:
    """Score ``extractor`` the way trafilatura's ``tests/comparison.py`` does.

    A ``with`` string found verbatim in the output is a true positive, else a false
    negative; a ``without`` string found is a false positive, else a true negative. No
    normalisation on either side (as the source); counts are summed over all pages, and
    an extractor that raises counts as an empty output.
    """
    tp = fn = fp = tn = 0
    failures = 0
    spent = 0.0
    for done, page in enumerate(pages, start=1):
        # perf_counter measures the extractor's cost, it is not a timestamp for the data
        start = time.perf_counter()
        try:
            predicted = extractor(page.html, page.url) or ""
        except Exception as exc:  # a benchmark must survive any extractor bug
            logger.info("extractor failed on %s: %s", page.id, exc)
            failures += 1
            predicted = ""
        spent += time.perf_counter() - start
        found = sum(1 for snippet in page.expected if snippet in predicted)
        leaked = sum(1 for snippet in page.unwanted if snippet in predicted)
        tp, fn = tp + found, fn + len(page.expected) - found
        fp, tn = fp + leaked, tn + len(page.unwanted) - leaked
        if progress is not None:
            progress(done, len(pages))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fn + fp + tn
    return SnippetScores(
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        accuracy=(tp + tn) / total if total else 0.0,
        pages=len(pages),
        pages_per_s=len(pages) / spent if spent > 0 else 0.0,
        failures=failures,
    )


# The file each layout's folder holds, in the order :func:`detect_layout` tries them.
_LAYOUT_MARKERS = (
    ("ground-truth.jsonl.gz", "scrapinghub"),
    ("index.jsonl.gz", "readability"),
)


def detect_layout(folder: Path) -> str:
    """Name the layout of an evaluation folder from the files it holds.

    ``annotations.jsonl.gz`` is the trafilatura set when its records carry ``with``
    snippets, else the Fundus layout.

    Raises:
        ConfigError: the folder holds none of the known files.
    """
    for name, layout in _LAYOUT_MARKERS:
        if (folder / name).is_file():
            return layout
    annotations = folder / "annotations.jsonl.gz"
    if annotations.is_file():
        first = next(_read_jsonl_gz(annotations), {})
        return "trafeval" if "with" in first else "fundus"
    raise ConfigError(
        f"{folder}: no ground-truth.jsonl.gz, index.jsonl.gz or annotations.jsonl.gz "
        "(not an extraction benchmark folder)"
    )


def _default_extractor(html: bytes, url: str) -> str:
    """Call midweek's own :func:`midweek.extract.extract_text` (imported lazily)."""
    from midweek.extract import extract_text

    return extract_text(html, url)


def evaluate_extraction(
    folder: Path,
    extractor: Extractor = _default_extractor,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractionScores:
    """Score an extractor on a folder in the Scrapinghub layout.

    Args:
        folder: holds ``ground-truth.jsonl.gz`` (``id``, ``url``, ``html_file``,
            ``articleBody``) and the gzip-compressed pages it names.
        extractor: ``(html_bytes, url) -> text``; midweek's own by default.
        progress: called with ``(done, total)`` after each page.

    Returns:
        Macro shingle precision, recall, F1, the page count, pages per second and the
        number of pages on which the extractor raised.
    """
    return score_pages(load_gold_pages(folder, "scrapinghub"), extractor, progress)
