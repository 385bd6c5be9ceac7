"""The one place that orders the stages: ingest, dedupe, store, and build a review.

The outside world comes in as arguments: a :class:`~midweek.store.Store`, a
:class:`~midweek.fetch.Fetcher` and a ``now`` function. Fetching, extraction and
storage overlap: pages are fetched by a thread pool, extracted by a process pool
(each page under a wall-clock and memory limit) and written by the calling thread in
batches of one transaction each, so a killed run loses at most the batch in flight
and a re-run skips everything already stored.
"""

from __future__ import annotations

import logging
import resource
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from midweek import dedupe
from midweek.cluster import ClusterDoc, ClusterState, OnlineClusterer, build_story, group_stories
from midweek.compose import Summarizer, compose_review, extractive_summarizer
from midweek.embed import Embedder, embedding_text
from midweek.entities import KnowledgeBase, load_kb, tags_for
from midweek.errors import ConfigError, ExtractError, FetchError, MidweekError, SourceError
from midweek.extract import extract_article
from midweek.fetch import Fetcher
from midweek.models import Article, Failure, FeedEntry, Page, Review, ReviewTag, Source
from midweek.rank import RankedStory, rank_stories
from midweek.render.jsonout import review_to_dict
from midweek.settings import Settings
from midweek.sources.feeds import parse_feed, sniff_kind
from midweek.sources.imports import iter_import
from midweek.sources.sitemaps import parse_sitemap
from midweek.store import ArticleRow, Store
from midweek.store.stories import (
    articles_in_clusters,
    load_cluster_state,
    save_cluster_run,
    unclustered_articles,
)
from midweek.text.lang import detect_language

logger = logging.getLogger(__name__)

Now = Callable[[], datetime]
Progress = Callable[[int], None]

# Rows written per transaction: large enough to amortise the commit (fsync) cost,
# small enough that a kill loses little work and readers are never blocked for long.
BATCH_SIZE = 100
# Extraction tasks in flight per worker: keeps both cores busy while bounding memory.
IN_FLIGHT_PER_WORKER = 4
# A sitemap index may nest; deeper than this is not a news sitemap we should follow.
MAX_SITEMAP_DEPTH = 2
# Child sitemaps read from one index (news indexes list a few, archives thousands).
MAX_CHILD_SITEMAPS = 50


@dataclass(slots=True)
class IngestSummary:
    """What an ingest did: counts and the reasons behind every skipped item."""

    new: int = 0
    duplicates: int = 0
    reprints: int = 0
    failed: int = 0
    unchanged_sources: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "reprints": self.reprints,
            "failed": self.failed,
            "unchanged_sources": self.unchanged_sources,
            "failure_reasons": dict(self.reasons.most_common()),
        }


def _reason_class(reason: str) -> str:
    """A short class of a failure reason for the summary (its text before ':')."""
    return reason.split(":", 1)[0].strip()[:80] or "unknown"


# -- extraction in worker processes -------------------------------------------------------
def _start_worker(megabytes: int) -> None:
    """Worker initialiser: cap the heap so one page cannot exhaust memory, then warm up.

    RLIMIT_DATA (heap and private mappings) rather than RLIMIT_AS: the address space of
    a Python process with native libraries is mostly shared objects and reservations
    that are never touched, and capping it breaks loading them.
    """
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # Load models and lazy imports (language id, date parsing) before the first real page,
    # so its time limit measures extraction only.
    _extract(Page(url="http://warm.up/", body=_WARM_UP_PAGE, fetched_at=_WARM_UP_TIME))


# A fixed time: the warm-up page's result is thrown away, so no clock is read for it.
_WARM_UP_TIME = datetime(2025, 3, 3, tzinfo=UTC)
_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title></head><body><article><p>"
    + "This paragraph exists to load the extraction models once per worker. " * 8
    + "</p><p>Published on 3 March 2025.</p></article></body></html>"
).encode()


def _extract(page: Page) -> Article | Failure:
    """Extract one page in a worker; an expected failure comes back as a value."""
    try:
        return extract_article(page)
    except ExtractError as exc:
        return Failure("extract", page.url, str(exc))
    except MemoryError:
        return Failure("extract", page.url, "memory limit: the page needed too much memory")


