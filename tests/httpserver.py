"""A small real HTTP server on 127.0.0.1 for tests: a route table, hit counters, hostile bodies.

Usage::

    with LocalServer() as server:
        server.static("/feed.xml", feed_bytes, content_type="application/rss+xml")
        server.redirect("/old", "/feed.xml")
        server.route("/slow", lambda request: Reply(body=trickle(b"x" * 100, interval_s=1.0)))
        fetch(server.url("/old"))
        assert server.hits["/feed.xml"] == 1

or as a pytest fixture: ``from httpserver import local_server`` in a test module (the fixture
is function-scoped and stops the server afterwards).

A handler gets a :class:`Request` and returns a :class:`Reply`; a reply body is bytes (sent
with a Content-Length) or an iterator of bytes (sent chunked, or raw when the reply sets
its own Content-Length, which lets a test lie about the length). Iterators run in the
server's thread and may sleep; they should check :attr:`LocalServer.stopping` to end
promptly. The server counts hits per path and the most requests it ever served at once.
"""

from __future__ import annotations

import gzip
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

import brotli
import pytest


@dataclass(frozen=True, slots=True)
class Request:
    """What a handler sees of one request."""

    method: str
    path: str  # without the query
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler answers: status, headers and a body (bytes or an iterator)."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    delay_s: float = 0.0  # wait this long before sending anything


Handler = Callable[[Request], Reply]

# Ports of the LocalServers now serving: a test's fetch policy allows exactly these
# (``fetch_allow_hosts`` entries without a port open only 80 and 443).
LIVE_PORTS: set[int] = set()


def allow_live_servers() -> tuple[str, ...]:
    """``fetch_allow_hosts`` entries for every LocalServer now serving (127.0.0.1:PORT)."""
    return tuple(f"127.0.0.1:{port}" for port in sorted(LIVE_PORTS))


def rss_feed(
    base: str,
    paths: Sequence[str],
    published: datetime,
    *,
    title: str = "Local news",
    guids_are_urls: bool = False,
) -> bytes:
    """An RSS 2.0 feed of one item a path under ``base``, all published at ``published``.

    Item ``i`` is titled "Story i"; its GUID is ``g-i``, or its URL with ``guids_are_urls``.
    """
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{p}</link>"
        f"<guid>{base + p if guids_are_urls else f'g-{i}'}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


def gzip_bytes(data: bytes) -> bytes:
    """Return ``data`` gzip-compressed."""
    return gzip.compress(data)


def brotli_bytes(data: bytes) -> bytes:
    """Return ``data`` brotli-compressed."""
    return bytes(brotli.compress(data))


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with a route table; a context manager."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        """Create the server on a free port (it starts serving on ``start``/``with``).

        With ``tls`` (a server-side context holding a certificate) it speaks HTTPS.
        """
        self.routes: dict[str, Handler] = {}
        # Answers paths missing from ``routes`` (None: a plain 404).
        self.fallback: Handler | None = None
        self.hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self.active = 0
        self.max_active = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._httpd = _Server((host, 0), _make_handler(self))
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with TLS)."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def allow(self) -> str:
        """The ``fetch_allow_hosts`` entry that opens this server: ``127.0.0.1:PORT``."""
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """Return the absolute URL of a path on this server."""
        return self.base_url + path

    # -- routes ---------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` with ``handler`` (replacing an earlier route)."""
        self.routes[path] = handler

    def static(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Serve fixed bytes with a content type and optional extra headers."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        self.route(path, lambda _request: Reply(status, all_headers, body))

    def status(self, path: str, status: int, headers: Mapping[str, str] | None = None) -> None:
        """Answer ``path`` with a bare status code."""
        self.route(path, lambda _request: Reply(status, dict(headers or {}), b""))

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect ``path`` to ``location`` (absolute or relative)."""
        self.route(path, lambda _request: Reply(status, {"Location": location}, b""))

    def sequence(self, path: str, replies: Iterable[Reply]) -> None:
        """Answer successive requests with successive replies (the last one repeats)."""
        pending = list(replies)
        lock = threading.Lock()

        def handler(_request: Request) -> Reply:
            with lock:
                return pending.pop(0) if len(pending) > 1 else pending[0]

        self.route(path, handler)

    def trickle(self, data: bytes, interval_s: float, piece: int = 1) -> Iterator[bytes]:
        """Yield ``data`` ``piece`` bytes at a time, one piece every ``interval_s``."""
        for start in range(0, len(data), piece):
            if self.stopping.wait(interval_s if start else 0):
                return
            yield data[start : start + piece]

    def endless(self, chunk: bytes = b"x" * 65536, interval_s: float = 0.0) -> Iterator[bytes]:
        """Yield ``chunk`` forever (until the client leaves or the server stops)."""
        while not self.stopping.is_set():
            yield chunk
            if interval_s:
                self.stopping.wait(interval_s)

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> LocalServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        LIVE_PORTS.add(self.port)
        return self

    def stop(self) -> None:
        """Stop serving, end streaming handlers and close the listening socket."""
        self.stopping.set()
        LIVE_PORTS.discard(self.port)
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> LocalServer:
        """Start and return the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    # -- bookkeeping used by the handler ----------------------------------------------

    def _enter(self, request: Request) -> None:
        """Count a request as started."""
        with self._lock:
            self.hits[request.path] += 1
            self.requests.append(request)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self) -> None:
        """Count a request as finished."""
        with self._lock:
            self.active -= 1


class _Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer that stays quiet when clients hang up mid-answer."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore errors: the fetcher under test hangs up on purpose."""


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    """Build a request-handler class bound to ``server``."""

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output clean."""

        def do_GET(self) -> None:
            """Dispatch a GET through the route table."""
            self._dispatch()

        def do_HEAD(self) -> None:
            """Dispatch a HEAD like a GET."""
            self._dispatch()

        def do_POST(self) -> None:
            """Dispatch a POST (its body is read and passed on)."""
            self._dispatch()

        def _dispatch(self) -> None:
            """Find the route, call it, and write its reply."""
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            server._enter(request)
            try:
                handler = server.routes.get(parts.path) or server.fallback
                reply = handler(request) if handler else Reply(404, {}, b"not found")
                if reply.delay_s and server.stopping.wait(reply.delay_s):
                    return
                self._write(reply)
            finally:
                server._leave()

        def _write(self, reply: Reply) -> None:
            """Send status, headers and body; iterators are sent chunked unless sized."""
            self.send_response(reply.status)
            names = {name.lower() for name in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if isinstance(reply.body, bytes):
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
                return
            chunked = "content-length" not in names
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.flush()
            for piece in reply.body:
                if not piece:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")

    return _Handler


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A running LocalServer, stopped after the test."""
    with LocalServer() as server:
        yield server


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    """Poll ``predicate`` until it is true or the timeout passes; return its last value."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
