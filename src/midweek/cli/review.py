"""``midweek review`` and ``check``: the window's review, and what an editor would cut."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from midweek.cli.context import err, global_options, now, out, progress
from midweek.cli.options import check_writable, review_window
from midweek.errors import ConfigError, StoreError
from midweek.languages import LANGUAGE_HELP, normalize_language
from midweek.settings import Settings
from midweek.workspace import llm_config, open_store

if TYPE_CHECKING:
    from midweek.compose import Summarizer
    from midweek.entities import KnowledgeBase
    from midweek.models import Review
    from midweek.store import Store

__all__ = ["CHECK_EXAMPLES", "REVIEW_EXAMPLES", "check", "review"]

REVIEW_EXAMPLES = (
    "Examples: midweek review (the default window: review_window_start to "
    "review_window_end, the latest that has started) · midweek review --from "
    "2025-07-07T00:00 --to 2025-07-09T12:00 --tz Asia/Tashkent --format html --out review.html"
)
CHECK_EXAMPLES = (
    "Examples: midweek check review.json · midweek check review-2020-01-05-to-2020-01-11 --json"
)


def review(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option("--from", help="Window start, ISO 8601 (local time); default: settings."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Window end, ISO 8601 (local time); default: settings."),
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone of the times.")] = None,
    lang: Annotated[
        str | None, typer.Option(help=LANGUAGE_HELP + " Default: the language setting.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(help="Write sections with this OpenAI-compatible endpoint (checked)."),
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Model at --llm-url.")] = None,
) -> None:
    """Compose the review of a time window from the stored articles.

    Without --from/--to the window is the latest weekly one of the settings
    review_window_start and review_window_end (in timezone) that has started. Stories of
    the previous published review return only with news since ("continuing"); the rest
    are listed as dropped. Sections are extractive by default. With an LLM
    (--llm-url/--llm-model, or the summary_backend setting; the key from the environment
    variable llm_api_key_env names), every generated sentence is checked against the
    sources it cites; what fails is dropped, and a story falls back to extractive
    sentences on any failure.
    """
    from midweek.render import FORMATS, render

    # every option is checked before anything is read, composed or stored
    if fmt not in FORMATS:
        raise ConfigError(f"--format: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    opts = global_options(ctx)
    settings = opts.settings()
    language = normalize_language(lang or settings.language, "--lang" if lang else "language")
    if output is not None:
        check_writable(output)
    window = review_window(settings, start, end, tz, quiet=opts.quiet)
    use_llm = bool(llm_url or llm_model) or settings.summary_backend == "llm"
    store = open_store(settings)
    try:
        _check_window_has_articles(store, window, default=start is None and end is None)
        with progress(opts.quiet) as shown:
            shown.add_task("composing the review", total=None)
            if use_llm:
                composed = _review_with_llm(store, settings, window, language, llm_url, llm_model)
            else:
                composed = _compose(store, settings, window, language)
    finally:
        store.close()
    text = render(composed, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--out: cannot write {output}: {exc.strerror}") from None
        out.print(f"wrote {output}", highlight=False)


def _check_window_has_articles(
    store: Store, window: tuple[datetime, datetime], *, default: bool
) -> None:
    """Refuse a window without stored articles (no empty draft), saying where the data is.

    Raises:
        ConfigError: naming the window looked at and the range of stored article dates.
    """
    start, end = window
    if store.has_articles_between(start, end):
        return
    first, last = store.published_range()
    looked = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M %Z}"
    which = "the default window " if default else "the window "
    if first is None or last is None:
        raise ConfigError(
            f"no stories: {which}{looked} has no articles, and none are stored; "
            "run `midweek ingest` first"
        )
    raise ConfigError(
        f"no stories: {which}{looked} has no articles; stored articles are dated "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}: pick a window with --from/--to"
    )


def _compose(
    store: Store,
    settings: Settings,
    window: tuple[datetime, datetime],
    lang: str,
    *,
    kb: KnowledgeBase | None = None,
    summarizer: Summarizer | None = None,
) -> Review:
    """Build the window's review and store its draft; one that may not be stored (the
    window is published, or an editor changed its draft) is shown without storing.
    ``summarizer`` None: the extractive one."""
    from midweek.compose import extractive_summarizer
    from midweek.pipeline import build_review

    start, end = window

    def build(save: bool) -> Review:
        return build_review(
            store,
            start,
            end,
            now=now(),
            lang=lang,
            boosts=settings.rank_boost,
            rubric=settings.review_rubric,
            intro=settings.review_intro,
            author=settings.review_author,
            kb=kb,
            summarizer=summarizer or extractive_summarizer,
            save=save,
        )

    try:
        return build(save=True)
    except StoreError as exc:
        err.print(f"not stored: {exc}", highlight=False)
        return build(save=False)


def _review_with_llm(
    store: Store,
    settings: Settings,
    window: tuple[datetime, datetime],
    lang: str,
    url: str | None,
    model: str | None,
) -> Review:
    """Build a review whose sections an LLM writes, and say what fell back and why."""
    from midweek.entities import load_kb
    from midweek.llm import OpenAICompatibleClient, SectionWriter, SummaryCache, TokenBudget

    config = llm_config(settings, url=url, model=model)
    if not config.url or not config.model:
        raise ConfigError("an LLM needs both a URL and a model (--llm-url, --llm-model)")
    kb = load_kb()
    cache = SummaryCache(settings.workspace / settings.llm_cache_path)
    with OpenAICompatibleClient.from_env(config) as client:
        writer = SectionWriter(
            client, cache=cache, budget=TokenBudget(config.max_tokens_per_review), kb=kb
        )
        composed = _compose(store, settings, window, lang, kb=kb, summarizer=writer)
    cache.save()
    for key, result in writer.results.items():
        flagged = f", {len(result.flagged)} sentences dropped" if result.flagged else ""
        how = "llm" if result.backend == "llm" else f"extractive ({result.reason})"
        err.print(f"{key}: {how}{flagged}", highlight=False)
    return composed


def check(
    ctx: typer.Context,
    reference: Annotated[
        str, typer.Argument(metavar="REVIEW", help="A stored review's slug or a review.json file.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts per check.")] = False,
) -> None:
    """Check a review for what an editor would cut; exit 1 when any check fails.

    Checks: empty or over-long headings, text in the wrong language or script, advert or
    digest text, unbalanced and unattributed quotes, a section opening with a
    back-reference, short names before the full name, unresolved relative dates, an
    announcement repeated or left standing after the event it announced,
    first-person and call-to-action lines, the outlet writing about itself («Газета.uz»
    продолжает трансляцию…), glued paragraphs, a post's links, handles,
    hashtags and emoji, sentences without a final stop, inflected or duplicated tags,
    one-outlet sections. A stored review is checked against its cited articles.
    """
    import json

    from midweek.check import check_review_body, cited_ids

    path = Path(reference)
    articles = None
    if path.is_file():
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"REVIEW: cannot read {path} as review JSON: {exc}") from None
        if not isinstance(body, dict) or "sections" not in body:
            raise ConfigError(f"REVIEW: {path} is not a review (no sections)")
    else:
        store = open_store(global_options(ctx).settings())
        try:
            stored = store.get_review(reference)
            if stored is None:
                raise ConfigError(
                    f"REVIEW: no stored review {reference!r} and no such file; "
                    "`midweek review --format json --out review.json` writes one"
                )
            body = stored.body
            articles = store.get_articles(cited_ids(body))
        finally:
            store.close()
    report = check_review_body(body, articles=articles)
    if as_json:
        out.print_json(data=report.to_dict())
    else:
        for defect in report.defects:
            out.print(f"{defect.where}: {defect.check}: {defect.reason}", highlight=False)
            if defect.text:
                out.print(f"    {defect.text}", highlight=False)
        total = len(report.defects)
        out.print(f"{report.slug}: {'ok' if report.ok else f'{total} defects'}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)
