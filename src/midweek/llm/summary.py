"""A story's summary written by the LLM, every sentence checked, the extractive one if not.

:func:`llm_summarize_story` asks (from the cache, else the client within the budget),
parses, checks each sentence against its cited passages and keeps the supported ones;
when nothing usable comes back it returns the extractive summary with the reason.
:class:`SectionWriter` is the composer's summariser built on it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from midweek.entities import KnowledgeBase
from midweek.llm.checks import check_support
from midweek.llm.client import ChatClient, LLMError, LLMResponseError, SummaryCache
from midweek.llm.config import ANSWER_MAX_TOKENS, TokenBudget, estimate_tokens
from midweek.llm.prompts import Passage, build_messages, parse_answer, story_passages
from midweek.models import Article, Citation, Sentence, Story
from midweek.summarize import summarize_story

logger = logging.getLogger(__name__)

__all__ = ["FlaggedSentence", "LLMSummary", "SectionWriter", "llm_summarize_story"]


@dataclass(frozen=True, slots=True)
class FlaggedSentence:
    """A generated sentence that is not published, with why (for the editor)."""

    text: str
    passages: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class LLMSummary:
    """A story's summary and how it was made.

    Attributes:
        sentences: the publishable sentences, every one cited.
        backend: ``"llm"`` or ``"extractive"`` (the fallback).
        reason: why the fallback was used ('' for the LLM).
        flagged: generated sentences that failed the checks (never published).
        cited_fraction: share of the generated sentences that passed the checks (for the
            extractive backend: share of sentences with a citation, 1.0 when empty).
        model: the model asked ('' when none was).
        cached: the answer came from the cache.
        tokens: tokens this story spent from the budget.
    """

    sentences: tuple[Sentence, ...]
    backend: str
    reason: str = ""
    flagged: tuple[FlaggedSentence, ...] = ()
    cited_fraction: float = 1.0
    model: str = ""
    cached: bool = False
    tokens: int = 0


class _Spent(TypedDict, total=False):
    """What an attempt that fell back still records (:class:`LLMSummary`'s fields)."""

    model: str
    cached: bool
    tokens: int


def _extractive(
    story: Story,
    articles: Mapping[int, Article],
    lang: str,
    max_sentences: int,
    reason: str,
    flagged: tuple[FlaggedSentence, ...] = (),
    **extra: Unpack[_Spent],
) -> LLMSummary:
    """The fallback: the extractive summary, recording why it was used."""
    logger.info("story %s: extractive summary (%s)", story.key, reason)
    sentences = summarize_story(story, articles, max_sentences=max_sentences, lang=lang)
    cited = sum(1 for s in sentences if s.citations)
    fraction = cited / len(sentences) if sentences else 1.0
    return LLMSummary(
        sentences=sentences,
        backend="extractive",
        reason=reason,
        flagged=flagged,
        cited_fraction=fraction,
        **extra,
    )


def _citation(article: Article) -> Citation:
    """A citation of an article."""
    assert article.id is not None
    return Citation(
        article_id=article.id,
        url=article.url,
        title=" ".join(article.title.split()),
        outlet=article.outlet,
    )


@dataclass(frozen=True, slots=True)
class _Asked:
    """What asking (or the cache) gave: an answer, or why there is none (module-internal)."""

    answer: str | None
    reason: str = ""
    cached: bool = False
    tokens: int = 0


def _ask(
    client: ChatClient,
    messages: Sequence[Mapping[str, str]],
    *,
    cache: SummaryCache | None,
    budget: TokenBudget | None,
    answer_max_tokens: int,
    temperature: float,
) -> _Asked:
    """The answer from the cache, else from the endpoint within the budget."""
    key = SummaryCache.key(client.model, messages)
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        return _Asked(hit, cached=True)
    estimate = sum(estimate_tokens(m["content"]) for m in messages) + answer_max_tokens
    if budget is not None and not budget.allows(estimate):
        return _Asked(None, "budget spent")
    try:
        reply = client.complete(messages, max_tokens=answer_max_tokens, temperature=temperature)
    except LLMResponseError as exc:
        # the server did the work even if its answer is unusable
        if budget is not None:
            budget.spend(estimate)
        return _Asked(None, f"junk answer: {exc}", tokens=estimate)
    except LLMError as exc:
        return _Asked(None, f"endpoint failed: {exc}")
    tokens = reply.total_tokens or (estimate - answer_max_tokens + estimate_tokens(reply.content))
    if budget is not None:
        budget.spend(tokens)
    # only answers that cite something are kept: a broken server's junk is not replayed
    if cache is not None and any(cited for _, cited in parse_answer(reply.content)):
        cache.put(key, reply.content)
    return _Asked(reply.content, tokens=tokens)


def _check_answer(
    parsed: Sequence[tuple[str, tuple[int, ...]]],
    passages: Sequence[Passage],
    *,
    lang: str,
    kb: KnowledgeBase | None,
    max_sentences: int,
) -> tuple[list[Sentence], list[FlaggedSentence]]:
    """The supported sentences (cited) and the unsupported ones (with the reason)."""
    by_number = {p.number: p for p in passages}
    kept: list[Sentence] = []
    flagged: list[FlaggedSentence] = []
    said: set[str] = set()  # small models repeat a sentence; a section says it once
    for text, numbers in parsed:
        unknown = [n for n in numbers if n not in by_number]
        if unknown:
            reason = f"cites passages that do not exist: {', '.join(map(str, unknown))}"
            flagged.append(FlaggedSentence(text, numbers, reason))
            continue
        check = check_support(text, [by_number[n].text for n in numbers], lang=lang, kb=kb)
        if not check.supported:
            flagged.append(FlaggedSentence(text, numbers, check.reason))
        elif len(kept) < max_sentences and " ".join(text.casefold().split()) not in said:
            said.add(" ".join(text.casefold().split()))
            kept.append(Sentence(text, tuple(_citation(by_number[n].article) for n in numbers)))
    return kept, flagged


def llm_summarize_story(
    story: Story,
    articles: Mapping[int, Article],
    *,
    client: ChatClient,
    lang: str = "en",
    max_sentences: int = 3,
    cache: SummaryCache | None = None,
    budget: TokenBudget | None = None,
    kb: KnowledgeBase | None = None,
    answer_max_tokens: int = ANSWER_MAX_TOKENS,
    temperature: float = 0.0,
) -> LLMSummary:
    """Summarise a story with an LLM; check every sentence; fall back to extractive.

    Args:
        story: the story.
        articles: articles by id; must hold the story's articles with ids.
        client: the chat client (:class:`OpenAICompatibleClient`).
        lang: the review's language.
        max_sentences: most sentences to publish.
        cache: answers by (model, prompt); None asks every time.
        budget: the review's token budget; None is unlimited.
        kb: entity knowledge base for the name check (:func:`midweek.entities.load_kb`);
            None compares capitalised words only.
        answer_max_tokens: ``max_tokens`` of the answer.
        temperature: sampling temperature (0: the same prompt, the same answer).

    Returns:
        The LLM's checked sentences (``backend="llm"``), or the extractive summary with
        the reason (``backend="extractive"``): 'no passages', 'budget spent',
        'endpoint failed: ...', 'junk answer: ...', 'no sentence passed the checks'.
        Sentences that failed the checks are in ``flagged`` either way.

    Raises:
        ValueError: ``max_sentences`` is negative.
    """
    if max_sentences < 0:
        raise ValueError(f"max_sentences must be >= 0, got {max_sentences}")
    passages = story_passages(story, articles, lang)
    if not passages or max_sentences == 0:
        return _extractive(story, articles, lang, max_sentences, "no passages")
    messages = build_messages(passages, lang=lang, max_sentences=max_sentences)
    model = client.model
    asked = _ask(
        client,
        messages,
        cache=cache,
        budget=budget,
        answer_max_tokens=answer_max_tokens,
        temperature=temperature,
    )
    spent: _Spent = {"model": model, "cached": asked.cached, "tokens": asked.tokens}
    if asked.answer is None:
        return _extractive(story, articles, lang, max_sentences, asked.reason, **spent)
    parsed = parse_answer(asked.answer)
    if not any(cited for _, cited in parsed):
        reason = "junk answer: no cited sentence"
        return _extractive(story, articles, lang, max_sentences, reason, **spent)
    kept, flagged = _check_answer(parsed, passages, lang=lang, kb=kb, max_sentences=max_sentences)
    for item in flagged:
        logger.info("story %s: unsupported sentence (%s): %s", story.key, item.reason, item.text)
    if not kept:
        reason = "no sentence passed the checks"
        return _extractive(
            story, articles, lang, max_sentences, reason, flagged=tuple(flagged), **spent
        )
    return LLMSummary(
        sentences=tuple(kept),
        backend="llm",
        flagged=tuple(flagged),
        cited_fraction=(len(parsed) - len(flagged)) / len(parsed),
        model=model,
        cached=asked.cached,
        tokens=asked.tokens,
    )


@dataclass(slots=True)
class SectionWriter:
    """A :data:`midweek.compose.Summarizer` that writes sections with an LLM, checked.

    Call it as compose does; :attr:`results` keeps every story's :class:`LLMSummary` (the
    backend used, the fallback reason and the flagged sentences) for the caller to report.
    """

    client: ChatClient
    cache: SummaryCache | None = None
    budget: TokenBudget | None = None
    kb: KnowledgeBase | None = None
    max_sentences: int = 3
    results: dict[str, LLMSummary] = field(default_factory=dict)

    def __call__(
        self, story: Story, articles: Mapping[int, Article], lang: str
    ) -> tuple[Sentence, ...]:
        """The checked sentences of one story (the extractive ones on any failure)."""
        summary = llm_summarize_story(
            story,
            articles,
            client=self.client,
            lang=lang,
            max_sentences=self.max_sentences,
            cache=self.cache,
            budget=self.budget,
            kb=self.kb,
        )
        self.results[story.key] = summary
        if summary.backend != "llm":
            logger.info("story %s: extractive fallback (%s)", story.key, summary.reason)
        return summary.sentences
