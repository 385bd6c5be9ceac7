"""The editor's desk: users, sessions, login throttling, review edits and their audit log.

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

Review edits are pure functions from a :class:`~midweek.models.Review` (the stored body
read by :func:`~midweek.render.jsonout.review_from_dict`) to a new one;
:func:`save_review_edit` writes one in a transaction that checks the body has not
changed since the editor loaded it, keeps the generated body at the first edit, and
appends the audit entry. Only drafts are edited: a published review is unpublished first.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.engine import Row

from midweek.errors import ConfigError, StoreError
from midweek.models import Citation, Review, ReviewTag, Section, Sentence
from midweek.render.jsonout import review_to_dict
from midweek.store import schema
from midweek.store.db import Store, StoredReview
from midweek.store.editor_schema import (
    NETWORK_KEY_LENGTH,
    USER_NAME_LENGTH,
    editor_sessions,
    login_throttle,
    review_audit,
    reviews_generated,
    users,
)

if TYPE_CHECKING:  # only the type: the store does not load the entity models
    from midweek.entities import KnowledgeBase

logger = logging.getLogger(__name__)

__all__ = [
    "LOGIN_FREE_ATTEMPTS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SESSION_TTL",
    "AuditEntry",
    "DeskReview",
    "EditConflictError",
    "LoginPolicy",
    "LoginResult",
    "ReviewEdit",
    "SectionEdit",
    "User",
    "add_user",
    "apply_edit",
    "authenticate",
    "body_version",
    "changed_fields",
    "create_session",
    "delete_section",
    "delete_session",
    "generated_body",
    "get_desk_review",
    "list_audit",
    "list_desk_reviews",
    "list_users",
    "merge_tags",
    "move_section",
    "remove_user",
    "review_diff",
    "review_lines",
    "save_review_edit",
    "section_text",
    "session_user",
    "set_review_status",
    "tag_for_name",
    "tag_names",
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
# The seed review's page shows at most three teasers (the JSON schema's maxItems).
MAX_TEASERS: Final = 3
# Tags an editor may give one review (the entity tagger proposes at most ~8).
MAX_TAGS: Final = 20
# Lines of context in the generated-vs-current diff (difflib's default).
DIFF_CONTEXT: Final = 3

PASSWORD_HASHER: PasswordHasher = PasswordHasher()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_STATUSES: Final = ("draft", "published")
# The fields an edit may change, in the order the audit log and the diff show them.
EDITABLE_FIELDS: Final = ("title", "rubric", "intro", "teasers", "tags", "sections")


class EditConflictError(StoreError):
    """The review changed since the editor loaded it, or its state forbids the edit."""


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


@dataclass(frozen=True, slots=True)
class DeskReview(StoredReview):
    """A review as the desk shows it; ``edited`` once an editor has changed it."""

    edited: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action on a review: who, when, what, and the changed fields before and after."""

    id: int
    review_id: int
    user_name: str
    at: datetime
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SectionEdit:
    """A section as the form sends it: a heading and one sentence per line."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class ReviewEdit:
    """The editable fields of a review as the form sends them."""

    title: str
    rubric: str
    intro: str
    teasers: tuple[str, ...]
    tags: tuple[str, ...]
    sections: tuple[SectionEdit, ...]


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


# -- reviews on the desk -----------------------------------------------------------------
def _desk_review(row: Row[Any], edited: bool) -> DeskReview:
    """A reviews row as a DeskReview."""
    return DeskReview(
        id=int(row.id),
        slug=row.slug,
        title=row.title,
        lang=row.lang,
        status=row.status,
        window_start=row.window_start,
        window_end=row.window_end,
        created_at=row.created_at,
        published_at=row.published_at,
        body=dict(row.body or {}),
        edited=edited,
    )


def list_desk_reviews(store: Store) -> list[DeskReview]:
    """Every review, drafts and published, newest window first."""
    r = schema.reviews
    with store.engine.connect() as conn:
        edited = set(conn.scalars(select(reviews_generated.c.review_id)))
        rows = conn.execute(select(r).order_by(r.c.window_end.desc(), r.c.id.desc())).all()
    return [_desk_review(row, int(row.id) in edited) for row in rows]


def get_desk_review(store: Store, review_id: int) -> DeskReview | None:
    """One review by id, or None."""
    r = schema.reviews
    with store.engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None:
            return None
        edited = conn.scalar(
            select(reviews_generated.c.review_id).where(reviews_generated.c.review_id == review_id)
        )
    return _desk_review(row, edited is not None)


def generated_body(store: Store, review_id: int) -> dict[str, Any] | None:
    """The body as generated, kept at the first edit; None when never edited."""
    stmt = select(reviews_generated.c.body).where(reviews_generated.c.review_id == review_id)
    with store.engine.connect() as conn:
        body = conn.scalar(stmt)
    return dict(body) if body is not None else None


def list_audit(store: Store, review_id: int) -> list[AuditEntry]:
    """The audit log of a review, newest first."""
    a = review_audit
    stmt = select(a).where(a.c.review_id == review_id).order_by(a.c.at.desc(), a.c.id.desc())
    with store.engine.connect() as conn:
        return [
            AuditEntry(
                int(r.id), int(r.review_id), r.user_name, r.at, r.action, dict(r.changes or {})
            )
            for r in conn.execute(stmt)
        ]


def body_version(body: dict[str, Any]) -> str:
    """A short fingerprint of a body: forms carry it so a stale form cannot overwrite."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _audit(
    conn: Connection,
    review_id: int,
    user_name: str,
    action: str,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    """Append one audit entry."""
    conn.execute(
        review_audit.insert().values(
            review_id=review_id, user_name=user_name, at=now, action=action, changes=changes
        )
    )


