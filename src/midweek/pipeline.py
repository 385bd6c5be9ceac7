"""The one place that orders the stages: ingest, dedupe, store, and build a review.

The outside world comes in as arguments: a :class:`~midweek.store.Store`, a
:class:`~midweek.fetch.Fetcher` and a ``now`` function. Fetching, extraction and
storage overlap: pages are fetched by a thread pool, extracted by a process pool
(each page under a wall-clock and memory limit) and written by the calling thread in
batches of one transaction each, so a killed run loses at most the batch in flight
and a re-run skips everything already stored.

The same stages can run on many machines (:mod:`midweek.distributed`): the heavy, stateless
ones (:func:`fetch_entry`, :func:`extract_page`, :func:`prepare_article`) become Dask tasks,
handed in as ``stages``; the writing (:class:`Ingestor`) stays here, one ordered consumer.
"""

from __future__ import annotations

import logging
import queue
import resource
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict

from pebble import ProcessExpired, ProcessPool

from midweek import dedupe
from midweek.cluster import ClusterDoc, ClusterState, OnlineClusterer, group_stories
from midweek.compose import (
    Summarizer,
    compose_review,
    extractive_summarizer,
    review_tags,
    warn_foreign_sections,
)
from midweek.continuity import dropped_stories, remember
from midweek.embed import Embedder, embedding_text
from midweek.entities import KnowledgeBase, entity_ids, load_kb
from midweek.errors import (
    ConfigError,
    DeferredError,
    ExtractError,
    FetchError,
    MidweekError,
    ReviewFormatError,
    SourceError,
)
from midweek.extract import extract_article
from midweek.fetch import Fetcher
from midweek.kinds import KINDS, article_kind, classify_kind, is_news
from midweek.models import (
    Article,
    DroppedStory,
    Failure,
    FeedEntry,
    Page,
    Review,
    Source,
    Story,
)
from midweek.rank import RankedStory, rank_stories
from midweek.render.jsonout import review_to_dict
from midweek.settings import Settings
from midweek.sources.feeds import parse_feed, sniff_kind
from midweek.sources.imports import iter_import
from midweek.sources.sitemaps import parse_sitemap
from midweek.store import ArticleRow, Store
from midweek.store.db import StoredReview
from midweek.store.stories import (
    articles_in_clusters,
    clustered_stories,
    clusters_of_stories,
    forget_set_aside,
    load_cluster_stream,
    load_cluster_terms,
    save_cluster_run,
    unclustered_articles,
)
from midweek.story_figures import build_story
from midweek.text.clean import clean_article
from midweek.text.features import title_and_lead
from midweek.text.lang import detect_language

if TYPE_CHECKING:
    import numpy as np
    from datasketch import LeanMinHash

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
# Longest the ingest loop waits for news from its threads before it looks at the commit
# timer again (a quarter of a second: well under any sensible commit interval).
POLL_S = 0.25


class IngestCounts(TypedDict):
    """:meth:`IngestSummary.as_dict`: the counts, and each reason with how often it came."""

    new: int
    duplicates: int
    reprints: int
    failed: int
    unchanged_sources: int
    failure_reasons: dict[str, int]
    deferred: int
    deferred_reasons: dict[str, int]


@dataclass(slots=True)
class IngestSummary:
    """What an ingest did: counts and the reasons behind every skipped item."""

    new: int = 0
    duplicates: int = 0
    reprints: int = 0
    failed: int = 0
    unchanged_sources: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    # Entries not fetched this run because a budget was spent (not failures: the next
    # run picks them up), and why.
    deferred: int = 0
    deferred_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> IngestCounts:
        """The summary as plain JSON-ready values."""
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "reprints": self.reprints,
            "failed": self.failed,
            "unchanged_sources": self.unchanged_sources,
            "failure_reasons": dict(self.reasons.most_common()),
            "deferred": self.deferred,
            "deferred_reasons": dict(self.deferred_reasons.most_common()),
        }


def _failure_reason(exc: BaseException) -> str:
    """A failure's reason: a midweek error's own message, else the type and message."""
    if isinstance(exc, MidweekError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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
    extract_page(warm_up_page())


def warm_up_page() -> Page:
    """The page an extraction worker reads once before its first real one (its result
    is thrown away): models and lazy imports load outside any page's time limit."""
    return Page(url="http://warm.up/", body=_WARM_UP_PAGE, fetched_at=_WARM_UP_TIME)


# A fixed time: the warm-up page's result is thrown away, so no clock is read for it.
_WARM_UP_TIME = datetime(2025, 3, 3, tzinfo=UTC)
_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title></head><body><article><p>"
    + "This paragraph exists to load the extraction models once per worker. " * 8
    + "</p><p>Published on 3 March 2025.</p></article></body></html>"
).encode()


def extract_page(page: Page) -> Article | Failure:
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

    def run(self, items: Iterable[Item]) -> Iterator[Article | ArticleRow | Failure]:
        """Extract pages as they come, passing other items through, in order."""
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending: list[tuple[Item, Future[Article | Failure] | None]] = []
        for item in items:
            future = None
            if isinstance(item, Page):
                future = self._pool.schedule(extract_page, args=(item,), timeout=self.timeout_s)
            pending.append((item, future))
            while len(pending) >= window:
                yield self._result(*pending.pop(0))
        while pending:
            yield self._result(*pending.pop(0))

    def _result(
        self, item: Item, future: Future[Article | Failure] | None
    ) -> Article | ArticleRow | Failure:
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


# A row ready to write and its MinHash (kept as the signature: the index compares those).
_Prepared = tuple[ArticleRow, "LeanMinHash"]


