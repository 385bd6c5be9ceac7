"""The LLM path wired into reviews: checked sentences in, failures fall back, no crash."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from midweek.llm import LLMConfig, OpenAICompatibleClient, SectionWriter, story_passages
from midweek.pipeline import build_review, ingest_file
from midweek.settings import load_settings
from midweek.store import open_store
from midweek.text.sentences import split_sentences

NOW = datetime(2026, 11, 29, tzinfo=UTC)
START, END = datetime(2019, 10, 4, tzinfo=UTC), datetime(2019, 10, 11, tzinfo=UTC)


def _store(tmp_path: Path, shared_data: Path):  # type: ignore[no-untyped-def]
    settings = load_settings(tmp_path, environ={})
    store = open_store(settings.database_url)
    corpus = shared_data / "demo-wikinews-en-2019-2020" / "articles.jsonl.gz"
    ingest_file(store, corpus, settings, lambda: NOW)
    return store


def _echo_first_passage(request: httpx.Request) -> httpx.Response:
    """An endpoint that answers with the first sentence of passage [1]'s lead, cited."""
    prompt = json.loads(request.content)["messages"][-1]["content"]
    passage = prompt.split("[1] ", 1)[1].split("\n\n[2] ", 1)[0]
    lead = passage.split("\n", 1)[-1]  # the passage is "title\nlead"
    first = split_sentences(lead)[0].strip()
    answer = {"choices": [{"message": {"role": "assistant", "content": f"{first} [1]"}}]}
    return httpx.Response(200, json=answer)


@pytest.mark.slow
def test_sections_written_by_the_llm_keep_their_citations(
    tmp_path: Path, shared_data: Path
) -> None:
    store = _store(tmp_path, shared_data)
    config = LLMConfig(url="http://llm.test/v1", model="echo")
    with OpenAICompatibleClient(config, transport=httpx.MockTransport(_echo_first_passage)) as c:
        writer = SectionWriter(c)
        review = build_review(store, START, END, lang="en", now=NOW, summarizer=writer)
    assert review.sections and writer.results
    assert {r.backend for r in writer.results.values()} == {"llm"}
    stored = store.get_articles(
        x.article_id for s in review.sections for t in s.sentences for x in t.citations
    )

    def flat(text: str) -> str:
        return " ".join(text.split())

    for section in review.sections:
        for sentence in section.sentences:
            assert sentence.citations
            said = flat(sentence.text).rstrip(".")
            sources = [stored[c.article_id] for c in sentence.citations]
            assert any(said in flat(f"{a.title} {a.text}") for a in sources), said
    assert story_passages  # the passages helper is public for callers that show them
    store.close()


@pytest.mark.slow
def test_an_unreachable_endpoint_falls_back_and_the_review_is_still_cited(
    tmp_path: Path, shared_data: Path
) -> None:
    _store(tmp_path, shared_data).close()
    window = ["--from", "2019-10-04T00:00", "--to", "2019-10-11T00:00", "--tz", "UTC"]
    llm = ["--llm-url", "http://127.0.0.1:9/v1", "--llm-model", "none"]
    result = subprocess.run(
        [sys.executable, "-m", "midweek", "review", *window, *llm, "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    review = json.loads(result.stdout)
    assert review["sections"]
    assert all(s["citations"] for x in review["sections"] for s in x["sentences"])
    assert "extractive" in result.stderr  # each story says it fell back, and why
