"""Extractive summaries: midweek against lead, LexRank, TextRank, centroid and random.

    .venv/bin/python benchmarks/summaries.py [--data /work/shared/data] [--max-words N]
        [--paired] [--llm-url http://127.0.0.1:8080/v1 --llm-model NAME]

"submodular (L&B)" is Lin & Bilmes (2011)'s coverage + diversity objective with the paper's
DUC-04 constants (:func:`midweek.evaluate.summaries.submodular_summarizer`), nothing fitted
here: a method that is right for a reason, not weights searched on this set.

Data: the WikinewsSum dev portion (``mds-wikinewssum-en-sample``): a Wikinews report is the
reference summary of the source articles it cites. The dev portion is split in two halves
by a salted hash of the cluster id (:func:`midweek.evaluate.summaries.portion_of`):
midweek's summariser was tuned on the "tune" half only; "report" was never looked at while
tuning. Every system gets the same budget per cluster (default: the reference's length in
words; ``--max-words`` sets one fixed budget) and returns whole sentences within it, chosen
from the same usable sentences (midweek's filter), with articles in English preferred.

ROUGE: ``rouge-score`` (Porter stemming), F-measure, macro mean over clusters.

With ``--paired``, each portion also gets midweek's per-cluster ROUGE-1 F minus each
baseline's, averaged, with a 95% bootstrap interval over clusters
(:data:`BOOTSTRAP_RESAMPLES` resamples, seed :data:`BOOTSTRAP_SEED`) and the count of
clusters midweek wins: whether a lead is more than noise.

With ``--llm-url``/``--llm-model`` the LLM backend (:mod:`midweek.llm`, checked sentences,
extractive fallback) joins the table, asked for about one sentence per
:data:`WORDS_PER_SENTENCE` words of the budget; answers are cached in memory, so "all"
reuses those of "tune" and "report". Its "cited" column is the table's strict measure (a
sentence must occur verbatim in an article it cites, which a paraphrase never does); the
line under the table gives the LLM's own: the share of the sentences of its cited answers
that passed midweek's checks, and how many clusters fell back to extractive sentences, why.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from midweek.evaluate.summaries import (
    Summarizer,
    SummaryCluster,
    centroid_summarizer,
    lead_summarizer,
    lexrank_summarizer,
    load_summary_clusters,
    midweek_summarizer,
    random_summarizer,
    score_clusters,
    submodular_summarizer,
    textrank_summarizer,
)
from midweek.llm import (
    LLMConfig,
    LLMSummary,
    OpenAICompatibleClient,
    SummaryCache,
    llm_summarize_story,
)
from midweek.models import Article, Sentence, Story

# One seed for the random baseline, so the table is reproducible.
RANDOM_SEED = 13

SYSTEMS: dict[str, Summarizer] = {
    "lead": lead_summarizer,
    "random (seed 13)": random_summarizer(RANDOM_SEED),
    "centroid": centroid_summarizer,
    "lexrank": lexrank_summarizer,
    "textrank": textrank_summarizer,
    "submodular (L&B)": submodular_summarizer,
    "midweek": midweek_summarizer,
}

# The systems whose per-cluster lead over every other one ``--paired`` prints.
PAIRED_LEADS = ("midweek", "submodular (L&B)")

# Resamples of the clusters for the bootstrap interval of a mean per-cluster difference;
# 5,000 puts the interval's ends within about 0.001 of where more resamples would.
BOOTSTRAP_RESAMPLES = 5000
# Seed of the bootstrap, so a rerun prints the same interval.
BOOTSTRAP_SEED = 0

# The LLM is asked for one sentence per this many words of the budget: news sentences in
# the WikinewsSum references run about 25 words.
WORDS_PER_SENTENCE = 25
# ... and for at most this many: five cited sentences fit the answer's token limit
# (midweek.llm.ANSWER_MAX_TOKENS = 400) with room for the markers.
MAX_LLM_SENTENCES = 5
# One request may take this long: a small local model on 2 cores reads a 2.5k-token
# prompt and writes 400 tokens in well under a minute.
LLM_TIMEOUT_S = 120.0


class LLMSystem:
    """The LLM backend as a benchmark summariser; keeps each cluster's :class:`LLMSummary`."""

    def __init__(self, client: OpenAICompatibleClient) -> None:
        """Ask through ``client``; cache answers in memory across the portions."""
        self.client = client
        self.cache = SummaryCache()
        self.results: list[LLMSummary] = []

    def __call__(
        self, story: Story, articles: Mapping[int, Article], budget: int, lang: str | None
    ) -> Sequence[Sentence]:
        """Checked LLM sentences (or the extractive fallback) within ``budget`` words."""
        wanted = min(MAX_LLM_SENTENCES, max(1, round(budget / WORDS_PER_SENTENCE)))
        summary = llm_summarize_story(
            story,
            articles,
            client=self.client,
            lang=lang or "en",
            max_sentences=wanted,
            cache=self.cache,
        )
        self.results.append(summary)
        kept: list[Sentence] = []
        words = 0
        for sentence in summary.sentences:  # whole sentences within the budget
            words += len(sentence.text.split())
            if words > budget:
                break
            kept.append(sentence)
        return kept

    def report(self, count: int) -> str:
        """One line on the last ``count`` clusters: checks passed, fallbacks."""
        recent = self.results[-count:] if count else []
        answered = [r for r in recent if r.backend == "llm" or r.flagged]
        judged = sum(len(r.flagged) for r in answered) + sum(
            len(r.sentences) for r in answered if r.backend == "llm"
        )
        passed = sum(len(r.sentences) for r in answered if r.backend == "llm")
        fallbacks = [r.reason for r in recent if r.backend != "llm"]
        share = passed / judged if judged else 0.0
        return (
            f"llm checks: {passed}/{judged} sentences of cited answers passed ({share:.3f}); "
            f"{len(fallbacks)}/{len(recent)} clusters fell back to extractive"
            + (f" ({_reasons(fallbacks)})" if fallbacks else "")
        )