class Extractor:
    """A pool of extraction workers, each page under a time and memory limit."""

    def __init__(self, workers: int, timeout_s: float, memory_mb: int) -> None:
        """Start ``workers`` processes."""
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self._pool = ProcessPool(
            max_workers=self.workers, initializer=_start_worker, initargs=(memory_mb,)
        )

    def close(self) -> None:
        """Stop the workers."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()

    def __enter__(self) -> Extractor:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the workers."""
        self.close()

    def run(self, items: Iterable[Page | Article | Failure]) -> Iterator[Article | Failure]:
        """Extract pages as they come, passing articles and failures through, in order."""
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending: list[tuple[Page | Article | Failure, Future[Any] | None]] = []
        for item in items:
            future = None
            if isinstance(item, Page):
                future = self._pool.schedule(_extract, args=(item,), timeout=self.timeout_s)
            pending.append((item, future))
            while len(pending) >= window:
                yield self._result(*pending.pop(0))
        while pending:
            yield self._result(*pending.pop(0))

    def _result(
        self, item: Page | Article | Failure, future: Future[Any] | None
    ) -> Article | Failure:
        """Wait for one item's result and turn worker deaths into failures."""
        if future is None:
            assert not isinstance(item, Page)
            return item
        assert isinstance(item, Page)
        try:
            result: Article | Failure = future.result()
        except FutureTimeout:
            return Failure("extract", item.url, f"timeout: extraction ran over {self.timeout_s}s")
        except ProcessExpired as exc:
            return Failure("extract", item.url, f"worker died: exit code {exc.exitcode}")
        except Exception as exc:  # a bug in a library on one hostile page must not stop a run
            logger.exception("extraction crashed on %s", item.url)
            return Failure("extract", item.url, f"extractor error: {type(exc).__name__}: {exc}")
        return result


# -- storage with dedupe ------------------------------------------------------------------
class Ingestor:
    """Writes articles once: exact keys, then reprints and near-duplicates linked."""

    def __init__(self, store: Store, now: Now, *, horizon_days: int = 14) -> None:
        """Load the near-duplicate index of the last ``horizon_days`` from the store."""
        self.store = store
        self.now = now
        self.index = dedupe.NearDuplicateIndex()
        since = now() - timedelta(days=horizon_days)
        for article_id, blob in store.recent_signatures(since):
            self.index.add(article_id, dedupe.signature_from_bytes(blob))
        self.summary = IngestSummary()

    def add(self, items: Iterable[Article | Failure], progress: Progress | None = None) -> None:
        """Store articles in batches and record failures; updates :attr:`summary`."""
        batch: list[Article] = []
        failures: list[Failure] = []
        for item in items:
            if isinstance(item, Failure):
                failures.append(item)
                self.summary.failed += 1
                self.summary.reasons[f"{item.stage}: {_reason_class(item.reason)}"] += 1
            else:
                batch.append(item)
            if len(batch) >= BATCH_SIZE or len(failures) >= BATCH_SIZE:
                self._flush(batch, failures)
                if progress:
                    progress(len(batch) + len(failures))
                batch, failures = [], []
        self._flush(batch, failures)
        if progress:
            progress(len(batch) + len(failures))

    def _flush(self, batch: Sequence[Article], failures: Sequence[Failure]) -> None:
        """Dedupe one batch against the store and itself, then write it."""
        now = self.now()
        self.store.record_failures(failures, now)
        if not batch:
            return
        prepared = [_prepare(a) for a in batch]
        known = self.store.existing_keys(
            k for row, _ in prepared for k in (row.key, row.canonical_url)
        )
        by_hash = self.store.find_by_content_hash(row.content_hash for row, _ in prepared)
        batch_index = dedupe.NearDuplicateIndex()
        seen: dict[str, int] = {}  # key or canonical URL -> position in `rows`
        rows: list[ArticleRow] = []
        signatures = []
        for row, signature in prepared:
            if row.key in known or row.canonical_url in known:
                self.summary.duplicates += 1
                continue
            if row.key in seen or row.canonical_url in seen:
                self.summary.duplicates += 1
                continue
            original = by_hash.get(row.content_hash)
            if original is None:
                original = self.index.find(signature)
            if original is not None:
                row = replace(row, duplicate_of=original)
            else:
                earlier = batch_index.find(signature)
                if earlier is not None:
                    row = replace(row, duplicate_of_row=earlier)
                else:
                    batch_index.add(len(rows), signature)
            seen[row.key] = seen[row.canonical_url] = len(rows)
            rows.append(row)
            signatures.append(signature)
        ids = self.store.add_articles(rows, now)
        for row, signature, new_id in zip(rows, signatures, ids, strict=True):
            if new_id is None:  # another writer stored it meanwhile
                self.summary.duplicates += 1
                continue
            self.summary.new += 1
            if row.duplicate_of is not None or row.duplicate_of_row is not None:
                self.summary.reprints += 1
            else:
                self.index.add(new_id, signature)


