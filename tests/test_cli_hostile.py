"""`midweek sources add` on hostile URLs and answers: one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from httpserver import LocalServer, Reply

# every test runs the real entry point in a fresh interpreter (8-75 s each, measured with
# --durations on the shared 2-core machine)
pytestmark = pytest.mark.slow

# This checkout's package, whatever the working directory of the command (a relative
# PYTHONPATH=src would resolve inside tmp_path and fall back to another install).
SRC = Path(__file__).resolve().parent.parent / "src"


def _run(args: list[str], cwd: Path, allow: str) -> subprocess.CompletedProcess[str]:
    """The real entry point, with 127.0.0.1 on the fetch allow-list."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "MIDWEEK_FETCH_ALLOW_HOSTS": allow,
        "MIDWEEK_FETCH_RETRIES": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "midweek", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "target",
    ["javascript:x", "data:text/html,x", "http://[::1", "http://exa mple.com:99999/"],
)
def test_sources_add_with_a_redirect_to_a_bad_url_is_one_line(tmp_path: Path, target: str) -> None:
    with LocalServer() as server:
        server.status("/robots.txt", 404)
        server.route("/feed", lambda _request: Reply(status=302, headers={"Location": target}))
        port = server.base_url.rsplit(":", 1)[1].strip("/")
        result = _run(
            ["sources", "add", server.url("/feed")], tmp_path, f"127.0.0.1,127.0.0.1:{port}"
        )
    _assert_one_line_error(result)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\x00\x01\x02 not a feed", "application/octet-stream"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>&#xD800;</title>'
            b"<item><title>&#xD800;</title><link>https://e.example/1</link></item>"
            b"</channel></rss>",
            "application/rss+xml",
        ),
    ],
)
def test_sources_add_with_a_bad_answer_never_prints_a_traceback(
    tmp_path: Path, body: bytes, content_type: str
) -> None:
    with LocalServer() as server:
        server.status("/robots.txt", 404)
        server.static("/feed", body, content_type=content_type)
        port = server.base_url.rsplit(":", 1)[1].strip("/")
        result = _run(
            ["sources", "add", server.url("/feed")], tmp_path, f"127.0.0.1,127.0.0.1:{port}"
        )
    assert "Traceback" not in result.stderr + result.stdout
    if result.returncode == 0:  # the surrogate feed is a good feed once cleaned
        assert result.stdout.startswith("added:")
    else:
        _assert_one_line_error(result)


@pytest.mark.parametrize("url", ["http://exa\x01mple.com/feed", "http://\x7f/", "https://[::1/"])
def test_sources_add_refuses_a_url_with_control_characters(tmp_path: Path, url: str) -> None:
    line = _assert_one_line_error(_run(["sources", "add", url, "--kind", "feed"], tmp_path, ""))
    assert "not a usable http(s) URL" in line
