"""Tests of midweek.fetch against a real HTTP server on 127.0.0.1 (never the internet).

Each test names the defence it proves; each would fail if that defence were removed.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import logging
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli
import httpx
import pytest

from httpserver import (
    LocalServer,
    Reply,
    Request,
    allow_live_servers,
    brotli_bytes,
    gzip_bytes,
)
from midweek.errors import (
    BlockedURLError,
    ConfigError,
    ContentTypeError,
    DeadlineError,
    FetchError,
    HTTPStatusError,
    RobotsError,
    TooLargeError,
    TooManyRedirectsError,
)
from midweek.fetch import Fetcher, FetchPolicy, check_url, is_public_address

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
MIB = 1024 * 1024
HTML = {"Content-Type": "text/html; charset=utf-8"}


def local_policy(**changes: Any) -> FetchPolicy:
    """A policy that allows the running test servers and does not slow the tests down."""
    values: dict[str, Any] = {
        "allow_hosts": allow_live_servers(),
        "per_host_delay_s": 0.0,
        "deadline_s": 5.0,
    }
    values.update(changes)
    return FetchPolicy(**values)


class RecordingSleep:
    """A fake sleep that records how long it was asked to wait."""

    def __init__(self) -> None:
        """Start with no calls."""
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        """Record the wait without waiting."""
        self.calls.append(round(seconds, 3))


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A running local server with a permissive robots.txt."""
    with LocalServer() as srv:
        srv.static("/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
        yield srv


@pytest.fixture
def canary() -> Iterator[LocalServer]:
    """A loopback server that must never be reached: every path answers 200."""
    with LocalServer() as srv:
        srv.fallback = lambda _r: Reply(200, HTML, b"canary")
        yield srv


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record every socket.create_connection address (the one way httpcore connects)."""
    made: list[tuple[str, int]] = []
    real = socket.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return made


# ------------------------------------------------------------------------ happy paths


def test_gzip_body_is_decoded_and_page_filled(server: LocalServer) -> None:
    body = "<html><body>Тошкент ўзбек</body></html>".encode("cp1251", errors="replace") * 50
    server.static("/a", gzip_bytes(body), headers={"Content-Encoding": "gzip", "ETag": '"v1"'})
    with Fetcher(local_policy(), clock=lambda: NOW) as fetcher:
        page = fetcher.fetch(server.url("/a"))
    assert page.body == body  # raw bytes, charset untouched
    assert page.status == 200
    assert page.url == page.requested_url == server.url("/a")
    assert page.fetched_at == NOW
    assert page.headers["etag"] == '"v1"'
    assert "content-encoding" not in page.headers  # the body is no longer encoded
    assert server.requests[-1].headers["user-agent"].startswith("midweek/")
    assert "br" in server.requests[-1].headers["accept-encoding"]


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("br", brotli_bytes),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda d: zlib.compress(d)[2:-4]),  # raw, as IIS sends it
        ("gzip, br", lambda d: brotli_bytes(gzip.compress(d))),
    ],
)
def test_content_encodings_are_decoded(
    server: LocalServer, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    body = b"<rss><channel><title>x</title></channel></rss>" * 1000
    server.static(
        "/feed",
        encode(body),
        content_type="application/rss+xml",
        headers={"Content-Encoding": coding},
    )
    with Fetcher(local_policy()) as fetcher:
        assert fetcher.fetch(server.url("/feed")).body == body


def test_multi_member_gzip_is_decoded_whole(server: LocalServer) -> None:
    server.static(
        "/m",
        gzip.compress(b"first ") + gzip.compress(b"second"),
        headers={"Content-Encoding": "gzip"},
    )
    with Fetcher(local_policy()) as fetcher:
        assert fetcher.fetch(server.url("/m")).body == b"first second"


def test_unknown_or_corrupt_encoding_is_a_fetch_error(server: LocalServer) -> None:
    server.static("/z", b"abc", headers={"Content-Encoding": "zstd"})
    server.static("/bad", b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})
    with Fetcher(local_policy()) as fetcher:
        with pytest.raises(FetchError, match="content-encoding"):
            fetcher.fetch(server.url("/z"))
        with pytest.raises(FetchError, match="corrupt"):
            fetcher.fetch(server.url("/bad"))


def test_conditional_get_returns_304_page(server: LocalServer) -> None:
    def handler(request: Request) -> Reply:
        if (
            request.headers.get("if-none-match") == '"v7"'
            and request.headers.get("if-modified-since") == "Tue, 03 Mar 2026 10:00:00 GMT"
        ):
            return Reply(304, {"ETag": '"v7"'}, b"")
        return Reply(200, HTML, b"full body")

    server.route("/c", handler)
    with Fetcher(local_policy()) as fetcher:
        page = fetcher.fetch(
            server.url("/c"), etag='"v7"', last_modified="Tue, 03 Mar 2026 10:00:00 GMT"
        )
        assert (page.status, page.body, page.headers["etag"]) == (304, b"", '"v7"')
        assert fetcher.fetch(server.url("/c")).body == b"full body"


# ---------------------------------------------------------------- statuses and retries


@pytest.mark.parametrize("status", [404, 410, 403, 400])
def test_client_errors_raise_at_once(server: LocalServer, status: int) -> None:
    server.status("/gone", status)
    sleep = RecordingSleep()
    with Fetcher(local_policy(), sleep=sleep) as fetcher, pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(server.url("/gone"))
    assert info.value.status == status
    assert info.value.url == server.url("/gone")
    assert server.hits["/gone"] == 1
    assert sleep.calls == []


def test_server_errors_then_success_back_off_exponentially(server: LocalServer) -> None:
    server.sequence("/flaky", [Reply(500), Reply(503), Reply(200, HTML, b"finally")])
    sleep = RecordingSleep()
    with Fetcher(local_policy(), sleep=sleep) as fetcher:
        assert fetcher.fetch(server.url("/flaky")).body == b"finally"
    assert sleep.calls == [1.0, 2.0]
    assert server.hits["/flaky"] == 3


def test_retries_exhausted_raise_the_last_status(server: LocalServer) -> None:
    server.status("/down", 502)
    sleep = RecordingSleep()
    with (
        Fetcher(local_policy(retries=2), sleep=sleep) as fetcher,
        pytest.raises(HTTPStatusError) as info,
    ):
        fetcher.fetch(server.url("/down"))
    assert info.value.status == 502
    assert server.hits["/down"] == 3
    assert sleep.calls == [1.0, 2.0]


def test_429_retry_after_seconds_is_honoured(server: LocalServer) -> None:
    server.sequence("/busy", [Reply(429, {"Retry-After": "7"}), Reply(200, HTML, b"ok")])
    sleep = RecordingSleep()
    with Fetcher(local_policy(deadline_s=20), sleep=sleep) as fetcher:
        assert fetcher.fetch(server.url("/busy")).body == b"ok"
    assert sleep.calls == [7.0]


def test_retry_after_http_date_is_honoured(server: LocalServer) -> None:
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    server.sequence("/busy", [Reply(503, {"Retry-After": when}), Reply(200, HTML, b"ok")])
    sleep = RecordingSleep()
    with Fetcher(local_policy(deadline_s=20), sleep=sleep, clock=lambda: NOW) as fetcher:
        assert fetcher.fetch(server.url("/busy")).body == b"ok"
    assert sleep.calls == [12.0]


def test_retry_after_is_capped(server: LocalServer) -> None:
    server.sequence("/busy", [Reply(429, {"Retry-After": "3600"}), Reply(200, HTML, b"ok")])
    sleep = RecordingSleep()
    with Fetcher(local_policy(deadline_s=300), sleep=sleep) as fetcher:
        fetcher.fetch(server.url("/busy"))
    assert sleep.calls == [60.0]


def test_retry_after_beyond_the_deadline_gives_up_without_waiting(server: LocalServer) -> None:
    server.status("/busy", 429, {"Retry-After": "30"})
    sleep = RecordingSleep()
    with (
        Fetcher(local_policy(deadline_s=5), sleep=sleep) as fetcher,
        pytest.raises(HTTPStatusError) as info,
    ):
        fetcher.fetch(server.url("/busy"))
    assert info.value.status == 429
    assert sleep.calls == []
    assert server.hits["/busy"] == 1


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleep = RecordingSleep()
    with (
        Fetcher(
            local_policy(allow_hosts=(f"127.0.0.1:{port}",), respect_robots=False), sleep=sleep
        ) as fetcher,
        pytest.raises(FetchError, match="connection failed"),
    ):
        fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert sleep.calls == [1.0, 2.0]


# --------------------------------------------------------------------------- redirects


def test_redirect_chain_of_three_is_followed(server: LocalServer) -> None:
    server.redirect("/r1", server.url("/r2"), 301)
    server.redirect("/r2", "/r3", 307)  # relative
    server.redirect("/r3", "final?x=1", 308)  # relative to the path
    server.static("/final", b"arrived")
    with Fetcher(local_policy()) as fetcher:
        page = fetcher.fetch(server.url("/r1"))
    assert page.body == b"arrived"
    assert page.url == server.url("/final?x=1")
    assert page.requested_url == server.url("/r1")


def test_more_than_max_redirects_refused(server: LocalServer) -> None:
    for hop in range(20):
        server.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    with Fetcher(local_policy()) as fetcher, pytest.raises(TooManyRedirectsError, match="more"):
        fetcher.fetch(server.url("/hop/0"))
    assert sum(n for path, n in server.hits.items() if path.startswith("/hop/")) == 6


def test_twenty_hop_loop_refused(server: LocalServer) -> None:
    for hop in range(20):
        server.redirect(f"/loop/{hop}", f"/loop/{(hop + 1) % 20}")
    with (
        Fetcher(local_policy(max_redirects=50)) as fetcher,
        pytest.raises(TooManyRedirectsError, match="loop"),
    ):
        fetcher.fetch(server.url("/loop/0"))
    assert max(n for path, n in server.hits.items() if path.startswith("/loop/")) == 1


def test_redirect_to_other_scheme_refused(server: LocalServer) -> None:
    server.redirect("/r", "file:///etc/passwd")
    with Fetcher(local_policy()) as fetcher, pytest.raises(BlockedURLError, match="scheme"):
        fetcher.fetch(server.url("/r"))


PRIVATE_REDIRECT_TARGETS = [
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://internal.test/",  # resolves to 10.0.0.1
    "http://metadata.test/",  # resolves to 169.254.169.254
    "http://127.0.0.1:{canary}/",
    "http://127.1:{canary}/",
    "http://localhost:{canary}/",
    "http://[::1]:{canary}/",
    "http://loop.test:{canary}/",  # resolves to 127.0.0.1
    "gopher://127.0.0.1:{canary}/",
]


def test_redirect_to_private_address_refused_without_connecting(
    server: LocalServer, canary: LocalServer, connections: list[tuple[str, int]]
) -> None:
    names = {
        "origin.test": ["127.0.0.1"],
        "internal.test": ["10.0.0.1"],
        "metadata.test": ["169.254.169.254"],
        "loop.test": ["127.0.0.1"],
    }
    # Only the name origin.test is allowed: the same loopback address under any other
    # name or form stays refused.
    policy = local_policy(allow_hosts=(f"origin.test:{server.port}",), respect_robots=False)
    origin = f"http://origin.test:{server.port}"
    with Fetcher(policy, resolver=lambda host, port: names[host]) as fetcher:
        for i, target in enumerate(PRIVATE_REDIRECT_TARGETS):
            server.redirect(f"/go/{i}", target.format(canary=canary.port))
            with pytest.raises(BlockedURLError):
                fetcher.fetch(f"{origin}/go/{i}")
    assert server.hits["/go/0"] == 1  # the origin itself was reached
    assert sum(canary.hits.values()) == 0
    assert {host for host, _ in connections} == {"127.0.0.1"}
    assert all(port == server.port for _, port in connections)


# --------------------------------------------------------------------------- addresses


def test_connects_to_the_checked_address_and_never_resolves_again(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def no_news(host: Any, *args: Any, **kwargs: Any) -> Any:
        assert host != "news.test", "the name was resolved a second time"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_news)
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    server.static("/p", b"page")
    with Fetcher(
        local_policy(allow_hosts=(f"news.test:{server.port}",)), resolver=resolver
    ) as fetcher:
        page = fetcher.fetch(f"http://news.test:{server.port}/p")
    assert page.body == b"page"
    assert server.requests[-1].headers["host"] == f"news.test:{server.port}"  # Host keeps the name
    assert asked == ["news.test"]  # one connection (kept alive for robots.txt and the page)


def test_a_name_with_any_private_address_is_refused(
    canary: LocalServer, connections: list[tuple[str, int]]
) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # one public, one loopback: refuse

    with (
        Fetcher(FetchPolicy(respect_robots=False), resolver=resolver) as fetcher,
        pytest.raises(BlockedURLError, match=r"127\.0\.0\.1"),
    ):
        fetcher.fetch(f"http://mixed.test:{canary.port}/")
    assert connections == []
    assert sum(canary.hits.values()) == 0


# Forms of loopback, private, metadata and odd-scheme URLs (RELIABILITY.md plan item 4).
# {p} is the canary's port; *.test names go through the test resolver below.
SSRF_FORMS = [
    "http://127.0.0.1:{p}/",
    "https://127.0.0.1:{p}/",
    "http://0177.0.0.1:{p}/",
    "http://2130706433:{p}/",
    "http://017700000001:{p}/",
    "http://0x7f.1:{p}/",
    "http://0x7f000001:{p}/",
    "http://0x7f.0x0.0x0.0x1:{p}/",
    "http://127.1:{p}/",
    "http://127.0.1:{p}/",
    "http://127.000.000.001:{p}/",
    "http://127.255.255.254:{p}/",
    "http://[::1]:{p}/",
    "http://[0:0:0:0:0:0:0:1]:{p}/",
    "http://[::ffff:127.0.0.1]:{p}/",
    "http://[::ffff:7f00:1]:{p}/",
    "http://[::127.0.0.1]:{p}/",
    "http://[64:ff9b::7f00:1]:{p}/",
    "http://[2002:7f00:1::]:{p}/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{p}/",  # Teredo, client 127.0.0.1
    "http://localhost:{p}/",
    "http://localhost.:{p}/",
    "http://LOCALHOST:{p}/",
    "http://app.localhost:{p}/",
    "http://printer.local:{p}/",
    "http://metadata.google.internal/",
    "http://0.0.0.0:{p}/",
    "http://0:{p}/",
    "http://[::]:{p}/",
    "http://user@127.0.0.1:{p}/",
    "http://news.example@127.0.0.1:{p}/",
    "http://news.example:pw@news.example/",
    "http://%31%32%37.0.0.1:{p}/",
    "http://127.0.0.1:0/",
    "http:///{p}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fd00:ec2::254]/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://198.18.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://[fe80::1]/",
    "http://[fe80::1%25lo]:{p}/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://loop.test:{p}/",
    "http://six.test:{p}/",
    "http://mapped.test:{p}/",
    "http://meta.test/",
    "http://cgnat.test/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{p}/_GET%20/",
    "ftp://127.0.0.1:{p}/",
    "dict://127.0.0.1:{p}/",
    "data:text/html,<h1>x</h1>",
    "javascript:alert(1)",
]
SSRF_NAMES = {
    "loop.test": ["127.0.0.1"],
    "six.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "meta.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.0.1"],
}


def test_ssrf_matrix_all_refused_and_canary_untouched(
    canary: LocalServer, connections: list[tuple[str, int]]
) -> None:
    assert len(SSRF_FORMS) >= 40

    def resolver(host: str, port: int) -> list[str]:
        if host in SSRF_NAMES:
            return SSRF_NAMES[host]
        raise OSError(f"unexpected lookup of {host}")

    let_through = []
    with Fetcher(FetchPolicy(retries=0), resolver=resolver) as fetcher:
        for form in SSRF_FORMS:
            url = form.format(p=canary.port)
            try:
                fetcher.fetch(url)
            except BlockedURLError:
                continue
            except Exception as exc:  # any other outcome means it got further than it should
                let_through.append(f"{url}: {type(exc).__name__}: {exc}")
            else:
                let_through.append(f"{url}: fetched")
    assert let_through == []
    assert sum(canary.hits.values()) == 0
    assert connections == []
    # The canary does count: the same server, explicitly allowed, is reached.
    with Fetcher(local_policy(respect_robots=False)) as fetcher:
        assert fetcher.fetch(canary.url("/")).body == b"canary"
    assert sum(canary.hits.values()) == 1


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_are_public(ip: str) -> None:
    assert is_public_address(ip)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.31.255.255",
        "192.168.0.1",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "0.1.2.3",
        "192.0.0.170",
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::8.8.8.8",
        "64:ff9b::a00:1",
        "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "2001:db8::1",
        "100::1",
        "not an ip",
        "",
    ],
)
def test_private_and_special_addresses_are_not_public(ip: str) -> None:
    assert not is_public_address(ip)


def test_check_url_accepts_ordinary_and_allow_listed_urls() -> None:
    policy = FetchPolicy(allow_hosts=("10.0.0.0/8", "intranet.local"))
    for url in [
        "https://kun.uz/news/2026/03/04/x",
        "http://www.gazeta.uz:8080/ru/",
        "https://xn--80ak6aa92e.xn--p1ai/",
        "http://8.8.8.8/",
        "http://10.2.3.4/feed",
        "http://intranet.local/",
    ]:
        check_url(url, policy)
    with pytest.raises(BlockedURLError):
        check_url("http://11.0.0.1.local/", FetchPolicy())


# -------------------------------------------------------------------------- deadlines


def test_trickle_ends_within_deadline(server: LocalServer) -> None:
    server.route("/trickle", lambda _r: Reply(200, HTML, server.trickle(b"x" * 600, 1.0)))
    started = time.monotonic()
    with Fetcher(local_policy(deadline_s=2)) as fetcher, pytest.raises(DeadlineError):
        fetcher.fetch(server.url("/trickle"))
    assert time.monotonic() - started < 3.0


def test_endless_stream_ends_within_deadline(server: LocalServer) -> None:
    server.route("/live", lambda _r: Reply(200, HTML, server.endless(b"y" * 16384, 0.002)))
    started = time.monotonic()
    policy = local_policy(deadline_s=2, max_bytes=1024 * MIB)
    with Fetcher(policy) as fetcher, pytest.raises(DeadlineError):
        fetcher.fetch(server.url("/live"))
    assert time.monotonic() - started < 3.0


def test_silent_body_after_late_headers_ends_at_the_deadline(server: LocalServer) -> None:
    # Headers at 1.5 s, one byte, then silence: a per-read timeout fixed when the request
    # started (2 s) would wait until ~3.5 s; reads clamped to the time left end at ~2 s.
    def stall() -> Iterator[bytes]:
        yield b"<"
        server.stopping.wait(30)

    server.route("/stall", lambda _r: Reply(200, HTML, stall(), delay_s=1.5))
    started = time.monotonic()
    with Fetcher(local_policy(deadline_s=2)) as fetcher, pytest.raises(DeadlineError):
        fetcher.fetch(server.url("/stall"))
    assert time.monotonic() - started < 3.0


def test_headers_that_never_come_end_at_the_deadline(server: LocalServer) -> None:
    server.route("/mute", lambda _r: Reply(200, HTML, b"late", delay_s=30))
    started = time.monotonic()
    with Fetcher(local_policy(deadline_s=1)) as fetcher, pytest.raises(DeadlineError):
        fetcher.fetch(server.url("/mute"))
    assert time.monotonic() - started < 2.0


# ----------------------------------------------------------------------------- sizes


@functools.cache
def zeros_bomb(coding: str, size: int = 200 * MIB) -> bytes:
    """Compress ``size`` zero bytes without holding them in memory."""
    block = bytes(MIB)
    parts: list[bytes] = []
    if coding == "gzip":
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts = [packer.compress(block) for _ in range(size // MIB)]
        parts.append(packer.flush())
    else:
        compressor = brotli.Compressor(quality=5)
        parts = [compressor.process(block) for _ in range(size // MIB)]
        parts.append(compressor.finish())
    return b"".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compression_bomb_stops_at_the_cap_in_bounded_memory(
    server: LocalServer, coding: str
) -> None:
    bomb = zeros_bomb(coding)
    assert len(bomb) < 1 * MIB  # 200 MiB of zeros in a small body
    server.static("/bomb", bomb, headers={"Content-Encoding": coding})
    cap = 5 * MIB
    with Fetcher(local_policy(max_bytes=cap)) as fetcher:
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(TooLargeError, match="decompressed"):
                fetcher.fetch(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert time.monotonic() - started < 5.0
    assert peak < cap + 16 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_declared_large_body_refused_before_reading(server: LocalServer) -> None:
    size = 50 * MIB

    def body() -> Iterator[bytes]:
        for _ in range(size // 65536):
            yield bytes(65536)

    server.route("/big", lambda _r: Reply(200, {**HTML, "Content-Length": str(size)}, body()))
    started = time.monotonic()
    with (
        Fetcher(local_policy(max_bytes=MIB)) as fetcher,
        pytest.raises(TooLargeError, match="Length"),
    ):
        fetcher.fetch(server.url("/big"))
    assert time.monotonic() - started < 2.0


def test_undeclared_large_body_stops_at_the_cap(server: LocalServer) -> None:
    server.route(
        "/big",
        lambda _r: Reply(200, HTML, (bytes(65536) for _ in range(800))),  # 50 MiB
    )
    started = time.monotonic()
    with Fetcher(local_policy(max_bytes=MIB)) as fetcher, pytest.raises(TooLargeError):
        fetcher.fetch(server.url("/big"))
    assert time.monotonic() - started < 2.0


def test_body_at_the_cap_is_accepted(server: LocalServer) -> None:
    server.static("/exact", b"a" * MIB)
    with Fetcher(local_policy(max_bytes=MIB)) as fetcher:
        assert len(fetcher.fetch(server.url("/exact")).body) == MIB


# ----------------------------------------------------------------------- content types


def test_audio_stream_refused_before_reading(server: LocalServer) -> None:
    server.route("/radio", lambda _r: Reply(200, {"Content-Type": "audio/mpeg"}, server.endless()))
    started = time.monotonic()
    with (
        Fetcher(local_policy(deadline_s=10)) as fetcher,
        pytest.raises(ContentTypeError, match="audio/mpeg"),
    ):
        fetcher.fetch(server.url("/radio"))
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/sitemap.xml.gz", True), ("/feed.xml", True), ("/page", False), ("/x.exe", False)],
)
def test_octet_stream_only_for_gz_and_xml_urls(
    server: LocalServer, path: str, allowed: bool
) -> None:
    server.static(path, b"data", content_type="application/octet-stream")
    with Fetcher(local_policy()) as fetcher:
        if allowed:
            assert fetcher.fetch(server.url(path)).body == b"data"
        else:
            with pytest.raises(ContentTypeError):
                fetcher.fetch(server.url(path))


@pytest.mark.parametrize(
    "content_type",
    [
        "application/rss+xml; charset=utf-8",
        "application/atom+xml",
        "application/feed+json",
        "text/xml",
        "application/xhtml+xml",
        "application/x-gzip",
    ],
)
def test_feed_and_page_types_allowed(server: LocalServer, content_type: str) -> None:
    server.static("/f", b"ok", content_type=content_type)
    with Fetcher(local_policy()) as fetcher:
        assert fetcher.fetch(server.url("/f")).body == b"ok"


# ------------------------------------------------------------------------------ robots


@pytest.mark.parametrize(
    "robots",
    [
        b"User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /private\n",
        # the group naming our product token wins over "*" (RFC 9309 sec. 2.2.1)
        b"User-agent: *\nDisallow: /\n\nUser-agent: midweek\nDisallow: /private\n",
    ],
)
def test_robots_disallow_is_honoured_and_fetched_once(server: LocalServer, robots: bytes) -> None:
    server.static("/robots.txt", robots, content_type="text/plain")
    server.static("/public", b"yes")
    server.static("/private/page", b"no")
    with Fetcher(local_policy()) as fetcher:
        assert fetcher.fetch(server.url("/public")).body == b"yes"
        with pytest.raises(RobotsError):
            fetcher.fetch(server.url("/private/page"))
        fetcher.fetch(server.url("/public"))
    assert server.hits["/robots.txt"] == 1
    assert server.hits["/private/page"] == 0


def test_robots_checked_on_redirect_targets(server: LocalServer) -> None:
    server.static("/robots.txt", b"User-agent: *\nDisallow: /secret\n", content_type="text/plain")
    server.redirect("/open", "/secret")
    with Fetcher(local_policy()) as fetcher, pytest.raises(RobotsError):
        fetcher.fetch(server.url("/open"))
    assert server.hits["/secret"] == 0


def test_robots_ignored_when_policy_says_so(server: LocalServer) -> None:
    server.static("/robots.txt", b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    server.static("/page", b"p")
    with Fetcher(local_policy(respect_robots=False)) as fetcher:
        assert fetcher.fetch(server.url("/page")).body == b"p"
    assert server.hits["/robots.txt"] == 0


def test_missing_robots_allows(server: LocalServer) -> None:
    server.status("/robots.txt", 404)
    server.static("/page", b"p")
    with Fetcher(local_policy()) as fetcher:
        assert fetcher.fetch(server.url("/page")).body == b"p"
        assert fetcher.fetch(server.url("/page")).body == b"p"
    assert server.hits["/robots.txt"] == 1


def test_broken_robots_allows_and_logs(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.status("/robots.txt", 503)
    server.static("/page", b"p")
    sleep = RecordingSleep()
    with (
        caplog.at_level(logging.WARNING, "midweek.fetch"),
        Fetcher(local_policy(), sleep=sleep) as fetcher,
    ):
        assert fetcher.fetch(server.url("/page")).body == b"p"
    assert server.hits["/robots.txt"] == 1  # robots.txt is not retried
    assert any("robots.txt" in r.message and "503" in r.message for r in caplog.records)


@pytest.mark.parametrize(
    ("rules", "expected_gap"),
    [
        (b"User-agent: midweek\nCrawl-delay: 4\nAllow: /\n", 4.0),
        (b"User-agent: *\nCrawl-delay: 600\n", 30.0),  # capped
        (b"User-agent: otherbot\nCrawl-delay: 9\n\nUser-agent: *\nAllow: /\n", 0.0),
    ],
)
def test_robots_crawl_delay_widens_the_per_host_gap(
    server: LocalServer, rules: bytes, expected_gap: float
) -> None:
    server.static("/robots.txt", rules, content_type="text/plain")
    server.static("/a", b"a")
    server.static("/b", b"b")
    sleep = RecordingSleep()
    # a stopped clock: the wait is the whole gap, however long the first page took here
    with Fetcher(local_policy(), sleep=sleep, monotonic=lambda: 100.0) as fetcher:
        fetcher.fetch(server.url("/a"))
        fetcher.fetch(server.url("/b"))
    assert sum(sleep.calls) == expected_gap


# ------------------------------------------------------------------------- politeness


def test_per_host_concurrency_never_exceeds_the_limit(server: LocalServer) -> None:
    def slow(_request: Request) -> Reply:
        time.sleep(0.25)
        return Reply(200, HTML, b"done")

    server.route("/slow", slow)
    results: list[bytes] = []
    errors: list[BaseException] = []
    with Fetcher(local_policy(per_host_concurrency=2, respect_robots=False)) as fetcher:

        def work() -> None:
            try:
                results.append(fetcher.fetch(server.url("/slow")).body)
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    assert errors == []
    assert results == [b"done"] * 8
    assert server.max_active == 2  # parallel, but never more than the limit


def test_per_host_delay_spaces_request_starts(server: LocalServer) -> None:
    starts: list[float] = []

    def stamp(_request: Request) -> Reply:
        starts.append(time.monotonic())
        return Reply(200, HTML, b"x")

    server.route("/t", stamp)
    with Fetcher(local_policy(per_host_delay_s=0.2, respect_robots=False)) as fetcher:
        for _ in range(4):
            fetcher.fetch(server.url("/t"))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 3
    assert min(gaps) >= 0.18, gaps


def test_injected_transport_still_checks_urls_and_limits() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"z" * 100)

    policy = FetchPolicy(per_host_delay_s=0, max_bytes=50)
    with Fetcher(policy, transport=httpx.MockTransport(answer)) as fetcher:
        with pytest.raises(TooLargeError):
            fetcher.fetch("https://news.example/a")
        with pytest.raises(BlockedURLError):
            fetcher.fetch("http://169.254.169.254/")


def test_deadline_is_checked_between_pieces_without_sockets() -> None:
    # An injected transport has no socket timeouts: only the check between pieces stops it.
    def drip() -> Iterator[bytes]:
        while True:
            time.sleep(0.05)
            yield b"x"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=HTML, content=drip())

    policy = FetchPolicy(deadline_s=1, respect_robots=False, per_host_delay_s=0)
    started = time.monotonic()
    with (
        Fetcher(policy, transport=httpx.MockTransport(answer)) as fetcher,
        pytest.raises(DeadlineError),
    ):
        fetcher.fetch("https://news.example/live")
    assert time.monotonic() - started < 2.0


# ------------------------------------------------------------------------------- HTTPS


@pytest.fixture
def test_ca() -> Any:
    """A throw-away certificate authority (trustme), trusted by nothing by default."""
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


def _https_server(ca: Any, name: str) -> LocalServer:
    """A local HTTPS server whose certificate, issued by ``ca``, names ``name``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    server = LocalServer(tls=context)
    server.static("/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return server


def _to_loopback(host: str, port: int) -> list[str]:
    """A resolver that sends every name to 127.0.0.1 (the address stays checked)."""
    return ["127.0.0.1"]


def test_https_through_the_guarded_connection(test_ca: Any, tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    with (
        _https_server(test_ca, "news.test") as server,
        Fetcher(
            local_policy(allow_hosts=(f"news.test:{server.port}",), ca_bundle=str(bundle)),
            resolver=_to_loopback,
        ) as fetcher,
    ):
        server.static("/p", b"<p>secure</p>")
        page = fetcher.fetch(f"https://news.test:{server.port}/p")
    assert page.body == b"<p>secure</p>"
    assert page.url == f"https://news.test:{server.port}/p"
    assert server.hits["/p"] == 1


def test_https_with_an_untrusted_certificate_is_refused(test_ca: Any) -> None:
    with (
        _https_server(test_ca, "news.test") as server,
        Fetcher(  # the CA is not trusted
            local_policy(allow_hosts=(f"news.test:{server.port}",), retries=0),
            resolver=_to_loopback,
        ) as fetcher,
        pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        fetcher.fetch(f"https://news.test:{server.port}/p")
    assert server.hits["/p"] == 0


def test_https_certificate_for_another_name_is_refused(test_ca: Any, tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    with (
        _https_server(test_ca, "other.test") as server,  # a valid certificate, wrong name
        Fetcher(
            local_policy(
                allow_hosts=(f"news.test:{server.port}",), ca_bundle=str(bundle), retries=0
            ),
            resolver=_to_loopback,
        ) as fetcher,
        pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        fetcher.fetch(f"https://news.test:{server.port}/p")
    assert server.hits["/p"] == 0


def test_an_unreadable_ca_bundle_is_a_config_error(tmp_path: Any) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    for bundle in (tmp_path / "missing.pem", tmp_path / "ca.pem"):
        with pytest.raises(ConfigError, match="CA bundle"):
            Fetcher(local_policy(ca_bundle=str(bundle)))