# -- storage with dedupe ------------------------------------------------------------------
class Ingestor:
    """Writes articles once: exact keys, then reprints and near-duplicates linked."""

    def __init__(
        self,
        store: Store,
        now: Now,
        *,
        horizon_days: int = 14,
        commit_interval_s: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load the near-duplicate index of the last ``horizon_days`` from the store.

        ``commit_interval_s`` (0: none) also commits a batch once it is that old.
        """
        self.store = store
        self.now = now
        self.commit_interval_s = commit_interval_s
        self.monotonic = monotonic
        self.index = dedupe.NearDuplicateIndex()
        since = now() - timedelta(days=horizon_days)
        for article_id, blob in store.recent_signatures(since):
            self.index.add(article_id, dedupe.signature_from_bytes(blob))
        self.summary = IngestSummary()

    def add(
        self, items: Iterable[Article | ArticleRow | Failure], progress: Progress | None = None
    ) -> None:
        """Store articles in batches and record failures; updates :attr:`summary`.

        An :class:`~midweek.store.ArticleRow` is an article prepared elsewhere
        (:func:`prepare_article` in a worker): it is deduped and written like the others.

        Nothing one item does stops the others: an article that cannot be prepared or
        stored becomes a :class:`Failure` of its own (see :meth:`_flush`), and when
        ``items`` itself breaks (a reader's bug), what was read so far is stored, the
        break is recorded and the run ends normally.
        """
        batch: list[Article | ArticleRow] = []
        failures: list[Failure] = []
        started = self.monotonic()
        stream = iter(items)
        while True:
            try:
                item = next(stream, None)
            except Exception as exc:  # the reader broke: keep what it gave, say why
                logger.exception("reading the items to ingest failed")
                item = Failure("ingest", "(input)", f"reader error: {type(exc).__name__}: {exc}")
                stream = iter(())
            if item is None:
                break
            if isinstance(item, Failure):
                failures.append(item)
                self._count_failure(item)
            else:
                batch.append(item)
            late = self.commit_interval_s and self.monotonic() - started >= self.commit_interval_s
            if len(batch) >= BATCH_SIZE or len(failures) >= BATCH_SIZE or late:
                self._flush(batch, failures)
                if progress:
                    progress(len(batch) + len(failures))
                batch, failures = [], []
                started = self.monotonic()
        self._flush(batch, failures)
        if progress:
            progress(len(batch) + len(failures))

    def _count_failure(self, failure: Failure) -> None:
        """Count one failure in :attr:`summary`."""
        self.summary.failed += 1
        self.summary.reasons[f"{failure.stage}: {_reason_class(failure.reason)}"] += 1

    def _flush(self, batch: Sequence[Article | ArticleRow], failures: Sequence[Failure]) -> None:
        """Prepare, dedupe and write one batch; each article that fails, fails alone.

        An article whose preparation raises (language id, hashing) is recorded with
        stage ``"prepare"``. When the batch's transaction fails, it is written again one
        row a transaction, so only the rows the store rejects are lost, each recorded
        with stage ``"store"``.
        """
        now = self.now()
        failed = list(failures)
        prepared: list[_Prepared] = []
        for article in batch:
            if isinstance(article, ArticleRow):
                prepared.append((article, _signature_of(article)))
                continue
            try:
                prepared.append(_prepare(article))
            except Exception as exc:  # one article's bug must not cost the batch
                logger.warning("article %s could not be prepared", article.url, exc_info=True)
                failed.append(self._new_failure("prepare", article.url, exc))
        if prepared:
            try:
                self._store(prepared, now)
            except Exception as exc:
                if len(prepared) == 1:
                    failed.append(self._new_failure("store", prepared[0][0].article.url, exc))
                else:
                    logger.warning("batch of %d failed (%s); row by row", len(prepared), exc)
                    failed.extend(self._store_one_by_one(prepared, now))
        self.store.record_failures(failed, now)

    def _new_failure(self, stage: str, locator: str, exc: BaseException) -> Failure:
        """A failure of ``stage`` for ``exc``, counted in :attr:`summary`."""
        failure = Failure(stage, locator, f"{type(exc).__name__}: {exc}")
        self._count_failure(failure)
        return failure

    def _store_one_by_one(self, prepared: Sequence[_Prepared], now: datetime) -> list[Failure]:
        """Write rows one transaction each; return a failure for each row refused."""
        failed: list[Failure] = []
        for item in prepared:
            try:
                self._store([item], now)
            except Exception as exc:
                logger.warning("article %s not stored", item[0].article.url, exc_info=True)
                failed.append(self._new_failure("store", item[0].article.url, exc))
        return failed

    def _store(self, prepared: Sequence[_Prepared], now: datetime) -> None:
        """Dedupe rows against the store and each other, write them in one transaction.

        :attr:`summary` and the near-duplicate index change only once the write has
        succeeded, so a failed call can be repeated row by row without counting twice.
        """
        known = self.store.existing_keys(row.key for row, _ in prepared)
        owners = self.store.canonical_url_owners(row.canonical_url for row, _ in prepared)
        by_hash = self.store.find_by_content_hash(row.content_hash for row, _ in prepared)
        batch_index = dedupe.NearDuplicateIndex()
        seen_keys: set[str] = set()
        seen_urls: dict[str, str | None] = {}  # canonical URL -> GUID of its row here
        rows: list[ArticleRow] = []
        signatures = []
        duplicates = 0
        for row, signature in prepared:
            if row.key in known or row.key in seen_keys:
                duplicates += 1
                continue
            row, same = _claim_url(row, owners, seen_urls)
            if same:
                duplicates += 1
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
            seen_keys.add(row.key)
            seen_urls.setdefault(row.canonical_url, row.article.guid)
            rows.append(row)
            signatures.append(signature)
        ids = self.store.add_articles(rows, now)
        self.summary.duplicates += duplicates
        for row, signature, new_id in zip(rows, signatures, ids, strict=True):
            if new_id is None:  # another writer stored it meanwhile
                self.summary.duplicates += 1
                continue
            self.summary.new += 1
            if row.duplicate_of is not None or row.duplicate_of_row is not None:
                self.summary.reprints += 1
            else:
                self.index.add(new_id, signature)


def _claim_url(
    row: ArticleRow, owners: Mapping[str, str | None], seen_urls: Mapping[str, str | None]
) -> tuple[ArticleRow, bool]:
    """Decide a row's canonical URL: GUID before URL.

    Args:
        row: the row, its key not stored nor seen in this batch.
        owners: stored canonical URL -> its article's GUID.
        seen_urls: the same for the rows of this batch kept so far.

    Returns:
        (row, True) when the article holding the URL is this one (same GUID, or no
        GUID on one side); else the row to store, its URL scoped by its key when another
        GUID holds it (:func:`~midweek.dedupe.guid_scoped_url`), and False.
    """
    taken = False
    for holders in (owners, seen_urls):
        if row.canonical_url in holders:
            if dedupe.same_article_at_url(row.article.guid, holders[row.canonical_url]):
                return row, True
            taken = True
    if taken:
        row = replace(row, canonical_url=dedupe.guid_scoped_url(row.canonical_url, row.key))
    return row, False


def _signature_of(row: ArticleRow) -> LeanMinHash:
    """The MinHash of a row prepared elsewhere: read back from its bytes."""
    if row.minhash is None:
        return dedupe.minhash_signature(f"{row.article.title}\n{row.article.text}")
    return dedupe.signature_from_bytes(row.minhash)


def prepare_article(article: Article) -> ArticleRow | Failure:
    """:func:`_prepare` as a task: the row, or the failure the writer would record."""
    try:
        return _prepare(article)[0]
    except Exception as exc:  # one article's bug must not cost the batch
        logger.warning("article %s could not be prepared", article.url, exc_info=True)
        return Failure("prepare", article.url, f"{type(exc).__name__}: {exc}")


def _prepare(article: Article) -> _Prepared:
    """Compute an article's keys, hash and MinHash; fill in language when missing.

    The article is cleaned first (:func:`~midweek.text.clean.clean_article`): stages
    clean what they build, and this keeps a hand-built article from reaching the store
    with NUL or a lone surrogate.
    """
    article = clean_article(article)
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
    *,
    stages: Stages | None = None,
) -> IngestSummary:
    """Import a JSONL(.gz) file, a folder of HTML pages or a WARC file.

    ``stages`` runs extraction and preparation elsewhere (default: a local
    :class:`Extractor`, and preparation in this process).

    Raises:
        SourceError: the path does not exist or is of an unknown kind.
    """
    items = iter_import(path)  # raises SourceError before any work for a bad path
    ingestor = Ingestor(
        store,
        now,
        horizon_days=settings.dedupe_horizon_days,
        commit_interval_s=settings.ingest_commit_interval_s,
    )
    if stages is not None:
        ingestor.add(stages.run(items), progress)
        return ingestor.summary
    with Extractor(settings.workers, settings.extract_timeout_s, settings.extract_memory_mb) as ex:
        ingestor.add(ex.run(items), progress)
    return ingestor.summary


Item = Page | Article | ArticleRow | Failure


class Stages(Protocol):
    """Where the heavy stages of an ingest run (a Dask cluster: :mod:`midweek.distributed`)."""

    def run(self, items: Iterable[Item]) -> Iterator[Article | ArticleRow | Failure]:
        """Extract pages and prepare articles, yielding results in the order of ``items``."""
        ...

    def fetch(
        self, entry: FeedEntry, source_id: int | None
    ) -> Page | ArticleRow | Failure | Deferred:
        """Fetch one entry's page (and may extract and prepare it); blocks until done."""
        ...


Emit = Callable[[Sequence[FeedEntry]], None]


def _read_source(
    fetcher: Fetcher,
    source: Source,
    emit: Emit,
    *,
    max_children: int,
    deadline: float | None,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[Page | None, Page]:
    """Fetch a source and hand its entries to ``emit`` as they are read.

    A feed's entries come at once; a sitemap index's child by child, breadth first, so
    the first children's entries can be fetched while later ones are read.

    Returns:
        The source's own page when it is a single article (else None), and the response
        whose validators the next conditional GET should send.

    Raises:
        FetchError: the source itself could not be fetched.
        SourceError: it is neither a feed, a sitemap nor a page.
    """
    page = fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    if page.status == 304:
        return None, page
    kind = sniff_kind(page.body, page.content_type)
    if kind in {"feed", "json_feed"}:
        emit(list(parse_feed(page.body, page.url).entries))
        return None, page
    if kind == "sitemap":
        parsed = parse_sitemap(page.body, page.url)
        emit(list(parsed.entries))
        left = _read_children(fetcher, parsed.children, emit, max_children, deadline, monotonic)
        if left:
            logger.warning(
                "%s: %d child sitemaps not read (cap %d, or the source's time budget spent)",
                source.url,
                left,
                max_children,
            )
        return None, page
    if kind == "html":
        return replace(page, source_id=source.id), page
    raise SourceError(f"{source.url}: neither a feed, a sitemap nor an HTML page ({kind})")


def _read_children(
    fetcher: Fetcher,
    children: Sequence[str],
    emit: Emit,
    max_children: int,
    deadline: float | None,
    monotonic: Callable[[], float],
) -> int:
    """Read child sitemaps breadth first until the cap or the deadline; return those left."""
    todo: deque[tuple[str, int]] = deque((c, 1) for c in children)
    seen = set(children)
    read = 0
    while todo:
        if read >= max_children or (deadline is not None and monotonic() >= deadline):
            return len(todo)
        child, depth = todo.popleft()
        read += 1
        try:
            parsed = parse_sitemap(fetcher.fetch(child).body, child)
        except MidweekError as exc:
            logger.warning("child sitemap %s skipped: %s", child, exc)
            continue
        emit(list(parsed.entries))
        if depth < MAX_SITEMAP_DEPTH:
            for grandchild in parsed.children:
                if grandchild not in seen:
                    seen.add(grandchild)
                    todo.append((grandchild, depth + 1))
    return 0


@dataclass(slots=True)
class _SourceState:
    """One source's progress in a run (touched by the main thread only, but ``deadline``)."""

    source: Source
    deadline: float | None = None  # set by the reading thread when it starts
    read: bool = False
    failed: bool = False
    response: Page | None = None
    accepted: int = 0
    deferred: int = 0
    queue: deque[FeedEntry] = field(default_factory=deque)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A page fetch that was not made: a budget was spent."""

    reason: str


@dataclass(frozen=True, slots=True)
class _Event:
    """News from a thread: entries read, a source finished, or a page fetched."""

    index: int
    entries: Sequence[FeedEntry] = ()
    done: bool = False
    page: Page | None = None
    response: Page | None = None
    error: Exception | None = None
    result: Page | ArticleRow | Failure | Deferred | None = None


class _IngestRun:
    """One ``ingest_sources`` run: sources read concurrently, pages fetched as entries
    arrive, and what is ready extracted and committed on size or on a timer."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        settings: Settings,
        now: Now,
        sources: Sequence[Source],
        monotonic: Callable[[], float],
        stages: Stages | None = None,
    ) -> None:
        """Set up the run's state; nothing is fetched yet."""
        self.stages = stages
        self.store = store
        self.fetcher = fetcher
        self.settings = settings
        self.now = now
        self.monotonic = monotonic
        self.states = [_SourceState(s) for s in sources]
        self.events: queue.Queue[_Event] = queue.Queue()
        self.window = max(1, settings.fetch_threads * 2)
        self.in_flight = 0
        self.next_source = 0  # round-robin start for page submissions
        self.seen_urls: set[str] = set()
        self.ready: deque[Item] = deque()

    # -- threads --------------------------------------------------------------------

    def read_source(self, index: int) -> None:
        """Thread: read one source within its time budget, posting events as it goes."""
        state = self.states[index]
        budget = self.settings.source_budget_s
        state.deadline = self.monotonic() + budget if budget > 0 else None

        def emit(entries: Sequence[FeedEntry]) -> None:
            self.events.put(_Event(index, entries=entries))

        try:
            page, response = _read_source(
                self.fetcher,
                state.source,
                emit,
                max_children=self.settings.sitemap_max_children,
                deadline=state.deadline,
                monotonic=self.monotonic,
            )
        except Exception as exc:  # one source must never stop the others (issue 11)
            if not isinstance(exc, MidweekError):
                logger.exception("reading source %s crashed", state.source.url)
            self.events.put(_Event(index, done=True, error=exc))
            return
        self.events.put(_Event(index, done=True, page=page, response=response))

    def fetch_page(self, index: int, entry: FeedEntry) -> None:
        """Thread: fetch one entry's page (here, or as a task of ``stages``), post the result."""
        source_id = self.states[index].source.id
        result: Page | ArticleRow | Failure | Deferred
        if self.stages is None:
            result = fetch_entry(self.fetcher, entry, source_id)
        else:
            try:
                result = self.stages.fetch(entry, source_id)
            except Exception as exc:  # a lost cluster must not hang the run
                logger.exception("fetch task for %s failed", entry.url)
                result = Failure("fetch", entry.url, f"task error: {type(exc).__name__}: {exc}")
        self.events.put(_Event(index, result=result))

    # -- the main thread ------------------------------------------------------------

    def handle(self, event: _Event, summary: IngestSummary) -> None:
        """Apply one event to the run's state."""
        state = self.states[event.index]
        if event.result is not None:
            self.in_flight -= 1
            if isinstance(event.result, Deferred):
                self.defer(state, summary, event.result.reason)
            else:
                self.add_ready(event.result)
        elif event.done:
            self.finish_source(state, event, summary)
        else:
            self.accept(state, event.entries, summary)

    def accept(
        self, state: _SourceState, entries: Sequence[FeedEntry], summary: IngestSummary
    ) -> None:
        """Queue a source's new entries for fetching, up to its entry budget."""
        fresh = [
            e
            for e, _ in _new_entries(self.store, [(e, state.source.id) for e in entries])
            if dedupe.canonical_url_key(e.url) not in self.seen_urls
        ]
        summary.duplicates += len(entries) - len(fresh)
        for entry in fresh:
            self.seen_urls.add(dedupe.canonical_url_key(entry.url))
            if state.accepted >= self.settings.source_max_entries:
                self.defer(state, summary, "source entry cap")
                continue
            state.accepted += 1
            state.queue.append(entry)

    def defer(self, state: _SourceState, summary: IngestSummary, reason: str) -> None:
        """Count an entry left for the next run (not stored, not a failure)."""
        state.deferred += 1
        summary.deferred += 1
        summary.deferred_reasons[reason] += 1

    def finish_source(self, state: _SourceState, event: _Event, summary: IngestSummary) -> None:
        """Record a source whose reading ended: its failure, or its response and page."""
        state.read = True
        error = event.error
        if isinstance(error, DeferredError):
            self.defer(state, summary, "host budget: the source itself")
            state.failed = True  # not checked: the next run reads it first
        elif error is not None:
            state.failed = True
            reason = str(error) if isinstance(error, MidweekError) else repr(error)
            self.add_ready(Failure("source", state.source.url, reason))
            if state.source.id is not None:
                self.store.mark_source_checked(state.source.id, self.now(), error=reason)
        else:
            state.response = event.response
            if event.response is not None and event.response.status == 304:
                summary.unchanged_sources += 1
            if event.page is not None:
                self.add_ready(event.page)

    def add_ready(self, item: Item) -> None:
        """Hold an item for the next extraction and commit."""
        self.ready.append(item)

    def submit_pages(self, threads: ThreadPoolExecutor, summary: IngestSummary) -> None:
        """Start page fetches, round robin over sources, up to the window in flight."""
        count = len(self.states)
        idle = 0
        while self.in_flight < self.window and idle < count:
            index = self.next_source
            self.next_source = (index + 1) % count
            state = self.states[index]
            if not state.queue:
                idle += 1
                continue
            idle = 0
            if state.deadline is not None and self.monotonic() >= state.deadline:
                while state.queue:  # its time is spent: the rest wait for the next run
                    state.queue.popleft()
                    self.defer(state, summary, "source budget")
                continue
            self.in_flight += 1
            threads.submit(self.fetch_page, index, state.queue.popleft())

    def finished(self) -> bool:
        """Every source read, every queued entry fetched or deferred."""
        return self.in_flight == 0 and all(s.read and not s.queue for s in self.states)

    def chunk(
        self,
        threads: ThreadPoolExecutor,
        summary: IngestSummary,
        on_source: Callable[[], None],
    ) -> Iterator[Item]:
        """Yield ready items for one commit, reading events and starting fetches meanwhile.

        Ends when a batch is full, when ``ingest_commit_interval_s`` has passed since its
        first item (so a slow source cannot hold a partial batch), or when the run is
        done. The extractor pulls from it, so fetching goes on while pages are extracted.
        """
        interval = self.settings.ingest_commit_interval_s
        first: float | None = None
        given = 0
        while True:
            self.submit_pages(threads, summary)
            while self.ready:
                if first is None:
                    first = self.monotonic()
                yield self.ready.popleft()
                given += 1
                if given >= BATCH_SIZE:
                    return
            if self.finished():
                return
            if first is not None and interval > 0 and self.monotonic() - first >= interval:
                return
            try:
                event = self.events.get(timeout=POLL_S)
            except queue.Empty:
                continue
            self.handle(event, summary)
            if event.done:
                on_source()

    def mark_checked(self) -> None:
        """Store each read source's validators; keep the old ones where entries were
        deferred, so the next conditional GET does not answer 304 and hide them."""
        for state in self.states:
            source, response = state.source, state.response
            if state.failed or source.id is None or response is None:
                continue
            keep = state.deferred > 0
            self.store.mark_source_checked(
                source.id,
                self.now(),
                etag=source.etag if keep else response.headers.get("etag") or source.etag,
                last_modified=source.last_modified
                if keep
                else response.headers.get("last-modified") or source.last_modified,
            )


def ingest_sources(
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    now: Now,
    sources: Sequence[Source] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    stages: Stages | None = None,
) -> IngestSummary:
    """Fetch every source, then every new article page, extract and store them.

    Sources are read concurrently (the Fetcher's per-host limits still hold), each within
    ``source_budget_s``, ``source_max_entries`` and ``sitemap_max_children``; pages are
    fetched as soon as their entries are read; what is ready is extracted and committed
    every ``BATCH_SIZE`` items or ``ingest_commit_interval_s`` seconds, so a slow source
    holds back no other source's articles. Entries a budget left out are deferred: not
    stored, not failures, counted in the summary, read again by the next run.

    Args:
        store: where articles go.
        fetcher: the only network access.
        settings: worker counts, limits and budgets.
        now: the clock.
        sources: which sources (default: all stored).
        progress: called with (phase, advance, total) as work is done.
        monotonic: the clock of budgets and the commit timer.
        stages: fetch, extract and prepare pages elsewhere (Dask); sources are still read
            here, with ``fetcher``.

    Returns:
        The summary; a failing source or page is counted there, never raised.

    Raises:
        ConfigError: there is no source to read.
    """
    todo = list(store.list_sources() if sources is None else sources)
    if not todo:
        raise ConfigError(
            "no sources to read: add one with `midweek sources add URL`, "
            "or import a file with `midweek ingest --file PATH`"
        )
    ingestor = Ingestor(
        store,
        now,
        horizon_days=settings.dedupe_horizon_days,
        commit_interval_s=settings.ingest_commit_interval_s,
        monotonic=monotonic,
    )
    run = _IngestRun(store, fetcher, settings, now, todo, monotonic, stages)

    def report(n: int) -> None:
        if progress:
            progress("articles", n, None)

    def source_done() -> None:
        if progress:
            progress("sources", 1, len(todo))

    with (
        ThreadPoolExecutor(max_workers=max(1, min(len(todo), settings.fetch_threads))) as readers,
        ThreadPoolExecutor(max_workers=max(1, settings.fetch_threads)) as threads,
        _local_extractor(settings) if stages is None else nullcontext(stages) as ex,
    ):
        for index in range(len(todo)):
            readers.submit(run.read_source, index)
        while not run.finished() or run.ready:
            ingestor.add(ex.run(run.chunk(threads, ingestor.summary, source_done)), report)
    run.mark_checked()
    return ingestor.summary


def _local_extractor(settings: Settings) -> Extractor:
    """The extraction pool of a single-process run."""
    return Extractor(settings.workers, settings.extract_timeout_s, settings.extract_memory_mb)


def fetch_entry(
    fetcher: Fetcher, entry: FeedEntry, source_id: int | None
) -> Page | Failure | Deferred:
    """Fetch one entry's page; a failure or a spent host budget comes back as a value."""
    try:
        page = fetcher.fetch(entry.url)
        return replace(page, entry=entry, source_id=source_id)
    except DeferredError as exc:
        return Deferred(f"host budget: {str(exc).split(':', 1)[-1].strip()}")
    except FetchError as exc:
        return Failure("fetch", entry.url, str(exc))
    except Exception as exc:  # the Fetcher maps its errors; this is a last guard
        logger.exception("fetching %s crashed", entry.url)
        return Failure("fetch", entry.url, f"fetch error: {type(exc).__name__}: {exc}")


def _new_entries(
    store: Store, entries: Sequence[tuple[FeedEntry, int | None]]
) -> list[tuple[FeedEntry, int | None]]:
    """Entries not stored yet (and unique here): GUID before URL, as in :func:`_claim_url`.

    An entry is skipped when its GUID key is stored, or when its canonical URL is held by
    an article that is the same one (:func:`~midweek.dedupe.same_article_at_url`).
    """

    def keys(entry: FeedEntry, source_id: int | None) -> tuple[str, str]:
        guid_key = (
            dedupe.dedupe_key(entry.guid, entry.url, "", "", str(source_id)) if entry.guid else ""
        )
        return guid_key, dedupe.canonical_url_key(entry.url)

    all_keys = [keys(e, s) for e, s in entries]
    known = store.existing_keys(guid_key for guid_key, _ in all_keys if guid_key)
    owners = store.canonical_url_owners(url_key for _, url_key in all_keys)
    fresh: list[tuple[FeedEntry, int | None]] = []
    seen_keys: set[str] = set()
    seen_urls: dict[str, str | None] = {}
    for (entry, source_id), (guid_key, url_key) in zip(entries, all_keys, strict=True):
        if guid_key and (guid_key in known or guid_key in seen_keys):
            continue
        if any(
            url_key in holders and dedupe.same_article_at_url(entry.guid, holders[url_key])
            for holders in (owners, seen_urls)
        ):
            continue
        seen_keys.add(guid_key)
        seen_urls.setdefault(url_key, entry.guid)
        fresh.append((entry, source_id))
    return fresh


# -- review -------------------------------------------------------------------------------
# Stories often start before the window opens; articles this far back are grouped with
# the window's so a continuing story is one story (3 days: the time-decay scale of
# Miranda et al. 2018).
STORY_LOOKBACK = timedelta(days=3)
# Sections in a review: the seed review has 3 to 6; 6 leaves room for an editor to cut.
MAX_SECTIONS = 6
# Where a review's stories came from (said in the plan, the log and `stories --explain`).
FROM_CLUSTERER = "clusterer"
FROM_LEXICAL = "lexical"


# Examples of each set-aside kind that `stories --explain` shows (enough to see why).
SET_ASIDE_EXAMPLES = 3
# Characters of an example's title or text shown beside it.
SET_ASIDE_SNIPPET_CHARS = 100


@dataclass(frozen=True, slots=True)
class SetAside:
    """Articles of one non-news kind that a window's stories leave out, with examples.

    ``examples`` are (article id, rule that classified it, start of its title or text);
    the rule is ``"stored"`` when the stored kind is not the classifier's (an override).
    """

    kind: str
    count: int
    examples: tuple[tuple[int, str, str], ...]


def set_aside_articles(
    articles: Sequence[Article], window_start: datetime, window_end: datetime
) -> tuple[SetAside, ...]:
    """The window's articles that are not news, counted per kind, with examples.

    Args:
        articles: Articles (any span; only those published in the window count).
        window_start: Start of the window (inclusive, aware).
        window_end: End of the window (exclusive, aware).

    Returns:
        One entry per set-aside kind present, in :data:`midweek.kinds.KINDS` order.
    """
    by_kind: dict[str, list[Article]] = {}
    for a in articles:
        if a.published and window_start <= a.published < window_end and not is_news(a):
            by_kind.setdefault(article_kind(a), []).append(a)
    out = []
    for kind in KINDS:
        members = by_kind.get(kind, [])
        if not members:
            continue
        examples = []
        for a in members[:SET_ASIDE_EXAMPLES]:
            verdict = classify_kind(a.title, a.text, url=a.url, outlet=a.outlet)
            rule = verdict.rule if verdict.kind == kind else "stored"
            snippet = " ".join((a.title or a.text).split())[:SET_ASIDE_SNIPPET_CHARS]
            examples.append((a.id or 0, rule, snippet))
        out.append(SetAside(kind, len(members), tuple(examples)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ReviewPlan:
    """What a review of a window will hold, and why: the ranking and the memory.

    ``stories_from`` says which stories were ranked: the stored stories of ``midweek
    cluster`` (when it has assigned every article of the window) or the lexical
    :func:`~midweek.cluster.group_stories` of the window's articles. ``continuing`` maps
    the key of each story that was in the ``previous`` published review to the time its
    section reports from (that review's window end); such a story is ranked and written
    from what was published since, and without independent articles since it does not
    return. ``dropped`` lists the previous review's stories this one leaves out.
    """

    window_start: datetime
    window_end: datetime
    ranked: tuple[RankedStory, ...]
    articles: Mapping[int, Article]
    stories_from: str
    candidates: int  # stories with an article in the window, before memory and ranking
    previous: str = ""
    continuing: Mapping[str, datetime] = field(default_factory=dict)
    dropped: tuple[DroppedStory, ...] = ()
    originals: Mapping[str, Story] = field(default_factory=dict)  # stories before memory
    # continuing story key -> (key, heading) of its section in the previous review
    returning: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # the window's articles that are not news (adverts, digests, ...): never ranked
    set_aside: tuple[SetAside, ...] = ()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _window_stories(
    store: Store, articles: Sequence[Article], window_start: datetime, window_end: datetime
) -> tuple[list[Story], str]:
    """The clusterer's stored stories when it has seen the whole window, else lexical ones."""
    inside = {
        a.id
        for a in articles
        if a.id is not None and a.published and window_start <= a.published < window_end
        if is_news(a)  # set-aside kinds are never clustered
    }
    if inside:
        stories, clustered = clustered_stories(store, (a.id for a in articles if a.id))
        if inside <= clustered:
            return stories, FROM_CLUSTERER
        if clustered & inside:
            logger.warning(
                "%d of the window's %d articles are not clustered yet: stories grouped "
                "lexically (run `midweek cluster` first to use its stories)",
                len(inside - clustered),
                len(inside),
            )
    return group_stories(articles), FROM_LEXICAL


def previous_review(
    store: Store, window_end: datetime, lang: str | None = None
) -> StoredReview | None:
    """The latest published review whose window ends before ``window_end``.

    Of two with the same window, the one in ``lang`` wins.
    """
    earlier = [
        (end, r.lang == lang, r.id, r)
        for r in store.list_reviews()
        if r.status == "published" and (end := _stored_end(r)) is not None and end < window_end
    ]
    return max(earlier, key=lambda item: item[:3])[3] if earlier else None


def _stored_end(review: StoredReview) -> datetime | None:
    """The window end written in a stored review's body."""
    try:
        return review.review.window_end
    except ReviewFormatError:
        return None


def plan_review(
    store: Store,
    window_start: datetime,
    window_end: datetime,
    *,
    lang: str | None = None,
    kb: KnowledgeBase | None = None,
    boosts: Mapping[str, float] | None = None,
    limit: int = MAX_SECTIONS,
    explain: bool = False,
) -> ReviewPlan:
    """Find a window's stories, compare them with the last published review, rank them.

    Args:
        store: The store.
        window_start: Start of the window (inclusive, aware).
        window_end: End of the window (exclusive, aware).
        lang: The review's language: stories told in it are placed first, and a story
            that tells a placed one's event in another language is left out
            (:func:`midweek.rank.rank_stories`); it also breaks a tie between two
            previous reviews. None: no language preference.
        kb: Knowledge base for the entity parts of the ranking (None: no entity parts).
        boosts: The outlet's ranking factors (the ``rank_boost`` setting).
        limit: Stories to place.
        explain: Also keep the stories left out as the same event as a placed one.

    Returns:
        The plan: ranked stories, their articles, where the stories came from, memory.
    """
    articles = store.articles_between(window_start - STORY_LOOKBACK, window_end)
    # an article set aside after it was clustered (an editor's verdict on the desk) is
    # never ranked or quoted: its story is told from the rest, or not at all
    by_id = {a.id: a for a in articles if a.id is not None and is_news(a)}
    stories, source = _window_stories(store, articles, window_start, window_end)
    logger.info("%d stories from the %s for the window", len(stories), source)
    previous = previous_review(store, window_end, lang)
    memory = remember(stories, by_id, previous.review if previous else None, window_end)
    ranked = rank_stories(
        memory.stories,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        articles=by_id,
        kb=kb,
        boosts=boosts,
        explain=explain,
        lang=lang,
    )
    placed = [r for r in ranked if not r.same_event_as]
    return ReviewPlan(
        window_start=window_start,
        window_end=window_end,
        ranked=tuple(ranked),
        articles=by_id,
        stories_from=source,
        candidates=len(stories),
        previous=previous.slug if previous else "",
        continuing={
            k: v for k, v in memory.continuing.items() if k in {r.story.key for r in placed}
        },
        dropped=dropped_stories(previous.review if previous else None, memory, placed),
        originals={s.key: s for s in stories},
        returning={k: v for k, v in memory.returning.items() if k in memory.continuing},
        set_aside=set_aside_articles(articles, window_start, window_end),
    )


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
    boosts: Mapping[str, float] | None = None,
    rubric: str = "",
    intro: str = "",
    author: str = "",
) -> Review:
    """Rank the window's stories, compose them and store the draft.

    The stories are those :func:`plan_review` finds: the clusterer's when it has seen
    the window, else lexical ones; stories of the previous published review return only
    with news since, marked "continuing", and the rest of that review's stories are
    listed in :attr:`Review.dropped`.

    ``credits`` is the attribution the sources' licences require, kept with the review;
    ``kb`` the knowledge base that names the tags and the ranking's entities (default:
    the bundled one); ``summarizer`` writes the sections (e.g.
    :class:`midweek.llm.SectionWriter`); ``save`` False composes without storing the
    draft; ``boosts`` the ranking factors of the outlet (the ``rank_boost`` setting);
    ``rubric``, ``intro`` and ``author`` the outlet's frame (the ``review_rubric``,
    ``review_intro`` and ``review_author`` settings; "" for the translated defaults).

    Raises:
        StoreError: saving would overwrite a published review or an editor's draft.

    Returns:
        The composed review (also saved as a draft under its slug).
    """
    kb = kb or load_kb()
    plan = plan_review(store, window_start, window_end, lang=lang, kb=kb, boosts=boosts)
    review = compose_review(
        plan.ranked,
        plan.articles,
        window_start=window_start,
        window_end=window_end,
        now=now,
        lang=lang,
        summarizer=summarizer,
        rubric=rubric,
        intro=intro,
        author=author,
        continuing=plan.continuing,
        dropped=plan.dropped,
        previous=plan.previous,
    )
    warn_foreign_sections(review, plan.articles)
    written = {s.story_key for s in review.sections}
    unwritten = tuple(
        DroppedStory(was, heading, "no_usable_sentence")
        for key, (was, heading) in plan.returning.items()
        if key in plan.continuing and key not in written
    )
    if unwritten:  # news since, but not a sentence of it to quote: said, not hidden
        review = replace(review, dropped=review.dropped + unwritten)
    tags = review_tags(plan.ranked, plan.articles, review.lang, kb)
    review = replace(review, credits=credits, tags=tags)
    if plan.stories_from == FROM_LEXICAL:  # the clusterer's stories are stored already
        # a thread's section cites all its developments: each is stored as its own story
        placed = [d for r in plan.ranked for d in (r.developments or (r.story,))]
        store.save_stories([plan.originals.get(d.key, d) for d in placed])
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
    # what the clusterer keeps in memory for the next run; None when nothing was new and
    # the state was left unread
    open_clusters: int | None


def article_entities(kb: KnowledgeBase) -> Callable[[Article], frozenset[str] | None]:
    """Canonical entity ids of an article's title and lead, as the clusterer reads them.

    Args:
        kb: The knowledge base (:func:`midweek.entities.load_kb`).

    Returns:
        ``find(article)``: the ids, or ``None`` for a language the entity finder does not
        read (:func:`midweek.entities.entity_ids`).
    """

    def find(article: Article) -> frozenset[str] | None:
        when = article.published.date() if article.published else None
        text = title_and_lead(article.title, article.text)
        return entity_ids(text, article.language_tag, kb=kb, when=when)

    return find


def cluster_new_articles(
    store: Store,
    now: datetime,
    *,
    embedder: Embedder | None = None,
    entities: Callable[[Article], frozenset[str] | None] | None = None,
    progress: Progress | None = None,
) -> ClusterRun:
    """Assign the articles no run has looked at yet to stories, resuming the stream.

    The new articles are found by the store's ``cluster_pending`` rows (written with each
    article), not by a scan of the archive; the non-news ones among them are set aside
    and not read again by a later run (unless an editor marks one news).

    The clusterer's state is read from the store's rows and what the run changed is
    written back with the new assignments and the rebuilt stories in one transaction, so
    a run costs time in proportion to the new articles and the stories they touch, plus
    one read of the open clusters (bounded by the horizon, not the archive): the document
    frequencies of the new articles' terms are read in batches of :data:`TERM_BATCH`
    articles, the closed clusters of a touched story are found by an index, and only the
    clusters placed into are written. A second run with nothing new changes nothing (the
    state is not even read), and a killed run is simply done again.

    ``entities`` (:func:`article_entities`) gives the cross-lingual link canonical entity
    ids beside the name proxy: one id for a name in Cyrillic and in Latin script.
    """
    fresh: list[Article] = []
    set_aside: list[int] = []  # non-news: no story, and no later run reads them again
    for article in unclustered_articles(store):
        if is_news(article):
            fresh.append(article)
        elif article.id is not None:
            set_aside.append(article.id)
    if not fresh:
        forget_set_aside(store, set_aside)
        return ClusterRun(0, 0, None)
    saved = load_cluster_stream(store)
    state = None
    if saved is not None:
        state = ClusterState.from_parts(saved.header, saved.clusters, saved.stories)
    clusterer = OnlineClusterer(state=state)
    vectors: list[np.ndarray | None] = [None] * len(fresh)
    if embedder is not None and fresh:
        vectors = list(embedder.embed([embedding_text(a.title, a.text) for a in fresh]))
    assignments: dict[int, int] = {}
    for start in range(0, len(fresh), TERM_BATCH):
        docs = []
        for article, vector in zip(
            fresh[start : start + TERM_BATCH], vectors[start : start + TERM_BATCH], strict=True
        ):
            found = entities(article) if entities is not None else None
            docs.append(ClusterDoc.from_article(article, vector=vector, entities=found))
        if saved is not None:
            _read_frequencies(store, clusterer, docs)
        for doc in docs:
            assignments[doc.id] = clusterer.add(doc)
            if progress:
                progress(1)
    changes = clusterer.state.changes()
    touched = {clusterer.story_of(c) for c in assignments.values()}
    # every cluster (open or closed) whose story was touched: its members are rebuilt; the
    # stored ones are found by their story as stored (a story merged since, by its old root)
    stored_roots = touched | {old for old, new in changes.merged.items() if new in touched}
    in_memory = set(clusterer.state.parent) | set(clusterer.state.clusters)
    # a closed cluster the state does not hold reaches its story through its stored root
    root_of = {c: c for c in in_memory | set(assignments.values())}
    for cluster, stored_root in clusters_of_stories(store, stored_roots).items():
        root_of.setdefault(cluster, stored_root)
    story_of = {c: clusterer.story_of(root) for c, root in root_of.items()}
    clusters = {c for c, story in story_of.items() if story in touched}
    member_cluster = {**articles_in_clusters(store, clusters), **assignments}
    grouped: dict[int, list[int]] = {}
    for article_id, cluster in member_cluster.items():
        grouped.setdefault(story_of[cluster], []).append(article_id)
    by_id = {**store.get_articles(member_cluster), **{a.id: a for a in fresh if a.id}}
    stories = [build_story(members, by_id) for members in grouped.values()]
    save_cluster_run(
        store,
        header=changes.header,
        clusters=changes.clusters,
        closed=changes.closed,
        terms=changes.terms,
        cluster_story=changes.stories,
        merged=changes.merged,
        assignments=assignments,
        stories=stories,
        now=now,
        set_aside=set_aside,
    )
    return ClusterRun(len(fresh), len(stories), clusterer.open_clusters())


# Articles whose terms' document frequencies are read from the store in one go before they
# are clustered (a few queries per batch; the readings wait in memory for their ``add``).
TERM_BATCH = 1_000


def _read_frequencies(store: Store, clusterer: OnlineClusterer, docs: Sequence[ClusterDoc]) -> None:
    """Read into the clusterer's state the stored frequencies of the terms ``docs`` bring."""
    wanted: dict[str, set[str]] = {}
    for doc in docs:
        lang, brought = clusterer.index_terms(doc)
        wanted.setdefault(lang, set()).update(brought)
    df = clusterer.state.df
    for lang, terms in sorted(wanted.items()):
        known = df.setdefault(lang, Counter())
        missing = [t for t in terms if t not in known]
        for term, count in load_cluster_terms(store, lang, missing).items():
            known[term] = count
