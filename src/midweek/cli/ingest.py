"""``midweek ingest``, ``failures`` and ``search``: reading articles in and finding them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from midweek.cli.context import err, global_options, now, out, progress
from midweek.errors import ConfigError
from midweek.workspace import open_fetcher, open_store

if TYPE_CHECKING:
    from rich.progress import TaskID

    from midweek.pipeline import IngestCounts

__all__ = ["INGEST_EXAMPLES", "failures", "ingest", "print_summary", "search"]

INGEST_EXAMPLES = (
    "Examples: midweek ingest · midweek ingest --file archive.jsonl.gz --json · "
    "midweek ingest --file pages/ · midweek ingest --file crawl.warc.gz"
)


def ingest(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Import offline, never fetching: JSONL(.gz), a folder of .html(.gz) pages "
            "(recursive), a WARC, or a saved RSS/Atom/JSON feed or sitemap; the kind is read "
            "from the content. Fields and checks: docs/import-format.md.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run fetching, extraction and preparation on the workers of this Dask "
            "scheduler (tcp://host:8786; setting: scheduler). Needs midweek[dask]; "
            "fetching sources needs a PostgreSQL store. See README, Many workers.",
        ),
    ] = None,
) -> None:
    """Read new articles: from every source, or from a file with --file.

    Re-running is safe: what is stored already is skipped (reported as duplicates).
    """
    from contextlib import ExitStack

    from midweek.pipeline import Stages, ingest_file, ingest_sources

    if file is not None and not file.exists():  # checked before the store is opened
        raise ConfigError(f"--file: import path does not exist: {file}")
    opts = global_options(ctx)
    settings = opts.settings()
    if scheduler is not None:
        settings = replace(settings, scheduler=scheduler)
    store = open_store(settings)
    try:
        with progress(opts.quiet) as shown, ExitStack() as stack:
            stages: Stages | None = None
            gate = None
            if settings.scheduler:
                from midweek.distributed import PgHostGate, open_stages

                stages, gate = stack.enter_context(open_stages(settings))
                if file is None and gate is None:
                    gate = PgHostGate(settings.database_url)  # raises: not PostgreSQL
            if file is not None:
                task = shown.add_task(f"importing {file.name}", total=None)
                summary = ingest_file(
                    store, file, settings, now, lambda n: shown.advance(task, n), stages=stages
                )
            else:
                tasks: dict[str, TaskID] = {}

                def report(phase: str, n: int, total: int | None) -> None:
                    if phase not in tasks:
                        tasks[phase] = shown.add_task(phase, total=total)
                    shown.update(tasks[phase], advance=n, total=total)

                with open_fetcher(settings, gate=gate) as fetcher:
                    summary = ingest_sources(
                        store, fetcher, settings, now, progress=report, stages=stages
                    )
    finally:
        store.close()
    print_summary(summary.as_dict(), as_json)


def print_summary(data: IngestCounts, as_json: bool) -> None:
    """Print an ingest summary.

    Args:
        data: The summary's fields (``IngestSummary.as_dict``).
        as_json: Print it as JSON instead of lines.
    """
    if as_json:
        out.print_json(data=data)
        return
    out.print(
        f"new {data['new']} · duplicates {data['duplicates']} · reprints {data['reprints']}"
        f" · failed {data['failed']}"
    )
    for reason, count in data["failure_reasons"].items():
        out.print(f"  skipped {count}: {reason}")
    if data.get("deferred"):
        out.print(f"deferred {data['deferred']} to the next run (a budget was spent):")
        for reason, count in data["deferred_reasons"].items():
            out.print(f"  deferred {count}: {reason}")


def failures(
    ctx: typer.Context, limit: Annotated[int, typer.Option(help="How many.")] = 30
) -> None:
    """Show what was skipped lately, and why."""
    store = open_store(global_options(ctx).settings())
    rows = store.list_failures(limit)
    store.close()
    table = Table("stage", "count", "where", "reason")
    for failure, count in rows:
        table.add_row(failure.stage, str(count), failure.locator, failure.reason)
    out.print(table)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find (any punctuation is safe).")],
    limit: Annotated[int, typer.Option(help="How many results.")] = 20,
) -> None:
    """Full-text search over stored articles."""
    store = open_store(global_options(ctx).settings())
    try:
        found = store.search_articles(query, limit)
        total = store.count_articles()
    finally:
        store.close()
    if not found:
        err.print(
            f"no stored article matches {query!r} ({total} articles stored; "
            "`midweek ingest` reads more)",
            highlight=False,
        )
        return
    for article in found:
        date = article.published.date().isoformat() if article.published else "          "
        out.print(Text.assemble(f"{date}  {article.title}  ", (article.url, "dim")))
