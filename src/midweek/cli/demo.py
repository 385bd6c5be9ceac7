"""``midweek demo``: the bundled corpus (or live feeds) to a served review, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from midweek.cli.context import global_options, now, out, progress
from midweek.cli.ingest import print_summary
from midweek.cli.options import check_folder_writable
from midweek.cli.site import serve_site
from midweek.workspace import open_store

__all__ = ["demo"]


def demo(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--out", help="Folder for review.{html,md,json}.")] = Path(
        "midweek-demo"
    ),
    then_serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after (midweek serve).")
    ] = True,
    live: Annotated[
        bool, typer.Option("--live", help="Read the built-in public feeds (needs a network).")
    ] = False,
    port: Annotated[int, typer.Option(help="Port for serving on 127.0.0.1.")] = 8000,
) -> None:
    """Ingest the bundled Wikinews corpus (or live feeds), write a review, and serve it."""
    from midweek.demo import run_demo

    check_folder_writable(output)  # before the corpus is read
    opts = global_options(ctx)
    settings = opts.settings()
    store = open_store(settings)
    try:
        with progress(opts.quiet) as shown:
            task = shown.add_task("demo: ingesting", total=None)
            result = run_demo(
                store,
                settings,
                output,
                now,
                live=live,
                progress=lambda n: shown.advance(task, n),
            )
    finally:
        store.close()
    print_summary(result.summary, as_json=False)
    out.print(f"review: {result.title} ({result.sections} sections)")
    for path in result.files:
        out.print(f"wrote {path}")
    if then_serve:
        out.print(f"the review: http://127.0.0.1:{port}/reviews/{result.slug}")
        serve_site(settings, host="127.0.0.1", port=port)
