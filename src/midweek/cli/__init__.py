"""The command line: parse input, call the library, render. No logic lives here.

One module per job the user does: ``workspace`` (version, init), ``sources``, ``ingest``
(ingest, failures, search), ``stories`` (cluster, stories, story), ``review`` (review,
check), ``demo``, ``site`` (serve, users), ``entities`` (entities, tags) and ``eval``;
``context`` holds what they share (the global options in the click context, the store,
the consoles, progress) and ``options`` the checks of options several commands take.
This module assembles them, in the order ``--help`` lists them, and is the entry point.

Every user error ends as one red line on stderr and exit code 1 (2 for usage errors,
Typer's own); never a traceback. Options are checked before anything is stored or
written. Both consoles print with Rich markup off: titles, URLs, errors and the user's
own input may hold ``[`` and ``]``, so styles come from :class:`rich.text.Text` only.
Progress (count, rate, time left) goes to stderr, so ``--json`` keeps stdout to the JSON,
and ``--quiet`` turns it off.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from midweek.cli import demo, entities, ingest, review, site, sources, stories, workspace
from midweek.cli.context import GlobalOptions, err
from midweek.cli.eval import eval_app
from midweek.errors import MidweekError

__all__ = ["app", "main"]

app = typer.Typer(
    name="midweek",
    help="Turn a week of news into a published, cited review of its key developments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def main_options(
    ctx: typer.Context,
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
    ctx.obj = GlobalOptions(config=config, db=db, quiet=quiet)
    logging.basicConfig(
        level=logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


# The order of --help (and of docs/cli.md): the commands in the order of a week's work,
# then the groups.
app.command()(workspace.version)
app.command()(workspace.init)
app.command(epilog=ingest.INGEST_EXAMPLES)(ingest.ingest)
app.command()(ingest.failures)
app.command()(ingest.search)
app.command()(stories.cluster)
app.command("stories", epilog=stories.STORIES_EXAMPLES)(stories.stories_list)
app.command("story")(stories.story_show)
app.command(epilog=review.REVIEW_EXAMPLES)(review.review)
app.command()(demo.demo)
app.command("check", epilog=review.CHECK_EXAMPLES)(review.check)
app.command()(site.serve)
app.command("entities")(entities.entities)
app.command("tags")(entities.tags)
app.add_typer(sources.sources_app, name="sources")
app.add_typer(eval_app, name="eval")
app.add_typer(site.users_app, name="users")


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
