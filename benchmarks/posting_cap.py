"""Lexical candidates through a bounded posting walk (issue 16 item 3).

    PYTHONPATH=src nice .venv/bin/python benchmarks/posting_cap.py [--data DIR]
        [--budgets 600,1200,2400,4800] [--open 1000,10000,100000] [--probes 200]
        [--skip-recall] [--skip-scale]

An article's lexical candidates are the open clusters on the postings of its
``QUERY_TERMS`` heaviest terms (``midweek.cluster.OnlineClusterer._candidate_rows``); a
term most open clusters share makes that walk as long as the open clusters.
``midweek.cluster.MAX_WALKED`` bounds the walk: the postings are taken rarest first while
their entries fit the budget, the rest are skipped. Two measurements per budget, each
against no budget in the same run:

**Recall.** ECB+ dev, ITN dev, WikiRef and the real weeks (W1-W3, the telegram gold
stories; a post without a story is a story of its own), lexical model (no vectors),
streamed in order with the gold clustering forced (the ``choose`` of
benchmarks/learn_cluster_weights.py): for each article whose gold story has an open
cluster of its language, whether one is among its candidates; and the most posting
entries any article's terms had (all its terms: a bound on what its walk needed).

**Scale.** The real Russian telegram posts replayed as benchmarks/growth.py replays them
(copy k shifted k spans later, every fourth word replaced by a copy-specific token, so
copies share three words in four and common words' postings grow with the copies), each
text placed as a cluster of its own under a horizon nothing outlives, until 1k / 10k /
100k clusters are open (the fill places directly: no candidates are scored). At each size
the next ``--probes`` texts are read once and, for each budget, their candidates are
found and scored and the join decision taken, without placing them: ms per article for
that step (best of 3), the mean and most posting entries walked, the agreement with no
budget (the same cluster joined, or both a new cluster; no budget's joins among the
candidates), and whether an earlier copy of the text (its "true story" here) is among
the candidates.

Until commit 8954ca7 this script measured a per-term cap (``MAX_POSTING``: a posting
longer than the cap skipped), reported in docs/benchmarks.md beside the budget.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

import midweek.cluster as cluster_module
from midweek.cluster import ClusterDoc, OnlineClusterer, best_candidate
from midweek.evaluate.clustering import load_labelled, stream_order

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import SETS

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
UNCAPPED = 10**9
# A horizon no cluster of the replay outlives.
LONG_HORIZON = timedelta(days=10**5)
TIMING_PASSES = 3


def forced_recall(docs: list[Any], cap: int) -> tuple[int, int, int]:
    """Articles whose gold story had an open cluster, those with one among candidates,
    and the most posting entries an article's terms had (over the stream)."""
    cluster_module.MAX_WALKED = cap
    clusterer = OnlineClusterer()
    gold_of: dict[int, str] = {}
    had = found = longest = 0
    for index, doc in enumerate(docs):
        gold = doc.label
        lang = (doc.lang or "und").strip().lower() or "und"  # candidates: its language only
        open_gold = any(
            gold_of.get(c) == gold and cluster.lang == lang
            for c, cluster in clusterer.state.clusters.items()
        )
        seen: list[bool] = []

        def choose(candidates: list[int], gold: str = gold, seen: list[bool] = seen) -> int | None:
            hit = next((c for c in candidates if gold_of.get(c) == gold), None)
            seen.append(hit is not None)
            return hit

        item = ClusterDoc(index, doc.title, doc.text, doc.lang, doc.published)
        postings = clusterer._postings.get(lang, {})
        _, terms = clusterer.index_terms(item)  # kept for add: read once
        longest = max(longest, sum(len(postings.get(t, ())) for t in terms))
        gold_of[clusterer.add(item, choose=choose)] = gold
        if open_gold:
            had += 1
            found += int(bool(seen and seen[0]))
    return had, found, longest


def recall_sets(data: Path) -> dict[str, list[Any]]:
    """The labelled streams: ECB+, ITN, WikiRef and the real weeks, in stream order."""
    out: dict[str, list[Any]] = {}
    for name, (rel, label) in SETS.items():
        docs, _, _ = load_labelled(data / rel, label)
        out[name] = [docs[i] for i in stream_order(docs)]
    from real_weeks import load_weeks

    from midweek.evaluate.clustering import LabelledDoc

    weeks = []
    for week, posts in load_weeks(data).items():
        for post in posts:
            a = post.article
            label = f"{week}:{post.story or post.id}"
            weeks.append(LabelledDoc(post.id, a.title, a.text, label, a.language_tag, a.published))
    out["real weeks"] = weeks
    return out


def replay(data: Path, count: int) -> tuple[list[ClusterDoc], int]:
    """``count`` replayed posts (benchmarks/growth.py's perturbation), in time order, and
    the number of distinct posts (text ``n`` is a copy of text ``n - posts``)."""
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        posts = [p for p in map(json.loads, fh) if (p.get("text_ru") or "").strip()]
    posts.sort(key=lambda p: p["published"])
    first = datetime.fromisoformat(posts[0]["published"])
    span = datetime.fromisoformat(posts[-1]["published"]) - first + timedelta(days=7)
    docs = []
    for n in range(count):
        copy, index = divmod(n, len(posts))
        words = posts[index]["text_ru"].split()
        if copy:
            words = [f"k{copy}w{i}" if i % 4 == 3 else w for i, w in enumerate(words)]
        when = datetime.fromisoformat(posts[index]["published"]) + copy * span
        docs.append(ClusterDoc(n, "", " ".join(words), "ru", when.replace(tzinfo=UTC)))
    return docs, len(posts)


