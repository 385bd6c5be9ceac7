"""Editor accounts, login throttling and sessions of the desk.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, the RFC 9106 low-memory
profile); a login for an unknown or disabled name still verifies a dummy hash, so the
answer takes as long and reads the same as for a wrong password. Password checks are
counted per (name, network) and per network in the database (so every worker process
sees them), and admitted before the check in one transaction (insert-then-check): the
first :attr:`LoginPolicy.free_attempts` are free, then each waits twice as long as the
one before, up to :attr:`LoginPolicy.backoff_max_s`. Nothing is locked by name alone, so
wrong passwords from one network never keep an editor out from another. At most a
bounded number of argon2 checks run at once (a semaphore). A session id is 256 random
bits; the table keeps only its SHA-256.

The reviews on the desk are :mod:`midweek.store.desk`; the pure edits of a review are
:mod:`midweek.edit`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row

from midweek.errors import ConfigError
from midweek.store.db import Store
from midweek.store.editor_schema import (
    NETWORK_KEY_LENGTH,
    USER_NAME_LENGTH,
    editor_sessions,
    login_throttle,
    users,
)

logger = logging.getLogger(__name__)

__all__ = [
    "LOGIN_FREE_ATTEMPTS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SESSION_TTL",
    "LoginPolicy",
    "LoginResult",
    "User",
    "add_user",
    "authenticate",
    "check_user_name",
    "create_session",
    "delete_session",
    "list_users",
    "remove_user",
    "session_user",
]

# ASVS 4.0 V2.1.1 asks for at least 12 characters; V2.1.2 allows at least 64 and at most
# 128 — 256 leaves room for passphrases while bounding the argon2 input.
MIN_PASSWORD_LENGTH: Final = 12
MAX_PASSWORD_LENGTH: Final = 256
# Password checks from one network for one name before the back-off starts (the brief's
# ten, well under NIST SP 800-63B 5.2.2's ceiling of 100 consecutive failures).
LOGIN_FREE_ATTEMPTS: Final = 10
# Checks from one network across every name (password spraying) before its back-off.
LOGIN_NETWORK_FREE_ATTEMPTS: Final = 50
# The first wait after the free attempts; each further check doubles it.
LOGIN_BACKOFF_BASE_S: Final = 1.0
# The longest wait between two checks (15 min: OWASP's Authentication Cheat Sheet example
# of a lockout period), so a guesser gets ~96 tries a day per (name, network).
LOGIN_BACKOFF_MAX_S: Final = 900.0
# A (name, network) quiet this long starts afresh (a day: longer than the longest wait).
LOGIN_FORGET_AFTER_S: Final = 24 * 3600.0
# How long an attempt waits for a free password-check slot before it is told to retry.
LOGIN_CHECK_WAIT_S: Final = 10.0
# Checks running at once when the caller passes no semaphore of its own.
DEFAULT_CONCURRENT_CHECKS: Final = 4
# An absolute session lifetime of a working day (OWASP Session Management Cheat Sheet:
# 4–8 hours for an application of this kind); the editor logs in again after it.
SESSION_TTL: Final = timedelta(hours=8)
# 32 random bytes: 256 bits, past any guessing (OWASP asks for at least 64 bits).
SESSION_ID_BYTES: Final = 32

PASSWORD_HASHER: PasswordHasher = PasswordHasher()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


@dataclass(frozen=True, slots=True)
class User:
    """An editor account (its hash never leaves this module)."""

    id: int
    name: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a login: the user, or None.

    ``locked`` when the back-off (or a full set of password-check slots) refused it
    before any check, with ``retry_after_s`` saying when to come back.
    """

    user: User | None
    locked: bool = False
    retry_after_s: float = 0.0


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How password checks are admitted per (name, network) and per network."""

    free_attempts: int = LOGIN_FREE_ATTEMPTS
    network_free_attempts: int = LOGIN_NETWORK_FREE_ATTEMPTS
    backoff_base_s: float = LOGIN_BACKOFF_BASE_S
    backoff_max_s: float = LOGIN_BACKOFF_MAX_S
    forget_after_s: float = LOGIN_FORGET_AFTER_S
    check_wait_s: float = LOGIN_CHECK_WAIT_S

    def wait_s(self, checks: int, free: int) -> float:
        """How long after the last check the next one may run, ``checks`` admitted so far.

        Args:
            checks: Checks admitted in the current run of attempts.
            free: Checks allowed before the back-off starts.

        Returns:
            Seconds (0 while free attempts are left).
        """
        if checks < free:
            return 0.0
        exponent = min(checks - free, 64)  # 2**64 s is past any maximum already
        return float(min(self.backoff_max_s, self.backoff_base_s * 2.0**exponent))


# -- users ------------------------------------------------------------------------------
def _user(row: Row[Any]) -> User:
    """A users row as a User."""
    return User(int(row.id), row.name, row.created_at, bool(row.disabled))


def check_user_name(name: str) -> str:
    """A valid login name, stripped.

    Raises:
        ConfigError: empty, too long, or with characters outside ``A-Z a-z 0-9 . _ @ -``.
    """
    name = name.strip()
    if not name or len(name) > USER_NAME_LENGTH or not _NAME.match(name):
        raise ConfigError(
            f"a user name is 1–{USER_NAME_LENGTH} characters of A-Z, a-z, 0-9, '.', '_', '@', "
            "'-', starting with a letter or digit"
        )
    return name


def add_user(
    store: Store, name: str, password: str, *, now: datetime, hasher: PasswordHasher | None = None
) -> User:
    """Create an editor account.

    Args:
        store: The store.
        name: The login name.
        password: The password (:data:`MIN_PASSWORD_LENGTH`..:data:`MAX_PASSWORD_LENGTH`).
        now: The creation time.
        hasher: The argon2 hasher (default :data:`PASSWORD_HASHER`).

    Returns:
        The new user.

    Raises:
        ConfigError: a bad name or password, or the name is taken.
    """
    name = check_user_name(name)
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ConfigError(
            f"a password is {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} characters long"
        )
    digest = (hasher or PASSWORD_HASHER).hash(password)
    stmt = (
        store.insert_for(users)
        .values(name=name, password_hash=digest, created_at=now, disabled=False)
        .on_conflict_do_nothing()
        .returning(users.c.id)
    )
    with store.write() as conn:
        new_id = conn.execute(stmt).scalar_one_or_none()
    if new_id is None:
        raise ConfigError(f"there is already a user named {name!r}")
    return User(int(new_id), name, now, False)


def list_users(store: Store) -> list[User]:
    """Every account, by name."""
    with store.engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]


def remove_user(store: Store, name: str) -> bool:
    """Delete an account and its sessions (its audit entries stay, by name).

    Returns:
        Whether the user existed.
    """
    with store.write() as conn:
        return conn.execute(delete(users).where(users.c.name == name.strip())).rowcount > 0


# -- login throttling and sessions -------------------------------------------------------
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so timing tells nothing."""
    return PASSWORD_HASHER.hash(secrets.token_urlsafe(16))