def _reasons(reasons: Sequence[str]) -> str:
    """'reason x count' for the fallback reasons, most common first."""
    counts: dict[str, int] = {}
    for reason in reasons:
        head = reason.split(":", 1)[0]
        counts[head] = counts.get(head, 0) + 1
    return ", ".join(f"{r} x{n}" for r, n in sorted(counts.items(), key=lambda x: -x[1]))


def _score(
    clusters: Sequence[SummaryCluster],
    systems: Mapping[str, Summarizer],
    max_words: int | None,
    skipped: int,
) -> None:
    """Print one table row per system."""
    for name, system in systems.items():
        s = score_clusters(clusters, system, max_words=max_words, skipped=skipped)
        print(
            f"{name:<18} {s.rouge1_f:6.4f} {s.rouge2_f:6.4f} {s.rougeL_f:6.4f} "
            f"{s.words:6.1f} {s.budget_words:6.1f} {s.cited_fraction:6.3f} "
            f"{1000 * s.s_per_cluster:8.1f}"
        )


def _paired(
    clusters: Sequence[SummaryCluster],
    systems: Mapping[str, Summarizer],
    max_words: int | None,
) -> None:
    """Print the per-cluster ROUGE-1 F lead of midweek, and of the submodular objective,
    over each other system, with a bootstrap CI."""
    r1 = {
        name: np.array([score_clusters([c], s, max_words=max_words).rouge1_f for c in clusters])
        for name, s in systems.items()
    }
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(0, len(clusters), (BOOTSTRAP_RESAMPLES, len(clusters)))
    for lead in PAIRED_LEADS:
        for name, scores in r1.items():
            if name == lead:
                continue
            diff = r1[lead] - scores
            means = diff[draws].mean(axis=1)
            low, high = np.quantile(means, [0.025, 0.975])
            print(
                f"{lead} - {name:<18} R1 {diff.mean():+.4f} (95% CI {low:+.4f} to "
                f"{high:+.4f}), wins {int((diff > 0).sum())}/{len(diff)}"
            )


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table for each half of the dev portion and for all of it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--max-words", type=int, default=None)
    parser.add_argument(
        "--paired", action="store_true", help="per-cluster R1 differences with bootstrap CIs"
    )
    parser.add_argument("--llm-url", default=None, help="OpenAI-compatible base URL")
    parser.add_argument("--llm-model", default=None, help="model name at --llm-url")
    args = parser.parse_args(argv)
    if bool(args.llm_url) != bool(args.llm_model):
        parser.error("--llm-url and --llm-model go together")
    if args.llm_url:
        config = LLMConfig(url=args.llm_url, model=args.llm_model, timeout_s=LLM_TIMEOUT_S)
        with OpenAICompatibleClient.from_env(config) as client:
            return _run(args.data, args.max_words, LLMSystem(client), paired=args.paired)
    return _run(args.data, args.max_words, None, paired=args.paired)


def _run(data: Path, max_words: int | None, llm: LLMSystem | None, *, paired: bool = False) -> int:
    """Score every system (and the LLM, when given) on each portion."""
    path = data / "mds-wikinewssum-en-sample" / "clusters.jsonl.gz"
    budget = f"{max_words} words" if max_words else "reference length"
    systems: dict[str, Summarizer] = dict(SYSTEMS)
    if llm is not None:
        systems[f"llm ({llm.client.model})"[:18]] = llm
    for portion in ("tune", "report", "all"):
        clusters, skipped = load_summary_clusters(path, portion)
        print(f"\n{portion}: {len(clusters)} clusters scored, {skipped} skipped; budget {budget}")
        print(
            f"{'system':<18} {'R1 F':>6} {'R2 F':>6} {'RL F':>6} {'words':>6} "
            f"{'budget':>6} {'cited':>6} {'ms/story':>8}"
        )
        _score(clusters, systems, max_words, skipped)
        if llm is not None:
            print(llm.report(len(clusters)))
        if paired and clusters:
            _paired(clusters, SYSTEMS, max_words)
    return 0


if __name__ == "__main__":
    sys.exit(main())
