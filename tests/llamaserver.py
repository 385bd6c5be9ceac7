"""A local llama-server for the LLM tests and benchmarks, and a client that records answers.

``from llamaserver import RecordingClient, llama_server`` in a test module (tests/ is on
the import path) or in a benchmark (``benchmarks/llm_review.py`` puts tests/ on it).
The server binary is llama.cpp's, built by ``scripts/llm-test-server``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from midweek.llm import ChatAnswer, OpenAICompatibleClient

# Context of the server: a story's prompt is at most ~2.5k tokens (8 passages of 300,
# midweek.llm.MAX_PASSAGES) plus the answer's 400 (midweek.llm.ANSWER_MAX_TOKENS).
CONTEXT_TOKENS = 4096
# One compute thread: with two, the server's threads spin-wait against the client on a
# 2-core machine (seen on a busy one: 1 token/s with two threads, 35-57 with one for
# SmolLM2-135M; 1.3 against 16 for Gemma 3 270M).
SERVER_THREADS = 1
# Loading a 100-250 MB model takes seconds; the margin covers a busy 2-core machine.
STARTUP_TIMEOUT_S = 120.0
# How often /health is asked while the model loads, and how long one ask may take.
POLL_S = 0.25
HEALTH_TIMEOUT_S = 2.0
# Characters of the server's log shown when it dies or never gets ready.
LOG_TAIL = 3000


class LlamaServerError(RuntimeError):
    """The server exited or was not ready in time (the message ends with its log)."""


def server_binary() -> Path:
    """llama-server from $MIDWEEK_LLAMA_SERVER, else the venv's bin folder (may not exist)."""
    named = os.environ.get("MIDWEEK_LLAMA_SERVER")
    return Path(named) if named else Path(sys.prefix) / "bin" / "llama-server"


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(
    binary: Path,
    model: Path,
    alias: str,
    log: Path,
    *,
    threads: int = SERVER_THREADS,
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """The /v1 base URL of a llama-server on 127.0.0.1 (a free port), stopped on exit.

    Args:
        binary: The llama-server executable.
        model: The GGUF file.
        alias: The model name the server answers to.
        log: Where the server's output goes.
        threads: Compute threads.
        extra: More arguments (a chat template, say).

    Raises:
        LlamaServerError: It exited, or /health did not answer within STARTUP_TIMEOUT_S.
    """
    port = free_port()
    command = [
        str(binary),
        *("--model", str(model), "--alias", alias),
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--ctx-size", str(CONTEXT_TOKENS), "--parallel", "1", "--threads", str(threads)),
        *extra,
        *("--seed", "0", "--no-webui"),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base, log)
        yield f"{base}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Poll /health until the model is loaded."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-LOG_TAIL:]
            raise LlamaServerError(f"llama-server exited {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base}/health", timeout=HEALTH_TIMEOUT_S).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(POLL_S)
    tail = log.read_text(errors="replace")[-LOG_TAIL:]
    raise LlamaServerError(f"llama-server not ready in {STARTUP_TIMEOUT_S:g} s:\n{tail}")


class RecordingClient:
    """A chat client that passes requests to the real one and keeps the raw answers."""

    def __init__(self, client: OpenAICompatibleClient) -> None:
        self.client = client
        self.answers: list[str] = []

    @property
    def model(self) -> str:
        """The model asked."""
        return self.client.model

    def complete(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int, temperature: float
    ) -> ChatAnswer:
        """Ask the real client; keep its answer."""
        answer = self.client.complete(messages, max_tokens=max_tokens, temperature=temperature)
        self.answers.append(answer.content)
        return answer
