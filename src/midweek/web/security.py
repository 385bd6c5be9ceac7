"""What keeps the site honest: signed reader ids, CSRF tokens, throttles, headers, secrets.

A reader is whoever holds a reader-id cookie we signed (HMAC-SHA256, stdlib ``hmac``):
never an address, never ``X-Forwarded-For`` or any other header (Miniflux
CVE-2023-27591). The cookie also carries the reader's birth time under the signature, so
a vote can ask for a reader that has existed for a while (a bot that mints a cookie and
votes at once is refused) without any table of readers. The CSRF token on a form is an
HMAC of that reader id under a second key, so a page on another site can neither read nor
forge it, and a cross-site POST (which SameSite=Lax strips of the cookie anyway) is
refused. New readers and votes are throttled per client network (/24, /64) and votes per
reader by in-memory token buckets; the client address is the socket's peer, rewritten
from ``X-Forwarded-For`` only when the peer is one of the configured ``trusted_proxies``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from midweek.errors import ConfigError
from midweek.store.users import LoginPolicy

if TYPE_CHECKING:
    from midweek.settings import Settings

logger = logging.getLogger(__name__)

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "IPV4_PREFIX",
    "IPV6_PREFIX",
    "MIN_SECRET_LENGTH",
    "SECRET_FILE",
    "AbuseLimits",
    "Reader",
    "ReaderSigner",
    "SecurityHeadersMiddleware",
    "TokenBucket",
    "load_or_create_secret",
    "network_of",
    "parse_trusted_proxies",
]

# 32 characters of token_urlsafe carry 192 bits: more than HMAC-SHA256 needs.
MIN_SECRET_LENGTH: Final = 32
# The workspace file that keeps a generated key across restarts (mode 0600).
SECRET_FILE: Final = ".midweek-secret"  # noqa: S105 (a file name, not a secret)
# 128 random bits per reader: collisions are out of reach at any readership.
READER_ID_BYTES: Final = 16
# The network one client stands for: a /24 is the smallest IPv4 block routed on the
# Internet (one office, household NAT or hosting rack); a /64 is the smallest IPv6 subnet
# an ISP hands a subscriber (RFC 6177, RIPE-690), so one machine can hold all of it.
IPV4_PREFIX: Final = 24
IPV6_PREFIX: Final = 64
# Longest text kept of a peer that is not an IP address (a test client's name, a socket).
MAX_HOST_KEY: Final = 64

# Defaults of the settings of the same names (docs/settings.md; a test checks they agree).
# A real reader loads the page and reads before voting: 30 s is shorter than reading any
# review's intro, longer than a script that fetches the page and posts at once.
RATING_MIN_READER_AGE_S: Final = 30.0
# New readers one network may mint: 60 at once (a newsroom or a class opening the link
# together), then one per 10 s (8,640 a day: a busy carrier NAT still gets in).
NEW_READERS_BURST: Final = 60.0
NEW_READERS_REFILL_S: Final = 10.0
# Votes one network may cast: 20 at once, then one per 30 s (2,880 a day). The abuse run
# of issue 11 got 60 in at once and ~86,000 a day from one address.
NETWORK_VOTES_BURST: Final = 20.0
NETWORK_VOTES_REFILL_S: Final = 30.0
# A reader may change their mind a few times in a row, then one vote per 10 s.
READER_VOTES_BURST: Final = 5.0
READER_VOTES_REFILL_S: Final = 10.0
# Password checks (argon2id, ~64 MiB and tens of ms of CPU each) running at once: 4 keeps
# a small server answering pages while a login burst is hashed.
LOGIN_CONCURRENT_CHECKS: Final = 4

# Our own files only: the one script (the rating form's enhancement, static/rating.js; no
# inline script, no eval), the stylesheet, fetches and forms only to us, never framed.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def _b64(data: bytes) -> str:
    """URL-safe base64 without padding (fits a cookie and a form field)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader from a cookie we signed: the id and when it was minted.

    ``born`` is None for a cookie signed before birth times were (``id.signature``): such a
    reader keeps its id and gets a new cookie with a fresh birth time.
    """

    id: str
    born: datetime | None


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    """The site's limits on readers, votes and logins (the settings of the same names)."""

    rating_min_reader_age_s: float = RATING_MIN_READER_AGE_S
    new_readers_burst: float = NEW_READERS_BURST
    new_readers_refill_s: float = NEW_READERS_REFILL_S
    network_votes_burst: float = NETWORK_VOTES_BURST
    network_votes_refill_s: float = NETWORK_VOTES_REFILL_S
    reader_votes_burst: float = READER_VOTES_BURST
    reader_votes_refill_s: float = READER_VOTES_REFILL_S
    login_concurrent_checks: int = LOGIN_CONCURRENT_CHECKS
    login: LoginPolicy = field(default_factory=LoginPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> AbuseLimits:
        """The limits a workspace's settings ask for.

        Args:
            settings: The resolved settings.

        Returns:
            The limits.

        Raises:
            ConfigError: a limit that is not positive.
        """
        limits = cls(
            rating_min_reader_age_s=settings.rating_min_reader_age_s,
            new_readers_burst=settings.new_readers_burst,
            new_readers_refill_s=settings.new_readers_refill_s,
            network_votes_burst=settings.network_votes_burst,
            network_votes_refill_s=settings.network_votes_refill_s,
            login_concurrent_checks=settings.login_concurrent_checks,
            login=LoginPolicy(
                free_attempts=settings.login_attempts_before_backoff,
                backoff_max_s=settings.login_backoff_max_s,
            ),
        )
        positive = (
            limits.new_readers_burst,
            limits.new_readers_refill_s,
            limits.network_votes_burst,
            limits.network_votes_refill_s,
            limits.login_concurrent_checks,
            limits.login.free_attempts,
            limits.login.backoff_max_s,
        )
        if limits.rating_min_reader_age_s < 0 or any(not v > 0 for v in positive):
            raise ConfigError("the reader, vote and login limits must be positive numbers")
        return limits


def network_of(host: str | None) -> str:
    """The network a client address stands for: its /24 (IPv4) or /64 (IPv6).

    An IPv4-mapped IPv6 address counts as its IPv4 address; a peer that is not an IP
    address (a test client, a Unix socket) is its own key.

    Args:
        host: The client's address as the server sees it.

    Returns:
        A key such as ``192.0.2.0/24`` or ``2001:db8::/64``.
    """
    try:
        ip = ipaddress.ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return "host:" + (host or "unknown")[:MAX_HOST_KEY]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(ip), IPV4_PREFIX), strict=False))
    return str(ipaddress.IPv6Network((int(ip), IPV6_PREFIX), strict=False))


