"""Grid search behind the extractive summariser's weights (tune half of WikinewsSum dev).

Usage::

    .venv/bin/python benchmarks/tune_summaries.py [--data /work/shared/data] [--top 15]
        [--max-words N] [--portion tune]

Data: the WikinewsSum dev portion (``mds-wikinewssum-en-sample``), split in two halves by
a salted hash of the cluster id (:func:`midweek.evaluate.summaries.portion_of`). The
search runs on the "tune" half only; ``benchmarks/summaries.py`` reports both halves.

Method: each cluster's candidate sentences and their features (centroid cosine, support,
LexRank centrality, position, anaphora) are computed once with
:func:`midweek.summarize.candidate_features`; every setting of :data:`GRID` then runs
midweek's own selection (:func:`midweek.summarize.select_sentences`) at the reference's
length (or ``--max-words``), and is scored by ROUGE-1/2 F (Porter-stemmed rouge-score
tokens, macro mean over clusters). Settings are ranked by ROUGE-1 F. Two folds inside the
tune half (clusters at even and odd places in file order) show whether a setting's lead
holds on both. The shipped setting (:class:`midweek.summarize.SelectionWeights` defaults)
is scored the same way, with its rank, and the anaphora rules are compared at the shipped
weights by per-cluster ROUGE-1 differences with a bootstrap 95% interval (the noise).

An earlier grid also tried a sentence-length prior and a per-article cap; neither helped,
and neither is in the summariser (docs/benchmarks.md, "Summaries").

A run takes about a minute on one core (3,780 settings on 32 clusters).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import get_args

import numpy as np
from rouge_score.tokenizers import DefaultTokenizer

from midweek.evaluate.summaries import (
    Portion,
    SummaryCluster,
    load_summary_clusters,
    midweek_summarizer,
    score_clusters,
)
from midweek.summarize import (
    AnaphoraRule,
    CandidateFeatures,
    SelectionWeights,
    candidate_features,
    select_sentences,
)

# The grid that chose the shipped weights (docs/benchmarks.md, "Summaries"), with the
# anaphora rule (issue #5) as one more dimension. The lead exponent only matters when the
# lead weight is not 0, so those duplicates are not run.
GRID: dict[str, Sequence[object]] = {
    "centroid": (0.0, 0.35, 0.7),
    "support": (0.0, 0.3),
    "lead": (0.0, 0.15, 0.3, 0.6),
    "lead_exponent": (0.5, 1.0),
    "mmr_lambda": (0.5, 0.7),
    "centrality": (0.0, 0.15, 0.3, 0.6, 1.0),
    "redundancy_max": (0.3, 0.4, 0.55),
    "anaphora": get_args(AnaphoraRule),
}
# Resamples for the bootstrap interval of a mean per-cluster difference; 5,000 puts the
# interval's ends within about 0.001 of where more resamples would.
BOOTSTRAP_RESAMPLES = 5000
# Seed of the bootstrap, so a rerun prints the same interval.
BOOTSTRAP_SEED = 0
# The review language the benchmark passes to every summariser.
LANG = "en"


@dataclass(frozen=True, slots=True)
class Prepared:
    """One cluster, ready to score any setting: features, tokens and the reference."""

    features: CandidateFeatures | None
    tokens: tuple[tuple[str, ...], ...]  # rouge-score tokens of each candidate
    unigrams: Counter[tuple[str, ...]]
    bigrams: Counter[tuple[str, ...]]
    budget: int


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Counts of the ``n``-grams of a token sequence."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_f(candidate: Counter[tuple[str, ...]], reference: Counter[tuple[str, ...]]) -> float:
    """ROUGE-N F-measure from n-gram counts, as rouge-score computes it.

    Hand-written (five lines) because rouge-score re-tokenises and re-stems the whole
    summary on every call; here each candidate sentence is tokenised once, and the tokens
    of a summary are the concatenation of its sentences' tokens (rouge-score's tokeniser
    splits on non-alphanumerics, so joining sentences with a space changes nothing).
    ``main`` checks the two agree on the shipped setting.
    """
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(candidate.values())
    recall = overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def prepare(clusters: Sequence[SummaryCluster], max_words: int | None) -> list[Prepared]:
    """Features and tokens of every cluster, computed once."""
    tokenizer = DefaultTokenizer(use_stemmer=True)
    out: list[Prepared] = []
    for cluster in clusters:
        features = candidate_features(cluster.story, cluster.articles, lang=LANG)
        texts = features.texts if features is not None else ()
        reference = tokenizer.tokenize(cluster.reference)
        out.append(
            Prepared(
                features=features,
                tokens=tuple(tuple(tokenizer.tokenize(t)) for t in texts),
                unigrams=ngrams(reference, 1),
                bigrams=ngrams(reference, 2),
                budget=max_words if max_words is not None else cluster.reference_words,
            )
        )
    return out


def score(prepared: Sequence[Prepared], weights: SelectionWeights) -> np.ndarray:
    """ROUGE-1 and ROUGE-2 F of each cluster's summary under ``weights`` (n x 2)."""
    rows = np.zeros((len(prepared), 2))
    for row, item in enumerate(prepared):
        if item.features is None:
            continue  # no usable sentence: an empty summary scores 0, as in the benchmark
        picked = select_sentences(
            item.features, weights, max_sentences=item.budget, max_words=item.budget
        )
        tokens = [t for i in picked for t in item.tokens[i]]
        rows[row] = (
            rouge_f(ngrams(tokens, 1), item.unigrams),
            rouge_f(ngrams(tokens, 2), item.bigrams),
        )
    return rows


