"""The LLM client, an IO edge: HTTP to the configured chat server and the answers' file.

:class:`OpenAICompatibleClient` POSTs to ``{llm_url}/chat/completions`` (httpx, one total
deadline, a size cap, never a redirect or a proxy from the environment) and is the only
code of the package that reaches the chat server; :class:`SummaryCache` keeps the answers
by a hash of (model, prompt) in one JSON file, written atomically. Its errors (all
:class:`midweek.errors.MidweekError`)::

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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from midweek.errors import ConfigError, MidweekError
from midweek.llm.config import LLMConfig

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_RESPONSE_BYTES",
    "ChatAnswer",
    "ChatClient",
    "LLMError",
    "LLMHTTPError",
    "LLMResponseError",
    "LLMTimeoutError",
    "OpenAICompatibleClient",
    "SummaryCache",
]

# An OpenAI-style JSON answer to one summary request is a few kilobytes; 1 MiB bounds a
# misbehaving or hostile endpoint without ever cutting a real answer.
MAX_RESPONSE_BYTES = 1024 * 1024


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
