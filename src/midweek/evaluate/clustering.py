"""Score story clustering against gold labels, through the real online clusterer.

Input is JSONL (optionally gzip) with one document a line: ``text``; ``title`` or
``first_line``; optional ``published`` (else ``first_seen``); optional ``lang``; the gold
label (``story_id`` by default). Documents stream through
:class:`midweek.cluster.OnlineClusterer` in published order where dates exist (an undated
document keeps its file position: it inherits the date of the one before it), else in file
order.

Metrics: B-cubed precision/recall/F1 (Bagga & Baldwin 1998), pairwise F1 over all
document pairs, and the adjusted Rand index (Hubert & Arabie 1985) from the contingency
table. Bad input is counted, never fatal: lines that are not JSON objects or lack the
label, repeated ids, and what the clusterer counts itself (empty texts, missing dates,
out-of-order dates, oversized texts).
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from midweek.cluster import STORY_HORIZON, ClusterDoc, ClusterWeights, OnlineClusterer
from midweek.embed import Embedder, embedding_text
from midweek.errors import SourceError

logger = logging.getLogger(__name__)

__all__ = [
    "ClusteringScores",
    "LabelledDoc",
    "PairScores",
    "adjusted_rand_index",
    "bcubed",
    "cluster_labels",
    "evaluate_clustering",
    "evaluate_pairs",
    "load_labelled",
    "pairwise_f1",
    "stream_order",
]


@dataclass(frozen=True, slots=True)
class LabelledDoc:
    """One document of an evaluation set."""

    id: str
    title: str
    text: str
    label: str
    lang: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClusteringScores:
    """Quality and speed of one clustering run against gold labels."""

    documents: int
    clusters: int
    gold_clusters: int
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    pairwise_f1: float
    ari: float
    docs_per_s: float
    embed_s: float
    bad_lines: int
    repeated_ids: int
    empty: int
    undated: int
    out_of_order: int
    truncated: int


@dataclass(frozen=True, slots=True)
class PairScores:
    """Same-story decisions on labelled pairs."""

    pairs: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    bad_lines: int


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a JSONL or JSONL.gz file.

    Raises:
        SourceError: The file cannot be read.
    """
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            yield from enumerate(fh, start=1)
    except (OSError, EOFError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc


def _parse_date(value: Any) -> datetime | None:
    """An ISO-8601 date (``Z``, space separator and naive forms accepted) as aware UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_labelled(path: Path, label_field: str = "story_id") -> tuple[list[LabelledDoc], int, int]:
    """Read an evaluation set.

    Args:
        path: JSONL or JSONL.gz.
        label_field: The gold label's field.

    Returns:
        The documents in file order, the number of bad lines (not a JSON object, or no
        label) and the number of lines whose id repeats an earlier one (skipped).

    Raises:
        SourceError: The file cannot be read.
    """
    docs: list[LabelledDoc] = []
    seen: set[str] = set()
    bad = repeated = 0
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if not isinstance(record, dict) or record.get(label_field) in (None, ""):
            bad += 1
            continue
        doc_id = str(record.get("id", f"line-{number}"))
        if doc_id in seen:
            repeated += 1
            continue
        seen.add(doc_id)
        title = record.get("title") or record.get("first_line") or ""
        lang = record.get("lang")
        docs.append(
            LabelledDoc(
                id=doc_id,
                title=str(title),
                text=str(record.get("text") or ""),
                label=str(record[label_field]),
                lang=str(lang) if lang else None,
                published=_parse_date(record.get("published") or record.get("first_seen")),
            )
        )
    return docs, bad, repeated


def stream_order(docs: Sequence[LabelledDoc]) -> list[int]:
    """Indexes of ``docs`` in stream order: by date, undated ones keeping their place.

    Args:
        docs: Documents in file order.

    Returns:
        A permutation of ``range(len(docs))`` (stable: ties keep file order).
    """
    keys: list[float] = []
    last = float("-inf")
    for doc in docs:
        if doc.published is not None:
            last = doc.published.timestamp()
        keys.append(last)
    return sorted(range(len(docs)), key=lambda i: keys[i])


def cluster_labels(
    docs: Sequence[LabelledDoc],
    *,
    vectors: np.ndarray | None = None,
    weights: ClusterWeights | None = None,
    horizon: timedelta = STORY_HORIZON,
) -> tuple[list[int], OnlineClusterer]:
    """Stream documents (in the given order) through the clusterer.

    Args:
        docs: Documents in stream order.
        vectors: One dense row per document, or ``None`` for the lexical model.
        weights: Model weights (the shipped ones by default).
        horizon: Cluster horizon.

    Returns:
        The story id of each document and the clusterer (for its stats).
    """
    clusterer = OnlineClusterer(weights, horizon=horizon)
    clusters = []
    for index, doc in enumerate(docs):
        item = ClusterDoc(
            id=index,
            title=doc.title,
            text=doc.text,
            lang=doc.lang,
            published=doc.published,
            vector=None if vectors is None else vectors[index],
        )
        clusters.append(clusterer.add(item))
    return [clusterer.story_of(c) for c in clusters], clusterer


def bcubed(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1.

    Args:
        predicted: Predicted label per item.
        gold: Gold label per item.

    Returns:
        ``(precision, recall, f1)``; all zero for no items.
    """
    if not gold:
        return 0.0, 0.0, 0.0
    pair_counts = Counter(zip(predicted, gold, strict=True))
    pred_sizes = Counter(predicted)
    gold_sizes = Counter(gold)
    precision = sum(n * n / pred_sizes[p] for (p, _), n in pair_counts.items()) / len(gold)
    recall = sum(n * n / gold_sizes[g] for (_, g), n in pair_counts.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _contingency(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> sparse.coo_matrix:
    """Sparse contingency table of two labellings."""
    _, p_codes = np.unique(np.asarray([str(p) for p in predicted]), return_inverse=True)
    _, g_codes = np.unique(np.asarray([str(g) for g in gold]), return_inverse=True)
    ones = np.ones(len(gold), dtype=np.int64)
    return sparse.coo_matrix((ones, (p_codes, g_codes))).tocsr().tocoo()


def _pairs(counts: np.ndarray) -> float:
    """Sum of n·(n-1)/2 over counts."""
    counts = counts.astype(np.float64)
    return float((counts * (counts - 1.0) / 2.0).sum())


def pairwise_f1(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """F1 of "same cluster" decisions over all item pairs.

    Args:
        predicted: Predicted label per item.
        gold: Gold label per item.

    Returns:
        Pairwise F1 (1.0 when neither side has a pair).
    """
    if not gold:
        return 0.0
    table = _contingency(predicted, gold)
    both = _pairs(table.data)
    pred = _pairs(np.asarray(table.sum(axis=1)).ravel())
    true = _pairs(np.asarray(table.sum(axis=0)).ravel())
    if pred == 0 and true == 0:
        return 1.0
    return 2 * both / (pred + true) if pred + true else 0.0


def adjusted_rand_index(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985).

    Args:
        predicted: Predicted label per item.
        gold: Gold label per item.

    Returns:
        ARI in [-1, 1]; 1.0 when both labellings are trivially identical.
    """
    n = len(gold)
    if n < 2:
        return 1.0
    table = _contingency(predicted, gold)
    index = _pairs(table.data)
    rows = _pairs(np.asarray(table.sum(axis=1)).ravel())
    cols = _pairs(np.asarray(table.sum(axis=0)).ravel())
    expected = rows * cols / (n * (n - 1) / 2.0)
    maximum = (rows + cols) / 2.0
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def _embed_docs(docs: Sequence[LabelledDoc], embedder: Embedder | None) -> np.ndarray | None:
    """Dense rows for documents (title + lead), or ``None`` without an embedder."""
    if embedder is None:
        return None
    return embedder.embed([embedding_text(d.title, d.text) for d in docs])


def evaluate_clustering(
    path: Path,
    label_field: str = "story_id",
    *,
    embedder: Embedder | None = None,
    weights: ClusterWeights | None = None,
    horizon: timedelta = STORY_HORIZON,
) -> ClusteringScores:
    """Cluster a labelled file with the online clusterer and score it.

    Args:
        path: JSONL(.gz) with ``text``, ``title``/``first_line``, optional ``published``
            / ``first_seen``, optional ``lang`` and ``label_field``.
        label_field: The gold label's field.
        embedder: Dense vectors (``None``: lexical model only).
        weights: Model weights (the shipped ones by default).
        horizon: Cluster horizon.

    Returns:
        Scores, speed (clustering only; embedding time in ``embed_s``) and input counts.

    Raises:
        SourceError: The file cannot be read or holds no labelled document.
    """
    docs, bad, repeated = load_labelled(path, label_field)
    if not docs:
        raise SourceError(f"{path}: no document with a {label_field!r} label")
    ordered = [docs[i] for i in stream_order(docs)]
    started = time.perf_counter()
    vectors = _embed_docs(ordered, embedder)
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    predicted, clusterer = cluster_labels(
        ordered, vectors=vectors, weights=weights, horizon=horizon
    )
    elapsed = time.perf_counter() - started
    gold = [d.label for d in ordered]
    precision, recall, f1 = bcubed(predicted, gold)
    stats = clusterer.state.stats
    return ClusteringScores(
        documents=len(ordered),
        clusters=len(set(predicted)),
        gold_clusters=len(set(gold)),
        bcubed_precision=precision,
        bcubed_recall=recall,
        bcubed_f1=f1,
        pairwise_f1=pairwise_f1(predicted, gold),
        ari=adjusted_rand_index(predicted, gold),
        docs_per_s=len(ordered) / elapsed if elapsed > 0 else float("inf"),
        embed_s=embed_s,
        bad_lines=bad,
        repeated_ids=repeated,
        empty=stats.empty,
        undated=stats.undated,
        out_of_order=stats.out_of_order,
        truncated=stats.truncated,
    )


def load_pairs(path: Path) -> tuple[list[tuple[LabelledDoc, LabelledDoc, bool]], int]:
    """Read labelled pairs in the tgcontest layout.

    Args:
        path: JSONL(.gz) with ``first_title``, ``first_text``, ``second_title``,
            ``second_text``, ``same_story`` (bool) and optional ``lang``.

    Returns:
        The pairs and the number of bad lines.

    Raises:
        SourceError: The file cannot be read.
    """
    pairs: list[tuple[LabelledDoc, LabelledDoc, bool]] = []
    bad = 0
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if not isinstance(record, dict) or not isinstance(record.get("same_story"), bool):
            bad += 1
            continue
        lang = str(record["lang"]) if record.get("lang") else None
        sides = [
            LabelledDoc(
                id=f"{number}-{side}",
                title=str(record.get(f"{side}_title") or ""),
                text=str(record.get(f"{side}_text") or ""),
                label="",
                lang=lang,
            )
            for side in ("first", "second")
        ]
        pairs.append((sides[0], sides[1], record["same_story"]))
    return pairs, bad


def evaluate_pairs(
    path: Path,
    *,
    embedder: Embedder | None = None,
    weights: ClusterWeights | None = None,
) -> PairScores:
    """Decide same-story for labelled pairs with the clusterer and score the decisions.

    Each pair is a two-article stream (first, then second, no dates): "same story" means
    the second article joined the first one's story.

    Args:
        path: Pairs in the tgcontest layout (see :func:`load_pairs`).
        embedder: Dense vectors (``None``: lexical model only).
        weights: Model weights (the shipped ones by default).

    Returns:
        Accuracy, precision, recall and F1 of the "same story" class.

    Raises:
        SourceError: The file cannot be read or holds no pair.
    """
    pairs, bad = load_pairs(path)
    if not pairs:
        raise SourceError(f"{path}: no labelled pair")
    flat = [doc for first, second, _ in pairs for doc in (first, second)]
    vectors = _embed_docs(flat, embedder)
    outcome: Counter[tuple[bool, bool]] = Counter()
    for index, (first, second, gold) in enumerate(pairs):
        rows = None if vectors is None else vectors[2 * index : 2 * index + 2]
        labels, _ = cluster_labels([first, second], vectors=rows, weights=weights)
        outcome[(labels[0] == labels[1], gold)] += 1
    tp, fp, fn = outcome[(True, True)], outcome[(True, False)], outcome[(False, True)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = (tp + outcome[(False, False)]) / len(pairs)
    return PairScores(len(pairs), accuracy, precision, recall, f1, bad)


def gold_groups(labels: Sequence[str]) -> dict[str, list[int]]:
    """Indexes per gold label (helper for benchmarks and weight learning).

    Args:
        labels: Gold label per item.

    Returns:
        Label to item indexes, in first-appearance order.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    return dict(groups)