def save_review_edit(
    store: Store,
    review_id: int,
    review: Review,
    *,
    expected_version: str,
    user_name: str,
    action: str,
    now: datetime,
) -> dict[str, Any]:
    """Store an edited body of a draft, keep the generated one, log what changed.

    Args:
        store: The store.
        review_id: The review.
        review: The edited review (from :func:`apply_edit`, :func:`move_section`, ...),
            stored as :func:`~midweek.render.jsonout.review_to_dict` writes it.
        expected_version: :func:`body_version` of the body the editor started from.
        user_name: Who edits.
        action: What the audit log calls it (``edit``, ``move_section``, ...).
        now: The time of the edit.

    Returns:
        The changed fields (before/after), empty when nothing changed.

    Raises:
        EditConflictError: no such review, it is published, or it changed meanwhile.
    """
    body = review_to_dict(review)
    r = schema.reviews
    with store.write() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None:
            raise EditConflictError(f"no review {review_id}")
        if row.status == "published":
            raise EditConflictError("the review is published: unpublish it to edit")
        before = dict(row.body or {})
        if body_version(before) != expected_version:
            raise EditConflictError("the review changed since the form was loaded")
        changes = changed_fields(before, body)
        if not changes:
            return changes
        stmt = (
            store.insert_for(reviews_generated)
            .values(review_id=review_id, body=before, saved_at=now)
            .on_conflict_do_nothing()
        )
        conn.execute(stmt)
        conn.execute(update(r).where(r.c.id == review_id).values(body=body, title=review.title))
        _audit(conn, review_id, user_name, action, changes, now)
    return changes


def set_review_status(
    store: Store, review_id: int, status: str, *, user_name: str, now: datetime
) -> bool:
    """Publish or unpublish a review (the row's status and the body's agree).

    Args:
        store: The store.
        review_id: The review.
        status: ``published`` or ``draft``.
        user_name: Who does it.
        now: The time (the publication time when publishing).

    Returns:
        Whether the status changed.

    Raises:
        ValueError: an unknown status.
        EditConflictError: no such review.
    """
    if status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    r = schema.reviews
    with store.write() as conn:
        row = conn.execute(select(r.c.status, r.c.body).where(r.c.id == review_id)).first()
        if row is None:
            raise EditConflictError(f"no review {review_id}")
        if row.status == status:
            return False
        body = {**dict(row.body or {}), "status": status}
        conn.execute(
            update(r)
            .where(r.c.id == review_id)
            .values(
                status=status,
                body=body,
                published_at=now if status == "published" else None,
            )
        )
        action = "publish" if status == "published" else "unpublish"
        _audit(
            conn,
            review_id,
            user_name,
            action,
            {"status": {"before": row.status, "after": status}},
            now,
        )
    return True


