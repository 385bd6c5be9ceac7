"""The review page's shared parts: its frame, and the rating summary of much-rated reviews.

A review page is the same for every reader but for its rating block: the count and the
mean, the reader's own stars and the reader's form token. So the page is rendered once per
:class:`FrameKey` with a marker where the rating block goes, split there and kept (a
:class:`Frame`); each request renders only the small rating block and joins the three.

The key holds the review's stored body text, title and slug, so an edit or a publish by
any process (the desk, the command line, another worker) reads back as a new key and the
next request renders afresh: nothing has to be told to invalidate, and entries of old
versions fall out of the bounded LRU (``functools.lru_cache``, thread-safe). A review that
is taken back to draft is not found by the page's query, so its frame is never served.

The rating count and mean are computed from the rows (SQL ``COUNT``/``AVG``), exactly, on
every request while a review has few ratings. That costs time in proportion to the
ratings (measured on SQLite: 0.9 ms at 1,000, 4.8 ms at 10,000, 63 ms at 100,000), so
once a review has :data:`SUMMARY_EXACT_BELOW` or more, :class:`SummaryCache` keeps its
summary for :data:`SUMMARY_TTL_S`: a vote cast through this process drops it at once (the
voter sees their vote counted), one cast through another process shows within that time.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import _CacheInfo, _lru_cache_wrapper, lru_cache
from typing import Final

from markupsafe import Markup

from midweek.errors import MidweekError
from midweek.render.jsonout import review_from_dict
from midweek.store.site import RatingSummary, parse_body
from midweek.web.i18n import gettext
from midweek.web.views import review_page, share_links

logger = logging.getLogger(__name__)

__all__ = [
    "RATING_SLOT",
    "REVIEW_FRAMES",
    "SUMMARY_EXACT_BELOW",
    "SUMMARY_TTL_S",
    "Frame",
    "FrameKey",
    "ReviewFrames",
    "SummaryCache",
]

# Where the rating block goes. Every third-party string is autoescaped, so no stored text
# can put a raw "<!--" on the page: the marker can only come from the template itself.
RATING_SLOT: Final = "<!--midweek:rating-->"
# Frames kept: a frame is ~15 KB of HTML and its key holds the ~20 KB body, so 256 frames
# stay under ~10 MB while covering every language of the latest weeks' reviews.
REVIEW_FRAMES: Final = 256
# Below this many ratings the count and mean cost under a millisecond (0.9 ms at 1,000 on
# SQLite): they are computed on every request, so every vote shows at once everywhere.
SUMMARY_EXACT_BELOW: Final = 1000
# How long a much-rated review's summary is kept: a second of lag on a count of a thousand
# or more changes what the page shows by a vote or two at most.
SUMMARY_TTL_S: Final = 1.0
# Summaries kept (reviews, not readers): far more than the reviews read at once.
SUMMARY_MAX_KEYS: Final = 1024


@dataclass(frozen=True, slots=True)
class FrameKey:
    """Everything the shared part of a review page depends on (hashable)."""

    review_id: int
    slug: str
    title: str
    content_lang: str
    body_text: str
    lang: str
    canonical: str
    feed_url: str
    language_links: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class Frame:
    """A review page without its rating block: the HTML before and after it."""

    head: str
    tail: str

    def join(self, rating_block: str) -> str:
        """The whole page with ``rating_block`` in its place."""
        return self.head + rating_block + self.tail


class ReviewFrames:
    """A bounded cache of review page frames, rendered on a miss."""

    def __init__(
        self, render: Callable[..., str], site_name: str, maxsize: int = REVIEW_FRAMES
    ) -> None:
        """Set the renderer (:func:`midweek.web.runtime.render_html`) and the bound.

        Args:
            render: ``render(site_name, template, lang, **context) -> str``.
            site_name: The site's name.
            maxsize: Frames kept.
        """
        self._render = render
        self._site_name = site_name
        self._cached: _lru_cache_wrapper[Frame] = lru_cache(maxsize=maxsize)(self._build)

    def get(self, key: FrameKey) -> Frame:
        """The frame of ``key``, rendered now when it is not kept."""
        return self._cached(key)

    def clear(self) -> None:
        """Forget every frame (tests; a running site never needs it)."""
        self._cached.cache_clear()

    def info(self) -> _CacheInfo:
        """Hits, misses and size (``functools`` cache info)."""
        return self._cached.cache_info()

    def _build(self, key: FrameKey) -> Frame:
        """Render the page with the marker in place of the rating block and split it.

        Raises:
            MidweekError: the template does not hold the marker exactly once.
        """
        page = review_page(review_from_dict(parse_body(key.body_text)))
        html = self._render(
            self._site_name,
            "review.html",
            key.lang,
            canonical=key.canonical,
            language_links=key.language_links,
            feed_url=key.feed_url,
            review=page,
            content_lang=key.content_lang,
            rating_slot=Markup(RATING_SLOT),  # noqa: S704 (a constant of ours, not input)
            shares=share_links(key.canonical, page.title or key.title, gettext(key.lang, "email")),
        )
        head, found, tail = html.partition(RATING_SLOT)
        if not found or RATING_SLOT in tail:
            raise MidweekError("review.html must hold the rating slot exactly once")
        logger.debug("rendered the frame of review %d in %s", key.review_id, key.lang)
        return Frame(head, tail)


class SummaryCache:
    """Rating summaries of much-rated reviews by slug, kept for a short time.

    Hand-written (a few lines) rather than a cache library: ``functools`` has no expiry,
    and the rule of which entries to keep is ours. Thread-safe; bounded LRU. A vote leaves
    a mark, so a count that began before the vote is not kept after it.
    """

    def __init__(
        self,
        ttl_s: float = SUMMARY_TTL_S,
        exact_below: int = SUMMARY_EXACT_BELOW,
        max_keys: int = SUMMARY_MAX_KEYS,
    ) -> None:
        """Set the limits (see the module's constants)."""
        self.ttl_s = ttl_s
        self.exact_below = exact_below
        self.max_keys = max_keys
        # slug -> (summary, or None for "a vote was recorded", monotonic time)
        self._kept: OrderedDict[str, tuple[RatingSummary | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slug: str, now: float) -> RatingSummary | None:
        """A summary kept less than ``ttl_s`` before monotonic ``now``, else None."""
        with self._lock:
            summary, when = self._kept.get(slug, (None, 0.0))
            if summary is None or now - when >= self.ttl_s:
                return None
            self._kept.move_to_end(slug)
            return summary

    def put(self, slug: str, summary: RatingSummary, began: float) -> None:
        """Keep a summary counted from ``began`` on, if the review has many ratings.

        Not kept when a vote was recorded after the count began (it may miss the vote).
        """
        if summary.count < self.exact_below:
            return
        with self._lock:
            mark, when = self._kept.get(slug, (None, 0.0))
            if slug in self._kept and mark is None and when >= began:
                return
            self._set(slug, summary, began)

    def forget(self, slug: str, now: float) -> None:
        """Drop a review's summary: a vote was recorded at monotonic ``now``."""
        with self._lock:
            self._set(slug, None, now)

    def _set(self, slug: str, value: RatingSummary | None, when: float) -> None:
        """Store an entry, newest last, the oldest beyond the bound dropped (lock held)."""
        self._kept[slug] = (value, when)
        self._kept.move_to_end(slug)
        while len(self._kept) > self.max_keys:
            self._kept.popitem(last=False)