def _prepare(article: Article) -> tuple[ArticleRow, Any]:
    """Compute an article's keys, hash and MinHash; fill in language when missing."""
    if article.lang is None:
        lang, script = detect_language(f"{article.title}\n{article.text}")
        article = replace(article, lang=lang, script=script)
    signature = dedupe.minhash_signature(f"{article.title}\n{article.text}")
    source_key = str(article.source_id) if article.source_id is not None else article.outlet
    row = ArticleRow(
        article=article,
        key=dedupe.dedupe_key(article.guid, article.url, article.title, article.text, source_key),
        canonical_url=dedupe.canonical_url_key(article.url),
        content_hash=dedupe.content_hash(article.title, article.text),
        minhash=dedupe.signature_to_bytes(signature),
    )
    return row, signature


# -- ingest entry points ----------------------------------------------------------------
def ingest_file(
    store: Store,
    path: Path,
    settings: Settings,
    now: Now,
    progress: Progress | None = None,
) -> IngestSummary:
    """Import a JSONL(.gz) file, a folder of HTML pages or a WARC file.

    Raises:
        SourceError: the path does not exist or is of an unknown kind.
    """
    items = iter_import(path)  # raises SourceError before any work for a bad path
    ingestor = Ingestor(store, now, horizon_days=settings.dedupe_horizon_days)
    with Extractor(settings.workers, settings.extract_timeout_s, settings.extract_memory_mb) as ex:
        ingestor.add(ex.run(items), progress)
    return ingestor.summary


def _read_source(
    fetcher: Fetcher, source: Source, depth: int = 0
) -> tuple[list[FeedEntry], Page | None, Page | None]:
    """Fetch a source: its entries, its own page when it is a single article, and the
    response whose validators the next conditional GET should send.

    Raises:
        FetchError: the source itself could not be fetched.
        SourceError: it is neither a feed, a sitemap nor a page.
    """
    page = fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    if page.status == 304:
        return [], None, page
    kind = sniff_kind(page.body, page.content_type)
    if kind in {"feed", "json_feed"}:
        return list(parse_feed(page.body, page.url).entries), None, page
    if kind == "sitemap":
        parsed = parse_sitemap(page.body, page.url)
        entries = list(parsed.entries)
        if depth < MAX_SITEMAP_DEPTH:
            for child in parsed.children[:MAX_CHILD_SITEMAPS]:
                try:
                    child_entries, _, _ = _read_source(
                        fetcher, Source(url=child, kind="sitemap"), depth + 1
                    )
                except MidweekError as exc:
                    logger.warning("child sitemap %s skipped: %s", child, exc)
                    continue
                entries.extend(child_entries)
        return entries, None, page
    if kind == "html":
        return [], replace(page, source_id=source.id), page
    raise SourceError(f"{source.url}: neither a feed, a sitemap nor an HTML page ({kind})")


