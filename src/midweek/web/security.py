"""What keeps the site honest: signed reader ids, CSRF tokens, throttles, headers, secrets.

A reader is whoever holds a reader-id cookie we signed (HMAC-SHA256, stdlib ``hmac``):
never an address, never ``X-Forwarded-For`` or any other header (Miniflux
CVE-2023-27591). The CSRF token on a form is an HMAC of that reader id under a second
key, so a page on another site can neither read nor forge it, and a cross-site POST (which
SameSite=Lax strips of the cookie anyway) is refused. Votes are throttled per reader and
per client address by in-memory token buckets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import stat
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "MIN_SECRET_LENGTH",
    "SECRET_FILE",
    "ReaderSigner",
    "SecurityHeadersMiddleware",
    "TokenBucket",
    "load_or_create_secret",
]

# 32 characters of token_urlsafe carry 192 bits: more than HMAC-SHA256 needs.
MIN_SECRET_LENGTH: Final = 32
# The workspace file that keeps a generated key across restarts (mode 0600).
SECRET_FILE: Final = ".midweek-secret"  # noqa: S105 (a file name, not a secret)
# 128 random bits per reader: collisions are out of reach at any readership.
READER_ID_BYTES: Final = 16

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
        self._csrf_key = hmac.new(root, b"midweek csrf v1", hashlib.sha256).digest()

    def _sign(self, key: bytes, value: str) -> str:
        """HMAC-SHA256 of ``value`` under ``key``, base64url."""
        return _b64(hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest())

    def new_cookie(self) -> tuple[str, str]:
        """A fresh reader.

        Returns:
            (reader id, cookie value ``id.signature``).
        """
        reader_id = secrets.token_hex(READER_ID_BYTES)
        return reader_id, f"{reader_id}.{self._sign(self._reader_key, reader_id)}"

    def reader_from_cookie(self, cookie: str | None) -> str | None:
        """The reader id of a cookie we signed, or None for anything else.

        Args:
            cookie: The raw cookie value.

        Returns:
            The reader id when the signature checks out.
        """
        if not cookie or cookie.count(".") != 1:
            return None
        reader_id, signature = cookie.split(".")
        if len(reader_id) != 2 * READER_ID_BYTES or not all(
            c in "0123456789abcdef" for c in reader_id
        ):
            return None
        expected = self._sign(self._reader_key, reader_id)
        return reader_id if hmac.compare_digest(expected, signature) else None

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
