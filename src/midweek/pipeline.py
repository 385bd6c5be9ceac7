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
from midweek.cluster import (
    ClusterDoc,
    ClusterState,
    OnlineClusterer,
    build_story,
    group_stories,
    title_and_lead,
)
from midweek.compose import Summarizer, compose_review, extractive_summarizer
from midweek.embed import Embedder, embedding_text
from midweek.entities import KnowledgeBase, entity_ids, load_kb, tags_for
from midweek.errors import ConfigError, ExtractError, MidweekError, SourceError
from midweek.extract import extract_article
from midweek.fetch import Fetcher
from midweek.models import (
    Article,
    DroppedStory,
    Failure,
    FeedEntry,
    Page,
    Review,
    ReviewTag,
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
    load_cluster_state,
    save_cluster_run,
    unclustered_articles,
)
from midweek.text.clean import clean_article
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
        """Store articles in batches and record failures; updates :attr:`summary`.

        Nothing one item does stops the others: an article that cannot be prepared or
        stored becomes a :class:`Failure` of its own (see :meth:`_flush`), and when
        ``items`` itself breaks (a reader's bug), what was read so far is stored, the
        break is recorded and the run ends normally.
        """
        batch: list[Article] = []
        failures: list[Failure] = []
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
            if len(batch) >= BATCH_SIZE or len(failures) >= BATCH_SIZE:
                self._flush(batch, failures)
                if progress:
                    progress(len(batch) + len(failures))
                batch, failures = [], []
        self._flush(batch, failures)
        if progress:
            progress(len(batch) + len(failures))

    def _count_failure(self, failure: Failure) -> None:
        """Count one failure in :attr:`summary`."""
        self.summary.failed += 1
        self.summary.reasons[f"{failure.stage}: {_reason_class(failure.reason)}"] += 1

    def _flush(self, batch: Sequence[Article], failures: Sequence[Failure]) -> None:
        """Prepare, dedupe and write one batch; each article that fails, fails alone.

        An article whose preparation raises (language id, hashing) is recorded with
        stage ``"prepare"``. When the batch's transaction fails, it is written again one
        row a transaction, so only the rows the store rejects are lost, each recorded
        with stage ``"store"``.
        """
        now = self.now()
        failed = list(failures)
        prepared: list[tuple[ArticleRow, Any]] = []
        for article in batch:
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

    def _store_one_by_one(
        self, prepared: Sequence[tuple[ArticleRow, Any]], now: datetime
    ) -> list[Failure]:
        """Write rows one transaction each; return a failure for each row refused."""
        failed: list[Failure] = []
        for item in prepared:
            try:
                self._store([item], now)
            except Exception as exc:
                logger.warning("article %s not stored", item[0].article.url, exc_info=True)
                failed.append(self._new_failure("store", item[0].article.url, exc))
        return failed

    def _store(self, prepared: Sequence[tuple[ArticleRow, Any]], now: datetime) -> None:
        """Dedupe rows against the store and each other, write them in one transaction.

        :attr:`summary` and the near-duplicate index change only once the write has
        succeeded, so a failed call can be repeated row by row without counting twice.
        """
        known = self.store.existing_keys(
            k for row, _ in prepared for k in (row.key, row.canonical_url)
        )
        by_hash = self.store.find_by_content_hash(row.content_hash for row, _ in prepared)
        batch_index = dedupe.NearDuplicateIndex()
        seen: dict[str, int] = {}  # key or canonical URL -> position in `rows`
        rows: list[ArticleRow] = []
        signatures = []
        duplicates = 0
        for row, signature in prepared:
            if row.key in known or row.canonical_url in known:
                duplicates += 1
                continue
            if row.key in seen or row.canonical_url in seen:
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
            seen[row.key] = seen[row.canonical_url] = len(rows)
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