def parse_trusted_proxies(entries: Iterable[str]) -> tuple[str, ...]:
    """The ``trusted_proxies`` setting as networks uvicorn's middleware understands.

    Args:
        entries: Addresses or CIDR networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``).

    Returns:
        Each entry as a network (``127.0.0.1/32``); host bits of a network are dropped.

    Raises:
        ConfigError: an entry that is neither (``*`` included: trusting every client is
            what this setting exists to prevent).
    """
    out = []
    for entry in entries:
        try:
            out.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError:
            raise ConfigError(
                f"trusted_proxies: {entry!r} is not an IP address or network"
            ) from None
    return tuple(out)


class ReaderSigner:
    """Mints and checks signed reader ids and the CSRF tokens bound to them."""

    def __init__(self, secret_key: str) -> None:
        """Derive one key per purpose from the site's secret.

        Raises:
            ConfigError: the secret is shorter than :data:`MIN_SECRET_LENGTH`.
        """
        if len(secret_key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"the site's secret key must be at least {MIN_SECRET_LENGTH} characters"
            )
        root = secret_key.encode("utf-8")
        # Separate keys: a cookie signature can never double as a CSRF token.
        self._reader_key = hmac.new(root, b"midweek reader-id v1", hashlib.sha256).digest()
        self._born_key = hmac.new(root, b"midweek reader-id v2", hashlib.sha256).digest()
        self._csrf_key = hmac.new(root, b"midweek csrf v1", hashlib.sha256).digest()

    def _sign(self, key: bytes, value: str) -> str:
        """HMAC-SHA256 of ``value`` under ``key``, base64url."""
        return _b64(hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest())

    def new_id(self) -> str:
        """A fresh random reader id (32 hex digits)."""
        return secrets.token_hex(READER_ID_BYTES)

    def cookie_for(self, reader_id: str, born: datetime) -> str:
        """The cookie value of a reader: ``id.birth.signature`` (birth in Unix seconds)."""
        payload = f"{reader_id}.{int(born.timestamp())}"
        return f"{payload}.{self._sign(self._born_key, payload)}"

    def new_cookie(self, born: datetime) -> tuple[str, str]:
        """A fresh reader, born at ``born``.

        Args:
            born: The time it is minted (the site's clock).

        Returns:
            (reader id, cookie value).
        """
        reader_id = self.new_id()
        return reader_id, self.cookie_for(reader_id, born)

    def read_cookie(self, cookie: str | None) -> Reader | None:
        """The reader of a cookie we signed, or None for anything else.

        Args:
            cookie: The raw cookie value.

        Returns:
            The reader, with its birth time when the cookie carries one.
        """
        if not cookie or not 1 <= cookie.count(".") <= 2:
            return None
        parts = cookie.split(".")
        reader_id, signature = parts[0], parts[-1]
        if len(reader_id) != 2 * READER_ID_BYTES or not all(
            c in "0123456789abcdef" for c in reader_id
        ):
            return None
        if len(parts) == 2:  # signed before birth times were
            expected = self._sign(self._reader_key, reader_id)
            return Reader(reader_id, None) if hmac.compare_digest(expected, signature) else None
        born = parts[1]
        if not (born.isascii() and born.isdigit() and len(born) <= 12):
            return None
        expected = self._sign(self._born_key, f"{reader_id}.{born}")
        if not hmac.compare_digest(expected, signature):
            return None
        return Reader(reader_id, datetime.fromtimestamp(int(born), UTC))

    def reader_from_cookie(self, cookie: str | None) -> str | None:
        """The reader id of a cookie we signed, or None for anything else.

        Args:
            cookie: The raw cookie value.

        Returns:
            The reader id when the signature checks out.
        """
        reader = self.read_cookie(cookie)
        return reader.id if reader is not None else None

    def csrf_token(self, reader_id: str) -> str:
        """The form token of a reader."""
        return self._sign(self._csrf_key, reader_id)

    def check_csrf(self, reader_id: str, token: str | None) -> bool:
        """Whether ``token`` is this reader's form token (constant-time)."""
        if not token:
            return False
        return hmac.compare_digest(self.csrf_token(reader_id), token)


