"""The clusterer's dense index: arrays and a top-k, the same decisions as the dict scan.

Until issue 16 (item 3) the dense path scored every open cluster in Python: a dict of
cosines per article (:class:`_ScanIndex` below keeps that code as the reference), a full
sort by (-score, id), and the cross-lingual link looked up the story of every open
cluster above the cosine floor before keeping three. The index now does one
matrix-vector product per language block it needs (np.einsum, where the scan used BLAS
over every open cluster), a mask and a top-k. These
tests replay real Telegram posts (``news-ru-uz-telegram-gazeta-podrobno`` dev: Russian
posts and their Uzbek translations, in date order) through both: with the scan using the
index's product, the same cluster, candidates in order, feature rows (bit for bit),
cross-lingual candidates and story for every article; with the scan exactly as it was
(BLAS), the same cluster, cross-lingual candidates and story for every article.

Hashing vectors do not cross scripts, so each Uzbek translation's vector here is its own
hashing vector plus twice its Russian original's (cosine about 0.89 with it, above
``MIN_CROSS_COSINE``): a stand-in for a cross-lingual encoder, so that links form and the
cross-lingual ranking has real candidates to order. A long horizon keeps every cluster
open (hundreds of candidates for the top-k), the shipped one closes them (rows reused).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from midweek.cluster import (
    _DENSE_PRODUCT,
    MIN_CROSS_COSINE,
    STORY_HORIZON,
    ClusterDoc,
    ClusterState,
    OnlineClusterer,
    _Cluster,
    _DenseIndex,
    _top_order,
)
from midweek.embed import HashingEmbedder, embedding_text

TELEGRAM = Path("news-ru-uz-telegram-gazeta-podrobno") / "posts.jsonl.gz"

# Posts replayed: the first this many Russian posts by date (with their translations,
# 722 documents); 694 clusters stay open under the long horizon (215 stories in two
# languages), and both clusterers run in about 2 s.
REPLAY_POSTS = 500

# A horizon nothing in the replay outlives (the posts span 18 months).
LONG_HORIZON = timedelta(days=10_000)


def _blas(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The product the clusterer used before issue 16 (BLAS)."""
    product: np.ndarray = matrix @ vector
    return product


