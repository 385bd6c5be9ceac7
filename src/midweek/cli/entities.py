"""``midweek entities`` and ``tags``: the people, places and organisations of a text or a
stored story, named in one language."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from midweek.cli.context import global_options, out
from midweek.entities.kb import load_kb
from midweek.entities.mentions import find_mentions
from midweek.entities.model import LANGS
from midweek.entities.tags import DEFAULT_TAG_LIMIT, tags_for
from midweek.errors import ConfigError
from midweek.languages import normalize_language
from midweek.workspace import open_store

__all__ = ["entities", "tags"]

LangOption = Annotated[str | None, typer.Option("--lang", help="en, ru, uz-Latn or uz-Cyrl.")]
KbOption = Annotated[
    list[Path] | None, typer.Option("--kb", help="Extra knowledge-base JSONL file (repeatable).")
]


def _check_lang(lang: str | None) -> str | None:
    """The one spelling of a language tag (midweek.languages); refuse one outside LANGS."""
    if lang is None:
        return None
    code = normalize_language(lang)
    if code not in LANGS:
        raise ConfigError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return code


def _read_input(text_or_file: str) -> str:
    """The argument itself, or the file it names ('-' for stdin)."""
    if text_or_file == "-":
        return typer.get_text_stream("stdin").read()
    path = Path(text_or_file)
    try:
        if len(text_or_file) < 4096 and path.is_file():
            return path.read_text("utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if _looks_like_path(text_or_file):
        raise ConfigError(
            f"no such file: {text_or_file} (to name entities in this text itself, "
            "quote it with a space or pipe it in with -)"
        )
    return text_or_file


def _looks_like_path(value: str) -> bool:
    """One word that names a file: it starts at /, ~ or ., or ends in a text suffix."""
    if not value or any(c.isspace() for c in value):
        return False
    return value.startswith(("/", "~", "./", "../")) or value.endswith(_TEXT_SUFFIXES)


# File names a text argument is taken to mean (checked by _looks_like_path).
_TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".gz")


def entities(
    text_or_file: Annotated[str, typer.Argument(help="Text, a file path, or - for stdin.")],
    lang: LangOption = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="The text's date (YYYY-MM-DD): picks office holders."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per mention.")] = False,
    kb_files: KbOption = None,
) -> None:
    """Print the mentions of a text and the canonical entity of each."""
    lang = _check_lang(lang)
    try:
        when = date.fromisoformat(on) if on else None
    except ValueError as exc:
        raise ConfigError(f"bad --date {on!r}: {exc}") from exc
    kb = load_kb(extra=kb_files or [])
    found = find_mentions(_read_input(text_or_file), lang, kb=kb, when=when)
    if as_json:
        for m in found:
            entity = kb.get(m.entity_id)
            name = kb.name_in(entity, lang or "en") if entity else None
            typer.echo(json.dumps({**asdict(m), "name": name}, ensure_ascii=False))
        return
    table = Table("mention", "entity", "name", "type", "how", "conf")
    for m in found:
        entity = kb.get(m.entity_id)
        name = kb.name_in(entity, lang or "en") if entity else ""
        table.add_row(m.text, m.entity_id, name, m.type, m.how, f"{m.confidence:.2f}")
    out.print(table)


def tags(
    ctx: typer.Context,
    story: Annotated[str, typer.Option("--story", help="Story id or key in the store.")],
    lang: Annotated[str, typer.Option("--lang", help="en, ru, uz-Latn or uz-Cyrl.")] = "en",
    limit: Annotated[int, typer.Option(help="How many tags.")] = DEFAULT_TAG_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    kb_files: KbOption = None,
) -> None:
    """Print a stored story's tags, named in one language."""
    from midweek.store.stories import story_articles

    lang = _check_lang(lang) or "en"
    store = open_store(global_options(ctx).settings())
    try:
        articles = story_articles(store, story)
    finally:
        store.close()
    found = tags_for(articles, lang, kb=load_kb(extra=kb_files or []), limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(t) for t in found], ensure_ascii=False, indent=1))
        return
    table = Table("tag", "slug", "entity", "type", "mentions", "articles")
    for t in found:
        table.add_row(t.name, t.slug, t.entity_id, t.type, str(t.count), str(t.documents))
    out.print(table)