def _prepare(article: Article) -> tuple[ArticleRow, Any]:
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
        except Exception as exc:  # any failure of one source fails that source alone
            source_failures.append(Failure("source", source.url, _failure_reason(exc)))
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
        except Exception as exc:  # any failure of one page fails that page alone
            return Failure("fetch", entry.url, _failure_reason(exc))
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
# Articles of each ranked story read for the review's tags: its earliest independent
# ones, title and lead, joined into one document per story and language. Tagging runs
# natasha's NER, whose cost is mostly per document (~120 ms each on one core, whatever
# its length up to a few kchar: measured on the Telegram posts), so reading every member
# of a story of a thousand reports would take minutes; six leads name a story's actors.
# One document per story also makes the tags' spread bonus count stories, not reprints.
TAG_ARTICLES_PER_STORY = 6
# Characters of each of those articles read for tags: the title and lead.
TAG_LEAD_CHARS = 400
# Where a review's stories came from (said in the plan, the log and `stories --explain`).
FROM_CLUSTERER = "clusterer"
FROM_LEXICAL = "lexical"


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


def review_tags(
    ranked: Sequence[RankedStory], articles: Mapping[int, Article], lang: str, kb: KnowledgeBase
) -> tuple[ReviewTag, ...]:
    """The top canonical entities of the ranked stories' articles, named in ``lang``.

    Each story lends the title and lead of its first :data:`TAG_ARTICLES_PER_STORY`
    independent articles, as one document per language (dated as its first article).
    """
    members: list[Article] = []
    for item in ranked:
        present = [articles[i] for i in item.story.article_ids if i in articles]
        independent = [a for a in present if a.duplicate_of is None] or present
        independent.sort(key=lambda a: (a.published is None, a.published or _EPOCH, a.id or 0))
        by_language: dict[str | None, list[Article]] = {}
        for article in independent[:TAG_ARTICLES_PER_STORY]:
            by_language.setdefault(article.language_tag, []).append(article)
        for group in by_language.values():
            text = "\n\n".join(f"{a.title}\n{a.text[:TAG_LEAD_CHARS]}" for a in group)
            members.append(replace(group[0], title="", text=text))
    tags = tags_for(members, lang, kb=kb, limit=REVIEW_TAG_LIMIT)
    return tuple(ReviewTag(name=t.name, slug=t.slug, entity_id=t.entity_id) for t in tags)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _window_stories(
    store: Store, articles: Sequence[Article], window_start: datetime, window_end: datetime
) -> tuple[list[Story], str]:
    """The clusterer's stored stories when it has seen the whole window, else lexical ones."""
    inside = {
        a.id
        for a in articles
        if a.id is not None and a.published and window_start <= a.published < window_end
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
        return datetime.fromisoformat(str(review.body.get("window_end")))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Memory:
    """Stories after comparing them with the previous review."""

    stories: list[Story]
    continuing: dict[str, datetime]
    held: dict[str, str]  # previous section key -> current story key held back
    matched: dict[str, set[str]]  # previous section key -> current story keys
    returning: dict[str, tuple[str, str]]  # current story key -> previous key, heading


def _remember(
    stories: Sequence[Story],
    articles: Mapping[int, Article],
    previous: StoredReview | None,
    window_end: datetime,
) -> _Memory:
    """Mark stories of the previous review and restrict them to what is new since.

    A story is the same as a previous section's when it has the section's story key or
    holds an article the section cited (keys change when a clusterer run merges stories).
    """
    if previous is None:
        return _Memory(list(stories), {}, {}, {}, {})
    since = _stored_end(previous)
    assert since is not None  # previous_review only returns reviews with an end
    sections = [
        (str(sec.get("story_key", "")), _cited(sec), str(sec.get("heading", "")))
        for sec in previous.body.get("sections") or ()
    ]
    out: list[Story] = []
    continuing: dict[str, datetime] = {}
    held: dict[str, str] = {}
    matched: dict[str, set[str]] = {key: set() for key, _, _ in sections}
    returning: dict[str, tuple[str, str]] = {}
    for story in stories:
        members = set(story.article_ids)
        was = [(k, h) for k, cited, h in sections if k == story.key or members & cited]
        if not was:
            out.append(story)
            continue
        returning[story.key] = was[0]
        for key, _ in was:
            matched[key].add(story.key)
        fresh = [
            i
            for i in story.article_ids
            if i in articles and (p := articles[i].published) and since <= p < window_end
        ]
        if not any(articles[i].duplicate_of is None for i in fresh):
            for key, _ in was:
                held[key] = story.key
            continue
        out.append(replace(build_story(fresh, articles), key=story.key, id=story.id))
        continuing[story.key] = since
    return _Memory(out, continuing, held, matched, returning)


def _cited(section: Mapping[str, Any]) -> set[int]:
    """Article ids a stored section cites."""
    return {
        int(c["article_id"])
        for sentence in section.get("sentences") or ()
        for c in sentence.get("citations") or ()
        if isinstance(c, Mapping) and "article_id" in c
    }


def _dropped(
    previous: StoredReview | None, memory: _Memory, placed: Sequence[RankedStory]
) -> tuple[DroppedStory, ...]:
    """The previous review's stories that got no place in this one."""
    if previous is None:
        return ()
    kept = {r.story.key for r in placed}
    out = []
    for section in previous.body.get("sections") or ():
        key = str(section.get("story_key", ""))
        if memory.matched.get(key, set()) & kept:
            continue
        outranked = memory.matched.get(key) and key not in memory.held
        reason = "outranked" if outranked else "no_new_developments"
        out.append(DroppedStory(key, str(section.get("heading", "")), reason))
    return tuple(out)


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
        lang: The review's language (breaks a tie between two previous reviews).
        kb: Knowledge base for the entity parts of the ranking (None: no entity parts).
        boosts: The outlet's ranking factors (the ``rank_boost`` setting).
        limit: Stories to place.
        explain: Also keep the stories left out as the same event as a placed one.

    Returns:
        The plan: ranked stories, their articles, where the stories came from, memory.
    """
    articles = store.articles_between(window_start - STORY_LOOKBACK, window_end)
    by_id = {a.id: a for a in articles if a.id is not None}
    stories, source = _window_stories(store, articles, window_start, window_end)
    logger.info("%d stories from the %s for the window", len(stories), source)
    previous = previous_review(store, window_end, lang)
    memory = _remember(stories, by_id, previous, window_end)
    ranked = rank_stories(
        memory.stories,
        window_start=window_start,
        window_end=window_end,
        limit=limit,
        articles=by_id,
        kb=kb,
        boosts=boosts,
        explain=explain,
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
        dropped=_dropped(previous, memory, placed),
        originals={s.key: s for s in stories},
        returning={k: v for k, v in memory.returning.items() if k in memory.continuing},
    )


def _warn_foreign(review: Review, articles: Mapping[int, Article]) -> None:
    """Say which sections quote sentences in another language than the review's."""
    for section in review.sections:
        cited = [articles.get(c.article_id) for s in section.sentences for c in s.citations[:1]]
        tags = {a.language_tag for a in cited if a is not None and a.language_tag}
        if tags and review.lang not in tags and not (review.lang.startswith("uz") and "uz" in tags):
            logger.warning(
                "story %s has no article in %s: its section quotes %s sources "
                "(sentences are never translated)",
                section.story_key,
                review.lang,
                ", ".join(sorted(tags)),
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
    _warn_foreign(review, plan.articles)
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
        store.save_stories([plan.originals.get(r.story.key, r.story) for r in plan.ranked])
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
    """Assign the articles no run has clustered yet to stories, resuming the stream.

    The clusterer's state is loaded from the store and saved back with the new
    assignments and the rebuilt stories in one transaction, so a run costs time in
    proportion to the new articles, a second run with nothing new changes nothing, and a
    killed run is simply done again.

    ``entities`` (:func:`article_entities`) gives the cross-lingual link canonical entity
    ids beside the name proxy: one id for a name in Cyrillic and in Latin script.
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
        found = entities(article) if entities is not None else None
        doc = ClusterDoc.from_article(article, vector=vector, entities=found)
        assignments[article.id] = clusterer.add(doc)
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
