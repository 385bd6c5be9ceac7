"""Tables of the editor's desk, on the same ``metadata`` as :mod:`midweek.store.schema`.

Passwords are stored only as argon2 hashes; a session row holds the SHA-256 of the
session id, never the id itself, so a copy of the database opens no session. The audit
log names the editor by name (not by a foreign key) so removing a user keeps their
history. The generated body of a review is kept once, at its first edit, so the desk can
always show what the editor changed.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from midweek.store.schema import UTCDateTime, metadata

__all__ = [
    "USER_NAME_LENGTH",
    "editor_sessions",
    "login_throttle",
    "review_audit",
    "reviews_generated",
    "users",
]

# A login name: short, typed by hand; 64 leaves room for an e-mail-like name.
USER_NAME_LENGTH = 64
# The hex SHA-256 of a session id.
SESSION_HASH_LENGTH = 64

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(USER_NAME_LENGTH), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

editor_sessions = Table(
    "editor_sessions",
    metadata,
    Column("id_hash", String(SESSION_HASH_LENGTH), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# The longest network key: an IPv6 /64 in full ("ffff:...:ffff::/64" is at most 43) or
# a non-IP peer's name (64, midweek.web.security.MAX_HOST_KEY, plus "host:").
NETWORK_KEY_LENGTH = 72

# Password checks admitted per (subject, network): subject "name:<casefolded name>" for
# one account, "*" for every name from that network. A login attempt upserts its rows and
# reads them in one transaction before any password is checked (insert-then-check), and
# the back-off grows with ``checks`` (midweek.store.users.LoginPolicy).
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("subject", String(USER_NAME_LENGTH + 8), nullable=False),
    Column("network", String(NETWORK_KEY_LENGTH), nullable=False),
    Column("checks", Integer, nullable=False),
    Column("last_at", UTCDateTime, nullable=False, index=True),
    PrimaryKeyConstraint("subject", "network", name="pk_login_throttle"),
)

review_audit = Table(
    "review_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "review_id",
        Integer,
        ForeignKey("reviews.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("user_name", String(USER_NAME_LENGTH), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("changes", JSON, nullable=False),
)

reviews_generated = Table(
    "reviews_generated",
    metadata,
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("body", JSON, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
)
