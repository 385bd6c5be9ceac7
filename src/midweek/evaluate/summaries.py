"""Score extractive story summaries against reference summaries (WikinewsSum layout).

Input is JSONL (optionally gzip), one cluster a line: ``id``, ``title``, the reference
``summary`` and ``sources``, a list of ``{"language", "title", "url", "text"}``. Each
cluster becomes one :class:`~midweek.models.Story` of :class:`~midweek.models.Article`
values (ids 1..n in source order), the summariser runs on it, and its output is scored
against the reference with ROUGE (``rouge-score``, Porter stemming on; its tokeniser keeps
``[a-z0-9]`` runs only, so it is an English-reference metric).

Length budget. ROUGE F depends on length, so every system gets the same budget in words
(whitespace-separated) per cluster: by default the reference's own length (the references
run from 16 to 780 words, so one fixed budget would favour long outputs on short
references and vice versa); ``max_words`` sets one fixed budget instead. A summariser
returns whole sentences whose words add up to at most the budget; nothing is cut.

Cited fraction: the share of output sentences that a cited article supports, i.e. the
sentence (whitespace-normalised) occurs in the text of an article it cites, and every
citation points into the story. It is computed, never assumed.

Clusters whose reference or sources are empty are skipped and counted (see the data's
README: some clusters are damaged at the source). Baselines for the benchmark live here
too, so tests can check them: lead, LexRank, TextRank, centroid and seeded random.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import sparse

from midweek.evaluate.jsonl import read_records
from midweek.models import Article, Citation, Sentence, Story
from midweek.summarize import pagerank, summarize_story, usable_sentence
from midweek.text.features import tfidf_matrix, tokenize_words
from midweek.text.sentences import split_sentences

logger = logging.getLogger(__name__)

__all__ = [
    "LEXRANK_THRESHOLD",
    "PAGERANK_DAMPING",
    "SPLIT_SALT",
    "Portion",
    "Summarizer",
    "SummaryCluster",
    "SummaryScores",
    "centroid_summarizer",
    "cited_fraction",
    "evaluate_summaries",
    "fill_budget",
    "lead_summarizer",
    "lexrank_summarizer",
    "load_summary_clusters",
    "midweek_summarizer",
    "portion_of",
    "random_summarizer",
    "score_clusters",
    "submodular_summarizer",
    "textrank_summarizer",
]

# Salt of the tuning/report split: sha256(SPLIT_SALT + cluster id), even -> tuning half.
# Salted so the halves do not line up with the data's own dev/held-out hash split.
SPLIT_SALT = "midweek-summaries-v1:"
# LexRank edge threshold on TF-IDF cosine: 0.1, the value Erkan & Radev (2004) report as
# best for DUC 2004 multi-document summaries.
LEXRANK_THRESHOLD = 0.1
# PageRank damping for LexRank and TextRank (Brin & Page 1998; both papers use 0.85).
PAGERANK_DAMPING = 0.85

Portion = Literal["all", "tune", "report"]

Summarizer = Callable[[Story, Mapping[int, Article], int, str | None], Sequence[Sentence]]
"""``(story, articles by id, word budget, review language) -> sentences``.

