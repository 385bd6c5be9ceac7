"""Queries of the reader-facing site: ratings, review listings, stories, single articles.

They run on the engine of an existing :class:`~midweek.store.db.Store` and follow its
rules: one transaction per write (``BEGIN IMMEDIATE`` on SQLite), uniqueness in the
schema. A rating is an upsert on ``UNIQUE(review_id, reader_id)``, so a second vote by the
same reader, even one racing the first, updates the row instead of adding one; averages
and counts are computed from the rows by SQL every time, never kept as running totals.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Text, bindparam, cast, func, null, select
from sqlalchemy.engine import Row

from midweek.models import Article
from midweek.render.jsonout import review_from_dict
from midweek.store import schema
from midweek.store.db import Store, StoredReview
from midweek.store.site_schema import READER_ID_LENGTH, ratings

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_STARS",
    "MIN_STARS",
    "RatingSummary",
    "ReaderReview",
    "ReviewListing",
    "get_article",
    "get_review_listing",
    "list_review_listings",
    "parse_body",
    "rate_review",
    "rating_summaries",
    "rating_summary",
    "reader_stars",
    "review_for_reader",
]

# The scale the site offers (1–5 stars, as in the seed review's page); the table's CHECK
# constraint holds the same bounds.
MIN_STARS = 1
MAX_STARS = 5
# Surrogate code points: in a Python string they are always lone (pairs are decoded).
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """The ratings of one review: how many, and their mean (None when there are none)."""

    count: int
    average: float | None


@dataclass(frozen=True, slots=True)
class ReviewListing(StoredReview):
    """A published review as lists and feeds show it: the stored row (its body scrubbed of
    lone surrogates, which no UTF-8 response can carry) with its intro and teasers."""

    intro: str
    teasers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReaderReview:
    """What one reader's review page needs, from one statement (the site's hot path).

    ``body_text`` is the stored JSON body as the database holds it, not parsed: any edit
    changes it, so together with the columns it keys the page's shared rendering, and
    :func:`parse_body` parses it only when that rendering is not cached.
    """

    id: int
    slug: str
    title: str
    lang: str
    body_text: str
    summary: RatingSummary | None
    mine: int | None


# Readers see published reviews only; drafts are read on the editor's desk (preview).
_PUBLISHED = schema.reviews.c.status == "published"


def rate_review(store: Store, *, review_id: int, reader_id: str, stars: int, now: datetime) -> None:
    """Record a reader's stars for a review; a second vote replaces the first.

    Args:
        store: The store.
        review_id: The review's id (it must exist).
        reader_id: The verified reader id (from the signed cookie, never a header).
        stars: 1 to 5.
        now: The time of the vote.

    Raises:
        ValueError: stars out of range or an empty or over-long reader id.
        StoreError: the write failed (for instance, no such review).
    """
    if not MIN_STARS <= stars <= MAX_STARS:
        raise ValueError(f"stars must be {MIN_STARS}..{MAX_STARS}, got {stars}")
    if not reader_id or len(reader_id) > READER_ID_LENGTH:
        raise ValueError("reader id missing or too long")
    stmt = store.insert_for(ratings).values(
        review_id=review_id, reader_id=reader_id, stars=stars, created_at=now, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[ratings.c.review_id, ratings.c.reader_id],
        set_={"stars": stars, "updated_at": now},
    )
    with store.write() as conn:
        conn.execute(stmt)


def rating_summaries(store: Store, review_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Count and SQL ``AVG`` of the stars of each review (zero count, no mean, when unrated).

    Args:
        store: The store.
        review_ids: The reviews wanted.

    Returns:
        A summary for every requested id.
    """
    with store.engine.connect() as conn:
        return _summaries(conn, review_ids)