def _einsum(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The product the index uses now."""
    product: np.ndarray = np.einsum(_DENSE_PRODUCT, matrix, vector)
    return product


class _ScanIndex(_DenseIndex):
    """The dense index before issue 16: every open cluster scored into a dict."""

    def __init__(self, product: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
        """Start empty; ``product`` multiplies the packed open rows by a vector."""
        super().__init__()
        self.rows: dict[int, tuple[np.ndarray, float, str]] = {}
        self.product = product

    def set(self, cluster_id: int, lang: str, centroid: np.ndarray, count: int = 1) -> None:
        """Keep the unit centroid and its average-linkage scale."""
        norm = float(np.linalg.norm(centroid))
        unit = centroid / norm if norm else centroid
        self.rows[cluster_id] = (unit.astype(np.float32), norm / max(count, 1), lang)

    def remove(self, cluster_id: int) -> None:
        """Forget a closed cluster."""
        self.rows.pop(cluster_id, None)

    def _scan(self, vector: np.ndarray) -> dict[int, tuple[float, float, str]]:
        """cluster id -> (cosine, scale, lang) of every open cluster."""
        if not self.rows:
            return {}
        ids = list(self.rows)
        cosines = self.product(np.stack([self.rows[c][0] for c in ids]), vector)
        scales = np.asarray([self.rows[c][1] for c in ids], dtype=np.float32)
        averages = cosines * scales
        return {
            c: (float(s), float(a), self.rows[c][2])
            for c, s, a in zip(ids, cosines, averages, strict=True)
        }

    def averages(
        self, vector: np.ndarray, lang: str, top: int, also: Iterable[int] = ()
    ) -> tuple[list[int], dict[int, float]]:
        """Every same-language average, the best by a full sort."""
        scores = {c: a for c, (_, a, other) in self._scan(vector).items() if other == lang}
        return sorted(scores, key=lambda c: (-scores[c], c))[:top], scores

    def others(
        self, vector: np.ndarray, lang: str, floor: float, wanted: int
    ) -> Iterator[tuple[int, float]]:
        """Every other-language cluster above the floor, by a full sort."""
        found = [(s, c) for c, (s, _, other) in self._scan(vector).items() if other != lang]
        kept = sorted(((s, c) for s, c in found if s >= floor), key=lambda sc: (-sc[0], sc[1]))
        return iter([(c, s) for s, c in kept])


class _ScanClusterer(OnlineClusterer):
    """The clusterer with the reference index and the old cross-lingual filter."""

    def __init__(
        self, horizon: timedelta, product: Callable[[np.ndarray, np.ndarray], np.ndarray]
    ) -> None:
        """A fresh stream."""
        super().__init__(horizon=horizon)
        self._dense = _ScanIndex(product)

    def _dense_cross_candidates(self, cluster: _Cluster) -> dict[int, float]:
        """The story of every candidate above the floor first, then the best three."""
        assert cluster.dense is not None
        unit = cluster.dense / (np.linalg.norm(cluster.dense) or 1.0)
        story = self.story_of(cluster.id)
        ranked = self._dense.others(unit, cluster.lang, MIN_CROSS_COSINE, 0)
        kept = [(c, s) for c, s in ranked if self.story_of(c) != story]
        return dict(kept[:3])


@pytest.fixture(scope="module")
def replay(shared_data: Path) -> list[ClusterDoc]:
    """Russian posts and their Uzbek translations in date order, with hashing vectors."""
    with gzip.open(shared_data / TELEGRAM, "rt", encoding="utf-8") as fh:
        posts = sorted((json.loads(line) for line in fh), key=lambda p: (p["published"], p["id"]))
    posts = posts[:REPLAY_POSTS]
    hashing = HashingEmbedder()
    ru = hashing.embed([embedding_text("", p["text_ru"]) for p in posts])
    uz = hashing.embed([embedding_text("", p["text_uz_mt"] or "") for p in posts])
    docs: list[ClusterDoc] = []
    for post, ru_vector, uz_vector in zip(posts, ru, uz, strict=True):
        when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC)
        docs.append(ClusterDoc(len(docs), "", post["text_ru"], "ru", when, vector=ru_vector))
        if post["text_uz_mt"]:
            mixed = uz_vector + 2.0 * ru_vector
            mixed /= np.linalg.norm(mixed)
            docs.append(ClusterDoc(len(docs), "", post["text_uz_mt"], "uz", when, vector=mixed))
    return docs


@pytest.mark.parametrize("horizon", [LONG_HORIZON, STORY_HORIZON], ids=["open", "shipped"])
def test_index_decides_as_the_dict_scan_on_a_real_stream(
    replay: list[ClusterDoc], horizon: timedelta
) -> None:
    """Same cluster, candidates (in order), feature rows, cross-lingual candidates and
    story for every article, the scan multiplying as the index does."""
    new, old = OnlineClusterer(horizon=horizon), _ScanClusterer(horizon, _einsum)
    placed = []
    for doc in replay:
        cluster = new.add(doc)
        assert cluster == old.add(doc), doc.id
        assert new.last_candidates == old.last_candidates, doc.id
        np.testing.assert_array_equal(new.last_rows, old.last_rows)
        assert new.last_cross_candidates == old.last_cross_candidates, doc.id
        np.testing.assert_array_equal(new.last_cross_rows, old.last_cross_rows)
        placed.append(cluster)
    assert [new.story_of(c) for c in placed] == [old.story_of(c) for c in placed]
    linked = {new.story_of(c) for c in placed if len(new.story_languages(new.story_of(c))) > 1}
    assert len(linked) > REPLAY_POSTS // 20  # the cross-lingual path did link stories
    if horizon == LONG_HORIZON:
        assert new.open_clusters() > REPLAY_POSTS  # hundreds ranked by every top-k
    else:
        assert new.state.stats.closed_clusters > REPLAY_POSTS  # rows freed and reused
        assert new._dense.used < new.open_clusters() + new.state.stats.closed_clusters


@pytest.mark.parametrize("horizon", [LONG_HORIZON, STORY_HORIZON], ids=["open", "shipped"])
def test_index_places_every_article_as_the_old_blas_scan(
    replay: list[ClusterDoc], horizon: timedelta
) -> None:
    """Against the old code as it was (BLAS product): the same cluster and story.

    The two products round differently by up to a float32 ulp, which reorders exact
    near-ties among candidates (one candidate list of 722 here, once in 3,718 a fourth
    place), never a placement or a link in these replays.
    """
    new, old = OnlineClusterer(horizon=horizon), _ScanClusterer(horizon, _blas)
    placed = []
    for doc in replay:
        cluster = new.add(doc)
        assert cluster == old.add(doc), doc.id
        assert new.last_cross_candidates == old.last_cross_candidates, doc.id
        placed.append(cluster)
    assert [new.story_of(c) for c in placed] == [old.story_of(c) for c in placed]


def test_a_resumed_stream_rebuilds_the_index(replay: list[ClusterDoc]) -> None:
    """A state saved half way and read back places the rest as the live stream does."""
    half = len(replay) // 2
    live = OnlineClusterer()
    for doc in replay[:half]:
        live.add(doc)
    saved = json.loads(json.dumps(live.state.to_json()))
    resumed = OnlineClusterer(state=ClusterState.from_json(saved))
    for doc in replay[half:]:
        assert resumed.add(doc) == live.add(doc), doc.id
        assert resumed.last_cross_candidates == live.last_cross_candidates, doc.id


def test_top_order_keeps_the_smallest_ids_among_ties_at_the_cut() -> None:
    """Many equal scores straddle the k-th place: the smaller ids win, as a full sort."""
    rng = np.random.default_rng(16)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        scores = rng.integers(0, 4, n).astype(np.float32)  # a handful of values: ties
        ids = rng.permutation(1000)[:n]
        k = int(rng.integers(1, 8))
        expected = sorted(range(n), key=lambda i: (-scores[i], ids[i]))[:k]
        assert _top_order(scores, ids, k).tolist() == expected


def test_equal_centroids_tie_to_the_smaller_cluster_id() -> None:
    """Identical vectors in many clusters of two languages: the top ids are the smallest.

    The rows sit at scattered positions of a partly reused matrix; each scores the same
    bits (the product rounds a row the same wherever it sits), so the tie-break is the
    cluster id, for the monolingual top-k and for the cross-lingual ranking.
    """
    index = _DenseIndex()
    vector = np.full(8, 1 / np.sqrt(8), dtype=np.float32)
    for cluster_id in range(300, 0, -1):  # inserted in reverse: rows do not follow ids
        index.set(cluster_id, "ru" if cluster_id % 2 else "uz", vector, 1)
    for cluster_id in range(150, 200):
        index.remove(cluster_id)
    for cluster_id in range(400, 420):  # reuse freed rows
        index.set(cluster_id, "uz", vector, 1)
    ranked, scores = index.averages(vector, "uz", 4, also=[400, 7])
    assert ranked == [2, 4, 6, 8]
    assert set(scores) == {2, 4, 6, 8, 400}  # 7 is Russian: not a same-language score
    assert len({scores[c] for c in scores}) == 1
    others = index.others(vector, "uz", MIN_CROSS_COSINE, 3)
    assert [next(others)[0] for _ in range(3)] == [1, 3, 5]
    assert [c for c, _ in index.others(vector, "ru", 0.0, 1)] == [
        *range(2, 150, 2),
        *range(200, 301, 2),
        *range(400, 420),
    ]
    assert not list(index.others(vector, "ru", 1.5, 3))  # nothing reaches the floor


# -- lexical candidates: the bounded posting walk -------------------------------------------
def _lexical_stream(clusterer: OnlineClusterer, clusters: int) -> None:
    """``clusters`` one-article clusters that all name "Tashkent", each with words of its own."""
    when = datetime(2026, 12, 1, tzinfo=UTC)
    for n in range(clusters):
        # its own words keep each article apart (a new cluster every time)
        own = " ".join(f"w{n}x{k}" for k in range(6))
        doc = ClusterDoc(n, f"Tashkent {own}", f"{own} Tashkent.", "en", when)
        clusterer.add(doc, choose=lambda _candidates: None)


def test_the_posting_walk_stops_at_its_budget_rarest_terms_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past ``MAX_WALKED`` entries, a term every open cluster shares is not walked: the
    article's rarer terms still find the cluster that shares them; within the budget the
    candidates are those of the unbounded walk."""
    from midweek import cluster as cluster_module

    clusterer = OnlineClusterer(horizon=LONG_HORIZON)
    _lexical_stream(clusterer, 40)
    query = ClusterDoc(99, "Tashkent w7x1 w7x2", "w7x3 Tashkent.", "en", None)
    item = clusterer._prepare(query)
    assert len(clusterer._postings["en"]["tashkent"]) == 40
    monkeypatch.setattr(cluster_module, "MAX_WALKED", 10**9)
    unbounded, _, _ = clusterer._candidate_rows(item)
    assert unbounded[0] == 7 and len(unbounded) == cluster_module.MAX_LEXICAL_CANDIDATES
    monkeypatch.setattr(cluster_module, "MAX_WALKED", 43)  # 3 rare entries + 40 fit
    assert clusterer._candidate_rows(item)[0] == unbounded
    monkeypatch.setattr(cluster_module, "MAX_WALKED", 42)  # the common posting does not
    bounded, rows, _ = clusterer._candidate_rows(item)
    assert bounded == [7] and rows.shape == (1, len(cluster_module.MONO_FEATURES))