def ingest_sources(
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    now: Now,
    sources: Sequence[Source] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> IngestSummary:
    """Fetch every source, then every new article page, extract and store them.

    Args:
        store: where articles go.
        fetcher: the only network access.
        settings: worker counts and limits.
        now: the clock.
        sources: which sources (default: all stored).
        progress: called with (phase, advance, total) as work is done.

    Returns:
        The summary; a failing source or page is counted there, never raised.
    """
    ingestor = Ingestor(store, now, horizon_days=settings.dedupe_horizon_days)
    todo = list(store.list_sources() if sources is None else sources)
    if not todo:
        raise ConfigError(
            "no sources to read: add one with `midweek sources add URL`, "
            "or import a file with `midweek ingest --file PATH`"
        )
    entries: list[tuple[FeedEntry, int | None]] = []
    direct_pages: list[Page] = []
    source_failures: list[Failure] = []
    for source in todo:
        try:
            found, page, response = _read_source(fetcher, source)
        except (FetchError, SourceError) as exc:
            source_failures.append(Failure("source", source.url, str(exc)))
            if source.id is not None:
                store.mark_source_checked(source.id, now(), error=str(exc))
            if progress:
                progress("sources", 1, len(todo))
            continue
        if response is not None and response.status == 304:
            ingestor.summary.unchanged_sources += 1
        if source.id is not None and response is not None:
            store.mark_source_checked(
                source.id,
                now(),
                etag=response.headers.get("etag") or source.etag,
                last_modified=response.headers.get("last-modified") or source.last_modified,
            )
        entries.extend((e, source.id) for e in found)
        if page is not None:
            direct_pages.append(page)
        if progress:
            progress("sources", 1, len(todo))
    ingestor.add(source_failures)
    fresh = _new_entries(store, entries)
    ingestor.summary.duplicates += len(entries) - len(fresh)

    def report(n: int) -> None:
        if progress:
            progress("articles", n, len(fresh) + len(direct_pages))

    with (
        ThreadPoolExecutor(max_workers=settings.fetch_threads) as threads,
        Extractor(settings.workers, settings.extract_timeout_s, settings.extract_memory_mb) as ex,
    ):
        pages = _fetch_pages(fetcher, threads, fresh, settings.fetch_threads * 2)
        ingestor.add(ex.run(_chain(direct_pages, pages)), report)
    return ingestor.summary


def _chain(first: Iterable[Page], rest: Iterable[Page | Failure]) -> Iterator[Page | Failure]:
    """Yield from ``first`` then ``rest``."""
    yield from first
    yield from rest


def _new_entries(
    store: Store, entries: Sequence[tuple[FeedEntry, int | None]]
) -> list[tuple[FeedEntry, int | None]]:
    """Entries whose GUID key and canonical URL are both unknown (and unique here)."""

    def keys(entry: FeedEntry, source_id: int | None) -> tuple[str, str]:
        guid_key = (
            dedupe.dedupe_key(entry.guid, entry.url, "", "", str(source_id)) if entry.guid else ""
        )
        return guid_key, dedupe.canonical_url_key(entry.url)

    all_keys = [keys(e, s) for e, s in entries]
    known = store.existing_keys(k for pair in all_keys for k in pair if k)
    fresh: list[tuple[FeedEntry, int | None]] = []
    seen: set[str] = set()
    for (entry, source_id), (guid_key, url_key) in zip(entries, all_keys, strict=True):
        if guid_key in known or url_key in known or url_key in seen:
            continue
        seen.add(url_key)
        fresh.append((entry, source_id))
    return fresh


def _fetch_pages(
    fetcher: Fetcher,
    threads: ThreadPoolExecutor,
    entries: Sequence[tuple[FeedEntry, int | None]],
    window: int,
) -> Iterator[Page | Failure]:
    """Fetch entry pages concurrently, at most ``window`` in flight, in entry order."""

    def fetch_one(entry: FeedEntry, source_id: int | None) -> Page | Failure:
        try:
            page = fetcher.fetch(entry.url)
        except FetchError as exc:
            return Failure("fetch", entry.url, str(exc))
        return replace(page, entry=entry, source_id=source_id)

    pending: list[Future[Page | Failure]] = []
    for entry, source_id in entries:
        pending.append(threads.submit(fetch_one, entry, source_id))
        if len(pending) >= window:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


# -- review -------------------------------------------------------------------------------
# Stories often start before the window opens; articles this far back are grouped with
# the window's so a continuing story is one story (3 days: the time-decay scale of
# Miranda et al. 2018).
STORY_LOOKBACK = timedelta(days=3)
# Sections in a review: the seed review has 3 to 6; 6 leaves room for an editor to cut.
MAX_SECTIONS = 6
# Tags under a review: the seed review shows five; ten leaves the editor a choice.
REVIEW_TAG_LIMIT = 10


def review_tags(
    ranked: Sequence[RankedStory], articles: Mapping[int, Article], lang: str, kb: KnowledgeBase
) -> tuple[ReviewTag, ...]:
    """The top canonical entities of the ranked stories' articles, named in ``lang``."""
    members = [articles[i] for r in ranked for i in r.story.article_ids if i in articles]
    tags = tags_for(members, lang, kb=kb, limit=REVIEW_TAG_LIMIT)
    return tuple(ReviewTag(name=t.name, slug=t.slug, entity_id=t.entity_id) for t in tags)


def build_review(
    store: Store,
    window_start: datetime,
    window_end: datetime,
    *,
    lang: str,
    now: datetime,
    credits: str = "",
    kb: KnowledgeBase | None = None,
    summarizer: Summarizer = extractive_summarizer,
    save: bool = True,
) -> Review:
    """Group the window's articles into stories, rank them, compose and store the draft.

    ``credits`` is the attribution the sources' licences require, kept with the review;
    ``kb`` the knowledge base that names the tags (default: the bundled one);
    ``summarizer`` writes the sections (e.g. :class:`midweek.llm.SectionWriter`);
    ``save`` False composes without storing the draft.

    Raises:
        StoreError: saving would overwrite a published review or an editor's draft.

    Returns:
        The composed review (also saved as a draft under its slug).
    """
    articles = store.articles_between(window_start - STORY_LOOKBACK, window_end)
    by_id = {a.id: a for a in articles if a.id is not None}
    stories = group_stories(articles)
    ranked = rank_stories(
        stories,
        window_start=window_start,
        window_end=window_end,
        limit=MAX_SECTIONS,
        articles=by_id,
    )
    review = compose_review(
        ranked,
        by_id,
        window_start=window_start,
        window_end=window_end,
        now=now,
        lang=lang,
        summarizer=summarizer,
    )
    tags = review_tags(ranked, by_id, review.lang, kb or load_kb())
    review = replace(review, credits=credits, tags=tags)
    store.save_stories([r.story for r in ranked])
    if not save:
        return review
    review_id = store.save_review(
        slug=review.slug,
        title=review.title,
        lang=review.lang,
        window_start=window_start,
        window_end=window_end,
        created_at=now,
        body=review_to_dict(review),
    )
    return replace(review, id=review_id)


# -- incremental story clustering ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClusterRun:
    """What one clustering run did."""

    articles: int  # newly clustered
    stories: int  # stories created or changed
    open_clusters: int  # what the clusterer keeps in memory for the next run


def cluster_new_articles(
    store: Store,
    now: datetime,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> ClusterRun:
    """Assign the articles no run has clustered yet to stories, resuming the stream.

    The clusterer's state is loaded from the store and saved back with the new
    assignments and the rebuilt stories in one transaction, so a run costs time in
    proportion to the new articles, a second run with nothing new changes nothing, and a
    killed run is simply done again.
    """
    saved = load_cluster_state(store)
    clusterer = OnlineClusterer(state=ClusterState.from_json(saved) if saved else None)
    fresh = unclustered_articles(store)
    vectors: list[Any] = [None] * len(fresh)
    if embedder is not None and fresh:
        vectors = list(embedder.embed([embedding_text(a.title, a.text) for a in fresh]))
    assignments: dict[int, int] = {}
    for article, vector in zip(fresh, vectors, strict=True):
        assert article.id is not None  # stored articles have ids
        assignments[article.id] = clusterer.add(ClusterDoc.from_article(article, vector=vector))
        if progress:
            progress(1)
    touched = {clusterer.story_of(c) for c in assignments.values()}
    # every cluster (open or closed) whose story was touched: its members are rebuilt
    known = set(clusterer.state.parent) | set(clusterer.state.clusters) | set(assignments.values())
    clusters = {c for c in known if clusterer.story_of(c) in touched}
    member_cluster = {**articles_in_clusters(store, clusters), **assignments}
    grouped: dict[int, list[int]] = {}
    for article_id, cluster in member_cluster.items():
        grouped.setdefault(clusterer.story_of(cluster), []).append(article_id)
    by_id = {**store.get_articles(member_cluster), **{a.id: a for a in fresh if a.id}}
    stories = [build_story(members, by_id) for members in grouped.values()]
    save_cluster_run(
        store,
        state=clusterer.state.to_json(),
        assignments=assignments,
        stories=stories,
        now=now,
    )
    return ClusterRun(len(fresh), len(stories), clusterer.open_clusters())