def probe(clusterer: OnlineClusterer, items: list[Any], cap: int) -> dict[str, Any]:
    """Candidates and the join decision of each prepared item under ``cap`` (no placing)."""
    cluster_module.MAX_WALKED = cap
    postings = clusterer._postings["ru"]
    best = float("inf")
    decisions: list[tuple[int | None, list[int]]] = []
    for _ in range(TIMING_PASSES):
        decisions = []
        started = time.perf_counter()
        for item in items:
            candidates, rows, model = clusterer._candidate_rows(item)
            decisions.append((best_candidate(candidates, rows, model), candidates))
        best = min(best, time.perf_counter() - started)
    walked = []
    for item in items:
        terms = sorted(item.both.items(), key=lambda tw: (-tw[1], tw[0]))
        lengths = sorted(len(postings.get(t, ())) for t, _ in terms[: cluster_module.QUERY_TERMS])
        total = 0
        for length in lengths if sum(lengths) > cap else []:
            if total + length > cap:
                break
            total += length
        walked.append(total if sum(lengths) > cap else sum(lengths))
    return {
        "ms": 1e3 * best / len(items),
        "decisions": decisions,
        "walked": (float(np.mean(walked)), max(walked)),
    }


def scale(data: Path, sizes: list[int], probes: int, caps: list[int]) -> None:
    """Fill to each size of open clusters; probe every cap there."""
    docs, distinct = replay(data, int(max(sizes) * 1.02) + probes)
    clusterer = OnlineClusterer(horizon=LONG_HORIZON)
    started = time.perf_counter()
    position = 0
    print(
        "| open clusters | budget | ms per article (candidates + decision) | entries walked "
        "(mean / most) | same decision as no budget | no budget's joins among the "
        "candidates | an earlier copy's cluster among the candidates |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in sorted(sizes):
        while clusterer.open_clusters() < size:
            clusterer._place(clusterer._prepare(docs[position]), None)
            position += 1
        print(
            f"fill: {clusterer.open_clusters():,} open after {position:,} texts "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        # read the probes once (their document frequencies are counted, then restored)
        df, n_docs = Counter(clusterer.state.df["ru"]), dict(clusterer.state.n_docs)
        items = [clusterer._prepare(d) for d in docs[position : position + probes]]
        clusterer.state.df["ru"], clusterer.state.n_docs = df, n_docs
        base = probe(clusterer, items, UNCAPPED)
        rows = [("none", base)] + [(f"{cap:,}", probe(clusterer, items, cap)) for cap in caps]
        for label, got in rows:
            same = sum(
                1
                for (a, _), (b, _) in zip(got["decisions"], base["decisions"], strict=True)
                if a == b
            )
            chosen = [
                (b, cands)
                for (_, cands), (b, _) in zip(got["decisions"], base["decisions"], strict=True)
                if b is not None
            ]
            kept = sum(1 for b, cands in chosen if b in cands)
            # each text was placed as its own cluster, numbered in stream order: the
            # earlier copies of text n (three words in four the same) are n - j * distinct
            originals = [
                (item.doc.id, cands)
                for item, (_, cands) in zip(items, got["decisions"], strict=True)
                if item.doc.id >= distinct
            ]
            found = sum(
                1
                for n, cands in originals
                if any(c < n and c % distinct == n % distinct for c in cands)
            )
            recall = f"{found}/{len(originals)}" if originals else "-"
            print(
                f"| {clusterer.open_clusters():,} | {label} | {got['ms']:.2f} | "
                f"{got['walked'][0]:,.0f} / {got['walked'][1]:,} | {same}/{len(items)} | "
                f"{kept}/{len(chosen)} | {recall} |",
                flush=True,
            )
    cluster_module.MAX_WALKED = UNCAPPED


def main(argv: list[str] | None = None) -> int:
    """Print the recall table and the scale table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--budgets", default="600,1200,2400,4800")
    parser.add_argument("--open", default="1000,10000,100000")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--skip-recall", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args(argv)
    caps = [int(c) for c in args.budgets.split(",")]
    shipped = cluster_module.MAX_WALKED
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; shipped MAX_WALKED {shipped:,}")
    if not args.skip_recall:
        print(
            "| set | articles with an open gold cluster | most entries an article's terms had "
            "| no budget | " + " | ".join(f"budget {c:,}" for c in caps) + " |"
        )
        print("|---|---|---|---|" + "---|" * len(caps))
        for name, docs in recall_sets(args.data).items():
            cells = []
            had = longest = 0
            for cap in [UNCAPPED, *caps]:
                had, found, walked = forced_recall(docs, cap)
                longest = max(longest, walked)
                cells.append(f"{found} ({found / had:.1%})" if had else "-")
            print(f"| {name} | {had} | {longest} | " + " | ".join(cells) + " |", flush=True)
        cluster_module.MAX_WALKED = shipped
    if not args.skip_scale:
        scale(args.data, [int(s) for s in args.open.split(",")], args.probes, caps)
        cluster_module.MAX_WALKED = shipped
    return 0


if __name__ == "__main__":
    sys.exit(main())