# -- pure review edits -------------------------------------------------------------------
def _one_line(text: str) -> str:
    """Text with every run of whitespace (newlines too) as one space."""
    return " ".join(text.split())


def section_text(section: Section) -> str:
    """A section's sentences as the form shows them: one sentence per line."""
    return "\n".join(_one_line(s.text) for s in section.sentences)


def _section_citations(section: Section) -> list[Citation]:
    """Every citation of a section, once each, in order of first use."""
    seen: dict[int, Citation] = {}
    for sentence in section.sentences:
        for citation in sentence.citations:
            seen.setdefault(citation.article_id, citation)
    return list(seen.values())


def edit_sentences(section: Section, text: str) -> tuple[Sentence, ...]:
    """The sentences of a section after the editor rewrote its text.

    Each non-empty line is a sentence. A line equal to an original sentence (whitespace
    aside) keeps that sentence's citations; the citations of sentences the editor removed
    or rewrote go to the last sentence, so every source of the section stays cited.

    Args:
        section: The stored section.
        text: The form's text, one sentence per line.

    Returns:
        The new sentences (in the review's language: an editor's line carries no mark).
    """
    originals: dict[str, list[Citation]] = {}
    for sentence in section.sentences:
        originals.setdefault(_one_line(sentence.text), []).extend(sentence.citations)
    out: list[Sentence] = []
    used: set[int] = set()
    for line in text.splitlines():
        line = _one_line(line)
        if not line:
            continue
        cites = originals.pop(line, [])
        used.update(c.article_id for c in cites)
        out.append(Sentence(line, tuple(cites)))
    orphans = tuple(c for c in _section_citations(section) if c.article_id not in used)
    if orphans and out:
        out[-1] = replace(out[-1], citations=out[-1].citations + orphans)
    return tuple(out)


def tag_names(tags: Sequence[ReviewTag]) -> list[str]:
    """The display names of tags (blank ones left out)."""
    return [tag.name.strip() for tag in tags if tag.name.strip()]


def tag_for_name(name: str, kb: KnowledgeBase | None) -> ReviewTag:
    """A tag for a name the editor typed: its canonical entity when the knowledge base
    knows the name, else a provisional one (as :func:`midweek.entities.tags.tags_for`
    makes for unknown names).

    Args:
        name: The name, as the editor wants it shown.
        kb: The knowledge base, or None to skip the lookup.

    Returns:
        The tag.
    """
    from midweek.entities.model import PROVISIONAL_PREFIX
    from midweek.entities.normalize import slugify

    candidates = kb.lookup(name) if kb is not None else []
    if candidates:
        entity = candidates[0]  # exact matches come first
        slug = slugify(entity.names.get("en") or entity.id) or slugify(entity.id)
        return ReviewTag(name=name, slug=slug, entity_id=entity.id)
    # a name in Cyrillic alone slugifies to nothing: a hash keeps the slug URL-safe
    base = slugify(name) or hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:12]
    return ReviewTag(name=name, slug=f"prov-{base}", entity_id=f"{PROVISIONAL_PREFIX}{base}")


def merge_tags(
    old: Sequence[ReviewTag], names: Sequence[str], kb: KnowledgeBase | None
) -> tuple[ReviewTag, ...]:
    """The new tags: a kept name keeps its stored tag; a new one gets :func:`tag_for_name`.

    Args:
        old: The stored tags (a plain name of an older body is a tag without a slug).
        names: The editor's names, in order (duplicates, ignoring case, dropped).
        kb: The knowledge base that resolves new names, or None.

    Returns:
        At most :data:`MAX_TAGS` tags.
    """
    by_name: dict[str, ReviewTag] = {}
    for tag in old:
        if tag.name.strip():
            by_name.setdefault(tag.name.strip().casefold(), tag)
    out: list[ReviewTag] = []
    seen: set[str] = set()
    for raw in names:
        name = _one_line(raw)
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        out.append(by_name.get(name.casefold()) or tag_for_name(name, kb))
    return tuple(out[:MAX_TAGS])


