"""``midweek demo``: the whole path on bundled, redistributable news, in one command.

The bundled corpus is 291 English Wikinews reports (CC BY 2.5, see NOTICE). Wikinews
published about three reports a week, so the demo reviews the seven days of the corpus
whose reports group best (the most reports in stories of two or more, then the most
reports) rather than a fixed Monday-to-Wednesday window, which would hold one or two.
One outlet in one language is all the bundled corpus has: its review shows grouping and
a story's timeline, not outlets or languages side by side (``--live`` shows those).
With ``--live`` it reads a built-in list of public feeds in English, Russian and Uzbek
and reviews the last seven days instead.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from midweek.cluster import group_stories
from midweek.fetch import Fetcher
from midweek.models import Article, Source
from midweek.pipeline import IngestCounts, Progress, build_review, ingest_file, ingest_sources
from midweek.render.html import render_html
from midweek.render.jsonout import render_json
from midweek.render.markdown import render_markdown
from midweek.settings import Settings
from midweek.store import Store
from midweek.store.desk import set_review_status
from midweek.workspace import open_fetcher

logger = logging.getLogger(__name__)

DEMO_FILE = "wikinews-en-2019-2020.jsonl.gz"
# One week: the span of the review the project models ("Midweek").
DEMO_WINDOW = timedelta(days=7)
# Who the audit log says published the demo's review.
DEMO_EDITOR = "midweek demo"
# The attribution CC BY 2.5 requires, shown on every page built from the bundled corpus.
DEMO_CREDITS = (
    "News texts: Wikinews (https://en.wikinews.org), by Wikinews contributors, licensed "
    "under CC BY 2.5 (https://creativecommons.org/licenses/by/2.5/)."
)
# Public feeds for --live: general news in English, Russian and Uzbek (Latin and Cyrillic).
LIVE_FEEDS: tuple[tuple[str, str], ...] = (
    ("https://feeds.bbci.co.uk/news/world/rss.xml", "en"),
    ("https://www.theguardian.com/world/rss", "en"),
    ("https://www.gazeta.uz/ru/rss/", "ru"),
    ("https://kun.uz/ru/news/rss", "ru"),
    ("https://www.gazeta.uz/oz/rss/", "uz-Latn"),
    ("https://kun.uz/news/rss", "uz-Latn"),
    ("https://www.gazeta.uz/uz/rss/", "uz-Cyrl"),
)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo did and wrote."""

    summary: IngestCounts
    slug: str
    title: str
    sections: int
    files: tuple[Path, ...]


def demo_corpus() -> Path:
    """Path of the bundled demo corpus."""
    return Path(str(resources.files("midweek.data") / "demo" / DEMO_FILE))


def densest_window(times: Sequence[datetime], span: timedelta) -> tuple[datetime, datetime]:
    """The [start, start+span) holding the most of ``times``, starting at midnight UTC.

    Ties go to the earliest window, so the choice is deterministic.
    """
    if not times:
        raise ValueError("no dated articles to review")
    days = sorted({t.replace(hour=0, minute=0, second=0, microsecond=0) for t in times})
    ordered = sorted(times)
    best, best_count = days[0], -1
    for day in days:
        count = bisect_left(ordered, day + span) - bisect_left(ordered, day)
        if count > best_count:
            best, best_count = day, count
    return best, best + span


def grouped_window(articles: Sequence[Article], span: timedelta) -> tuple[datetime, datetime]:
    """The [start, start+span) whose articles group best, starting at midnight UTC.

    Each day an article was published on starts a candidate window; its articles are
    grouped as a review groups them without ``midweek cluster`` (:func:`group_stories`)
    and the window with the most articles in stories of two or more wins, then the one
    with the most articles, then the earliest. 258 candidates of the bundled corpus take
    about 0.3 s.

    Args:
        articles: Stored articles (with ids); undated ones are ignored.
        span: The window's length.

    Returns:
        The window's start and end.

    Raises:
        ValueError: no article is dated.
    """
    dated = sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id))
    if not dated:
        raise ValueError("no dated articles to review")
    times = [a.published for a in dated if a.published]
    days = sorted({t.replace(hour=0, minute=0, second=0, microsecond=0) for t in times})
    best, best_score = days[0], (-1, -1)
    for day in days:
        inside = dated[bisect_left(times, day) : bisect_left(times, day + span)]
        grouped = sum(len(s.article_ids) for s in group_stories(inside) if len(s.article_ids) > 1)
        score = (grouped, len(inside))
        if score > best_score:
            best, best_score = day, score
    return best, best + span


def run_demo(
    store: Store,
    settings: Settings,
    out_dir: Path,
    now: Callable[[], datetime],
    *,
    live: bool = False,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> DemoResult:
    """Ingest the demo corpus (or live feeds), compose a review, write it three ways.

    Args:
        store: The open store the demo fills.
        settings: The workspace's settings.
        out_dir: Where review.html, review.md and review.json are written.
        now: The clock.
        live: Read ``LIVE_FEEDS`` instead of the bundled corpus.
        progress: Told of each imported article (the bundled corpus only).
        fetcher: Reads the live feeds; None opens one from the settings
            (:func:`midweek.workspace.open_fetcher`) and closes it after.

    Returns:
        The ingest summary, the review's title and the files written.
    """
    if live:
        for url, _lang in LIVE_FEEDS:
            store.add_source(Source(url=url, kind="feed"), now())
        with ExitStack() as stack:
            if fetcher is None:
                fetcher = stack.enter_context(open_fetcher(settings))
            summary = ingest_sources(store, fetcher, settings, now)
        end = now()
        start = end - DEMO_WINDOW
    else:
        summary = ingest_file(store, demo_corpus(), settings, now, progress)
        first, last = store.published_range()
        stored = (
            store.articles_between(first, last + timedelta(seconds=1)) if first and last else []
        )
        start, end = grouped_window(stored, DEMO_WINDOW)
    credits = "" if live else DEMO_CREDITS
    # The demo publishes what it builds so the site shows it; a re-run takes its own
    # earlier review back to draft first (an editor's changes still refuse the rebuild).
    for earlier in store.list_reviews():
        held = earlier.review if earlier.status == "published" else None
        if held is not None and (held.window_start, held.window_end) == (start, end):
            set_review_status(store, earlier.id, "draft", user_name=DEMO_EDITOR, now=now())
    review = build_review(store, start, end, lang="en", now=now(), credits=credits)
    assert review.id is not None  # build_review stores the draft
    set_review_status(store, review.id, "published", user_name=DEMO_EDITOR, now=now())
    review = replace(review, status="published")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = (out_dir / "review.html", out_dir / "review.md", out_dir / "review.json")
    files[0].write_text(render_html(review), encoding="utf-8")
    files[1].write_text(render_markdown(review), encoding="utf-8")
    files[2].write_text(render_json(review), encoding="utf-8")
    return DemoResult(summary.as_dict(), review.slug, review.title, len(review.sections), files)