The sentences' whitespace-separated words must add up to at most the budget.
"""


@dataclass(frozen=True, slots=True)
class SummaryCluster:
    """One evaluation cluster: a story, its articles and the reference summary."""

    id: str
    reference: str
    story: Story
    articles: Mapping[int, Article]

    @property
    def reference_words(self) -> int:
        """Length of the reference in whitespace-separated words."""
        return len(self.reference.split())


@dataclass(frozen=True, slots=True)
class SummaryScores:
    """Mean quality of one summariser over a set of clusters (macro averages)."""

    clusters: int
    skipped: int
    rouge1_f: float
    rouge2_f: float
    rougeL_f: float  # noqa: N815 -- the metric's usual name
    words: float
    budget_words: float
    cited_fraction: float
    s_per_cluster: float


def portion_of(cluster_id: str) -> Literal["tune", "report"]:
    """The half of the dev set a cluster belongs to (a salted hash of its id).

    Args:
        cluster_id: The cluster's ``id``.

    Returns:
        ``"tune"`` (parameters may be fitted on it) or ``"report"`` (only reported).
    """
    digest = hashlib.sha256((SPLIT_SALT + cluster_id).encode("utf-8")).hexdigest()
    return "tune" if int(digest, 16) % 2 == 0 else "report"


def _cluster(record: Mapping[str, object], number: int) -> SummaryCluster | None:
    """A cluster from one JSON record, or None when it has no reference or no source text."""
    reference = " ".join(str(record.get("summary") or "").split())
    sources = record.get("sources")
    if not reference or not isinstance(sources, list):
        return None
    cluster_id = str(record.get("id") or record.get("title") or f"line-{number}")
    articles: dict[int, Article] = {}
    for source in sources:
        if not isinstance(source, dict) or not str(source.get("text") or "").strip():
            continue
        article_id = len(articles) + 1
        language = source.get("language")
        articles[article_id] = Article(
            url=str(source.get("url") or f"https://source.invalid/{article_id}"),
            title=str(source.get("title") or ""),
            text=str(source["text"]),
            lang=str(language) if language else None,
            id=article_id,
        )
    if not articles:
        return None
    story = Story(
        key=cluster_id,
        headline=str(record.get("title") or cluster_id),
        article_ids=tuple(articles),
        first_seen=None,
        last_seen=None,
        independent_articles=len(articles),
    )
    return SummaryCluster(cluster_id, reference, story, articles)


def load_summary_clusters(path: Path, portion: Portion = "all") -> tuple[list[SummaryCluster], int]:
    """Read an evaluation set in the WikinewsSum layout.

    Args:
        path: JSONL or JSONL.gz, one cluster a line.
        portion: ``"all"``, or one half of the split (see :func:`portion_of`).

    Returns:
        The usable clusters of that portion in file order, and how many lines of it were
        skipped (not a JSON object, empty reference, or no source text).

    Raises:
        SourceError: The file cannot be read.
    """
    clusters: list[SummaryCluster] = []
    skipped = 0
    for number, record in read_records(path):
        if record is None:
            skipped += 1
            continue
        cluster_id = str(record.get("id") or record.get("title") or f"line-{number}")
        if portion != "all" and portion_of(cluster_id) != portion:
            continue
        cluster = _cluster(record, number)
        if cluster is None:
            skipped += 1
        else:
            clusters.append(cluster)
    return clusters, skipped


def _flat(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def cited_fraction(
    sentences: Sequence[Sentence], story: Story, articles: Mapping[int, Article]
) -> float:
    """Share of sentences supported by what they cite.

    A sentence is supported when it cites only articles of the story, and occurs
    verbatim (up to whitespace) in the text of at least one of them.

    Args:
        sentences: A summary.
        story: The story it sums up.
        articles: Articles by id.

    Returns:
        The share in [0, 1]; 1.0 for an empty summary (nothing unsupported is claimed).
    """
    if not sentences:
        return 1.0
    members = set(story.article_ids)
    supported = 0
    for sentence in sentences:
        cited = [c.article_id for c in sentence.citations]
        if not cited or not set(cited) <= members:
            continue
        text = _flat(sentence.text)
        if any(a in articles and text in _flat(articles[a].text) for a in cited):
            supported += 1
    return supported / len(sentences)


def score_clusters(
    clusters: Sequence[SummaryCluster],
    summarizer: Summarizer,
    *,
    max_words: int | None = None,
    lang: str | None = "en",
    skipped: int = 0,
) -> SummaryScores:
    """Run a summariser on clusters and score it against their references.

    Args:
        clusters: The clusters to score.
        summarizer: The system under test.
        max_words: One budget for every cluster; None gives each cluster its
            reference's length.
        lang: The review language passed to the summariser.
        skipped: Clusters skipped on loading, carried into the result.

    Returns:
        Macro-averaged scores (zeros when there are no clusters).

    Raises:
        ValueError: ``max_words`` is not positive.
    """
    from rouge_score import rouge_scorer  # heavy import (nltk), only where scoring happens

    if max_words is not None and max_words <= 0:
        raise ValueError(f"max_words must be positive, got {max_words}")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    r1, r2, rl, words, budgets, cited = [], [], [], [], [], []
    elapsed = 0.0
    for cluster in clusters:
        budget = max_words if max_words is not None else cluster.reference_words
        started = time.perf_counter()
        sentences = summarizer(cluster.story, cluster.articles, budget, lang)
        elapsed += time.perf_counter() - started
        text = " ".join(s.text for s in sentences)
        scores = scorer.score(cluster.reference, text)
        r1.append(scores["rouge1"].fmeasure)
        r2.append(scores["rouge2"].fmeasure)
        rl.append(scores["rougeL"].fmeasure)
        words.append(len(text.split()))
        budgets.append(budget)
        cited.append(cited_fraction(sentences, cluster.story, cluster.articles))
    count = len(clusters)

    def mean(values: Sequence[float]) -> float:
        """Mean, 0.0 when empty."""
        return float(np.mean(values)) if values else 0.0

    return SummaryScores(
        clusters=count,
        skipped=skipped,
        rouge1_f=mean(r1),
        rouge2_f=mean(r2),
        rougeL_f=mean(rl),
        words=mean(words),
        budget_words=mean(budgets),
        cited_fraction=mean(cited),
        s_per_cluster=elapsed / count if count else 0.0,
    )


def midweek_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """midweek's own summariser filling a word budget (see :func:`summarize_story`).

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: The review language.

    Returns:
        Cited sentences in reading order, at most ``budget`` words in all.
    """
    return summarize_story(story, articles, max_sentences=budget, lang=lang, max_words=budget)


def evaluate_summaries(
    path: Path,
    *,
    summarizer: Summarizer = midweek_summarizer,
    max_words: int | None = None,
    portion: Portion = "all",
    lang: str | None = "en",
) -> SummaryScores:
    """Score a summariser on a WikinewsSum-layout file.

    Args:
        path: JSONL or JSONL.gz of clusters (``summary`` and ``sources[].text``).
        summarizer: The system under test (default: midweek's).
        max_words: One word budget for every cluster; None (default) gives each cluster
            its reference's length.
        portion: ``"all"``, ``"tune"`` or ``"report"`` (see :func:`portion_of`).
        lang: The review language passed to the summariser.

    Returns:
        Mean ROUGE-1/2/L F (stemmed), mean output and budget length in words, the cited
        fraction, and seconds per cluster.

    Raises:
        SourceError: The file cannot be read.
        ValueError: ``max_words`` is not positive.
    """
    clusters, skipped = load_summary_clusters(path, portion)
    scores = score_clusters(clusters, summarizer, max_words=max_words, lang=lang, skipped=skipped)
    logger.info("%s: %d clusters scored, %d skipped", path, scores.clusters, skipped)
    return scores


# Baselines ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    """A usable sentence of a story and the article it was taken from."""

    text: str
    article: Article


def _units(story: Story, articles: Mapping[int, Article], lang: str | None) -> list[_Unit]:
    """Distinct usable sentences of the story's articles, in article then text order.

    Articles in ``lang`` are used when there are any (the summariser's own rule); the
    sentence filter is midweek's, so baselines differ from it in ranking only.
    """
    present = [articles[i] for i in story.article_ids if i in articles]
    if lang is not None:
        present = [a for a in present if lang in (a.lang, a.language_tag)] or present
    seen: set[str] = set()
    units: list[_Unit] = []
    for article in present:
        for raw in split_sentences(article.text):
            text = _flat(raw)
            if text not in seen and usable_sentence(text):
                seen.add(text)
                units.append(_Unit(text, article))
    return units


def fill_budget(ranked: Sequence[str], budget: int) -> list[int]:
    """Greedily take sentences in rank order while they fit in the word budget.

    A sentence that does not fit is passed over (a shorter one further down may fit).

    Args:
        ranked: Sentence texts, best first.
        budget: Most words in all.

    Returns:
        Indices into ``ranked`` of the taken sentences, in rank order.
    """
    taken: list[int] = []
    left = budget
    for index, text in enumerate(ranked):
        words = len(text.split())
        if words <= left:
            taken.append(index)
            left -= words
    return taken


def _cite(unit: _Unit) -> Sentence:
    """A sentence citing the article it was taken from."""
    article = unit.article
    assert article.id is not None
    citation = Citation(article.id, article.url, _flat(article.title), article.outlet)
    return Sentence(text=unit.text, citations=(citation,))


def _by_rank(units: Sequence[_Unit], order: Sequence[int], budget: int) -> list[Sentence]:
    """Fill the budget from units in the given rank order; output in reading order."""
    ranked = [units[i] for i in order]
    taken = sorted(order[i] for i in fill_budget([u.text for u in ranked], budget))
    return [_cite(units[i]) for i in taken]


def _stable_desc(scores: np.ndarray) -> list[int]:
    """Indices by descending score, earlier first on ties."""
    return [int(i) for i in np.argsort(-scores, kind="stable")]


def lead_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """Lead baseline: the first sentences of the first article, then of the next ones.

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: Preferred article language.

    Returns:
        Cited sentences in reading order within the budget.
    """
    units = _units(story, articles, lang)
    return _by_rank(units, list(range(len(units))), budget)


def lexrank_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """LexRank (Erkan & Radev 2004): PageRank over the thresholded TF-IDF cosine graph.

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: Preferred article language.

    Returns:
        Cited sentences in reading order within the budget.
    """
    units = _units(story, articles, lang)
    if not units:
        return []
    dense = tfidf_matrix([tokenize_words(u.text) for u in units]).toarray()
    cosine = dense @ dense.T
    graph = (cosine > LEXRANK_THRESHOLD).astype(np.float64)
    return _by_rank(units, _stable_desc(pagerank(graph, PAGERANK_DAMPING)), budget)


def textrank_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """TextRank (Mihalcea & Tarau 2004): weighted PageRank over word-overlap similarity.

    Similarity is the number of shared content words over ``log|a| + log|b|``.

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: Preferred article language.

    Returns:
        Cited sentences in reading order within the budget.
    """
    units = _units(story, articles, lang)
    if not units:
        return []
    tokens = [tokenize_words(u.text) for u in units]
    vocabulary = {t: i for i, t in enumerate(sorted({t for ts in tokens for t in ts}))}
    rows = [r for r, ts in enumerate(tokens) for _ in set(ts)]
    cols = [vocabulary[t] for ts in tokens for t in set(ts)]
    binary = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(units), len(vocabulary))
    )
    overlap = (binary @ binary.T).toarray()
    # log(1) = 0: a one-word sentence would divide by zero, so lengths start at 2.
    logs = np.log(np.maximum([len(ts) for ts in tokens], 2).astype(np.float64))
    weights = overlap / (logs[:, None] + logs[None, :])
    np.fill_diagonal(weights, 0.0)
    return _by_rank(units, _stable_desc(pagerank(weights, PAGERANK_DAMPING)), budget)


def centroid_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """Centroid baseline (Radev et al. 2004): TF-IDF cosine to the story's centroid.

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: Preferred article language.

    Returns:
        Cited sentences in reading order within the budget.
    """
    units = _units(story, articles, lang)
    if not units:
        return []
    dense = tfidf_matrix([tokenize_words(u.text) for u in units]).toarray()
    centroid = dense.sum(axis=0)
    norm = float(np.linalg.norm(centroid)) or 1.0
    return _by_rank(units, _stable_desc(dense @ centroid / norm), budget)


def random_summarizer(seed: int) -> Summarizer:
    """Random baseline: usable sentences in a seeded random order.

    Args:
        seed: Mixed with the story key, so each story gets its own reproducible order.

    Returns:
        A summariser.
    """

    def summarize(
        story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
    ) -> Sequence[Sentence]:
        """Random sentences within the budget."""
        units = _units(story, articles, lang)
        order = list(range(len(units)))
        random.Random(f"{seed}:{story.key}").shuffle(order)
        return _by_rank(units, order, budget)

    return summarize


# Lin & Bilmes (2011), "A Class of Submodular Functions for Document Summarization" (ACL):
# F(S) = L1(S) + λ·R1(S), a coverage term and a diversity reward, maximised by the
# cost-scaled greedy of Lin & Bilmes (2010). The constants are the paper's for generic
# DUC-04 summaries (chosen there on DUC-03), never fitted on WikinewsSum:
# α = a / N with a = 5 (a sentence counts as covered once a fifth of its total similarity
# to the story is in the summary), λ = 6, K = 0.2·N k-means clusters of the TF-IDF rows,
# and the greedy's cost exponent r = 0.3.
SUBMODULAR_ALPHA_A = 5.0
SUBMODULAR_LAMBDA = 6.0
SUBMODULAR_CLUSTER_SHARE = 0.2
SUBMODULAR_COST_EXPONENT = 0.3
# k-means: a fixed seed and a bounded number of Lloyd iterations, so a rerun is identical.
KMEANS_SEED = 0
KMEANS_ITERATIONS = 50


def _kmeans(rows: np.ndarray, clusters: int, seed: int = KMEANS_SEED) -> np.ndarray:
    """Cluster labels of the rows: k-means++ seeding, then Lloyd iterations (numpy)."""
    count = rows.shape[0]
    clusters = max(1, min(clusters, count))
    rng = np.random.default_rng(seed)
    centres = [rows[int(rng.integers(count))]]
    gaps = ((rows - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, clusters):
        total = float(gaps.sum())
        pick = int(rng.choice(count, p=gaps / total)) if total > 0 else int(rng.integers(count))
        centres.append(rows[pick])
        gaps = np.minimum(gaps, ((rows - rows[pick]) ** 2).sum(axis=1))
    centre = np.array(centres)
    labels = np.full(count, -1)
    squares = (rows**2).sum(axis=1)
    for _ in range(KMEANS_ITERATIONS):
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, without a rows x centres x terms array
        distance = squares[:, None] - 2.0 * rows @ centre.T + (centre**2).sum(axis=1)[None, :]
        new = distance.argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for k in range(clusters):
            members = rows[labels == k]
            if len(members):
                centre[k] = members.mean(axis=0)
    return labels


def _submodular_pick(
    similarity: np.ndarray, labels: np.ndarray, costs: np.ndarray, budget: int
) -> list[int]:
    """The cost-scaled greedy of Lin & Bilmes (2010) on F = L1 + λ·R1, within ``budget``."""
    count = len(costs)
    cap = SUBMODULAR_ALPHA_A / count * similarity.sum(axis=1)  # α·C_i(V)
    reward = similarity.mean(axis=0)  # r_j: how much of the story sentence j stands for
    covered = np.zeros(count)
    mass = np.zeros(int(labels.max()) + 1)
    left = budget
    chosen: list[int] = []
    open_ = np.ones(count, dtype=bool)

    def value(cover: np.ndarray, cluster_mass: np.ndarray) -> float:
        return float(np.minimum(cover, cap).sum() + SUBMODULAR_LAMBDA * np.sqrt(cluster_mass).sum())

    while open_.any():
        base = np.minimum(covered, cap).sum()
        coverage = np.minimum(covered[:, None] + similarity, cap[:, None]).sum(axis=0) - base
        diversity = np.sqrt(mass[labels] + reward) - np.sqrt(mass[labels])
        gain = coverage + SUBMODULAR_LAMBDA * diversity
        scaled = np.where(open_, gain / np.maximum(costs, 1) ** SUBMODULAR_COST_EXPONENT, -np.inf)
        best = int(np.argmax(scaled))
        open_[best] = False
        if costs[best] <= left and gain[best] >= 0:
            chosen.append(best)
            left -= int(costs[best])
            covered += similarity[:, best]
            mass[labels[best]] += reward[best]
    # the greedy's guarantee needs the best single sentence as the alternative
    fits = [i for i in range(count) if costs[i] <= budget]
    if fits:
        singles = []
        for i in fits:
            one_mass = np.zeros_like(mass)
            one_mass[labels[i]] = reward[i]
            singles.append((value(similarity[:, i], one_mass), -i))
        single_value, single = max(singles)
        if single_value > value(covered, mass):
            return [-single]
    return chosen


def submodular_summarizer(
    story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
) -> Sequence[Sentence]:
    """Lin & Bilmes (2011): coverage plus a diversity reward, with the paper's constants.

    Args:
        story: The story.
        articles: Articles by id.
        budget: Most words.
        lang: Preferred article language.

    Returns:
        Cited sentences in reading order within the budget.
    """
    units = _units(story, articles, lang)
    if not units:
        return []
    dense = tfidf_matrix([tokenize_words(u.text) for u in units]).toarray()
    similarity = np.clip(dense @ dense.T, 0.0, None)
    clusters = max(1, round(SUBMODULAR_CLUSTER_SHARE * len(units)))
    labels = _kmeans(dense, clusters)
    costs = np.array([len(u.text.split()) for u in units])
    picked = _submodular_pick(similarity, labels, costs, budget)
    return [_cite(units[i]) for i in sorted(picked)]