def settings() -> Iterator[SelectionWeights]:
    """Every setting of :data:`GRID`, other weights at their shipped values."""
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        setting = dict(zip(keys, values, strict=True))
        if setting["lead"] == 0.0 and setting["lead_exponent"] != GRID["lead_exponent"][0]:
            continue
        yield replace(SelectionWeights(), **setting)  # type: ignore[arg-type]


def describe(weights: SelectionWeights) -> str:
    """A setting on one line, e.g. ``centroid=0.7 support=0.3 ... anaphora=pair``."""
    return " ".join(f"{f.name}={getattr(weights, f.name)}" for f in fields(weights))


def bootstrap_interval(differences: np.ndarray) -> tuple[float, float]:
    """95% bootstrap interval of the mean of per-cluster differences."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(0, len(differences), (BOOTSTRAP_RESAMPLES, len(differences)))
    means = differences[draws].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def _row(label: str, scores: np.ndarray) -> str:
    """One table line: mean R1, R2, and R1 on each fold."""
    fold_a, fold_b = scores[0::2, 0].mean(), scores[1::2, 0].mean()
    r1, r2 = scores.mean(axis=0)
    return f"{r1:6.4f} {r2:6.4f} {fold_a:6.4f} {fold_b:6.4f}  {label}"


def _compare_rules(prepared: Sequence[Prepared], shipped: SelectionWeights) -> None:
    """Print each anaphora rule at the shipped weights against allowing every sentence."""
    allowed = score(prepared, replace(shipped, anaphora="allow"))
    print("\nanaphora rules at the shipped weights (R1 difference to 'allow', 95% bootstrap CI)")
    for rule in get_args(AnaphoraRule):
        scores = score(prepared, replace(shipped, anaphora=rule))
        diff = scores[:, 0] - allowed[:, 0]
        low, high = bootstrap_interval(diff)
        changed = int((diff != 0).sum())
        print(
            f"{rule:<6} R1 {scores[:, 0].mean():6.4f} R2 {scores[:, 1].mean():6.4f}  "
            f"diff {diff.mean():+.4f} [{low:+.4f}, {high:+.4f}]  "
            f"{changed}/{len(diff)} clusters changed"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the grid on one portion and print the best settings and the shipped one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--top", type=int, default=15, help="settings to list (default 15)")
    parser.add_argument(
        "--max-words", type=int, default=None, help="one budget (default: reference length)"
    )
    parser.add_argument(
        "--portion",
        choices=get_args(Portion),
        default="tune",
        help="half to search (default tune). 'report' and 'all' are for the final check "
        "only: choosing anything by what they show makes the report half a tuning set",
    )
    args = parser.parse_args(argv)
    if args.max_words is not None and args.max_words <= 0:
        parser.error("--max-words must be positive")
    if args.portion != "tune":
        print(f"warning: searching the {args.portion!r} portion; do not tune on what it shows")
    path = args.data / "mds-wikinewssum-en-sample" / "clusters.jsonl.gz"
    clusters, skipped = load_summary_clusters(path, args.portion)
    started = time.perf_counter()
    prepared = prepare(clusters, args.max_words)
    shipped = SelectionWeights()
    results = [(score(prepared, w), w) for w in settings()]
    results.sort(key=lambda r: -float(r[0][:, 0].mean()))  # stable: grid order on ties
    budget = f"{args.max_words} words" if args.max_words else "reference length"
    print(
        f"{args.portion}: {len(clusters)} clusters, {skipped} skipped; budget {budget}; "
        f"{len(results)} settings in {time.perf_counter() - started:.0f} s"
    )
    print(f"{'R1 F':>6} {'R2 F':>6} {'foldA':>6} {'foldB':>6}  setting (R1 on folds A, B)")
    for scores, weights in results[: args.top]:
        print(_row(describe(weights), scores))
    shipped_scores = score(prepared, shipped)
    better = sum(float(s[:, 0].mean()) > float(shipped_scores[:, 0].mean()) for s, _ in results)
    print(f"\nshipped ({better} of {len(results)} settings score a higher R1):")
    print(_row(describe(shipped), shipped_scores))
    _compare_rules(prepared, shipped)
    check = score_clusters(clusters, midweek_summarizer, max_words=args.max_words)
    print(
        f"\ncheck: benchmarks' rouge-score on summarize_story gives R1 {check.rouge1_f:.4f} "
        f"R2 {check.rouge2_f:.4f}; this script {shipped_scores[:, 0].mean():.4f} "
        f"{shipped_scores[:, 1].mean():.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
