"""Replay the telegram set week by week and print a sample of corroborated links to read.

    PYTHONPATH=src .venv/bin/python benchmarks/corroboration_replay.py [--sample 40]
        [--seed 11] [--rule name|day|both] [--data /work/shared/data]

Every post of ``news-ru-uz-telegram-gazeta-podrobno`` that
:func:`midweek.kinds.classify_kind` keeps as news is an article of its outlet (lang ru,
Tashkent time). The posts are cut into weeks from the first post; each week's posts are
:func:`midweek.topics.corroborated_links`' reports, each its own group (the hardest case:
no clusterer has joined anything), the rarity counted over the week and the three days
before it (the review's lookback). Printed: the posts and weeks, the links per rule (a
shared name within ``hours``, a shared past day within ``dated_hours``, both), the sizes
of the groups the links make (do they chain?) with the two largest, and a
seeded random sample of links with their time gap, outlets, shared rare facts (with the
number of the stream's reports that carry each) and the opening of both posts, for a
reader to judge. There is no gold here: the sample is what the precision figures of
docs/benchmarks.md were read from.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from midweek.kinds import NEWS, classify_kind
from midweek.models import Article
from midweek.topics import CORROBORATION, corroborated_links, report_facts

POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
OUTLETS = {"gazetauz": "gazeta.uz", "podrobnouz": "podrobno.uz"}
TASHKENT = timezone(timedelta(hours=5))
LOOKBACK = timedelta(days=3)


def load_news(data: Path) -> list[Article]:
    """The set's news posts as articles, oldest first."""
    out = []
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            post = json.loads(line)
            text = str(post.get("text_ru") or "")
            if not text.strip():
                continue
            article = Article(
                url=str(post.get("url") or f"https://t.me/{post['channel']}/{number}"),
                title="",
                text=text,
                published=datetime.fromisoformat(str(post["published"])).replace(tzinfo=TASHKENT),
                lang="ru",
                outlet=OUTLETS.get(str(post["channel"]), str(post["channel"])),
                id=number,
            )
            if classify_kind("", text, url=article.url, outlet=article.outlet).kind == NEWS:
                out.append(article)
    out.sort(key=lambda a: (a.published, a.id))
    return out


def _root(parent: dict[int, int], node: int) -> int:
    """The union-find root of ``node``."""
    while parent[node] != node:
        node = parent[node]
    return node


def main(argv: Sequence[str] | None = None) -> int:
    """Print the replay's counts and the sample."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--rule", choices=("name", "day", "both"), help="sample the links of this rule only"
    )
    args = parser.parse_args(argv)
    news = load_news(args.data)
    first = news[0].published
    assert first is not None
    weeks: dict[int, list[Article]] = {}
    for article in news:
        assert article.published is not None
        weeks.setdefault((article.published - first).days // 7, []).append(article)
    rule = CORROBORATION
    found: list[tuple[Article, Article, list[tuple[int, str]], str]] = []
    components: Counter[int] = Counter()  # size of each group of linked posts -> count
    largest: list[tuple[int, list[str]]] = []
    for week in sorted(weeks):
        posts = weeks[week]
        begin = posts[0].published
        assert begin is not None
        before = [
            a for a in weeks.get(week - 1, []) if a.published and a.published >= begin - LOOKBACK
        ]
        stream = before + posts
        counts = Counter(f for a in stream for f in report_facts(a))
        rare = max(2, int(rule.rare_share * len(stream)))
        by_id = {a.id: a for a in posts}
        links = corroborated_links([(a.id or 0, a) for a in posts], rule, stream)
        parent = {a.id or 0: a.id or 0 for a in posts}
        for one, other in links:
            a_root, b_root = _root(parent, one), _root(parent, other)
            parent[max(a_root, b_root)] = min(a_root, b_root)
        groups: dict[int, list[str]] = {}
        for article in posts:
            groups.setdefault(_root(parent, article.id or 0), []).append(article.text)
        for texts in groups.values():
            if len(texts) > 1:
                components[len(texts)] += 1
                largest.append((len(texts), texts))
        for one, other in links:
            a, b = by_id[one], by_id[other]
            fa, fb = report_facts(a), report_facts(b)
            shared = sorted((counts[f], f) for f in set(fa) & set(fb) if counts[f] <= rare)
            assert a.published is not None and b.published is not None
            gap = abs((a.published - b.published).total_seconds()) / 3600.0
            dated = (
                any(f.startswith("@") for _, f in shared)
                and gap <= rule.dated_hours
                and len(shared) >= rule.dated_facts
            )
            named = (
                gap <= rule.hours
                and len(shared) >= rule.named_facts
                and any((fa.get(f) or fb.get(f)) and not f.startswith("@") for _, f in shared)
            )
            found.append((a, b, shared, "both" if dated and named else "day" if dated else "name"))
    print(f"news posts: {len(news)}, weeks: {len(weeks)}, links: {len(found)}")
    print("links by rule:", dict(Counter(kind for *_, kind in found)))
    print("groups of linked posts (size: count):", dict(sorted(components.items())))
    for size, texts in sorted(largest, key=lambda item: -item[0])[:2]:
        print(f"  a group of {size}:", " | ".join(" ".join(t.split())[:50] for t in texts))
    pool = [link for link in found if args.rule is None or link[3] == args.rule]
    random.seed(args.seed)
    for a, b, shared, kind in random.sample(pool, min(args.sample, len(pool))):
        assert a.published is not None and b.published is not None
        gap = abs((a.published - b.published).total_seconds()) / 3600.0
        print(f"\n[{kind}] {gap:.1f} h, {a.outlet} / {b.outlet}, shared rare: {shared}")
        print("  A:", " ".join(a.text.split())[:150])
        print("  B:", " ".join(b.text.split())[:150])
    return 0


if __name__ == "__main__":
    sys.exit(main())
