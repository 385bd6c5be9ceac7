"""The only network code of midweek: safe, polite HTTP GETs that return a :class:`Page`.

Every request made by midweek goes through :class:`Fetcher`, which enforces, per request:

* **addresses** - http/https only, no userinfo, no legacy numeric hosts (``0177.0.0.1``,
  ``2130706433``, ``127.1``); the host is resolved once, *every* address is checked
  (loopback, private, link-local, CGNAT, metadata, multicast, reserved and the IPv6 forms
  that embed such an IPv4) and the socket connects to the address that was checked, so a
  DNS answer cannot change between check and use. Internal hosts only by allow-list,
  whose entries name their ports (``host:port``, ``[v6]:port``; no port: 80 and 443).
* **redirects** - followed by hand, each target re-checked, at most ``max_redirects``,
  loops refused.
* **time** - one total deadline covering the whole redirect chain, retries, the body and
  the robots.txt of every origin on the way; socket reads are clamped to the time left, so
  a 1 byte/s trickle or an endless stream ends on time. A host's queue (per-host delay,
  Crawl-delay) may hold a run ``host_budget_s`` at most: later requests are deferred.
* **size** - the *decompressed* body is capped; gzip, deflate and brotli are decoded here
  in bounded pieces (httpx's own decoders expand a whole network read at once, which a
  brotli bomb turns into gigabytes).
* **content types** - an allow-list, checked before the body is read.
* **politeness** - robots.txt, a per-host semaphore and a minimum gap between request
  starts to one host; retries with exponential backoff that honour ``Retry-After``. Many
  processes share the gap through a :class:`HostGate` (``midweek.distributed``).

Errors are the :class:`midweek.errors.FetchError` subclasses. The fetcher is thread-safe:
the pipeline calls :meth:`Fetcher.fetch` from a thread pool.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Protocol

import brotli
import httpcore
import httpx

from midweek.allowlist import (
    ALLOW_SETTING,
    HOST_LABEL,
    MAX_HOST_LENGTH,
    AllowEntry,
    normalise_host,
    parse_allow_entry,
    parse_allow_hosts,
)
from midweek.errors import (
    BlockedURLError,
    ConfigError,
    ContentTypeError,
    DeadlineError,
    DeferredError,
    FetchError,
    HTTPStatusError,
    RobotsError,
    TooLargeError,
    TooManyRedirectsError,
)
from midweek.models import Page

__all__ = [
    "DEFAULT_CONTENT_TYPES",
    "AllowEntry",
    "FetchPolicy",
    "Fetcher",
    "HostGate",
    "check_url",
    "is_public_address",
    "parse_allow_entry",
    "resolve_host",
]

logger = logging.getLogger(__name__)

# Media types a news pipeline reads: pages, feeds (RSS/Atom/RDF/JSON Feed), sitemaps
# (plain or gzipped) and robots.txt. Anything else (audio streams, video, PDFs, images)
# is refused before its body is read (newspaper4k #573: a live MP3 stream).
DEFAULT_CONTENT_TYPES: tuple[str, ...] = (
    "text/html",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/x-rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/json",
    "application/feed+json",
    "text/plain",
    "application/x-gzip",
    "application/gzip",
)
# Servers often label sitemap.xml.gz (and some feeds) as a generic binary; accept that
# label only where the URL itself says what the file is.
OCTET_STREAM = "application/octet-stream"
OCTET_STREAM_SUFFIXES = (".gz", ".xml")

# Statuses that mean "try again later" (RFC 9110 sec. 15.6; 429 from RFC 6585). 500 is
# included because news CMSs return it for transient overloads as often as 503.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# First backoff in seconds, doubled on each retry (1 s, 2 s, 4 s: the urllib3 Retry
# default factor scaled to a crawler that is in no hurry).
BACKOFF_BASE_S = 1.0
# Longest Retry-After we honour; longer asks are capped (and still never pass the deadline).
RETRY_AFTER_CAP_S = 60.0
# robots.txt: RFC 9309 sec. 2.5 requires parsing at least 500 KiB, and allows caching for
# up to 24 hours. Its fetch counts against the deadline of the request that needs it (a
# 5-origin redirect chain with trickling robots.txt once took 30 s at a 20 s deadline,
# issue 11); ROBOTS_DEADLINE_S caps it further so the page keeps some of its time.
ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_TTL_S = 24 * 3600.0
ROBOTS_DEADLINE_S = 10.0
# Crawl-delay (not in RFC 9309, but widely published) widens the per-host gap up to this
# cap: a site asking for minutes between requests would stall a whole run, and Bing, which
# honours the directive, treats anything above about 30 s as 30 s too.
CRAWL_DELAY_CAP_S = 30.0
# Decompressed output is produced in pieces of at most this size, so memory stays within
# the cap plus one piece however dense the compressed input (urllib3 CVE-2025-66471).
DECODE_PIECE_BYTES = 256 * 1024
# The two bytes every gzip member starts with (RFC 1952).
GZIP_MAGIC = b"\x1f\x8b"

# Names that always mean "this machine or its network" (RFC 6761, RFC 6762 mDNS,
# RFC 8375 home.arpa, cloud metadata names under .internal).
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
# WHATWG URL: a host whose last label is a number is parsed as an IPv4 address in some
# legacy form (octal, hex, fewer parts); browsers and libc disagree on which, so refuse.
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")

# Explicit lists (CVE-2024-4032: ipaddress.is_private was wrong for several ranges).
# IANA IPv4 Special-Purpose Address Registry, plus multicast and broadcast.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # CGNAT shared address space
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
    )
)
# IPv6 unicast outside 2000::/3 is never global; inside it these are special-purpose.
_GLOBAL_V6 = ipaddress.IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001:2::/48",  # benchmarking
        "2001:10::/28",  # ORCHID
        "2001:20::/28",  # ORCHIDv2
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_MAPPED_V6 = ipaddress.IPv6Network("::ffff:0:0/96")  # IPv4-mapped
_COMPAT_V6 = ipaddress.IPv6Network("::/96")  # IPv4-compatible (deprecated), ::, ::1
_NAT64_V6 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known NAT64 prefix
_SIXTOFOUR_V6 = ipaddress.IPv6Network("2002::/16")  # 6to4 embeds an IPv4 address
_TEREDO_V6 = ipaddress.IPv6Network("2001::/32")  # Teredo embeds server and client IPv4


def _utc_now() -> datetime:
    """Return the current time in UTC (the default clock of a Fetcher)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits and manners of a :class:`Fetcher`; the defaults follow Miniflux."""

    # One total deadline per request, including redirects, retries and the body.
    deadline_s: float = 20.0
    # Cap on the decompressed body (Miniflux: 15 MiB).
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 2
    # Minimum gap between the starts of two requests to one host.
    per_host_delay_s: float = 0.5
    # Retries on 429/5xx-overload statuses and connection errors.
    retries: int = 2
    user_agent: str = "midweek/0.1 (+https://github.com/midweek-news/midweek)"
    # Host names, IP addresses or CIDR networks allowed although private or loopback,
    # each optionally with ":port" ("[v6]:port"); without one, ports 80 and 443 only.
    allow_hosts: tuple[str, ...] = ()
    content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES
    respect_robots: bool = True
    # A PEM file of extra CA certificates trusted besides the system's ("" for none).
    ca_bundle: str = ""
    # How long one host's queue (per-host delay, Crawl-delay) may hold a run: a request
    # whose turn would come later than this after the host's first request is deferred
    # (DeferredError). 0 means no cap.
    host_budget_s: float = 0.0


# ---------------------------------------------------------------------------- addresses


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """Return the IPv4 addresses an IPv6 address embeds, or None when it embeds none."""
    if ip in _MAPPED_V6:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _NAT64_V6:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _SIXTOFOUR_V6:
        return [ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)]
    if ip in _TEREDO_V6:
        server = ipaddress.IPv4Address((int(ip) >> 64) & 0xFFFFFFFF)
        client = ipaddress.IPv4Address(~int(ip) & 0xFFFFFFFF)
        return [server, client]
    return None


def _public_v4(ip: ipaddress.IPv4Address) -> bool:
    """Return True when an IPv4 address is in no blocked range."""
    return not any(ip in net for net in _BLOCKED_V4)


def is_public_address(ip: str) -> bool:
    """Tell whether connecting to an address could only reach the public internet.

    Uses explicit range lists rather than ``ipaddress.is_private`` (CVE-2024-4032).

    Args:
        ip: an IPv4 or IPv6 address in text form (an IPv6 zone id makes it non-public).

    Returns:
        False for loopback, private, link-local, CGNAT, metadata, multicast, reserved,
        documentation and unspecified addresses, for IPv6 forms that embed such an IPv4
        (mapped, NAT64, 6to4, Teredo), for deprecated IPv4-compatible IPv6, and for text
        that is not an address at all; True otherwise.
    """
    if "%" in ip:  # a zone id only makes sense for link-local scopes
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv4Address):
        return _public_v4(addr)
    embedded = _embedded_v4(addr)
    if embedded is not None:
        return all(_public_v4(v4) for v4 in embedded)
    if addr in _COMPAT_V6:
        return False
    if addr not in _GLOBAL_V6:
        return False
    return not any(addr in net for net in _BLOCKED_V6)


def _address_permitted(host: str, ip: str, port: int, policy: FetchPolicy) -> bool:
    """Return True when connecting to ``ip`` (resolved from ``host``) on ``port`` is allowed."""
    if is_public_address(ip):
        return True
    return any(e.allows(host, ip, port) for e in parse_allow_hosts(policy.allow_hosts))


def _host_allowed(host: str, port: int, policy: FetchPolicy) -> bool:
    """Return True when the host name itself is on the allow-list for ``port``."""
    return any(
        e.network is None and e.allows(host, "", port)
        for e in parse_allow_hosts(policy.allow_hosts)
    )


def _refused_address(host: str, address: str, port: int) -> str:
    """Say that an address is not public and which setting would open it."""
    shown = f"[{host}]" if ":" in host else host
    return (
        f'address {address} is not public; to fetch it anyway add "{shown}:{port}" to the '
        f"{ALLOW_SETTING} setting"
    )


def check_url(url: str, policy: FetchPolicy) -> None:
    """Check a URL's syntax before any request: scheme, userinfo, host form and port.

    A literal IP host is checked here; a host name is checked again on every resolved
    address when the connection is made.

    Args:
        url: the absolute URL to check.
        policy: gives the allow-list.

    Raises:
        BlockedURLError: the URL is malformed, not http/https, carries userinfo, has an
            empty, local or legacy-numeric host, a bad port, or a non-public literal address.
    """
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise BlockedURLError("invalid URL: it holds a space or a control character", url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BlockedURLError(f"invalid URL: {exc}", url) from None
    if parsed.scheme not in ("http", "https"):
        raise BlockedURLError(f"scheme {parsed.scheme!r} is not http or https", url)
    if parsed.userinfo:
        raise BlockedURLError("URLs with user names or passwords are refused", url)
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BlockedURLError(f"port {parsed.port} is out of range", url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        host = parsed.raw_host.decode("ascii").lower()
    except UnicodeDecodeError:
        raise BlockedURLError("host is not ASCII after IDNA encoding", url) from None
    if not host:
        raise BlockedURLError("empty host", url)
    if ":" in host:  # an IPv6 literal (httpx drops the brackets)
        if not _address_permitted(host, host, port, policy):
            raise BlockedURLError(_refused_address(host, host, port), url)
        return
    if "%" in host:  # a percent-escape in a name: "exa mple.com" arrives as exa%20mple.com
        raise BlockedURLError(f"invalid URL: malformed host {host!r}", url)
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        if not _address_permitted(host, host, port, policy):
            raise BlockedURLError(_refused_address(host, host, port), url)
        return
    _check_host_name(host, port, url, policy)


def _check_host_name(host: str, port: int, url: str, policy: FetchPolicy) -> None:
    """Refuse host names that are malformed, numeric in disguise, or local by definition."""
    name = normalise_host(host)
    labels = name.split(".")
    if len(name) > MAX_HOST_LENGTH or not all(HOST_LABEL.match(label) for label in labels):
        raise BlockedURLError(f"malformed host {host!r}", url)
    if _NUMERIC_LABEL.match(labels[-1]):
        raise BlockedURLError(f"host {host!r} is an IPv4 address in a legacy numeric form", url)
    if _host_allowed(name, port, policy):
        return
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        raise BlockedURLError(
            f"host {host!r} names a local machine or network; to fetch it anyway add "
            f'"{name}:{port}" to the {ALLOW_SETTING} setting',
            url,
        )


def resolve_host(host: str, port: int) -> list[str]:
    """Resolve a host name to its addresses with the system resolver.

    Args:
        host: a host name or a literal address.
        port: the TCP port (some resolvers use it to pick address families).

    Returns:
        The distinct addresses, in the resolver's order.

    Raises:
        OSError: the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


