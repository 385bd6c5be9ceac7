"""Extractive summaries: midweek against lead, LexRank, TextRank, centroid and random.

    .venv/bin/python benchmarks/summaries.py [--data /work/shared/data] [--max-words N]

Data: the WikinewsSum dev portion (``mds-wikinewssum-en-sample``): a Wikinews report is the
reference summary of the source articles it cites. The dev portion is split in two halves
by a salted hash of the cluster id (:func:`midweek.evaluate.summaries.portion_of`):
midweek's summariser was tuned on the "tune" half only; "report" was never looked at while
tuning. Every system gets the same budget per cluster (default: the reference's length in
words; ``--max-words`` sets one fixed budget) and returns whole sentences within it, chosen
from the same usable sentences (midweek's filter), with articles in English preferred.

ROUGE: ``rouge-score`` (Porter stemming), F-measure, macro mean over clusters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from midweek.evaluate.summaries import (
    Summarizer,
    centroid_summarizer,
    lead_summarizer,
    lexrank_summarizer,
    load_summary_clusters,
    midweek_summarizer,
    random_summarizer,
    score_clusters,
    textrank_summarizer,
)

# One seed for the random baseline, so the table is reproducible.
RANDOM_SEED = 13

SYSTEMS: dict[str, Summarizer] = {
    "lead": lead_summarizer,
    "random (seed 13)": random_summarizer(RANDOM_SEED),
    "centroid": centroid_summarizer,
    "lexrank": lexrank_summarizer,
    "textrank": textrank_summarizer,
    "midweek": midweek_summarizer,
}


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table for each half of the dev portion and for all of it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--max-words", type=int, default=None)
    args = parser.parse_args(argv)
    path = args.data / "mds-wikinewssum-en-sample" / "clusters.jsonl.gz"
    budget = f"{args.max_words} words" if args.max_words else "reference length"
    for portion in ("tune", "report", "all"):
        clusters, skipped = load_summary_clusters(path, portion)
        print(f"\n{portion}: {len(clusters)} clusters scored, {skipped} skipped; budget {budget}")
        print(
            f"{'system':<18} {'R1 F':>6} {'R2 F':>6} {'RL F':>6} {'words':>6} "
            f"{'budget':>6} {'cited':>6} {'ms/story':>8}"
        )
        for name, system in SYSTEMS.items():
            s = score_clusters(clusters, system, max_words=args.max_words, skipped=skipped)
            print(
                f"{name:<18} {s.rouge1_f:6.4f} {s.rouge2_f:6.4f} {s.rougeL_f:6.4f} "
                f"{s.words:6.1f} {s.budget_words:6.1f} {s.cited_fraction:6.3f} "
                f"{1000 * s.s_per_cluster:8.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
