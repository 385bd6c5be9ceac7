"""Time the desk's list of a window's set-aside posts: the whole window read, or the query.

The desk's edit page lists up to 50 of the window's adverts, digests, service posts and
opinions under the review's sources. It read every article of the window and kept the
non-news ones (``before``); it now asks the store for those kinds with a limit
(``Store.articles_of_kinds``, ``after``), and, to show what the index buys, the same
query once ``ix_articles_kind_published`` is dropped (``after_no_index``).

Stores real Telegram posts (``benchmarks/review.py``'s ``read_posts`` and ``store_posts``:
dates mapped in order onto one review window, kinds classified as ingest stores them),
then times each way ``--repeat`` times and prints the medians as JSON. ``--keep N``
marks all but the first N set-aside posts news, for a week with few of them.

    python benchmarks/desk_set_aside.py --articles 10000 [--repeat 5] [--keep 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from review import WINDOW_END, WINDOW_START, read_posts, store_posts

from midweek.kinds import SET_ASIDE_KINDS, is_news
from midweek.models import Article
from midweek.store import open_store

# What the desk lists (midweek.web.editor.MAX_SET_ASIDE_LISTED).
LISTED = 50


def _median_s(fn: Callable[[], list[Article]], repeat: int) -> tuple[float, list[Article]]:
    """The median wall-clock seconds of ``repeat`` calls, and the last call's result."""
    times = []
    result: list[Article] = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 4), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep",
        type=int,
        default=None,
        help="mark all but the first KEEP set-aside posts news: a week with few of them",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        stored = store_posts(store, read_posts(args.articles))
        with store.engine.begin() as conn:
            if args.keep is not None:
                conn.exec_driver_sql(
                    "UPDATE articles SET kind = 'news' WHERE kind != 'news' AND id NOT IN "
                    "(SELECT id FROM articles WHERE kind != 'news' ORDER BY published, id "
                    f"LIMIT {int(args.keep)})"
                )
            set_aside = conn.exec_driver_sql(
                "SELECT count(*) FROM articles WHERE kind != 'news'"
            ).scalar_one()

        def before() -> list[Article]:
            window = store.articles_between(WINDOW_START, WINDOW_END)
            return [a for a in window if not is_news(a)][:LISTED]

        def after() -> list[Article]:
            return store.articles_of_kinds(WINDOW_START, WINDOW_END, SET_ASIDE_KINDS, limit=LISTED)

        before_s, old = _median_s(before, args.repeat)
        after_s, new = _median_s(after, args.repeat)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_articles_kind_published")
        no_index_s, bare = _median_s(after, args.repeat)
        store.close()
    if [a.id for a in old] != [a.id for a in new] or [a.id for a in bare] != [a.id for a in new]:
        sys.exit("the query and the filtered window disagree")
    print(
        json.dumps(
            {
                "articles_in_window": stored,
                "set_aside_in_window": set_aside,
                "listed": len(new),
                "before_s": before_s,
                "after_s": after_s,
                "after_no_index_s": no_index_s,
                "speedup": round(before_s / after_s, 1) if after_s else None,
            }
        )
    )


if __name__ == "__main__":
    main()
