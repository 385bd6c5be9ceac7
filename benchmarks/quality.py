"""Quality figures of the stages below the review: language id, reprints, story grouping.

Prints, on the dev data in ../shared/data, the figures docs/benchmarks.md records:

- language and script identification accuracy per data set;
- near-duplicate (reprint) detection at several MinHash thresholds, on the calibration set
  the tests build (tests/test_dedupe.py: synthetic reprints of real texts, real wire
  reprints, and distinct same-story pairs);
- B-cubed precision/recall/F1 of the first story grouping on ECB+, with the all-singletons
  baseline in the same run.

    python benchmarks/quality.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from midweek.cluster import group_stories
from midweek.models import Article
from midweek.text.lang import detect_language

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from test_cluster import SHUFFLE_SEED, bcubed  # noqa: E402
from test_dedupe import calibrate  # noqa: E402

THRESHOLDS = (0.5, 0.55, 0.6, 0.7)


def records(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a gzip JSON-lines file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def language_accuracy(data: Path) -> None:
    """Print right/all of (language, script) per data set."""
    sets: list[tuple[str, list[tuple[object, object]]]] = []
    pairs = []
    for rec in records(data / "news-uz-kunuz-uznews-samples" / "articles.jsonl.gz"):
        text = f"{rec.get('title') or ''}\n{rec.get('text') or ''}"
        pairs.append((detect_language(text), (rec["lang"], rec["script"].capitalize())))
    sets.append(("kun.uz + uznews.uz (uz-Latn, uz-Cyrl, ru)", pairs))
    for folder in ("news-ru-uz-uplz", "news-ru-samples-corus"):
        pairs = []
        for rec in records(data / folder / "articles.jsonl.gz"):
            text = f"{rec.get('title') or ''}\n{rec.get('text') or ''}"
            pairs.append((detect_language(text), ("ru", "Cyrl")))
        sets.append((folder, pairs))
    cyrl, latn = [], []
    for rec in records(data / "parallel-uz-cyrl-latn-uztranslit" / "documents.jsonl.gz"):
        cyrl.append((detect_language(rec["text_cyrl"]), ("uz", "Cyrl")))
        latn.append((detect_language(rec["text_latn"]), ("uz", "Latn")))
    sets += [("parallel documents, Cyrillic copy", cyrl), ("parallel documents, Latin copy", latn)]
    print("language and script identification")
    for name, found in sets:
        right = sum(got == want for got, want in found)
        print(f"  {name:45s} {right:4d} / {len(found):4d}  ({right / len(found):.3f})")


def reprints(data: Path) -> None:
    """Print recall/precision of reprint detection per threshold."""
    print("near-duplicate detection (MinHash, word 3-shingles, 128 permutations)")
    for threshold in THRESHOLDS:
        result = calibrate(data, threshold)
        print(
            f"  threshold {threshold:.2f}: recall {result.recall:.4f} "
            f"({result.true_positives}/{result.true_positives + result.false_negatives}), "
            f"precision {result.precision:.4f}, "
            f"distinct pairs merged {result.false_positives}/{result.distinct_pairs}"
        )


def stories(data: Path) -> None:
    """Print ECB+ B-cubed of group_stories (file order and shuffled) and of singletons."""
    docs = list(records(data / "story-clustering-ecbplus" / "documents.jsonl.gz"))

    def score(order: list[dict[str, Any]]) -> tuple[float, float, float]:
        articles = [
            Article(url=f"ecb:{r['id']}", title=r["first_line"], text=r["text"], id=i + 1)
            for i, r in enumerate(order)
        ]
        label = {a: s.key for s in group_stories(articles) for a in s.article_ids}
        return bcubed([label[a.id or 0] for a in articles], [r["story_id"] for r in order])

    shuffled = list(docs)
    random.Random(SHUFFLE_SEED).shuffle(shuffled)
    gold = [r["story_id"] for r in docs]
    print(f"story grouping, ECB+ dev ({len(docs)} documents), B-cubed P / R / F1")
    for name, (p, r, f) in (
        ("group_stories, file order", score(docs)),
        ("group_stories, shuffled", score(shuffled)),
        ("all singletons", bcubed(list(range(len(gold))), gold)),
    ):
        print(f"  {name:28s} {p:.3f} / {r:.3f} / {f:.3f}")


def main() -> None:
    """Print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    language_accuracy(args.data)
    reprints(args.data)
    stories(args.data)


if __name__ == "__main__":
    main()
