"""Signed reader ids, CSRF tokens, the token bucket, the secret file and ``midweek serve``."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from midweek.errors import ConfigError
from midweek.web.security import (
    SECRET_FILE,
    ReaderSigner,
    TokenBucket,
    load_or_create_secret,
)
from web.sitehelpers import SECRET


def test_reader_cookie_round_trips_and_refuses_tampering() -> None:
    signer = ReaderSigner(SECRET)
    reader, cookie = signer.new_cookie()
    assert signer.reader_from_cookie(cookie) == reader and len(reader) == 32
    other = ReaderSigner(SECRET + "!")
    assert other.reader_from_cookie(cookie) is None  # another site's key
    rid, sig = cookie.split(".")
    flipped = ("0" if rid[0] != "0" else "1") + rid[1:]
    for bad in (None, "", rid, f"{flipped}.{sig}", f"{rid}.{sig}x", f"{rid}..{sig}", "x.y"):
        assert signer.reader_from_cookie(bad) is None, bad
    token = signer.csrf_token(reader)
    assert signer.check_csrf(reader, token)
    assert token != sig  # the two keys differ: a cookie signature is no form token
    assert not signer.check_csrf(reader, sig) and not signer.check_csrf(reader, None)
    assert not signer.check_csrf(signer.new_cookie()[0], token)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        ReaderSigner("short")


def test_token_bucket_refills_and_forgets_the_oldest_key() -> None:
    bucket = TokenBucket(capacity=2, refill_s=10.0, max_keys=2)
    assert [bucket.allow("a", 0.0) for _ in range(3)] == [True, True, False]
    assert not bucket.allow("a", 5.0)  # half a token
    assert bucket.allow("a", 10.0)
    bucket.allow("b", 10.0)
    bucket.allow("c", 10.0)  # "a" is forgotten: the bound holds
    assert len(bucket._buckets) == 2 and "a" not in bucket._buckets


def test_secret_file_is_made_private_and_reused(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(tmp_path) == first and len(first) >= 32
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_or_create_secret(tmp_path)
    os.chmod(path, 0o600)
    path.write_text("short\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="shorter"):
        load_or_create_secret(tmp_path)


def test_serve_builds_the_app_with_a_stored_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from midweek.web.commands import serve

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen.update(kwargs, app=app)

    import midweek.cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIDWEEK_SECRET_KEY", raising=False)
    # options of an earlier command in this process must not leak into this one
    monkeypatch.setattr(midweek.cli.state, "db", None)
    monkeypatch.setattr(midweek.cli.state, "config", None)
    monkeypatch.setattr(uvicorn, "run", fake_run)
    cli = typer.Typer()
    cli.command()(serve)
    result = CliRunner().invoke(cli, ["--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1" and not seen["proxy_headers"]
    assert (tmp_path / SECRET_FILE).is_file() and (tmp_path / "midweek.db").is_file()
    assert seen["app"].state.site.site_name == "midweek"