def _summaries(conn: Connection, review_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Count and mean of each review's stars, on an open connection."""
    wanted = list(set(review_ids))
    out = {i: RatingSummary(0, None) for i in wanted}
    if not wanted:
        return out
    # AVG over an integer column: cast so both backends return a fractional mean.
    average = func.avg(ratings.c.stars * 1.0)
    stmt = (
        select(ratings.c.review_id, func.count(), average)
        .where(ratings.c.review_id.in_(wanted))
        .group_by(ratings.c.review_id)
    )
    for review_id, count, mean in conn.execute(stmt):
        out[int(review_id)] = RatingSummary(int(count), float(mean))
    return out


def rating_summary(store: Store, review_id: int) -> RatingSummary:
    """Count and mean of one review's stars.

    Args:
        store: The store.
        review_id: The review.

    Returns:
        The summary; ``average`` is None when nobody has rated it.
    """
    return rating_summaries(store, [review_id])[review_id]


def reader_stars(store: Store, review_id: int, reader_id: str) -> int | None:
    """The stars this reader gave this review, if any.

    Args:
        store: The store.
        review_id: The review.
        reader_id: The verified reader id.

    Returns:
        1..5, or None.
    """
    with store.engine.connect() as conn:
        return _stars(conn, review_id, reader_id)


def _stars(conn: Connection, review_id: int, reader_id: str) -> int | None:
    """A reader's stars for a review, on an open connection."""
    stmt = select(ratings.c.stars).where(
        ratings.c.review_id == review_id, ratings.c.reader_id == reader_id
    )
    value = conn.scalar(stmt)
    return int(value) if value is not None else None


def _reader_review_statement(with_reader: bool, with_summary: bool) -> Select[Any]:
    """The statement of :func:`review_for_reader` (built once per shape: the hot path)."""
    r = schema.reviews
    of_review = ratings.c.review_id == r.c.id
    count: Any = select(func.count()).where(of_review).scalar_subquery() if with_summary else null()
    # AVG over an integer column: cast so both backends return a fractional mean.
    mean: Any = (
        select(func.avg(ratings.c.stars * 1.0)).where(of_review).scalar_subquery()
        if with_summary
        else null()
    )
    mine: Any = (
        select(ratings.c.stars)
        .where(of_review, ratings.c.reader_id == bindparam("reader_id"))
        .scalar_subquery()
        if with_reader
        else null()
    )
    return select(
        r.c.id,
        r.c.slug,
        r.c.title,
        r.c.lang,
        cast(r.c.body, Text).label("body_text"),
        count.label("n"),
        mean.label("mean"),
        mine.label("mine"),
    ).where(r.c.slug == bindparam("slug"), _PUBLISHED)


_READER_REVIEW = {
    (reader, summary): _reader_review_statement(reader, summary)
    for reader in (True, False)
    for summary in (True, False)
}


def review_for_reader(
    store: Store, slug: str, reader_id: str | None, *, summary: bool = True
) -> ReaderReview | None:
    """A published review, its rating count and mean, and this reader's stars: one query.

    The count, the mean and the reader's stars are correlated subqueries over the ratings
    (computed from the rows on every call), so the page costs one round trip; the body
    comes back as text, unparsed.

    Args:
        store: The store.
        slug: The review's slug.
        reader_id: The verified reader, or None for a new one (who has not voted).
        summary: Whether to count the ratings (False when the caller has a fresh count);
            without, :attr:`ReaderReview.summary` is None.

    Returns:
        The review as the page needs it, or None when there is no such published review.
    """
    stmt = _READER_REVIEW[bool(reader_id), summary]
    with store.engine.connect() as conn:
        row = conn.execute(stmt, {"slug": slug, "reader_id": reader_id}).first()
    if row is None:
        return None
    n = int(row.n or 0)
    return ReaderReview(
        id=int(row.id),
        slug=row.slug,
        title=row.title,
        lang=row.lang,
        body_text=str(row.body_text or "{}"),
        summary=RatingSummary(n, float(row.mean) if n and row.mean is not None else None)
        if summary
        else None,
        mine=int(row.mine) if row.mine is not None else None,
    )


def parse_body(body_text: str) -> dict[str, object]:
    """A stored body's text as a dict, lone surrogates scrubbed (as listings hold bodies).

    Args:
        body_text: The JSON text from :attr:`ReaderReview.body_text`.

    Returns:
        The body; an empty dict when the text is not a JSON object.
    """
    try:
        body = json.loads(body_text)
    except ValueError:
        logger.warning("a stored review body is not valid JSON")
        return {}
    return _scrub_object(body) if isinstance(body, dict) else {}


def list_review_listings(store: Store, *, limit: int, offset: int = 0) -> list[ReviewListing]:
    """Published reviews, newest window first (drafts stay on the editor's desk).

    Args:
        store: The store.
        limit: At most this many.
        offset: Skip this many first.

    Returns:
        The listings.
    """
    r = schema.reviews
    stmt = (
        select(r)
        .where(_PUBLISHED)
        .order_by(r.c.window_end.desc(), r.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with store.engine.connect() as conn:
        return [_listing(row) for row in conn.execute(stmt)]


def get_review_listing(store: Store, slug: str) -> ReviewListing | None:
    """One published review by slug, with its window columns.

    Args:
        store: The store.
        slug: The review's slug.

    Returns:
        The listing, or None.
    """
    r = schema.reviews
    with store.engine.connect() as conn:
        row = conn.execute(select(r).where(r.c.slug == slug, _PUBLISHED)).first()
    return _listing(row) if row is not None else None


def _scrub(value: object) -> object:
    """JSON values with lone surrogates replaced by U+FFFD (JSON's ``\\ud800`` escapes
    decode to them, and no UTF-8 response can carry them)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return _scrub_object(value)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _scrub_object(value: Mapping[object, object]) -> dict[str, object]:
    """A JSON object scrubbed as :func:`_scrub` does (its keys are strings)."""
    return {_SURROGATE.sub("\ufffd", str(k)): _scrub(v) for k, v in value.items()}


def _listing(row: Row[Any]) -> ReviewListing:
    """A reviews row as a listing (its body scrubbed of lone surrogates).

    Raises:
        ReviewFormatError: the stored body is not a review (``save_review`` refuses one).
    """
    body = _scrub_object(row.body or {})
    review = review_from_dict(body)
    return ReviewListing.from_row(row, body, intro=review.intro, teasers=review.teasers)


def get_article(store: Store, article_id: int) -> Article | None:
    """One stored article by id.

    Args:
        store: The store.
        article_id: Its id.

    Returns:
        The article, or None.
    """
    return store.get_articles([article_id]).get(article_id)