_DEFAULT_CHECKS = threading.BoundedSemaphore(DEFAULT_CONCURRENT_CHECKS)
# The subject of the per-network row (every name): no name can be "*" (check_user_name).
_ANY_NAME: Final = "*"


def _admit(
    store: Store,
    subjects: Sequence[tuple[str, int]],
    network: str,
    policy: LoginPolicy,
    now: datetime,
) -> float:
    """Count one password check for each subject, unless a back-off refuses it.

    One transaction: each (subject, network) row is upserted first, which creates it or
    locks it (PostgreSQL's ``ON CONFLICT DO UPDATE`` takes the row lock; SQLite's
    ``BEGIN IMMEDIATE`` the database's), then read, then the counts are raised only when
    every subject admits the check. Concurrent attempts are therefore decided one after
    the other, each seeing the checks admitted before it.

    Args:
        store: The store.
        subjects: (subject, free attempts) pairs, locked in this order.
        network: The client's network.
        policy: The back-off.
        now: The time of the attempt.

    Returns:
        0 when admitted, else the seconds until a check may run.
    """
    t = login_throttle
    wait = 0.0
    counts: list[tuple[str, int, int]] = []
    with store.write() as conn:
        for subject, free in subjects:
            stmt = (
                store.insert_for(t)
                .values(subject=subject, network=network, checks=0, last_at=now)
                .on_conflict_do_update(
                    index_elements=[t.c.subject, t.c.network], set_={"checks": t.c.checks}
                )
                .returning(t.c.checks, t.c.last_at)
            )
            checks, last_at = conn.execute(stmt).one()
            quiet = (now - last_at).total_seconds()
            checks = 0 if quiet >= policy.forget_after_s else int(checks)
            wait = max(wait, policy.wait_s(checks, free) - quiet)
            counts.append((subject, checks, free))
        if wait > 0:
            return wait
        for subject, checks, free in counts:
            conn.execute(
                update(t)
                .where(t.c.subject == subject, t.c.network == network)
                .values(checks=checks + 1, last_at=now)
            )
            if checks + 1 == free:
                logger.warning("login back-off starts for %s from %s", subject, network)
        # forget rows quiet for long enough (indexed on last_at)
        stale = now - timedelta(seconds=policy.forget_after_s)
        conn.execute(delete(t).where(t.c.last_at < stale))
    return 0.0


