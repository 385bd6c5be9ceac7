"""CLI command ``midweek eval summaries`` (thin: parse, call, render)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console

from midweek.errors import ConfigError

if TYPE_CHECKING:
    from midweek.evaluate.summaries import Portion

logger = logging.getLogger(__name__)

__all__ = ["summaries"]

_out = Console(markup=False)  # file and field names print as typed
_PORTIONS = ("all", "tune", "report")


def summaries(
    file: Annotated[
        Path, typer.Argument(help="JSONL(.gz) of clusters: reference summary, sources[].text.")
    ],
    max_words: Annotated[
        int | None,
        typer.Option(help="One word budget for every cluster (default: the reference's length)."),
    ] = None,
    portion: Annotated[
        str, typer.Option(help="Which clusters: all, tune or report (hash split of the ids).")
    ] = "all",
    lang: Annotated[
        str, typer.Option(help="Review language: articles in it are preferred.")
    ] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score midweek's summaries (ROUGE-1/2/L F, length, cited fraction) on a file."""
    from midweek.evaluate.summaries import evaluate_summaries

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    if portion not in _PORTIONS:
        raise ConfigError(f"unknown portion {portion!r}: use all, tune or report")
    if max_words is not None and max_words <= 0:
        raise ConfigError(f"--max-words must be positive, got {max_words}")
    scores = evaluate_summaries(
        file,
        max_words=max_words,
        portion=cast("Portion", portion),  # checked against _PORTIONS above
        lang=lang,
    )
    data = {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(scores).items()}
    if as_json:
        _out.print_json(data=data)
    else:
        _out.print(" · ".join(f"{k} {v}" for k, v in data.items()))
