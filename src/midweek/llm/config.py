"""Where and how to ask an LLM for summaries, and what a review may spend on it.

:class:`LLMConfig` names the endpoint, the model and the variable holding the API key
(never the key); :class:`TokenBudget` is a review's tokens, spent by every request that
reaches the server and estimated beforehand by :func:`estimate_tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ANSWER_MAX_TOKENS",
    "CHARS_PER_TOKEN",
    "DEFAULT_API_KEY_ENV",
    "LLMConfig",
    "TokenBudget",
    "estimate_tokens",
]

# The environment variable holding the API key unless the config names another. Local
# servers (Ollama, llama.cpp) need none: an unset variable sends no Authorization header.
DEFAULT_API_KEY_ENV = "MIDWEEK_LLM_API_KEY"
# Token estimate: characters / 4. OpenAI's own rule of thumb for English ("1 token ~= 4
# chars"); Cyrillic takes more tokens per character in most vocabularies, so a review in
# Russian or Uzbek is under-counted - the budget is a cost guard, not an invoice.
CHARS_PER_TOKEN = 4
# max_tokens asked for one story's answer: three 30-word sentences with markers are about
# 150 tokens; the margin covers verbose models and longer languages.
ANSWER_MAX_TOKENS = 400


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


def estimate_tokens(text: str) -> int:
    """Tokens a text will cost, estimated as characters / :data:`CHARS_PER_TOKEN`.

    Args:
        text: any text.

    Returns:
        The estimate, rounded up.
    """
    return -(-len(text) // CHARS_PER_TOKEN)
