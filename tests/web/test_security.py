"""Signed reader ids, CSRF tokens, the token bucket, the secret file and ``midweek serve``."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from midweek.errors import ConfigError
from midweek.settings import SETTINGS
from midweek.store.users import LoginPolicy
from midweek.web.security import (
    SECRET_FILE,
    AbuseLimits,
    ReaderSigner,
    TokenBucket,
    _b64,
    load_or_create_secret,
    network_of,
    parse_trusted_proxies,
)
from web.sitehelpers import NOW, SECRET, Client


def test_reader_cookie_round_trips_and_refuses_tampering() -> None:
    signer = ReaderSigner(SECRET)
    reader, cookie = signer.new_cookie(NOW)
    assert signer.reader_from_cookie(cookie) == reader and len(reader) == 32
    read = signer.read_cookie(cookie)
    assert read is not None and read.id == reader and read.born == NOW
    other = ReaderSigner(SECRET + "!")
    assert other.reader_from_cookie(cookie) is None  # another site's key
    rid, born, sig = cookie.split(".")
    flipped = ("0" if rid[0] != "0" else "1") + rid[1:]
    older = str(int(born) - 3600)  # an attacker ageing a fresh cookie by an hour
    for bad in (
        None,
        "",
        rid,
        f"{flipped}.{born}.{sig}",
        f"{rid}.{older}.{sig}",
        f"{rid}.{born}.{sig}x",
        f"{rid}..{sig}",
        f"{rid}.{born}",  # the birth time where a legacy signature would be
        f"{rid}.-1.{sig}",
        f"{rid}.{born}.{sig}.x",
        "x.y",
    ):
        assert signer.reader_from_cookie(bad) is None, bad
    token = signer.csrf_token(reader)
    assert signer.check_csrf(reader, token)
    assert token != sig  # the two keys differ: a cookie signature is no form token
    assert not signer.check_csrf(reader, sig) and not signer.check_csrf(reader, None)
    assert not signer.check_csrf(signer.new_cookie(NOW)[0], token)


def test_a_cookie_from_before_birth_times_keeps_its_id_without_an_age() -> None:
    signer = ReaderSigner(SECRET)
    rid = "ab" * 16
    key = hmac.new(SECRET.encode(), b"midweek reader-id v1", hashlib.sha256).digest()
    legacy = f"{rid}.{_b64(hmac.new(key, rid.encode(), hashlib.sha256).digest())}"
    read = signer.read_cookie(legacy)
    assert read is not None and read.id == rid and read.born is None
    assert signer.read_cookie(legacy[:-1] + "A") is None
    fresh = signer.read_cookie(signer.cookie_for(rid, NOW + timedelta(seconds=5)))
    assert fresh is not None and fresh.id == rid and fresh.born == NOW + timedelta(seconds=5)


def test_networks_are_slash_24_and_slash_64() -> None:
    assert network_of("192.0.2.77") == network_of("192.0.2.1") == "192.0.2.0/24"
    assert network_of("192.0.3.1") != network_of("192.0.2.1")
    assert network_of("::ffff:192.0.2.9") == "192.0.2.0/24"  # IPv4-mapped is IPv4
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2::9")
    assert network_of("2001:db8:1:2::9") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::9") != network_of("2001:db8:1:2::9")
    assert network_of("fe80::1%eth0") == "fe80::/64"
    assert network_of("testclient") == "host:testclient"
    assert network_of(None) == "host:unknown"
    assert len(network_of("x" * 500)) <= 72


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert parse_trusted_proxies(["127.0.0.1", " 10.1.2.3/8", "::1"]) == (
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    )
    for bad in ("*", "localhost", "10.0.0.0/33", ""):
        with pytest.raises(ConfigError, match="trusted_proxies"):
            parse_trusted_proxies([bad])


def _peer_app(trusted: tuple[str, ...]) -> FastAPI:
    """A site whose one extra route says whom it sees as the client."""
    from midweek.store import open_store
    from midweek.web.app import create_app

    app = create_app(open_store("sqlite://"), secret_key=SECRET, trusted_proxies=trusted)

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {
            "host": request.client.host if request.client else "",
            "scheme": request.url.scheme,
        }

    return app


def _seen(app: FastAPI, peer: str, forwarded: str) -> dict[str, str]:
    transport = httpx.ASGITransport(app=app, client=(peer, 5555))
    client = Client(app)
    client.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    try:
        headers = {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"}
        seen: dict[str, str] = client.get("/whoami", headers=headers).json()
        return seen
    finally:
        client.close()


def test_forwarded_for_is_believed_from_trusted_proxies_only() -> None:
    closed = _peer_app(())
    # no trusted proxy: the header is the client's word and is ignored, 150 times of 150
    for i in range(150):
        seen = _seen(closed, "192.0.2.10", f"203.0.113.{i}")
        assert seen == {"host": "192.0.2.10", "scheme": "http"}
    app = _peer_app(("127.0.0.1", "10.0.0.0/8"))
    # a client that is not a proxy cannot speak for anyone
    assert _seen(app, "192.0.2.10", "203.0.113.5")["host"] == "192.0.2.10"
    # through the proxy: the right-most address that is not a trusted proxy
    via = _seen(app, "127.0.0.1", "203.0.113.5, 198.51.100.20, 10.2.3.4")
    assert via == {"host": "198.51.100.20", "scheme": "https"}
    # a client's forged entry left of the one the proxy appended changes nothing
    assert _seen(app, "127.0.0.1", "1.2.3.4, 198.51.100.20")["host"] == "198.51.100.20"


def test_abuse_limit_defaults_are_the_settings_defaults() -> None:
    defaults = {s.name: s.default for s in SETTINGS}
    limits = AbuseLimits()
    for name in (
        "rating_min_reader_age_s",
        "new_readers_burst",
        "new_readers_refill_s",
        "network_votes_burst",
        "network_votes_refill_s",
        "login_concurrent_checks",
    ):
        assert getattr(limits, name) == defaults[name], name
    assert LoginPolicy().free_attempts == defaults["login_attempts_before_backoff"]
    assert LoginPolicy().backoff_max_s == defaults["login_backoff_max_s"]
    assert defaults["trusted_proxies"] == []


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

    from midweek.cli.site import serve

    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen.update(kwargs, app=app)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIDWEEK_SECRET_KEY", raising=False)
    monkeypatch.setattr(uvicorn, "run", fake_run)
    cli = typer.Typer()
    cli.command()(serve)
    result = CliRunner().invoke(cli, ["--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1" and not seen["proxy_headers"]
    assert (tmp_path / SECRET_FILE).is_file() and (tmp_path / "midweek.db").is_file()
    assert seen["app"].state.site.site_name == "midweek"


def test_serve_proxy_needs_trusted_proxies_and_uses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from midweek.cli.site import serve

    seen: dict[str, Any] = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIDWEEK_SECRET_KEY", SECRET)
    monkeypatch.delenv("MIDWEEK_TRUSTED_PROXIES", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    cli = typer.Typer()
    cli.command()(serve)
    refused = CliRunner().invoke(cli, ["--proxy"])
    assert isinstance(refused.exception, ConfigError) and "trusted_proxies" in str(
        refused.exception
    )
    assert not seen  # nothing was served
    monkeypatch.setenv("MIDWEEK_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
    result = CliRunner().invoke(cli, ["--proxy"])
    assert result.exit_code == 0, result.output
    assert not seen["proxy_headers"]  # uvicorn's own trust-everything-local path is off
    proxies = [m for m in seen["app"].user_middleware if m.cls is ProxyHeadersMiddleware]
    assert len(proxies) == 1
    assert proxies[0].kwargs["trusted_hosts"] == ["127.0.0.1/32", "10.0.0.0/8"]
    # without --proxy the setting alone trusts nobody
    seen.clear()
    assert CliRunner().invoke(cli, []).exit_code == 0
    assert not any(m.cls is ProxyHeadersMiddleware for m in seen["app"].user_middleware)
