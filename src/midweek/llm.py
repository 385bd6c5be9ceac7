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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from midweek.entities import KnowledgeBase, find_mentions
from midweek.entities.normalize import has_cyrillic, stem_key, token_key
from midweek.errors import ConfigError, MidweekError
from midweek.models import Article, Citation, Sentence, Story
from midweek.summarize import summarize_story
from midweek.text.features import tokenize_words

logger = logging.getLogger(__name__)

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

# The environment variable holding the API key unless the config names another. Local
# servers (Ollama, llama.cpp) need none: an unset variable sends no Authorization header.
DEFAULT_API_KEY_ENV = "MIDWEEK_LLM_API_KEY"
# Token estimate: characters / 4. OpenAI's own rule of thumb for English ("1 token ~= 4
# chars"); Cyrillic takes more tokens per character in most vocabularies, so a review in
# Russian or Uzbek is under-counted - the budget is a cost guard, not an invoice.
CHARS_PER_TOKEN = 4
# Each passage (title + lead) is cut to this many characters at a word boundary: about
# 300 tokens, the first two or three paragraphs of a news story - where the inverted
# pyramid puts the who/what/when the summary needs.
PASSAGE_MAX_CHARS = 1200
# At most this many passages per story: 8 x 300 tokens keeps a prompt near 2.5k tokens,
# inside the 4k context of the smallest local models; more outlets add repetition.
MAX_PASSAGES = 8
# max_tokens asked for one story's answer: three 30-word sentences with markers are about
# 150 tokens; the margin covers verbose models and longer languages.
ANSWER_MAX_TOKENS = 400
# A sentence is lexically supported when at least this share of its content words (stem
# keys, any script) occur in the passages it cites. An honest paraphrase keeps most of
# the words naming the who/what/where. Measured on the English clusters of the WikinewsSum
# sample (human abstracts of their sources; first three sentences of each; see
# tests/test_llm.py::test_threshold_keeps_human_abstracts_and_rejects_mismatches), tune
# portion, 84 sentences: at 0.4 / 0.5 / 0.6 / 0.7, 85 / 83 / 74 / 64% of them pass
# against their own sources and 33 / 13 / 4 / 2% against another story's. 0.5 keeps
# nearly all honest sentences while the name and number checks catch what it lets through
# (report portion, 33 sentences: 79% own, 9% other).
MIN_LEXICAL_SUPPORT = 0.5
# An OpenAI-style JSON answer to one summary request is a few kilobytes; 1 MiB bounds a
# misbehaving or hostile endpoint without ever cutting a real answer.
MAX_RESPONSE_BYTES = 1024 * 1024
# Two word keys match when they share a prefix this long (and differ only after it):
# 'tokayev' / 'tokayevs', 'мирзиёев' / 'мирзиёевым'. Five letters keep 'pres'/'prev' apart.
MIN_SHARED_PREFIX = 5
# ... and when the longer one has at most this many extra letters (case endings).
MAX_ENDING_LETTERS = 3

_LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "uz": "Uzbek",
    "uz-Latn": "Uzbek in the Latin script",
    "uz-Cyrl": "Uzbek in the Cyrillic script",
}
# One or more citation markers: "[1]", "[1][3]", "[1, 3]", "[2; 4]".
_MARKERS_RE = re.compile(r"(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+")
_MARKER_NUMBER_RE = re.compile(r"\d+")
# A list bullet or number opening a line of the answer: "- ", "* ", "1. ", "2) ".
_BULLET_RE = re.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)]\s+)")
_TRAILING_PUNCT_RE = re.compile(r"^[.!?…]+")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'»”’)\]]*$")
# A number as written: digits, perhaps with thousands separators or a decimal mark.
_NUMBER_RE = re.compile(r"\d+(?:[ \u00a0\u202f',.]\d+)*")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:([ \u00a0\u202f',.])\d{3})+$")
# Capitalised words not opening a sentence: the fallback for names the KB does not know.
_CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[^\W\d_][\w'’-]+", re.UNICODE | re.MULTILINE)


# --- errors ----------------------------------------------------------------------------


class LLMError(MidweekError):
    """The LLM endpoint did not give a usable answer (base of the errors below)."""


class LLMHTTPError(LLMError):
    """The endpoint could not be reached or answered with an error status.

    Attributes:
        status: the HTTP status, 0 when no response came.
    """

    def __init__(self, message: str, status: int = 0) -> None:
        """Keep the status next to the message."""
        super().__init__(message)
        self.status = status


class LLMTimeoutError(LLMError):
    """The request did not finish within its total deadline."""


class LLMResponseError(LLMError):
    """The answer is not OpenAI-style JSON, is too large, or holds no usable sentence."""


# --- configuration, budget, cache ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Where and how to ask for summaries. Holds the key's variable name, never the key.

    Attributes:
        url: base URL of the OpenAI-compatible API, e.g. ``http://127.0.0.1:11434/v1``.
        model: the model name the server knows.
        api_key_env: name of the environment variable holding the key ('' for none).
        timeout_s: total deadline of one request, connect to last byte.
        max_tokens_per_review: the token budget of one review (prompts + answers).
        answer_max_tokens: ``max_tokens`` asked for one story's answer.
        temperature: sampling temperature; 0 so a prompt gives the same answer (and the
            cache is faithful).
    """

    url: str
    model: str
    api_key_env: str = DEFAULT_API_KEY_ENV
    timeout_s: float = 60.0
    max_tokens_per_review: int = 20_000
    answer_max_tokens: int = ANSWER_MAX_TOKENS
    temperature: float = 0.0

    def api_key(self, environ: Mapping[str, str]) -> str | None:
        """The key from the environment, or None when the variable is unset or empty.

        Args:
            environ: the environment (``os.environ``); passed in so tests need no globals.

        Returns:
            The key, or None.
        """
        if not self.api_key_env:
            return None
        return environ.get(self.api_key_env) or None


class TokenBudget:
    """Tokens left for one review; spent by every request that reaches the server."""

    def __init__(self, limit: int) -> None:
        """Start with ``limit`` tokens.

        Raises:
            ValueError: the limit is negative.
        """
        if limit < 0:
            raise ValueError(f"token budget must be >= 0, got {limit}")
        self.limit = limit
        self.spent = 0

    @property
    def left(self) -> int:
        """Tokens still available (never negative)."""
        return max(0, self.limit - self.spent)

    def allows(self, tokens: int) -> bool:
        """Whether a request estimated at ``tokens`` fits in what is left."""
        return tokens <= self.left

    def spend(self, tokens: int) -> None:
        """Count ``tokens`` as used (a request may cost more than its estimate)."""
        self.spent += max(0, tokens)


class SummaryCache:
    """Answers by a hash of (model, prompt): in memory, and in a JSON file when given.

    The file is read once when the cache is made and written by :meth:`save`; a missing
    or unreadable file starts an empty cache (it only saves money, it holds no truth).
    """

    def __init__(self, path: Path | None = None) -> None:
        """Load ``path`` when it exists."""
        self.path = path
        self._answers: dict[str, str] = {}
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                logger.warning("LLM cache %s unreadable, starting empty: %s", path, exc)
            else:
                if isinstance(data, dict):
                    self._answers = {k: v for k, v in data.items() if isinstance(v, str)}

    @staticmethod
    def key(model: str, messages: Sequence[Mapping[str, str]]) -> str:
        """The cache key of a request: SHA-256 of the model and the whole prompt."""
        blob = json.dumps([model, list(messages)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> str | None:
        """The cached answer, or None."""
        return self._answers.get(key)

    def put(self, key: str, answer: str) -> None:
        """Remember an answer."""
        self._answers[key] = answer

    def __len__(self) -> int:
        """How many answers are cached."""
        return len(self._answers)

    def save(self) -> None:
        """Write the cache to its file (atomically), when it has one."""
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self._answers, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def estimate_tokens(text: str) -> int:
    """Tokens a text will cost, estimated as characters / :data:`CHARS_PER_TOKEN`.

    Args:
        text: any text.

    Returns:
        The estimate, rounded up.
    """
    return -(-len(text) // CHARS_PER_TOKEN)


# --- the client ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    """The text of a chat completion and the tokens the server says it used."""

    content: str
    total_tokens: int | None = None


class ChatClient(Protocol):
    """What the summary backend needs from a client (one good default below)."""

    @property
    def model(self) -> str:
        """The model name requests go to."""
        ...

    def complete(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int, temperature: float
    ) -> ChatAnswer:
        """Send a chat and return the answer (raising :class:`LLMError` on failure)."""
        ...


class OpenAICompatibleClient:
    """POSTs ``{url}/chat/completions`` with httpx; one total deadline per request."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Make a client.

        Args:
            config: endpoint, model and limits.
            api_key: the key (from :meth:`LLMConfig.api_key`); None sends no header.
            transport: httpx transport; tests pass ``httpx.MockTransport``.
            monotonic: the clock of the deadline.

        Raises:
            ConfigError: the URL is not http(s) or no model is named.
        """
        if not config.url.startswith(("http://", "https://")) or not config.model:
            raise ConfigError(f"LLM endpoint needs an http(s) URL and a model, got {config.url!r}")
        self.config = config
        self._monotonic = monotonic
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            headers=headers,
            transport=transport,
            # each socket operation waits at most the whole deadline; the total is
            # checked between the chunks of the body (a trickling server is cut off)
            timeout=httpx.Timeout(config.timeout_s),
            follow_redirects=False,
            trust_env=False,
        )
        self._endpoint = config.url.rstrip("/") + "/chat/completions"

    @classmethod
    def from_env(
        cls,
        config: LLMConfig,
        environ: Mapping[str, str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> OpenAICompatibleClient:
        """A client whose key comes from the variable ``config.api_key_env`` names.

        Args:
            config: endpoint, model and limits.
            environ: the environment; None reads ``os.environ``.
            transport: httpx transport (tests).

        Returns:
            The client.
        """
        key = config.api_key(os.environ if environ is None else environ)
        return cls(config, api_key=key, transport=transport)

    @property
    def model(self) -> str:
        """The model name requests go to."""
        return self.config.model

    def __repr__(self) -> str:
        """Name the endpoint and model, never the key."""
        return f"OpenAICompatibleClient(url={self.config.url!r}, model={self.model!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> OpenAICompatibleClient:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on leaving the block."""
        self.close()

    def complete(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int, temperature: float
    ) -> ChatAnswer:
        """Ask for one chat completion.

        Args:
            messages: OpenAI-style ``{"role", "content"}`` messages.
            max_tokens: most tokens of the answer.
            temperature: sampling temperature.

        Returns:
            The first choice's text and the server's ``usage.total_tokens`` if given.

        Raises:
            LLMTimeoutError: the request ran past ``timeout_s``.
            LLMHTTPError: no connection, or an error status.
            LLMResponseError: the body is too large or not a chat completion.
        """
        payload = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": False,
        }
        deadline = self._monotonic() + self.config.timeout_s
        try:
            with self._http.stream("POST", self._endpoint, json=payload) as response:
                body = self._read(response, deadline)
        except httpx.TimeoutException as exc:
            raise LLMTimeoutError(
                f"LLM endpoint {self.config.url} timed out after {self.config.timeout_s:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            # the exception's class and message only: never the request or its headers
            raise LLMHTTPError(
                f"LLM endpoint {self.config.url} unreachable: {type(exc).__name__}"
            ) from exc
        return _parse_completion(body, self.config.url)

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        """The body, checked against status, size cap and deadline."""
        if response.status_code >= 400:
            raise LLMHTTPError(
                f"LLM endpoint {self.config.url} answered HTTP {response.status_code}",
                status=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise LLMResponseError(
                    f"LLM answer from {self.config.url} over {MAX_RESPONSE_BYTES} bytes"
                )
            if self._monotonic() > deadline:
                raise LLMTimeoutError(
                    f"LLM endpoint {self.config.url} ran past its "
                    f"{self.config.timeout_s:g} s deadline"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _parse_completion(body: bytes, url: str) -> ChatAnswer:
    """The first choice of an OpenAI chat completion body."""
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMResponseError(f"LLM endpoint {url} sent no chat completion") from exc
    if not isinstance(content, str):
        raise LLMResponseError(f"LLM endpoint {url} sent a non-text answer")
    usage = data.get("usage") if isinstance(data, dict) else None
    total = usage.get("total_tokens") if isinstance(usage, dict) else None
    return ChatAnswer(content=content, total_tokens=total if isinstance(total, int) else None)


# --- prompt and answer -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Passage:
    """One numbered source passage shown to the model: an article's title and lead."""

    number: int  # 1-based, as the model cites it
    article: Article
    text: str


@dataclass(frozen=True, slots=True)
class FlaggedSentence:
    """A generated sentence that is not published, with why (for the editor)."""

    text: str
    passages: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class SupportCheck:
    """Whether a sentence is supported by the passages it cites, and if not why."""

    supported: bool
    reason: str = ""


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


def _aware(moment: datetime | None) -> datetime:
    """A sortable UTC-aware datetime (unknown dates sort last)."""
    if moment is None:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _truncate(text: str, limit: int) -> str:
    """``text`` whitespace-normalised and cut at a word boundary to ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " …"


def story_passages(
    story: Story, articles: Mapping[int, Article], lang: str | None = None
) -> list[Passage]:
    """The numbered passages of a story: its independent articles' titles and leads.

    Articles in the review's language are preferred (the checks compare words, which a
    translation would not keep); reprints are left out because they add no source.

    Args:
        story: the story.
        articles: articles by id (missing ones are skipped).
        lang: the review's language, or None.

    Returns:
        At most :data:`MAX_PASSAGES` passages in published order, numbered from 1.
    """
    # an article without an id cannot be cited, so it is no passage
    present = [
        articles[i] for i in story.article_ids if i in articles and articles[i].id is not None
    ]
    chosen = [a for a in present if a.duplicate_of is None] or present
    if lang is not None:
        chosen = [a for a in chosen if lang in (a.lang, a.language_tag)] or chosen
    chosen.sort(key=lambda a: (_aware(a.published), a.id or 0))
    passages = []
    for number, article in enumerate(chosen[:MAX_PASSAGES], start=1):
        title = " ".join(article.title.split())
        lead = _truncate(article.text, max(0, PASSAGE_MAX_CHARS - len(title) - 1))
        passages.append(Passage(number, article, f"{title}\n{lead}" if title else lead))
    return passages


def build_messages(
    passages: Sequence[Passage], *, lang: str, max_sentences: int
) -> list[dict[str, str]]:
    """The chat messages asking for a cited summary of the passages.

    Args:
        passages: the numbered passages.
        lang: output language ('en', 'ru', 'uz-Latn', 'uz-Cyrl').
        max_sentences: how many sentences to ask for.

    Returns:
        A system and a user message.
    """
    language = _LANGUAGE_NAMES.get(lang, lang)
    system = (
        "You summarise news stories for a weekly review. Use only facts stated in the "
        "numbered passages. Never add a name, number, date or claim that is not in them. "
        f"Write at most {max_sentences} sentences in {language}, one per line. End every "
        "sentence with the numbers of the passages that state it, in square brackets, "
        "like [1][3]. Output only the sentences."
    )
    sources = "\n\n".join(f"[{p.number}] {p.text}" for p in passages)
    user = f"Passages:\n\n{sources}\n\nSummary in {language}, {max_sentences} sentences:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_answer(answer: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split a model's answer into sentences and the passage numbers each cites.

    Markers may stand before or after the final stop ("... fell. [1]" or "... fell [1].")
    or inside the sentence ("Mirziyoyev [1] opened ... [2]."): a marker not followed by a
    stop, with more text on the line, belongs to the sentence that goes on. Text after
    the last marker of a line is kept with no citations (it is unsupported).

    Args:
        answer: the model's text.

    Returns:
        (sentence, passage numbers) pairs in order; numbers in first-cited order.
    """
    found: list[tuple[str, tuple[int, ...]]] = []
    for raw_line in answer.splitlines():
        line = _BULLET_RE.sub("", raw_line).strip()
        words: list[str] = []
        numbers: list[int] = []
        while line:
            match = _MARKERS_RE.search(line)
            if match is None:
                words.append(line)
                break
            words.append(line[: match.start()].strip())
            numbers.extend(int(n) for n in _MARKER_NUMBER_RE.findall(match.group(0)))
            rest = line[match.end() :]
            stop = _TRAILING_PUNCT_RE.match(rest)
            if stop is not None:
                words[-1] += stop.group(0)
                rest = rest[stop.end() :]
            line = rest.strip()
            if line and not _SENTENCE_END_RE.search(words[-1]):
                continue  # a marker inside the sentence: it goes on
            found.append((" ".join(w for w in words if w), tuple(dict.fromkeys(numbers))))
            words, numbers = [], []
        if words:
            found.append((" ".join(w for w in words if w), tuple(dict.fromkeys(numbers))))
    return [(text, cited) for text, cited in found if any(ch.isalpha() for ch in text)]


# --- checks ----------------------------------------------------------------------------


def _number_value(raw: str) -> str:
    """One written number as digits: thousands separators dropped, decimal mark a point."""
    if _THOUSANDS_RE.match(raw):
        raw = re.sub(r"[ \u00a0\u202f',.]", "", raw)
    # a separator that does not group thousands is a decimal mark ('2,5' in ru, '2.5')
    return raw.replace(",", ".").lstrip("0") or "0"


def _numbers(text: str) -> set[str]:
    """Numbers in a text, separators normalised: '3,000' = '3 000' = '3000'; '2,5' = '2.5'."""
    found = set()
    for match in _NUMBER_RE.finditer(text):
        raw = match.group(0)
        if _THOUSANDS_RE.match(raw):
            found.add(_number_value(raw))
            continue
        # spaces between digit runs that are not thousands groups part two numbers
        # ('in 2019 120 people')
        found.update(_number_value(part) for part in re.split(r"[ \u00a0\u202f]", raw))
    return found


def _key(word: str) -> str:
    """The comparison key of a word: folded, transliterated to Latin, one ending cut."""
    folded = unicodedata.normalize("NFKC", word)
    return stem_key(token_key(folded), russian=has_cyrillic(folded))


def _matches(key: str, keys: Collection[str]) -> bool:
    """Whether a word key occurs among ``keys``, allowing different case endings."""
    if not key or key in keys:
        return True
    for other in keys:
        shorter, longer = (key, other) if len(key) <= len(other) else (other, key)
        if (
            len(shorter) >= MIN_SHARED_PREFIX
            and longer.startswith(shorter)
            and len(longer) - len(shorter) <= MAX_ENDING_LETTERS
        ):
            return True
    return False


def _names_unsupported(
    sentence: str, cited: str, lang: str | None, kb: KnowledgeBase | None, keys: Collection[str]
) -> list[str]:
    """The names of the sentence that its cited passages do not contain."""
    missing: list[str] = []
    covered: list[tuple[int, int]] = []
    if kb is not None:
        mentions = find_mentions(sentence, lang, kb=kb, use_ner=False)
        cited_ids = {m.entity_id for m in find_mentions(cited, lang, kb=kb, use_ner=False)}
        for mention in mentions:
            covered.append((mention.start, mention.end))
            if mention.entity_id in cited_ids:
                continue
            # the same name may be linked differently in another context: accept it when
            # all its words occur in the passages
            if all(_matches(_key(w), keys) for w in tokenize_words(mention.text)):
                continue
            missing.append(mention.text)
    for match in _CAPITALISED_RE.finditer(sentence):
        word = match.group(0)
        if not word[0].isupper() or any(s <= match.start() < e for s, e in covered):
            continue
        if word.casefold() in _STOP and not word.isupper():
            continue
        # the passages' keys are of \w+ runs: compare "Glawischnig-Piesczek" part by part
        if not all(_matches(_key(part), keys) for part in re.findall(r"\w+", word)):
            missing.append(word)
    return missing


# Capitalised function words ("The", "In") are not names even mid-sentence after a colon.
_STOP = frozenset(w for w in ("the", "a", "an", "in", "on", "at", "of", "and", "i"))


def check_support(
    sentence: str,
    cited_passages: Sequence[str],
    *,
    lang: str | None = None,
    kb: KnowledgeBase | None = None,
) -> SupportCheck:
    """Check, without a model, that a sentence says only what its cited passages say.

    Args:
        sentence: one generated sentence, citation markers removed.
        cited_passages: the texts of the passages it cites.
        lang: the sentence's language (helps entity linking), or None.
        kb: the entity knowledge base; None compares capitalised words only.

    Returns:
        Supported, or unsupported with the first failing check as the reason:
        'no citation', 'number not in cited passages: ...', 'name not in cited
        passages: ...', 'too few words in cited passages: ...'.
    """
    if not cited_passages:
        return SupportCheck(False, "no citation")
    cited = "\n".join(cited_passages)
    extra = sorted(_numbers(sentence) - _numbers(cited))
    if extra:
        return SupportCheck(False, f"number not in cited passages: {', '.join(extra)}")
    keys = _word_keys(cited)
    missing = _names_unsupported(sentence, cited, lang, kb, keys)
    if missing:
        return SupportCheck(False, f"name not in cited passages: {', '.join(missing)}")
    share = _lexical_share(sentence, keys)
    if share < MIN_LEXICAL_SUPPORT:
        return SupportCheck(
            False, f"too few words in cited passages: {share:.2f} < {MIN_LEXICAL_SUPPORT}"
        )
    return SupportCheck(True)


def _word_keys(text: str) -> set[str]:
    """Comparison keys of every word of a text."""
    return {_key(w) for w in re.findall(r"\w+", text)}


def _lexical_share(sentence: str, keys: Collection[str]) -> float:
    """Share of the sentence's content words (numbers aside) whose key is in ``keys``."""
    words = [w for w in tokenize_words(sentence) if not w.isdigit()]
    if not words:
        return 1.0
    return sum(1 for w in words if _matches(_key(w), keys)) / len(words)


def lexical_support(sentence: str, passages: Sequence[str]) -> float:
    """Share of a sentence's content words found in the passages (any script, stemmed).

    Args:
        sentence: one sentence.
        passages: the texts it should be supported by.

    Returns:
        The share in [0, 1]; 1.0 for a sentence with no content word.
    """
    return _lexical_share(sentence, _word_keys("\n".join(passages)))


# --- the backend -----------------------------------------------------------------------


def _extractive(
    story: Story,
    articles: Mapping[int, Article],
    lang: str,
    max_sentences: int,
    reason: str,
    **extra: Any,
) -> LLMSummary:
    """The fallback: the extractive summary, recording why it was used."""
    logger.info("story %s: extractive summary (%s)", story.key, reason)
    sentences = summarize_story(story, articles, max_sentences=max_sentences, lang=lang)
    cited = sum(1 for s in sentences if s.citations)
    fraction = cited / len(sentences) if sentences else 1.0
    return LLMSummary(
        sentences=sentences, backend="extractive", reason=reason, cited_fraction=fraction, **extra
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
    spent = {"model": model, "cached": asked.cached, "tokens": asked.tokens}
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