def apply_edit(review: Review, edit: ReviewEdit, kb: KnowledgeBase | None = None) -> Review:
    """The review with the form's fields; section i of the form edits section i.

    Args:
        review: The stored review.
        edit: The form's values (as many sections as the review has).
        kb: The knowledge base that resolves new tag names (None: all provisional).

    Returns:
        The edited review (a section whose text the form left as it was keeps its
        sentences, marks and citations).

    Raises:
        ValueError: the form's section count does not match the review's.
    """
    if len(edit.sections) != len(review.sections):
        raise ValueError("the form does not match the review's sections")
    sections: list[Section] = []
    for old, new in zip(review.sections, edit.sections, strict=True):
        section = replace(old, heading=_one_line(new.heading))
        if new.text.strip() != section_text(old).strip() or not new.text.strip():
            section = replace(section, sentences=edit_sentences(old, new.text))
        sections.append(section)
    return replace(
        review,
        title=_one_line(edit.title),
        rubric=_one_line(edit.rubric),
        intro=edit.intro.strip(),
        teasers=_teasers(review.sections, sections, edit.teasers),
        tags=merge_tags(review.tags, edit.tags, kb),
        sections=tuple(sections),
    )


def _teasers(
    old_sections: Sequence[Section], new_sections: Sequence[Section], teasers: Sequence[str]
) -> tuple[str, ...]:
    """The teasers of an edit: one that still reads as its section's old heading follows it.

    A generated teaser is the heading of the section in its place (compose); when the
    editor renames that heading and leaves the teaser as it was, the teaser takes the new
    heading. A teaser the editor wrote (differing from the old heading) is kept.
    """
    out = []
    for i, teaser in enumerate(_one_line(t) for t in teasers if t.strip()):
        kept = i < len(old_sections) and i < len(new_sections)
        if kept and teaser == _one_line(old_sections[i].heading):
            teaser = new_sections[i].heading or teaser
        out.append(teaser)
    return tuple(out[:MAX_TEASERS])


def move_section(review: Review, index: int, delta: int) -> Review:
    """The review with section ``index`` moved by ``delta`` places (clamped at the ends)."""
    sections = list(review.sections)
    if not 0 <= index < len(sections):
        raise ValueError(f"no section {index}")
    target = min(max(index + delta, 0), len(sections) - 1)
    sections.insert(target, sections.pop(index))
    return replace(review, sections=tuple(sections))


def delete_section(review: Review, index: int) -> Review:
    """The review without section ``index``."""
    if not 0 <= index < len(review.sections):
        raise ValueError(f"no section {index}")
    return replace(review, sections=review.sections[:index] + review.sections[index + 1 :])


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of two bodies that differ, each as ``{"before", "after"}``."""
    return {
        field: {"before": before.get(field), "after": after.get(field)}
        for field in EDITABLE_FIELDS
        if before.get(field) != after.get(field)
    }


def review_lines(review: Review) -> list[str]:
    """A review as plain lines for a readable diff: fields, then each section."""
    lines = [
        f"rubric: {review.rubric}",
        f"title: {review.title}",
        *(f"teaser: {t}" for t in review.teasers),
        f"intro: {review.intro}",
        f"tags: {', '.join(tag_names(review.tags))}",
    ]
    for section in review.sections:
        lines.append("")
        lines.append(f"## {section.heading}")
        lines.extend(section_text(section).splitlines())
    return lines


def review_diff(before: Review, after: Review) -> str:
    """A unified diff (difflib) of two reviews' readable lines; empty when they agree."""
    return "\n".join(
        difflib.unified_diff(
            review_lines(before),
            review_lines(after),
            fromfile="generated",
            tofile="current",
            lineterm="",
            n=DIFF_CONTEXT,
        )
    )