# ----------------------------------------------------------------------- network backend


class _Deadline(threading.local):
    """The deadline of the request the current thread is making (monotonic seconds)."""

    at: float | None = None


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits no longer than the time left."""

    def __init__(self, inner: httpcore.NetworkStream, backend: _GuardedBackend) -> None:
        """Wrap ``inner``; ``backend`` knows the current thread's deadline."""
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read from the socket, waiting at most until the request's deadline."""
        return self._inner.read(max_bytes, self._backend.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write to the socket, waiting at most until the request's deadline."""
        self._inner.write(buffer, self._backend.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the socket."""
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS (SNI and certificate checks use the host name, not the IP)."""
        timeout = self._backend.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, timeout), self._backend
        )

    def get_extra_info(self, info: str) -> Any:
        """Pass through socket details (peer address, TLS object)."""
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolve once, refuse non-public addresses, connect to the address just checked."""

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Callable[[str, int], list[str]],
        monotonic: Callable[[], float],
    ) -> None:
        """Keep the policy, the resolver and the clock used for deadlines."""
        self._policy = policy
        self._resolver = resolver
        self._monotonic = monotonic
        self._inner = httpcore.SyncBackend()
        self.deadline = _Deadline()

    def clamp(self, timeout: float | None, exc: type[Exception]) -> float | None:
        """Return the smaller of ``timeout`` and the time left; raise ``exc`` if none is."""
        at = self.deadline.at
        if at is None:  # outside a fetch (closing pooled connections): keep httpx's value
            return timeout
        left = at - self._monotonic()
        if left <= 0:
            raise exc("request deadline reached")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host``, check every address, then connect to a checked one."""
        try:
            addresses = self._resolver(host, port)
        except OSError as exc:
            raise FetchError(f"cannot resolve {host!r}: {exc}") from None
        if not addresses:
            raise FetchError(f"{host!r} resolves to no address")
        for address in addresses:
            if not _address_permitted(host, address, port, self._policy):
                raise BlockedURLError(
                    f"{host!r} resolves to a non-public address: "
                    + _refused_address(host, address, port)
                )
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=self.clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:  # try the next address, like happy eyeballs
                last = exc
                continue
            return _DeadlineStream(stream, self)
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Refuse: midweek never talks to local sockets."""
        raise BlockedURLError("unix sockets are refused")

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore uses it between its own connection retries, which are off)."""
        time.sleep(seconds)


