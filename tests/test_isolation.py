"""Failure isolation: whatever one entry raises, at whatever stage, every other entry is
stored and the failed one is in ``failures`` (issue 11, item 2).

A Hypothesis property throws arbitrary exceptions from record parsing, from ``_prepare``
(language id, hashing) and from the store's insert at random entries of a JSONL import,
with random batch sizes, and checks the outcome entry by entry. Extraction in worker
processes and whole sources are covered by the deterministic tests below it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httpserver import LocalServer
from midweek import pipeline
from midweek.errors import ExtractError, StoreError
from midweek.fetch import Fetcher, FetchPolicy
from midweek.models import Page, Source
from midweek.sources import imports
from midweek.sources.imports import iter_import
from midweek.store import ArticleRow, Store, open_store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BODY = "Ministers met in the capital to agree on the budget for roads and schools. " * 3
STAGES = ("parse", "prepare", "store")
# Exceptions a library might raise on a hostile value; none of them is a MidweekError
# except StoreError, which the store raises itself.
ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    RuntimeError,
    ZeroDivisionError,
    OSError,
    RecursionError,
    StoreError,
)


def _now() -> datetime:
    return NOW


def _url(n: int) -> str:
    return f"https://news.example/a/{n}"


@contextmanager
def _faults(store: Store, plan: dict[int, tuple[str, type[Exception]]]) -> Iterator[None]:
    """Make entry ``n`` raise ``error`` at ``stage`` for each ``n: (stage, error)``."""
    at = {
        stage: {_url(n): error for n, (s, error) in plan.items() if s == stage} for stage in STAGES
    }
    real_record = imports._article_from_record
    real_prepare = pipeline._prepare
    real_add = store.add_articles

    def record(record: dict[str, Any], locator: str) -> Any:
        error = at["parse"].get(str(record.get("url")))
        if error is not None:
            raise error("hostile record")
        return real_record(record, locator)

    def prepare(article: Any) -> Any:
        error = at["prepare"].get(article.url)
        if error is not None:
            raise error("hostile article")
        return real_prepare(article)

    def add(rows: Sequence[ArticleRow], now: datetime) -> list[int | None]:
        for row in rows:  # the store refuses the whole transaction for one bad row
            error = at["store"].get(row.article.url)
            if error is not None:
                raise error("row refused")
        return real_add(rows, now)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(imports, "_article_from_record", record))
        stack.enter_context(mock.patch.object(pipeline, "_prepare", prepare))
        stack.enter_context(mock.patch.object(store, "add_articles", add))
        yield


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(min_value=1, max_value=30),
    batch=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_any_exception_at_any_entry_fails_that_entry_alone(
    count: int, batch: int, data: st.DataObject
) -> None:
    failing = data.draw(st.sets(st.integers(0, count - 1)), label="failing entries")
    plan = {
        n: (data.draw(st.sampled_from(STAGES)), data.draw(st.sampled_from(ERRORS)))
        for n in sorted(failing)
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        lines = [
            json.dumps({"url": _url(n), "title": f"Item {n}", "text": f"{BODY} {n}", "lang": "en"})
            for n in range(count)
        ]
        path.write_text("\n".join(lines) + "\n")
        store = open_store(f"sqlite:///{Path(folder) / 'm.db'}")
        try:
            ingestor = pipeline.Ingestor(store, _now)
            with _faults(store, plan), mock.patch.object(pipeline, "BATCH_SIZE", batch):
                ingestor.add(iter_import(path))
            stored = {a.url for a in store.articles_between(NOW.replace(year=1970), NOW)}
            stored |= {a.url for a in store.search_articles("Ministers", limit=1000)}
            assert stored == {_url(n) for n in range(count)} - {_url(n) for n in plan}
            failures = {f.locator: f for f, _ in store.list_failures(limit=1000)}
            expected = set()
            for n, (stage, _error) in plan.items():
                expected.add(f"{path}:{n + 1}" if stage == "parse" else _url(n))
            assert set(failures) == expected
            for n, (stage, error) in plan.items():
                failure = failures[f"{path}:{n + 1}" if stage == "parse" else _url(n)]
                assert failure.stage == {"parse": "import"}.get(stage, stage)
                assert error.__name__ in failure.reason
            assert ingestor.summary.new == count - len(plan)
            assert ingestor.summary.failed == len(plan)
        finally:
            store.close()


def test_a_reader_that_breaks_keeps_what_it_gave(tmp_path: Path) -> None:
    from midweek.models import Article

    def reader() -> Iterator[Article]:
        for n in range(3):
            yield Article(url=_url(n), title=f"T {n}", text=f"{BODY} {n}", lang="en")
        raise RuntimeError("reader bug")

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        ingestor = pipeline.Ingestor(store, _now)
        ingestor.add(reader())
        assert ingestor.summary.new == 3 and ingestor.summary.failed == 1
        ((failure, _),) = store.list_failures()
        assert failure.stage == "ingest" and "RuntimeError: reader bug" in failure.reason
    finally:
        store.close()


def _flaky_extract(page: Page) -> Any:
    """extract_article that raises on pages whose URL says so (run in the workers)."""
    from midweek.extract import extract_article

    if "/boom-" in page.url:
        kind = page.url.rsplit("-", 1)[1]
        raise {"type": TypeError, "key": KeyError, "extract": ExtractError}[kind]("hostile page")
    return extract_article(page)


def test_extraction_errors_of_any_type_fail_their_page_alone(tmp_path: Path) -> None:
    """Workers are forked after the patch, so they raise too (RuntimeError or not)."""
    paragraphs = "".join(
        f"<p>{BODY} Paragraph {k} of page {{n}} adds its own detail, number {k}.</p>"
        for k in range(3)
    )
    good = f"<html><head><title>Good page {{n}}</title></head><body><article>{paragraphs}"
    good += "</article></body></html>"
    pages = [
        Page(url=f"https://news.example/p/{n}", body=good.format(n=n).encode(), fetched_at=NOW)
        for n in range(3)
    ]
    pages[1:1] = [
        Page(url=f"https://news.example/boom-{k}", body=b"<html>x</html>", fetched_at=NOW)
        for k in ("type", "key", "extract")
    ]
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        with (
            mock.patch.object(pipeline, "extract_article", _flaky_extract),
            pipeline.Extractor(1, 30.0, 2048) as extractor,
        ):
            ingestor = pipeline.Ingestor(store, _now)
            ingestor.add(extractor.run(pages))
        assert ingestor.summary.new == 3 and ingestor.summary.failed == 3
        stages = {f.locator: f.stage for f, _ in store.list_failures()}
        assert stages == {
            f"https://news.example/boom-{k}": "extract" for k in ("type", "key", "extract")
        }
    finally:
        store.close()


def test_a_source_raising_anything_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source whose reading raises a non-midweek error (a library bug) is one failure."""
    from midweek.settings import load_settings

    real = pipeline.parse_feed

    def flaky(data: bytes, url: str) -> Any:
        if url.endswith("/bad.xml"):
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(data, url)

    monkeypatch.setattr(pipeline, "parse_feed", flaky)
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>x</title><link>{base}/p</link></item></channel></rss>"
    )
    paragraphs = "".join(f"<p>{BODY} Detail {k} of the one page.</p>" for k in range(3))
    page = f"<html><head><title>A page</title></head><body><article>{paragraphs}"
    page += "</article></body></html>"
    with LocalServer() as server:
        base = server.base_url.rstrip("/")
        server.status("/robots.txt", 404)
        for name in ("bad", "good"):
            server.static(
                f"/{name}.xml", rss.format(base=base).encode(), content_type="application/rss+xml"
            )
        server.static("/p", page.encode(), content_type="text/html")
        store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
        try:
            store.add_source(Source(server.url("/bad.xml"), "feed"), NOW)
            store.add_source(Source(server.url("/good.xml"), "feed"), NOW)
            port = server.base_url.rsplit(":", 1)[1].strip("/")
            policy = FetchPolicy(
                allow_hosts=("127.0.0.1", f"127.0.0.1:{port}"), per_host_delay_s=0.0, retries=0
            )
            settings = load_settings(tmp_path, environ={"MIDWEEK_EXTRACT_WORKERS": "1"})
            with Fetcher(policy) as fetcher:
                summary = pipeline.ingest_sources(store, fetcher, settings, _now)
            assert (summary.new, summary.failed) == (1, 1), summary.as_dict()
            ((failure, _),) = store.list_failures()
            assert failure.stage == "source" and "UnicodeEncodeError" in failure.reason
        finally:
            store.close()
