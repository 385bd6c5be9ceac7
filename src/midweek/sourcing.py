"""Adding sources: look at a URL to tell a feed from a sitemap from a site, import OPML."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from midweek.errors import ConfigError, MidweekError, SourceError
from midweek.fetch import Fetcher
from midweek.models import Source
from midweek.settings import Settings
from midweek.sources.discover import discover_feeds
from midweek.sources.feeds import parse_feed, sniff_kind
from midweek.sources.normalize import absolute_http_url
from midweek.sources.opml import parse_opml
from midweek.sources.sitemaps import parse_sitemap
from midweek.store import Store
from midweek.text.clean import is_clean
from midweek.workspace import open_fetcher

logger = logging.getLogger(__name__)

KINDS = ("auto", "feed", "sitemap", "page")
# An OPML file is a short list of URLs; anything larger is not one.
MAX_OPML_BYTES = 5 * 1024 * 1024


def classify_url(fetcher: Fetcher, url: str) -> list[Source]:
    """Fetch ``url`` and say what sources it is: itself, or the feeds a site declares.

    Raises:
        FetchError: the URL cannot be fetched.
        SourceError: it is neither a feed, a sitemap nor an HTML page.
    """
    page = fetcher.fetch(url)
    kind = sniff_kind(page.body, page.content_type)
    if kind in {"feed", "json_feed"}:
        feed = parse_feed(page.body, page.url)
        return [Source(url=page.url, kind="feed", title=feed.title)]
    if kind == "sitemap":
        parse_sitemap(page.body, page.url)  # raises SourceError when unreadable
        return [Source(url=page.url, kind="sitemap")]
    if kind == "html":
        feeds = discover_feeds(page.body, page.url)
        if feeds:
            return [Source(url=f, kind="feed") for f in feeds]
        return [Source(url=page.url, kind="page")]
    raise SourceError(f"{url}: neither a feed, a sitemap nor an HTML page ({kind})")


def add_source(
    store: Store,
    url: str,
    kind: str,
    settings: Settings,
    now: Callable[[], datetime],
    *,
    fetcher: Fetcher | None = None,
) -> list[tuple[Source, bool]]:
    """Add a source of a given kind, or look at it first with kind "auto".

    Args:
        store: The open store the sources go into.
        url: The source's http(s) URL.
        kind: One of ``KINDS``; "auto" fetches the URL to tell what it is.
        settings: The workspace's settings (the fetch policy of "auto").
        now: The clock; read once per stored source.
        fetcher: Classifies an "auto" URL; None opens one for this call from the
            settings (:func:`midweek.workspace.open_fetcher`) and closes it after.

    Returns:
        Each stored source and whether it was new.

    Raises:
        ConfigError: an unknown kind or a URL that is not http(s).
        FetchError, SourceError: with "auto", the URL could not be classified (any
            error of the libraries underneath becomes a SourceError).
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{url!r}: a source URL must start with http:// or https://")
    if not is_clean(url) or absolute_http_url(url) != url.strip().replace(" ", "%20"):
        raise ConfigError(f"{url!r}: not a usable http(s) URL (control characters or no host)")
    if kind == "auto":
        with ExitStack() as stack:
            if fetcher is None:
                fetcher = stack.enter_context(open_fetcher(settings))
            try:
                found = classify_url(fetcher, url)
            except MidweekError:
                raise
            except Exception as exc:  # a library's error on a hostile answer: one line
                logger.debug("classifying %s failed", url, exc_info=True)
                raise SourceError(
                    f"{url}: cannot be read as a source: {type(exc).__name__}: {exc}"
                ) from exc
    else:
        found = [Source(url=url, kind=kind)]
    return [store.add_source(s, now()) for s in found]


def import_opml(store: Store, path: Path, now: datetime) -> tuple[int, int]:
    """Add every feed of an OPML file.

    Returns:
        How many were new and how many were there already.

    Raises:
        SourceError: the file is missing, too large or not OPML.
    """
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise SourceError(f"{path}: larger than {MAX_OPML_BYTES} bytes; not an OPML list")
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    new = known = 0
    for source in parse_opml(data):
        try:
            _, created = store.add_source(source, now)
        except MidweekError as exc:
            logger.warning("OPML entry %s skipped: %s", source.url, exc)
            continue
        new += created
        known += not created
    return new, known