# ----------------------------------------------------------------------------- decoding


def _zlib_pieces(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    """Inflate gzip/zlib data in pieces of at most DECODE_PIECE_BYTES."""
    gzip_format = wbits > zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    for chunk in chunks:
        data = chunk
        while data:
            if inflater.eof:
                # Another gzip member may follow (multi-member files are legal); anything
                # else after the end is trailing junk, which browsers ignore too.
                if not gzip_format or not GZIP_MAGIC.startswith(data[:2]):
                    return
                inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, DECODE_PIECE_BYTES)
            if out:
                yield out
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if not inflater.eof:
        tail = inflater.flush()
        if tail:
            yield tail


def _deflate_pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate 'deflate' data, which servers send either zlib-wrapped or raw."""
    iterator = iter(chunks)
    first = b""
    for chunk in iterator:
        first = chunk
        if chunk:
            break
    raw = not first or (first[0] & 0x0F) != zlib.DEFLATED  # no zlib header: raw deflate
    yield from _zlib_pieces(_prepend(first, iterator), -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """Yield ``first`` and then everything of ``rest``."""
    yield first
    yield from rest


def _brotli_pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decode brotli data in pieces of at most about DECODE_PIECE_BYTES."""
    decoder = brotli.Decompressor()
    for chunk in chunks:
        out = decoder.process(chunk, output_buffer_limit=DECODE_PIECE_BYTES)
        if out:
            yield out
        while not decoder.can_accept_more_data():
            out = decoder.process(b"", output_buffer_limit=DECODE_PIECE_BYTES)
            if not out:
                break
            yield out


