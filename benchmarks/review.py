"""Time a full review of 10,000 stored articles, against simply loading them.

Stores real Telegram news posts from Uzbekistan (``news-ru-uz-telegram-gazeta-podrobno``:
the Russian originals, then the Uzbek machine translations as articles of their own, up
to ``--articles``) in a temporary SQLite workspace. Their dates, which span 18 months,
are mapped in order onto one review window (Monday 00:00 to Wednesday 12:00), so every
article is in the window. Then, in the same run:

- ``load``: reading the window's articles from the store (the floor any review pays);
- ``review``: :func:`midweek.pipeline.build_review` end to end (group into stories, rank
  with entities and diversity, summarise, tag, store the draft), with the lexical stories;
- ``plan`` / ``compose`` / ``tags``: the same stages timed one by one;
- with ``--cluster``: ``midweek cluster`` (lexical, no embedder) first, then the review on
  the clusterer's stored stories.

    python benchmarks/review.py --articles 10000 [--cluster] [--profile]

Prints a JSON object of seconds, stories and sections, and review / load as a ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import logging
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from midweek import dedupe
from midweek.models import Article
from midweek.store import ArticleRow, Store, open_store

logger = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTS = DATA / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
# The review window the posts are moved into: Monday 00:00 to Wednesday 12:00 (UTC).
WINDOW_START = datetime(2025, 7, 7, tzinfo=UTC)
WINDOW_END = datetime(2025, 7, 9, 12, tzinfo=UTC)
NOW = datetime(2025, 7, 9, 13, tzinfo=UTC)
# Posts shorter than this are reactions and one-line promos, not articles.
MIN_CHARS = 80
# Rows per store transaction (as ingest writes them).
BATCH = 500


def read_posts(limit: int) -> list[dict[str, Any]]:
    """Russian originals first, then Uzbek translations, up to ``limit`` records."""
    with gzip.open(POSTS, "rt", encoding="utf-8") as fh:
        posts = [json.loads(line) for line in fh]
    posts.sort(key=lambda p: (p["published"], p["id"]))
    out: list[dict[str, Any]] = []
    for field, lang, script in (("text_ru", "ru", "Cyrl"), ("text_uz_mt", "uz", "Latn")):
        for post in posts:
            text = post.get(field) or ""
            if len(text) >= MIN_CHARS:
                out.append({**post, "text": text, "lang": lang, "script": script})
    return out[:limit]


def _when(published: str, first: datetime, last: datetime) -> datetime:
    """Map a post's time from [first, last] onto the review window, keeping the order."""
    moment = datetime.fromisoformat(published).replace(tzinfo=UTC)
    share = (moment - first) / (last - first) if last > first else 0.0
    span = (WINDOW_END - WINDOW_START) - timedelta(minutes=1)
    return WINDOW_START + span * share


def store_posts(store: Store, records: list[dict[str, Any]]) -> int:
    """Store the records as articles; return how many were stored."""
    times = [datetime.fromisoformat(r["published"]).replace(tzinfo=UTC) for r in records]
    first, last = min(times), max(times)
    rows = []
    for record in records:
        text = record["text"]
        url = f"https://t.me/{record['channel']}/{record['id']}/{record['lang']}"
        article = Article(
            url=url,
            title=text.split("\n", 1)[0][:120],
            text=text,
            published=_when(record["published"], first, last),
            lang=record["lang"],
            script=record["script"],
            outlet=record["channel"],
        )
        rows.append(
            ArticleRow(
                article=article,
                key=dedupe.dedupe_key(None, url, article.title, text, record["channel"]),
                canonical_url=dedupe.canonical_url_key(url),
                content_hash=dedupe.content_hash(article.title, text),
            )
        )
    stored = 0
    for start in range(0, len(rows), BATCH):
        ids = store.add_articles(rows[start : start + BATCH], NOW)
        stored += sum(1 for i in ids if i is not None)
    return stored


def _timed(label: str, timings: dict[str, Any], fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; record its wall-clock and CPU seconds under ``label``.

    CPU seconds are this process's: on a shared machine the wall clock also counts the
    time other processes held the cores.
    """
    began, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    timings[label] = {
        "wall_s": round(time.perf_counter() - began, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
    }
    return result


def run(limit: int, cluster: bool) -> dict[str, Any]:
    """Store the articles, then time loading, the review and its stages."""
    from midweek.compose import compose_review, review_tags
    from midweek.entities import load_kb
    from midweek.pipeline import (
        MAX_SECTIONS,
        STORY_LOOKBACK,
        _window_stories,
        build_review,
        plan_review,
    )
    from midweek.rank import rank_stories

    timings: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        stored = _timed("store", timings, store_posts, store, read_posts(limit))
        kb = _timed("load_kb", timings, load_kb)
        loaded = _timed(
            "load", timings, store.articles_between, WINDOW_START - STORY_LOOKBACK, WINDOW_END
        )
        if cluster:
            from midweek.pipeline import cluster_new_articles

            _timed("cluster", timings, cluster_new_articles, store, NOW)
        review = _timed(
            "review",
            timings,
            build_review,
            store,
            WINDOW_START,
            WINDOW_END,
            lang="ru",
            now=NOW,
            kb=kb,
            boosts={"UZ": 1.2},
        )
        plan = _timed("plan", timings, plan_review, store, WINDOW_START, WINDOW_END, kb=kb)
        _timed("stories", timings, _window_stories, store, loaded, WINDOW_START, WINDOW_END)
        _timed(
            "rank",
            timings,
            rank_stories,
            [plan.originals[k] for k in sorted(plan.originals)],
            window_start=WINDOW_START,
            window_end=WINDOW_END,
            limit=MAX_SECTIONS,
            articles=plan.articles,
            kb=kb,
            boosts={"UZ": 1.2},
        )
        composed = _timed(
            "compose",
            timings,
            compose_review,
            plan.ranked,
            plan.articles,
            window_start=WINDOW_START,
            window_end=WINDOW_END,
            now=NOW,
            lang="ru",
        )
        _timed("tags", timings, review_tags, plan.ranked, plan.articles, composed.lang, kb)
        store.close()
    return {
        "articles_stored": stored,
        "articles_loaded": len(loaded),
        "stories_from": plan.stories_from,
        "stories": plan.candidates,
        "sections": len(review.sections),
        "seconds": timings,
        "review_over_load_wall": round(
            timings["review"]["wall_s"] / max(timings["load"]["wall_s"], 1e-9), 1
        ),
        "headings": [s.heading for s in review.sections],
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--cluster", action="store_true", help="cluster first (midweek cluster)")
    parser.add_argument("--profile", action="store_true", help="print the top of a profile")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    result = run(args.articles, args.cluster)
    if profile:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
