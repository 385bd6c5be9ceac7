"""``midweek sources add|list|remove|import-opml|export-opml``: what midweek reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from midweek.cli.context import global_options, now, out
from midweek.cli.options import check_writable
from midweek.errors import ConfigError
from midweek.workspace import open_store

__all__ = ["sources_app"]

sources_app = typer.Typer(help="Manage the feeds, sitemaps and pages midweek reads.")


@sources_app.command(
    "add",
    epilog="Examples: midweek sources add https://kun.uz (its feeds are found) · "
    "midweek sources add https://example.com/news.xml --kind sitemap",
)
def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Feed, news sitemap, or site URL (feeds found).")],
    kind: Annotated[
        str, typer.Option(help="auto (fetch and look), feed, sitemap or page.")
    ] = "auto",
) -> None:
    """Add a source. With --kind auto the URL is fetched: a site's page is searched for feeds."""
    from midweek.sourcing import add_source

    settings = global_options(ctx).settings()
    store = open_store(settings)
    try:
        added = add_source(store, url, kind, settings, now)
    finally:
        store.close()
    for source, created in added:
        verb = "added" if created else "already there"
        out.print(f"{verb}: [{source.kind}] {source.url} {source.title}", highlight=False)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the sources."""
    store = open_store(global_options(ctx).settings())
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
def sources_remove(
    ctx: typer.Context, url_or_id: Annotated[str, typer.Argument(help="URL or id.")]
) -> None:
    """Remove a source (its articles stay)."""
    store = open_store(global_options(ctx).settings())
    found = store.remove_source(url_or_id)
    store.close()
    if not found:
        raise ConfigError(f"no source {url_or_id!r} (see `midweek sources list`)")
    out.print(f"removed {url_or_id}")


@sources_app.command("import-opml")
def sources_import_opml(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="An OPML file.")]
) -> None:
    """Add every feed listed in an OPML file."""
    from midweek.sourcing import import_opml

    store = open_store(global_options(ctx).settings())
    try:
        new, known = import_opml(store, path, now())
    finally:
        store.close()
    out.print(f"{new} sources added, {known} already there")


@sources_app.command("export-opml")
def sources_export_opml(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="Output file (default: stdout).")] = None,
) -> None:
    """Write the sources as OPML 2.0."""
    from midweek.sources.opml import write_opml

    if path is not None:
        check_writable(path)
    store = open_store(global_options(ctx).settings())
    data = write_opml(store.list_sources())
    store.close()
    if path is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        path.write_bytes(data)
        out.print(f"wrote {path}")