def _decoded(raw: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """Undo the Content-Encoding of a body, lazily and in bounded pieces.

    Raises:
        FetchError: an encoding we did not ask for.
    """
    stream: Iterable[bytes] = raw
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding applied is undone first
        if coding in ("gzip", "x-gzip"):
            stream = _zlib_pieces(stream, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            stream = _deflate_pieces(stream)
        elif coding == "br":
            stream = _brotli_pieces(stream)
        elif coding != "identity":
            raise FetchError(f"unsupported content-encoding {coding!r}")
    yield from stream


# ------------------------------------------------------------------------------ fetcher


class HostGate(Protocol):
    """One place, shared by many processes, that decides when a host may be fetched again."""

    def reserve(self, host: str, gap_s: float, max_wait_s: float | None) -> float | None:
        """Reserve the host's next start: now or when its last start + gap has passed.

        Args:
            host: the normalised host name.
            gap_s: the least time between this start and the host's next one.
            max_wait_s: reserve nothing when the start would come later than this.

        Returns:
            Seconds to wait before starting (0 or more), or None when nothing was reserved.
        """
        ...


@dataclass(slots=True)
class _HostSlot:
    """Politeness state of one host: how many requests may run, and when the next starts."""

    semaphore: threading.BoundedSemaphore
    next_start: float = 0.0
    crawl_delay_s: float = 0.0  # from the host's robots.txt; 0 when none
    first_start: float | None = None  # when this host's first request began (budget)


@dataclass(slots=True)
class _Budget:
    """The deadline of one logical fetch, started lazily when its first request may begin.

    A robots.txt fetch gets its own budget whose ``parent`` is the page's, so it ends by
    the page's deadline too, and starting it starts the page's clock.
    """

    span_s: float
    parent: _Budget | None = None
    at: float | None = None

    def start(self, now: float) -> float:
        """Start the clock (and the parent's) if not running; return the deadline."""
        if self.at is None:
            self.at = now + self.span_s
        if self.parent is not None:
            return min(self.at, self.parent.start(now))
        return self.at

    def deadline(self) -> float | None:
        """The deadline so far: the earliest of the started clocks, None if none started."""
        own = self.at
        up = self.parent.deadline() if self.parent is not None else None
        if own is None or up is None:
            return own if up is None else up
        return min(own, up)


@dataclass(frozen=True, slots=True)
class _Redirect:
    """An attempt ended in a redirect to ``location`` (absolute)."""

    location: str


@dataclass(frozen=True, slots=True)
class _Retry:
    """An attempt ended in a retryable failure."""

    reason: str
    status: int = 0
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class _Request:
    """What one logical fetch needs besides the URL."""

    headers: dict[str, str]
    max_bytes: int
    check_type: bool
    check_robots: bool
    deadline_s: float
    retries: int


def _ssl_context(ca_bundle: str) -> ssl.SSLContext:
    """The system's trust store, plus the certificates of ``ca_bundle`` when set.

    Raises:
        ConfigError: the bundle cannot be read or holds no certificate.
    """
    context = httpx.create_ssl_context(trust_env=False)
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the CA bundle {ca_bundle}: {exc}") from None
    return context


class Fetcher:
    """A thread-safe HTTP client that enforces a :class:`FetchPolicy` on every request.

    Use one per process (or per pipeline run) and share it between threads; close it when
    done, or use it as a context manager.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),  # frozen, so one shared default is safe
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Callable[[str, int], list[str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = _utc_now,
        gate: HostGate | None = None,
    ) -> None:
        """Build the client.

        Args:
            policy: the limits and manners to enforce.
            transport: an httpx transport to use instead of the guarded network one (tests:
                ``httpx.MockTransport``). With it, resolved addresses are not checked; URL
                checks, limits and politeness still apply.
            resolver: ``(host, port) -> addresses``; defaults to :func:`resolve_host`.
            sleep: used for backoff and per-host delays.
            monotonic: the clock of deadlines and delays.
            clock: gives ``Page.fetched_at`` and turns Retry-After dates into delays.
            gate: decides the per-host gap instead of this process (several processes
                fetching the same hosts); the concurrency semaphore stays per process.
        """
        parse_allow_hosts(policy.allow_hosts)  # raises ConfigError on a bad entry, here
        self.policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock
        self._gate = gate
        self._backend = _GuardedBackend(policy, resolver or resolve_host, monotonic)
        if transport is None:
            guarded = httpx.HTTPTransport(trust_env=False)
            guarded._pool.close()
            guarded._pool = httpcore.ConnectionPool(
                ssl_context=_ssl_context(policy.ca_bundle),
                network_backend=self._backend,
            )
            transport = guarded
        # No cookie jar: each fetch is independent of the ones before it.
        jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            cookies=jar,
            headers={
                "User-Agent": policy.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
            },
        )
        self._lock = threading.Lock()
        self._hosts: dict[str, _HostSlot] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Fetcher:
        """Return self."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._client.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Page:
        """GET one URL under the policy.

        The deadline starts once the first request (the robots.txt of the first origin,
        or the page) may begin, so time spent queueing behind other requests to a busy
        host (per-host limits) is not counted; from then on it covers every hop, retry and
        robots.txt of the chain.

        Args:
            url: an absolute http or https URL.
            etag: the ETag of a previous fetch; sent as If-None-Match.
            last_modified: the Last-Modified of a previous fetch; sent as If-Modified-Since.

        Returns:
            A Page with the final URL, the raw (decoded from gzip/deflate/br but not from its
            charset) body, the status and lower-cased headers. A 304 answer gives a Page
            with status 304 and an empty body. ``content-encoding`` and ``content-length``
            are dropped from the headers because they no longer describe the body.

        Raises:
            BlockedURLError: the URL, a redirect target or a resolved address is refused.
            RobotsError: robots.txt disallows the URL (or a redirect target).
            TooManyRedirectsError: more than ``max_redirects`` redirects, or a loop.
            DeadlineError: the whole request took longer than ``deadline_s``.
            TooLargeError: the decompressed body is over ``max_bytes``.
            ContentTypeError: the content type is not on the allow-list.
            HTTPStatusError: a 4xx/5xx answer (after retries for the retryable ones).
            DeferredError: the host's queue is past ``host_budget_s``; nothing was sent.
            FetchError: connection failures after retries, bad encodings and the like;
                nothing but FetchError subclasses leaves this method.
        """
        headers: dict[str, str] = {"Accept": "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = _Request(
            headers=headers,
            max_bytes=self.policy.max_bytes,
            check_type=True,
            check_robots=self.policy.respect_robots,
            deadline_s=self.policy.deadline_s,
            retries=self.policy.retries,
        )
        try:
            return self._run(url, request, _Budget(request.deadline_s))
        except FetchError:
            raise
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol) as exc:
            raise BlockedURLError(f"invalid URL: {exc}", url) from None
        except (httpx.HTTPError, httpcore.ConnectError, httpcore.ProtocolError) as exc:
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}", url) from None
        except Exception as exc:  # the IO edge: a library bug on one URL must not stop a run
            logger.exception("unexpected error fetching %s", url)
            raise FetchError(f"request failed: {type(exc).__name__}: {exc}", url) from None

    # -- the request loop --------------------------------------------------------------

    def _run(self, url: str, request: _Request, budget: _Budget) -> Page:
        """Follow redirects and retries for one logical fetch until a Page or an error.

        One ``budget`` covers the whole chain: every hop, retry and robots.txt of each
        new origin.
        """
        current = url
        visited = {url}
        redirects = 0
        retries_used = 0
        while True:
            check_url(current, self.policy)
            if request.check_robots:
                self._check_robots(current, budget)
            host = normalise_host(httpx.URL(current).host)
            slot = self._acquire(host, budget.deadline())
            try:
                deadline = budget.start(self._monotonic())
                outcome = self._attempt(url, current, request, deadline)
            except BlockedURLError as exc:  # raised by the backend, which knows no URL
                exc.url = exc.url or current
                raise
            finally:
                slot.semaphore.release()
            if isinstance(outcome, Page):
                return outcome
            if isinstance(outcome, _Redirect):
                redirects += 1
                target = outcome.location
                if target in visited:
                    raise TooManyRedirectsError(f"redirect loop back to {target}", current)
                if redirects > self.policy.max_redirects:
                    raise TooManyRedirectsError(
                        f"more than {self.policy.max_redirects} redirects", current
                    )
                visited.add(target)
                logger.debug("redirect %s -> %s", current, target)
                current = target
                continue
            if retries_used >= request.retries:
                if outcome.status:
                    raise HTTPStatusError(
                        f"HTTP {outcome.status} after {retries_used} retries",
                        current,
                        outcome.status,
                    )
                raise FetchError(f"{outcome.reason} after {retries_used} retries", current)
            wait = BACKOFF_BASE_S * 2**retries_used
            if outcome.retry_after is not None:
                wait = min(outcome.retry_after, RETRY_AFTER_CAP_S)
            if self._monotonic() + wait >= deadline:
                if outcome.status:
                    raise HTTPStatusError(
                        f"HTTP {outcome.status}; waiting {wait:.1f} s would pass the deadline",
                        current,
                        outcome.status,
                    )
                raise DeadlineError(f"{outcome.reason}; no time left to retry", current)
            retries_used += 1
            logger.info("retry %d of %s in %.1f s: %s", retries_used, current, wait, outcome.reason)
            self._sleep(wait)

    def _slot(self, host: str) -> _HostSlot:
        """The politeness state of ``host``, created on first use."""
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = _HostSlot(threading.BoundedSemaphore(self.policy.per_host_concurrency))
                self._hosts[host] = slot
            return slot

    def _acquire(self, host: str, deadline: float | None) -> _HostSlot:
        """Take one of the host's concurrency slots and wait for its next start time.

        Raises:
            DeadlineError: the slot or the start time comes after the deadline.
        """
        slot = self._slot(host)
        if deadline is None:
            slot.semaphore.acquire()
        elif not slot.semaphore.acquire(timeout=max(0.0, deadline - self._monotonic())):
            raise DeadlineError(f"no free connection slot for {host} before the deadline")
        if self._gate is not None:
            return self._gated(host, slot, deadline)
        # Reserve a start time under the lock, then wait outside it: other hosts proceed.
        with self._lock:
            now = self._monotonic()
            start = max(now, slot.next_start)
            if slot.first_start is None:
                slot.first_start = start
            cap = self.policy.host_budget_s
            if cap and start > slot.first_start + cap:
                slot.semaphore.release()
                raise DeferredError(
                    f"deferred to the next run: {host}'s queue (Crawl-delay "
                    f"{slot.crawl_delay_s:g} s) is past the {cap:g} s host budget"
                )
            slot.next_start = start + max(self.policy.per_host_delay_s, slot.crawl_delay_s)
        wait = start - now
        if wait > 0:
            if deadline is not None and now + wait >= deadline:
                slot.semaphore.release()
                raise DeadlineError(f"per-host delay for {host} would pass the deadline")
            self._sleep(wait)
        return slot

    def _gated(self, host: str, slot: _HostSlot, deadline: float | None) -> _HostSlot:
        """Wait for the start time the shared gate gives (the slot is held).

        The host budget is the longest the gate's queue may hold this request.

        Raises:
            DeferredError: the queue is longer than ``host_budget_s``.
            DeadlineError: the start would pass the deadline.
        """
        assert self._gate is not None
        gap = max(self.policy.per_host_delay_s, slot.crawl_delay_s)
        cap = self.policy.host_budget_s or None
        left = None if deadline is None else max(0.0, deadline - self._monotonic())
        limits = [x for x in (cap, left) if x is not None]
        try:
            wait = self._gate.reserve(host, gap, min(limits) if limits else None)
        except Exception:
            slot.semaphore.release()
            raise
        if wait is None:
            slot.semaphore.release()
            if cap is not None and (left is None or cap < left):
                raise DeferredError(
                    f"deferred to the next run: {host}'s shared queue (gap {gap:g} s) is past "
                    f"the {cap:g} s host budget"
                )
            raise DeadlineError(f"per-host delay for {host} would pass the deadline")
        if wait > 0:
            self._sleep(wait)
        return slot

    def _attempt(
        self, requested: str, url: str, request: _Request, deadline: float
    ) -> Page | _Redirect | _Retry:
        """Send one GET and turn its answer into a Page, a redirect or a retry."""
        left = deadline - self._monotonic()
        if left <= 0:
            raise DeadlineError("request deadline reached", url)
        built = self._client.build_request(
            "GET", url, headers=request.headers, timeout=httpx.Timeout(left)
        )
        self._backend.deadline.at = deadline
        try:
            try:
                response = self._client.send(built, stream=True)
            except httpx.TimeoutException:
                raise DeadlineError("request deadline reached", url) from None
            except httpx.InvalidURL as exc:  # httpx reads the Location of every redirect
                raise BlockedURLError(f"bad redirect target: {exc}", url) from None
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
                # the request could not even be written for this URL (bad scheme, a
                # header httpx refuses to send): the URL is refused, not retried
                raise BlockedURLError(f"invalid URL: {exc}", url) from None
            except httpx.RemoteProtocolError as exc:
                if "location header" in str(exc).lower():
                    raise BlockedURLError(f"bad redirect target: {exc}", url) from None
                return _Retry(f"connection failed: {exc or type(exc).__name__}")
            except (httpx.ConnectError, httpx.ReadError) as exc:
                return _Retry(f"connection failed: {exc or type(exc).__name__}")
            except httpx.HTTPError as exc:
                raise FetchError(f"request failed: {exc}", url) from None
            try:
                return self._answer(requested, url, response, request, deadline)
            finally:
                response.close()
        finally:
            self._backend.deadline.at = None

    def _answer(
        self,
        requested: str,
        url: str,
        response: httpx.Response,
        request: _Request,
        deadline: float,
    ) -> Page | _Redirect | _Retry:
        """Interpret a response whose headers have arrived."""
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location", "").strip()
            if not location:
                raise HTTPStatusError(f"HTTP {status} without a Location", url, status)
            try:
                target = str(httpx.URL(url).join(location))
            except (httpx.InvalidURL, ValueError) as exc:
                raise BlockedURLError(f"bad redirect target {location!r}: {exc}", url) from None
            return _Redirect(target)
        if status in RETRY_STATUSES:
            retry_after = self._retry_after(response.headers.get("retry-after"))
            return _Retry(f"HTTP {status}", status, retry_after)
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304:
            return Page(
                url=url,
                requested_url=requested,
                body=b"",
                status=304,
                headers=headers,
                fetched_at=self._clock(),
            )
        if status >= 400:
            raise HTTPStatusError(f"HTTP {status}", url, status)
        if request.check_type:
            self._check_content_type(url, headers.get("content-type", ""))
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > request.max_bytes:
            raise TooLargeError(
                f"Content-Length {length} is over the {request.max_bytes}-byte cap", url
            )
        body = self._read_body(
            url, response, headers.get("content-encoding", ""), request, deadline
        )
        headers.pop("content-encoding", None)
        headers.pop("content-length", None)
        return Page(
            url=url,
            requested_url=requested,
            body=body,
            status=status,
            headers=headers,
            fetched_at=self._clock(),
        )

    def _read_body(
        self,
        url: str,
        response: httpx.Response,
        content_encoding: str,
        request: _Request,
        deadline: float,
    ) -> bytes:
        """Stream, decode and cap the body, checking the deadline between pieces.

        ``iter_raw()`` is used without a chunk size on purpose: with one, httpx holds data
        back until a whole chunk has arrived, and a trickle would never reach the check.
        """
        buffer = bytearray()
        try:
            for piece in _decoded(response.iter_raw(), content_encoding):
                buffer += piece
                if len(buffer) > request.max_bytes:
                    raise TooLargeError(
                        f"body is over the {request.max_bytes}-byte cap (decompressed)", url
                    )
                if self._monotonic() > deadline:
                    raise DeadlineError("request deadline reached while reading the body", url)
        except httpx.TimeoutException:
            raise DeadlineError("request deadline reached while reading the body", url) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"reading the body failed: {exc}", url) from None
        except (zlib.error, brotli.error) as exc:
            raise FetchError(f"corrupt compressed body: {exc}", url) from None
        if self._monotonic() > deadline:
            raise DeadlineError("request deadline reached while reading the body", url)
        return bytes(buffer)

    def _check_content_type(self, url: str, content_type: str) -> None:
        """Refuse media types off the allow-list (a missing type is let through).

        Raises:
            ContentTypeError: the type is not allowed for this URL.
        """
        media = content_type.split(";", 1)[0].strip().lower()
        if not media or media in self.policy.content_types:
            return
        path = httpx.URL(url).path.lower()
        if media == OCTET_STREAM and path.endswith(OCTET_STREAM_SUFFIXES):
            return
        raise ContentTypeError(f"content type {media!r} is not allowed", url)

    def _retry_after(self, value: str | None) -> float | None:
        """Parse Retry-After (seconds or an HTTP date) into seconds from now, or None."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - self._clock()).total_seconds())

    # -- robots.txt --------------------------------------------------------------------

    @property
    def _robots_agent(self) -> str:
        """The product token robots.txt groups are matched against ("midweek")."""
        return self.policy.user_agent.split("/", 1)[0].strip() or "*"

    def _check_robots(self, url: str, budget: _Budget) -> None:
        """Raise RobotsError when the host's robots.txt disallows ``url``."""
        parsed = httpx.URL(url)
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        if parsed.path == "/robots.txt":
            return
        try:
            parser = self._robots_for(origin, budget)
        except BlockedURLError as exc:  # the origin itself is refused: so is the page
            raise BlockedURLError(str(exc), url) from None
        if parser is not None and not parser.can_fetch(self._robots_agent, url):
            raise RobotsError(f"robots.txt of {origin} disallows this URL", url)

    def _robots_for(
        self, origin: str, budget: _Budget
    ) -> urllib.robotparser.RobotFileParser | None:
        """Return the cached robots.txt rules of an origin, fetching them at most once.

        None means "no rules" (missing, unreadable or unreachable robots.txt).

        Raises:
            DeadlineError: the page's deadline passed while robots.txt was awaited.
        """
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
            cached = self._robots.get(origin)
        if cached is not None and self._monotonic() - cached[0] < ROBOTS_TTL_S:
            return cached[1]
        deadline = budget.deadline()
        timeout = -1.0 if deadline is None else max(0.0, deadline - self._monotonic())
        if not lock.acquire(timeout=timeout):  # another thread is fetching it, too slowly
            raise DeadlineError(f"request deadline reached waiting for {origin}/robots.txt")
        try:  # one thread fetches; the others wait for its answer
            cached = self._robots.get(origin)
            if cached is not None and self._monotonic() - cached[0] < ROBOTS_TTL_S:
                return cached[1]
            parser = self._fetch_robots(origin, budget)
            self._robots[origin] = (self._monotonic(), parser)
            return parser
        finally:
            lock.release()

    def _fetch_robots(
        self, origin: str, budget: _Budget
    ) -> urllib.robotparser.RobotFileParser | None:
        """Fetch and parse one robots.txt through the same guarded path."""
        url = f"{origin}/robots.txt"
        request = _Request(
            headers={"Accept": "text/plain, */*;q=0.5"},
            max_bytes=ROBOTS_MAX_BYTES,
            check_type=False,
            check_robots=False,
            deadline_s=min(ROBOTS_DEADLINE_S, self.policy.deadline_s),
            retries=0,
        )
        own = _Budget(request.deadline_s, parent=budget)
        try:
            page = self._run(url, request, own)
        except DeferredError:
            raise  # the host's queue is full: so is the page's turn; ask again next run
        except DeadlineError:
            left = budget.deadline()
            if left is not None and self._monotonic() >= left:
                raise  # the page's own time is gone: no answer to cache
            logger.warning("robots.txt of %s too slow; treating as allowed", origin)
            return None
        except BlockedURLError as exc:
            if exc.url == url:  # refused before any redirect: the whole origin is refused
                raise
            logger.warning("robots.txt of %s redirects to a refused URL (%s)", origin, exc)
            return None
        except HTTPStatusError as exc:
            if exc.status >= 500:
                logger.warning(
                    "robots.txt of %s answered %d; treating as allowed", origin, exc.status
                )
            return None  # RFC 9309 sec. 2.3.1.3: a 4xx robots.txt means no rules
        except FetchError as exc:
            logger.warning("robots.txt of %s unreadable (%s); treating as allowed", origin, exc)
            return None
        if page.status != 200:
            return None
        parser = urllib.robotparser.RobotFileParser(url)
        parser.parse(page.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self._robots_agent)
        if delay is not None:
            slot = self._slot(normalise_host(httpx.URL(origin).host))
            slot.crawl_delay_s = min(float(delay), CRAWL_DELAY_CAP_S)
            logger.info("robots.txt of %s asks %s s between requests", origin, delay)
        return parser
