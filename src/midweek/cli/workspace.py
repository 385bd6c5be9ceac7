"""``midweek version`` and ``midweek init``: the program and the workspace it works in."""

from __future__ import annotations

from typing import Annotated

import typer

from midweek import __version__
from midweek.cli.context import global_options, out
from midweek.settings import CONFIG_NAME, render_settings_file
from midweek.workspace import open_store

__all__ = ["WORKSPACE_GITIGNORE", "init", "version"]

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


def version() -> None:
    """Print the version."""
    out.print(__version__)


def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Overwrite an existing midweek.toml.")] = False,
) -> None:
    """Create a workspace here: midweek.toml (every setting, commented), the database and
    a .gitignore for the workspace's own files (the database, the site's key, caches)."""
    settings = global_options(ctx).settings()
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
    open_store(settings).close()
    out.print(f"database ready: {settings.database_url}")
