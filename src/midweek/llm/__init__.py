"""Optional LLM summaries of a story, checked sentence by sentence, with a safe fallback.

The default summariser (:mod:`midweek.summarize`) lifts sentences verbatim and needs no
model. This module lets an outlet ask any OpenAI-compatible server (Ollama, vLLM,
llama.cpp's server, a hosted API) for a short abstractive summary instead, on three
conditions that keep the product's promise that every published sentence is cited:

1. **Cited.** The model sees numbered passages (the leads of the story's independent
   articles) and must end each sentence with markers like ``[1][3]``. A sentence without
   markers, or citing a passage that does not exist, is unsupported.
2. **Checked without a model.** Each sentence is compared with the passages it cites:
   its numbers (separators normalised) must occur there; its names (entity mentions
   linked to canonical ids by :mod:`midweek.entities`, else capitalised words) must
   occur there; and at least :data:`MIN_LEXICAL_SUPPORT` of its content words must.
   Unsupported sentences are never published: they are returned in ``flagged`` with
   the reason, for the editor.
3. **Bounded.** A token budget per review, a cache keyed by a hash of (model, prompt),
   one total deadline per request. When the budget is spent, the server fails or times
   out, answers junk, or every sentence fails the checks, the extractive summary is used
   and the result says so (``backend="extractive"``, ``reason=...``).

The API key is read from an environment variable whose *name* is configured; the key is
sent as a Bearer header, never stored in settings, logged or put in an exception.

Errors of the client (all :class:`midweek.errors.MidweekError`)::

    LLMError
    ├── LLMHTTPError       no connection, or a 4xx/5xx answer (``status``)
    ├── LLMTimeoutError    past the request's total deadline
    └── LLMResponseError   not a chat completion, or over MAX_RESPONSE_BYTES

The package, one module per job (every public name is importable from ``midweek.llm``):
:mod:`~midweek.llm.config` (the endpoint's configuration, the token budget and its
estimate), :mod:`~midweek.llm.client` (the IO edge: the errors, the HTTP client and the
answer cache's file), :mod:`~midweek.llm.prompts` (the numbered passages, the prompt and
the answer's parsing), :mod:`~midweek.llm.checks` (a sentence against the passages it
cites, without a model) and :mod:`~midweek.llm.summary` (a story's summary: ask, check,
fall back; :class:`~midweek.llm.summary.SectionWriter` for the composer).
"""

from __future__ import annotations

from midweek.llm.checks import (
    MIN_LEXICAL_SUPPORT,
    SupportCheck,
    check_support,
    lexical_support,
)
from midweek.llm.client import (
    MAX_RESPONSE_BYTES,
    ChatAnswer,
    ChatClient,
    LLMError,
    LLMHTTPError,
    LLMResponseError,
    LLMTimeoutError,
    OpenAICompatibleClient,
    SummaryCache,
)
from midweek.llm.config import (
    ANSWER_MAX_TOKENS,
    CHARS_PER_TOKEN,
    DEFAULT_API_KEY_ENV,
    LLMConfig,
    TokenBudget,
    estimate_tokens,
)
from midweek.llm.prompts import (
    MAX_PASSAGES,
    PASSAGE_MAX_CHARS,
    Passage,
    build_messages,
    parse_answer,
    story_passages,
)
from midweek.llm.summary import FlaggedSentence, LLMSummary, SectionWriter, llm_summarize_story

__all__ = [
    "ANSWER_MAX_TOKENS",
    "CHARS_PER_TOKEN",
    "DEFAULT_API_KEY_ENV",
    "MAX_PASSAGES",
    "MAX_RESPONSE_BYTES",
    "MIN_LEXICAL_SUPPORT",
    "PASSAGE_MAX_CHARS",
    "ChatAnswer",
    "ChatClient",
    "FlaggedSentence",
    "LLMConfig",
    "LLMError",
    "LLMHTTPError",
    "LLMResponseError",
    "LLMSummary",
    "LLMTimeoutError",
    "OpenAICompatibleClient",
    "Passage",
    "SectionWriter",
    "SummaryCache",
    "SupportCheck",
    "TokenBudget",
    "build_messages",
    "check_support",
    "estimate_tokens",
    "lexical_support",
    "llm_summarize_story",
    "parse_answer",
    "story_passages",
]