def authenticate(
    store: Store,
    name: str,
    password: str,
    *,
    network: str,
    now: datetime,
    hasher: PasswordHasher | None = None,
    policy: LoginPolicy | None = None,
    checks: threading.BoundedSemaphore | None = None,
) -> LoginResult:
    """Check a login, with back-off per (name, network) and per network.

    The attempt is admitted (and counted) before its password is checked; one the
    back-off refuses checks nothing. An unknown name, a disabled account and a wrong
    password are one and the same failure to the caller. A right password clears the
    (name, network) count; other networks' counts are theirs.

    Args:
        store: The store.
        name: The typed name.
        password: The typed password.
        network: The client's network (``midweek.web.security.network_of``).
        now: The time of the attempt.
        hasher: The argon2 hasher (default :data:`PASSWORD_HASHER`).
        policy: The back-off (default :class:`LoginPolicy`).
        checks: Bounds the password checks running at once (default: a module-wide
            semaphore of :data:`DEFAULT_CONCURRENT_CHECKS`).

    Returns:
        The result.
    """
    ph = hasher or PASSWORD_HASHER
    rules = policy or LoginPolicy()
    slots = checks or _DEFAULT_CHECKS
    name = name.strip()[:USER_NAME_LENGTH]
    network = network[:NETWORK_KEY_LENGTH]
    own = f"name:{name.casefold()}"
    subjects = ((own, rules.free_attempts), (_ANY_NAME, rules.network_free_attempts))
    wait = _admit(store, subjects, network, rules, now)
    if wait > 0:
        return LoginResult(None, locked=True, retry_after_s=wait)
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    stored_hash = row.password_hash if row is not None else _dummy_hash()
    if not slots.acquire(timeout=rules.check_wait_s):
        logger.warning("every password-check slot stayed busy for %.1f s", rules.check_wait_s)
        return LoginResult(None, locked=True, retry_after_s=rules.check_wait_s)
    try:
        ok: bool = ph.verify(stored_hash, password[:MAX_PASSWORD_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    finally:
        slots.release()
    if ok and row is not None and not row.disabled:
        t = login_throttle
        with store.write() as conn:
            conn.execute(delete(t).where(t.c.subject == own, t.c.network == network))
            if ph.check_needs_rehash(stored_hash):  # parameters raised since it was set
                new_hash = ph.hash(password)
                conn.execute(
                    update(users).where(users.c.id == row.id).values(password_hash=new_hash)
                )
        return LoginResult(_user(row))
    return LoginResult(None)


def _hash_session(token: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(
    store: Store, user_id: int, *, now: datetime, replaces: str | None = None
) -> str:
    """Start a session with a new random id (the old one, if any, is deleted).

    Expired sessions of every user are swept at the same time.

    Args:
        store: The store.
        user_id: The logged-in user.
        now: The login time.
        replaces: The session id the browser held before, if any.

    Returns:
        The new session id (for the cookie; only its hash is stored).
    """
    token = secrets.token_urlsafe(SESSION_ID_BYTES)
    s = editor_sessions
    with store.write() as conn:
        conn.execute(delete(s).where(s.c.expires_at <= now))
        if replaces:
            conn.execute(delete(s).where(s.c.id_hash == _hash_session(replaces)))
        conn.execute(
            s.insert().values(
                id_hash=_hash_session(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
    return token


def session_user(store: Store, token: str | None, *, now: datetime) -> User | None:
    """The user of a live session, or None (no such id, expired, or user disabled).

    Args:
        store: The store.
        token: The cookie's session id.
        now: The time of the request.

    Returns:
        The user.
    """
    if not token or len(token) > 2 * SESSION_ID_BYTES:
        return None
    s = editor_sessions
    stmt = (
        select(users)
        .join(s, s.c.user_id == users.c.id)
        .where(s.c.id_hash == _hash_session(token), s.c.expires_at > now)
    )
    with store.engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or row.disabled:
        return None
    return _user(row)


def delete_session(store: Store, token: str | None) -> None:
    """End a session (logout); an unknown id is a no-op."""
    if token:
        with store.write() as conn:
            conn.execute(
                delete(editor_sessions).where(editor_sessions.c.id_hash == _hash_session(token))
            )
