"""Measure mention finding on the hand-annotated set (tests/entities/annotations/).

Prints mention precision, recall and F1 (exact span and overlap), by language and by
type, and linking accuracy, for midweek (with and without natasha on Russian) and two
baselines in the same run: runs of capitalised words, and KB names matched exactly as
written (no case endings, no normalisation).

    .venv/bin/python benchmarks/entities_annotated.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from midweek.entities import load_kb

TESTS = Path(__file__).resolve().parents[1] / "tests" / "entities"
sys.path.insert(0, str(TESTS))
from test_annotated import (  # noqa: E402
    GOLD_TYPES,
    GoldArticle,
    Score,
    Span,
    capitalised_runs,
    kb_exact,
    load_gold,
    mention_counts,
    midweek_spans,
    score,
)


def _row(label: str, s: Score) -> str:
    """One line of figures for one system on one language."""
    e, o = s.exact, s.overlap
    link = f"{s.linked.recall:.3f} ({s.linked.correct}/{s.linked.gold})"
    kbp = f"{s.kb_links.precision:.3f} ({s.kb_links.correct}/{s.kb_links.predicted})"
    return (
        f"  {label:<22} exact P/R/F1 {e.precision:.3f}/{e.recall:.3f}/{e.f1:.3f}"
        f"  overlap P/R/F1 {o.precision:.3f}/{o.recall:.3f}/{o.f1:.3f}"
        f"  linking {link}  KB-link precision {kbp}"
    )


def _by_type(s: Score) -> str:
    """Recall by gold type and overlap precision by predicted type."""
    parts = []
    for t in GOLD_TYPES:
        e, o = s.by_type[t]
        tp = s.typed_precision[t]
        parts.append(
            f"{t} R exact {e.recall:.3f} overlap {o.recall:.3f} (n={o.gold}),"
            f" P typed {tp.precision:.3f} (n={tp.predicted})"
        )
    return "      " + "; ".join(parts)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()

    kb = load_kb()
    gold = load_gold(args.data)
    counts = mention_counts(gold)
    for lang in ("ru", "en"):
        arts = [a for a in gold if a.lang == lang]
        with_id = sum(m.entity_id is not None for a in arts for m in a.mentions)
        per_type = ", ".join(f"{t} {counts[(lang, t)]}" for t in GOLD_TYPES)
        print(f"{lang}: {len(arts)} articles, {sum(len(a.mentions) for a in arts)} mentions"
              f" ({per_type}); {with_id} with a KB id")  # fmt: skip

    systems: list[tuple[str, Callable[[GoldArticle], Sequence[Span]]]] = [
        ("midweek", lambda a: midweek_spans(a, kb)),
        ("midweek, no natasha", lambda a: midweek_spans(a, kb, use_ner=False)),
        ("baseline: capitalised", lambda a: capitalised_runs(a.text)),
        ("baseline: KB exact", lambda a: kb_exact(a.text, kb)),
    ]
    midweek_spans(gold[0], kb)  # load natasha outside the timing
    for lang in ("ru", "en", "all"):
        arts = [a for a in gold if lang in ("all", a.lang)]
        print(f"\n{lang} ({len(arts)} articles)")
        for label, system in systems:
            if label == "midweek, no natasha" and lang == "en":
                continue  # natasha runs on Russian only: same as "midweek"
            t0 = time.perf_counter()
            s = score((a.mentions, system(a)) for a in arts)
            dt = time.perf_counter() - t0
            print(_row(label, s) + f"  [{dt:.1f} s]")
            if label == "midweek" or lang == "all":
                print(_by_type(s))


if __name__ == "__main__":
    main()