class TokenBucket:
    """Per-key token buckets in memory: ``capacity`` at once, one more every ``refill_s``.

    Bounded: past ``max_keys`` the least recently seen key is forgotten (it comes back
    with a full bucket, which errs on the side of letting a reader vote). One process
    only; several workers each keep their own buckets.
    """

    def __init__(self, capacity: float, refill_s: float, max_keys: int) -> None:
        """Set the limits."""
        self.capacity = capacity
        self.refill_s = refill_s
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        """Take one token for ``key`` at monotonic time ``now``; False when none is left."""
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + max(0.0, now - last) / self.refill_s)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return allowed


class SecurityHeadersMiddleware:
    """Adds the CSP and the other hardening headers to every HTTP response (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap an ASGI app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            """Append the headers a handler did not set itself."""
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _read_secret(path: Path) -> str:
    """The key in an existing secret file, refused when others may read it."""
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is readable by others: run `chmod 600 {path}`")
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds a key shorter than {MIN_SECRET_LENGTH} characters")
    return secret


def load_or_create_secret(workspace: Path) -> str:
    """The site's secret kept in ``workspace/.midweek-secret``, made (mode 0600) if missing.

    Args:
        workspace: The workspace folder.

    Returns:
        The secret key.

    Raises:
        ConfigError: the file is readable by others, or holds too short a key.
    """
    path = workspace / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    logger.info("generated the site's secret key in %s", path)
    return secret
