"""The one error hierarchy of midweek.

Every error a user can cause or meet derives from :class:`MidweekError`; the CLI turns
each into one clear line and an exit code, never a traceback::

    MidweekError
    ├── ConfigError        bad settings file, bad option value, missing workspace
    ├── StoreError         the database cannot be opened or migrated
    ├── SourceError        a feed, sitemap, OPML file or import file that cannot be read
    ├── FetchError         a network request that did not give a usable response
    │   ├── BlockedURLError    the URL or one of its addresses is not allowed
    │   ├── TooLargeError      the body is over the size cap (after decompression)
    │   ├── DeadlineError      the request ran past its total deadline
    │   ├── HTTPStatusError    a 4xx/5xx answer that retries did not cure
    │   ├── ContentTypeError   a content type outside the allow-list
    │   ├── RobotsError        robots.txt disallows the URL
    │   ├── DeferredError      not sent: its host's queue is past the run's time budget
    │   └── TooManyRedirectsError
    ├── ExtractError       a page that holds no article (or could not be parsed in time)
    └── ReviewFormatError  a review body (JSON) that is not a review: the message names the field

A benign failure inside a stage (one bad page among a thousand) is *recorded* as a
:class:`midweek.models.Failure` and skipped; these exceptions are for the caller that
must decide.
"""

from __future__ import annotations


class MidweekError(Exception):
    """Base of every error midweek raises on purpose."""


class ConfigError(MidweekError):
    """A setting, option or workspace that cannot be used."""


class StoreError(MidweekError):
    """The database cannot be opened, migrated or written."""


class ReviewFormatError(MidweekError, ValueError):
    """A review body that is not a review of a schema version this midweek reads.

    The message names the field (``sections[2].sentences[0].text``) and what was wrong.
    It is also a :class:`ValueError`, as a malformed value is.
    """


class SourceError(MidweekError):
    """A feed, sitemap, OPML or import file that cannot be read at all."""


class ExtractError(MidweekError):
    """A page that holds no extractable article."""


class FetchError(MidweekError):
    """A request that did not produce a usable response.

    Attributes:
        url: the URL that was requested (after redirects where known).
    """

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class BlockedURLError(FetchError):
    """The scheme, host, port or a resolved address is not allowed."""


class TooLargeError(FetchError):
    """The (decompressed) body is larger than the cap."""


class DeadlineError(FetchError):
    """The request did not finish within its total deadline."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, url: str = "", status: int = 0) -> None:
        super().__init__(message, url)
        self.status = status


class ContentTypeError(FetchError):
    """The response's content type is not on the allow-list."""


class RobotsError(FetchError):
    """robots.txt disallows fetching the URL."""


class TooManyRedirectsError(FetchError):
    """More redirects than allowed, or a redirect loop."""


class DeferredError(FetchError):
    """The request was not sent: its host's queue is past this run's time budget.

    Not a failure of the URL: the next run tries it again.
    """
